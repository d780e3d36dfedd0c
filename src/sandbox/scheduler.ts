/**
 * The session lifecycle, derived from time instead of timers so that it works across processes
 * sharing a state file: each session keeps when it was created, admitted, asked to terminate
 * (and, for batch runs, finished); its status at any instant follows from those (facts §3.4).
 * `advanceWorld` is called on every request ("bring the world to now"): it admits PENDING
 * sessions whose resource group has room, oldest first, and finishes batch runs.
 */
import type { SandboxWorld, SessionRecord, Slots } from './world.js';

export type SessionStatus =
  | 'PENDING' | 'SCHEDULED' | 'PREPARING' | 'PULLING' | 'PREPARED' | 'CREATING' | 'RUNNING'
  | 'TERMINATING' | 'TERMINATED' | 'CANCELLED' | 'ERROR';

export interface SandboxClock {
  now(): number;
  /** Sessions reach RUNNING at once; batch runs end on the next read. */
  fast: boolean;
}

/** Offsets after admission (real clock): RUNNING about 1.8 s after the scheduler picks it. */
const STAGES: Array<[SessionStatus, number]> = [
  ['SCHEDULED', 0], ['PREPARING', 300], ['PULLING', 600], ['PREPARED', 1100], ['CREATING', 1400], ['RUNNING', 1800],
];
export const RUNNING_AFTER_MS = 1800;
const TERMINATING_MS = 500;
export const BATCH_RUN_MS = 2000;

export const TERMINAL_STATUSES: ReadonlySet<SessionStatus> = new Set(['TERMINATED', 'CANCELLED', 'ERROR']);
const NOT_HOLDING: ReadonlySet<SessionStatus> = new Set(['PENDING', 'TERMINATED', 'CANCELLED', 'ERROR']);

export interface StatusChange {
  status: SessionStatus;
  at: number;
}

/** Every status the session has passed through or will pass through on its current course. */
export function timeline(s: SessionRecord, fast: boolean): StatusChange[] {
  const out: StatusChange[] = [{ status: 'PENDING', at: s.createdAt }];
  if (s.cancelledAt !== null) {
    out.push({ status: 'CANCELLED', at: s.cancelledAt });
    return out;
  }
  if (s.scheduledAt === null) return out;
  const stop = Math.min(s.terminateRequestedAt ?? Infinity, s.finishedAt ?? Infinity);
  for (const [status, offset] of STAGES) {
    const at = s.scheduledAt + (fast ? 0 : offset);
    if (at > stop) break;
    out.push({ status, at });
  }
  if (s.finishedAt !== null && (s.terminateRequestedAt === null || s.finishedAt <= s.terminateRequestedAt)) {
    out.push({ status: 'TERMINATED', at: s.finishedAt });
    return out;
  }
  if (s.terminateRequestedAt !== null) {
    out.push({ status: 'TERMINATING', at: s.terminateRequestedAt });
    out.push({ status: 'TERMINATED', at: s.terminateRequestedAt + (fast ? 0 : TERMINATING_MS) });
  }
  return out;
}

export function sessionStatus(s: SessionRecord, now: number, fast: boolean): SessionStatus {
  let current: SessionStatus = 'PENDING';
  for (const change of timeline(s, fast)) {
    if (change.at <= now) current = change.status;
  }
  return current;
}

/** When the session ended (TERMINATED/CANCELLED), if it has. */
export function endedAt(s: SessionRecord, now: number, fast: boolean): number | null {
  const t = timeline(s, fast);
  const last = t[t.length - 1]!;
  return TERMINAL_STATUSES.has(last.status) && last.at <= now ? last.at : null;
}

export function sessionResult(s: SessionRecord, now: number, fast: boolean): 'undefined' | 'success' | 'failure' {
  return s.finishedAt !== null && s.finishedAt <= now && sessionStatus(s, now, fast) === 'TERMINATED' ? 'success' : 'undefined';
}

export const isLive = (status: SessionStatus): boolean => !TERMINAL_STATUSES.has(status);
export const holdsResources = (status: SessionStatus): boolean => !NOT_HOLDING.has(status);

/** Slots the whole session asks for (per-container slots × cluster size). */
export function requestedTotal(s: SessionRecord): Slots {
  const total: Slots = {};
  for (const [k, v] of Object.entries(s.slots)) total[k] = v * s.clusterSize;
  return total;
}

export function addSlots(a: Slots, b: Slots): Slots {
  const out: Slots = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

export function subtractSlots(a: Slots, b: Slots): Slots {
  const out: Slots = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) - v;
  return out;
}

/** Whether `request` fits in `free` (a slot the group lacks has no room). */
export function fits(request: Slots, free: Slots): boolean {
  return Object.entries(request).every(([k, v]) => v <= 0 || v <= (free[k] ?? 0) + 1e-9);
}

/** Resources held in a resource group by every user's sessions. */
export function occupiedIn(world: SandboxWorld, resourceGroup: string, now: number, fast: boolean): Slots {
  let used: Slots = {};
  for (const s of world.sessions) {
    if (s.resourceGroup === resourceGroup && holdsResources(sessionStatus(s, now, fast))) used = addSlots(used, requestedTotal(s));
  }
  return used;
}

export function freeIn(world: SandboxWorld, resourceGroup: string, now: number, fast: boolean): Slots {
  const group = world.resourceGroups.find((g) => g.name === resourceGroup);
  if (!group) return {};
  return subtractSlots(group.capacity, occupiedIn(world, resourceGroup, now, fast));
}

/** Resources held by one keypair's sessions. */
export function keypairUsing(world: SandboxWorld, accessKey: string, now: number, fast: boolean, groupName?: string): Slots {
  let used: Slots = {};
  for (const s of world.sessions) {
    if (s.ownerAccessKey !== accessKey || (groupName && s.group !== groupName)) continue;
    if (holdsResources(sessionStatus(s, now, fast))) used = addSlots(used, requestedTotal(s));
  }
  return used;
}

/**
 * Bring the world to `now`: finish batch runs, admit PENDING sessions that fit (oldest first;
 * a big one waiting does not block a smaller one behind it). Returns whether anything changed.
 */
export function advanceWorld(world: SandboxWorld, now: number, fast: boolean): boolean {
  let changed = false;
  for (const s of world.sessions) {
    if (s.type !== 'batch' || s.finishedAt !== null || s.scheduledAt === null || s.terminateRequestedAt !== null || s.cancelledAt !== null) continue;
    if (fast) {
      if (s.runningObservedAt !== null) {
        s.finishedAt = now;
        changed = true;
      }
    } else if (now >= s.scheduledAt + RUNNING_AFTER_MS + s.batchRunMs) {
      s.finishedAt = s.scheduledAt + RUNNING_AFTER_MS + s.batchRunMs;
      changed = true;
    }
  }
  const pending = world.sessions
    .filter((s) => s.scheduledAt === null && s.cancelledAt === null)
    .sort((a, b) => a.createdAt - b.createdAt);
  for (const s of pending) {
    // a batch job's start time, and the sessions it waits for, come before resources
    if (s.startsAt !== undefined && s.startsAt !== null && now < s.startsAt) continue;
    if (s.dependsOn?.some((id) => {
      const dep = world.sessions.find((d) => d.id === id);
      return dep !== undefined && isLive(sessionStatus(dep, now, fast));
    })) continue;
    // the keypair's limits hold it PENDING, with the reason in status_info (facts §15.8)
    const free = freeIn(world, s.resourceGroup, now, fast);
    const reason = policyBlock(world, s, now, fast) ?? (fits(requestedTotal(s), free) ? null : capacityShortfall(s, free));
    if (reason === null) {
      s.scheduledAt = Math.max(now, s.createdAt);
      s.pendingReason = null;
      changed = true;
    } else if (s.pendingReason !== reason) {
      s.pendingReason = reason;
      changed = true;
    }
  }
  if (fast) {
    for (const s of world.sessions) {
      if (s.type === 'batch' && s.runningObservedAt === null && sessionStatus(s, now, fast) === 'RUNNING') {
        s.runningObservedAt = now;
        changed = true;
      }
    }
  }
  return changed;
}

const amount = (n: number): string => (Number.isInteger(n) ? String(n) : String(Math.round(n * 1e6) / 1e6));

/**
 * Why the owner's keypair resource policy keeps a session PENDING, in the words of the manager's
 * `ResourcePolicyValidator` (`sokovan/scheduler/provisioner/validators`), or null. Admins and
 * superadmins have no keypair limit in the sandbox world.
 */
export function policyBlock(world: SandboxWorld, s: SessionRecord, now: number, fast: boolean): string | null {
  const owner = world.users.find((u) => u.accessKey === s.ownerAccessKey);
  if (!owner || owner.role !== 'user') return null;
  const policy = world.keypairPolicy;
  const reasons: string[] = [];
  const using = keypairUsing(world, s.ownerAccessKey, now, fast);
  const request = requestedTotal(s);
  const excesses = Object.entries(policy.totalResourceSlots)
    .filter(([slot, limit]) => (using[slot] ?? 0) + (request[slot] ?? 0) > limit + 1e-9 && (request[slot] ?? 0) > 0)
    .map(([slot, limit]) => {
      const used = using[slot] ?? 0;
      const asked = request[slot] ?? 0;
      return `  - ${slot}: used ${amount(used)} + requested ${amount(asked)} > limit ${amount(limit)} (over by ${amount(used + asked - limit)})`;
    });
  if (excesses.length) reasons.push(`Your default-keypair resource quota is exceeded.\n${excesses.join('\n')}`);
  const running = world.sessions.filter((x) => x !== s && x.ownerAccessKey === s.ownerAccessKey && holdsResources(sessionStatus(x, now, fast))).length;
  if (running >= policy.maxConcurrentSessions) reasons.push(`You cannot run more than ${policy.maxConcurrentSessions} concurrent sessions`);
  return reasons.length ? reasons.join('\n') : null;
}

function capacityShortfall(s: SessionRecord, free: Slots): string {
  const short = Object.entries(requestedTotal(s))
    .filter(([slot, v]) => v > 0 && v > (free[slot] ?? 0) + 1e-9)
    .map(([slot, v]) => `${slot} requested ${amount(v)}, free ${amount(Math.max(0, free[slot] ?? 0))}`);
  return `Not enough free resources in resource group ${s.resourceGroup} now (${short.join('; ')}); waiting for others to finish`;
}
