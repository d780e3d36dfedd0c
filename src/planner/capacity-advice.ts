/**
 * What to tell the user when a new session does not fit right now, in their terms. A real manager
 * accepts such a session and keeps it PENDING until there is room (facts §15.8), so this is a
 * warning about a wait, not a reason to refuse: which limit is hit (free capacity in the resource
 * group, the keypair's or the project's quota, the number of sessions at once), by how much, which
 * of the user's sessions hold it, and the ways out — ask for less, another resource group where
 * it fits now, or terminate a session.
 */
import { humanBytes } from '../units.js';
import type { Capacity, SessionInfo, WorldView } from './world.js';

export type LimitKind = 'group' | 'keypair' | 'project';

export interface Shortfall {
  slot: string;
  asked: number;
  limit: number;
  kind: LimitKind;
  /** the most of this slot that fits now under every limit */
  fitsNow: number;
  /** what the resource group has in all, when the manager says */
  groupTotal?: number;
}

/** `2 fGPU`, `1 GPU`, `4 CPU cores`, `16 GiB of memory`. */
export function slotAmount(slot: string, n: number, slotType?: string): string {
  const num = Math.round(n * 100) / 100;
  if (slot === 'cuda.shares') return `${num} fGPU`;
  if (slot === 'cuda.device') return `${num} GPU${num === 1 ? '' : 's'}`;
  if (slot === 'cpu') return `${num} CPU core${num === 1 ? '' : 's'}`;
  if (slot === 'mem' || slotType === 'bytes') return `${humanBytes(n)}${slot === 'mem' ? ' of memory' : ` of ${slot}`}`;
  return `${num} ${slot}`;
}

/** The first slot that does not fit, checking the group's free capacity, then the quotas. */
export function firstShortfall(requested: Record<string, number>, cap: Capacity): Shortfall | undefined {
  for (const [slot, asked] of Object.entries(requested)) {
    if (asked <= 0) continue;
    const limits: Array<[LimitKind, number | undefined]> = [
      ['group', cap.available[slot]],
      ['keypair', cap.keypairRemaining[slot]],
      ['project', cap.groupRemaining[slot]],
    ];
    const fitsNow = Math.max(0, Math.min(...limits.map(([, l]) => l ?? Infinity)));
    const occupied = cap.occupied?.[slot];
    const groupTotal = occupied !== undefined && cap.available[slot] !== undefined ? occupied + cap.available[slot]! : undefined;
    for (const [kind, limit] of limits) {
      if (limit !== undefined && asked > limit + 1e-9) return { slot, asked, limit, kind, fitsNow, ...(groupTotal !== undefined ? { groupTotal } : {}) };
    }
  }
  return undefined;
}

/** A short reason for the search's failure list (no lookups). */
export function shortfallReason(s: Shortfall, group: string, project: string, slotType?: string): string {
  const where = s.kind === 'group' ? `free in resource group ${group}` : s.kind === 'keypair' ? 'left in your keypair quota' : `left in project ${project}'s quota`;
  return `${slotAmount(s.slot, s.asked, slotType)} asked for, but only ${slotAmount(s.slot, s.limit, slotType)} ${where} now`;
}

const HOLDING = (s: SessionInfo): boolean => !['PENDING', 'TERMINATING'].includes(s.status);

function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')}, or ${items[items.length - 1]}`;
}

export interface AdviceInput {
  world: WorldView;
  shortfall: Shortfall;
  requested: Record<string, number>;
  group: string;
  project: string;
  slotTypes: Record<string, string>;
}

/**
 * When the session could never start where it is asked for — more than the resource group has in
 * all, or more than the keypair may ever use — it would wait forever: a question, not a warning.
 * Undefined when it can start once enough is freed.
 */
export async function neverFitsQuestion(input: AdviceInput): Promise<string | undefined> {
  const { world, shortfall: s, requested, group, slotTypes } = input;
  const amount = (n: number) => slotAmount(s.slot, n, slotTypes[s.slot]);
  const policy = await world.keypairPolicy().catch(() => undefined);
  const keypairTotal = policy?.totalResourceSlots[s.slot];
  if (keypairTotal !== undefined && s.asked > keypairTotal + 1e-9) {
    return `Your keypair may use at most ${amount(keypairTotal)} in all, and you asked for ${amount(s.asked)}: such a session could never start. How much do you need (at most ${amount(keypairTotal)})?`;
  }
  if (s.kind === 'group' && s.groupTotal !== undefined && s.asked > s.groupTotal + 1e-9) {
    const elsewhere = (await placesItFits(world, requested, group)).map((p) => `${p.group}${p.project !== input.project ? ` (project ${p.project})` : ''}`);
    const ways = [...elsewhere.map((g) => `use ${g}`), `ask for at most ${amount(s.groupTotal)}`];
    return `${group} has ${amount(s.groupTotal)} in all (you asked for ${amount(s.asked)}): the session could never start there. ${capitalise(joinOr(ways))}?`;
  }
  return undefined;
}

/**
 * "Only 1 fGPU is free in default (you asked for 2), held by your session bai-pytorch-f203: it
 * will wait in PENDING until 2 are free. Ask for 1, use gpu-a100 (project research), or
 * terminate bai-pytorch-f203."
 */
export async function capacityWarning(input: AdviceInput): Promise<string> {
  const { world, shortfall: s, requested, group, project, slotTypes } = input;
  const amount = (n: number) => slotAmount(s.slot, n, slotTypes[s.slot]);
  const sessions = await world.sessions().catch(() => [] as SessionInfo[]);
  const usesSlot = (x: SessionInfo) => Number(x.requestedSlots?.[s.slot] ?? 0) > 0 && HOLDING(x);
  const holders = sessions.filter((x) => usesSlot(x) && (s.kind !== 'group' || x.resourceGroup === group)).map((x) => x.name);
  const heldBy = holders.length ? `, held by your session${holders.length > 1 ? 's' : ''} ${holders.join(', ')}` : s.kind === 'group' ? ', in use by other sessions' : '';
  const asked = `(you asked for ${amount(s.asked)})`;
  let first: string;
  if (s.kind === 'group') {
    first = s.limit <= 0 ? `No ${amount(0).replace(/^0 /, '')} free in ${group} right now ${asked}` : `Only ${amount(s.limit)} ${s.limit === 1 ? 'is' : 'are'} free in ${group} ${asked}`;
    first += `${heldBy}: it will wait in PENDING until ${amount(s.asked)} ${s.asked === 1 ? 'is' : 'are'} free.`;
  } else if (s.kind === 'keypair') {
    first = `Your keypair's quota has only ${amount(Math.max(0, s.limit))} left ${asked}${heldBy}: it will wait in PENDING until your other sessions free enough.`;
  } else {
    first = `Project ${project}'s quota has only ${amount(Math.max(0, s.limit))} left ${asked}: it will wait in PENDING until enough is freed.`;
  }

  const ways: string[] = [];
  if (s.fitsNow > 0) ways.push(`ask for ${amount(s.fitsNow).replace(/ of memory$/, '')}`);
  for (const alt of await placesItFits(world, requested, group)) ways.push(`use ${alt.group}${alt.project !== project ? ` (project ${alt.project})` : ''}`);
  if (holders.length) ways.push(`terminate ${holders.join(' or ')}`);
  const out = ways.length ? ` ${capitalise(joinOr(ways))}.` : '';
  return `${first}${out} It is queued, not waited for.`;
}

/** Other (project, resource group) pairs where everything requested fits now. */
async function placesItFits(world: WorldView, requested: Record<string, number>, except: string): Promise<Array<{ project: string; group: string }>> {
  const out: Array<{ project: string; group: string }> = [];
  const projects = await world.projects().catch(() => []);
  for (const p of projects) {
    const groups = await world.resourceGroups(p.name).catch(() => [] as string[]);
    for (const g of groups) {
      if (g === except || out.some((o) => o.group === g)) continue;
      const cap = await world.capacity(p.name, g).catch(() => undefined);
      if (cap && !firstShortfall(requested, cap)) out.push({ project: p.name, group: g });
    }
  }
  return out;
}

function capitalise(s: string): string {
  return s ? s[0]!.toUpperCase() + s.slice(1) : s;
}

/**
 * Over the keypair's number of sessions at once: the new one queues until one ends (facts §15.8).
 * Undefined when there is room, or when the manager does not say its limit.
 */
export async function concurrencyWarning(world: WorldView, plannedEarlier: number): Promise<string | undefined> {
  const limit = await world.keypairPolicy().catch(() => undefined);
  const max = limit?.maxConcurrentSessions;
  if (!max) return undefined;
  const live = await world.sessions().catch(() => [] as SessionInfo[]);
  if (live.length + plannedEarlier + 1 <= max) return undefined;
  const names = live.map((s) => s.name);
  const earlier = plannedEarlier ? ` and this plan creates ${plannedEarlier} more before it` : '';
  const oldest = live.find(HOLDING)?.name ?? names[0];
  return (
    `You already have ${live.length} live session${live.length === 1 ? '' : 's'} (${names.join(', ')})${earlier}, and your keypair allows ${max} at once: ` +
    `this one will wait in PENDING until one of them ends.${oldest ? ` To make room: bai-agent "terminate the session ${oldest}".` : ''} It is queued, not waited for.`
  );
}
