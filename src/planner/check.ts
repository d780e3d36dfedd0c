/**
 * Candidate validation for the DFSDT search: a proposed call becomes a plan step only if
 *   1. the operation exists in the catalog (no hallucinated operations),
 *   2. its parameters and body validate against the spec's schemas,
 *   3. every entity it names exists on the manager or is created earlier in the plan,
 *   4. the policy does not deny it, and
 *   5. the manager's preflight agrees (free capacity for session creation, name clashes).
 * Whatever the proposer (offline parser or an LLM) claims, only these facts decide.
 */
import { isConnectionFailure } from '../client/errors.js';
import { callFacts, prepareCallFacts } from '../spec/call-facts.js';
import { formatProblems, type SpecValidator } from '../spec/validator.js';
import type { Catalog, Operation } from '../spec/types.js';
import { parseBinarySize, parseDecimal } from '../units.js';
import { capacityWarning, concurrencyWarning, firstShortfall, neverFitsQuestion, shortfallReason } from './capacity-advice.js';
import type { CandidateChecker, CheckResult } from './dfsdt.js';
import { createdEntities, isUuid, pick, referencedEntities, type EntityMention } from './entities.js';
import { getPath } from './refs.js';
import { isStepValueRef, type GroundedEntity, type PlanStep, type PolicyDecision, type StepRef } from './plan.js';
import { shownRefValues, withRefValues } from './ref-values.js';
import type { AcceptedStep, CallCandidate } from './types.js';
import type { WorldView } from './world.js';

/** What the policy sees of a step: facts only, never the planner's own claims. */
export interface StepFacts {
  operationId: string;
  method: string;
  path: string;
  tags: string[];
  effect: 'read' | 'write';
  privilege: Operation['privilege'];
  pathParams: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
}

/** Decides a step given the steps before it in the same plan (for per-run caps). */
export type PolicyGate = (step: StepFacts, earlier: StepFacts[]) => PolicyDecision;

export const allowAllPolicy: PolicyGate = (s) => ({
  verdict: s.effect === 'read' ? 'allow' : 'confirm',
  reason: s.effect === 'read' ? 'reads are allowed' : 'writes need confirmation',
});

/**
 * The facts the policy sees, derived from the operation and the call's arguments by the one rule
 * (spec/call-facts.ts) — never from a step's or a proposer's own `effect`.
 */
export function stepFacts(op: Operation, step: Pick<PlanStep, 'pathParams' | 'query' | 'body'>): StepFacts {
  return {
    operationId: op.operationId,
    method: op.method,
    path: op.path,
    tags: op.tags,
    effect: callFacts(op, step).effect,
    privilege: op.privilege,
    pathParams: step.pathParams,
    query: step.query,
    body: step.body,
  };
}

/** Collect `{$from, path}` values in a call's arguments as explicit step references. */
export function collectRefs(args: { pathParams?: unknown; query?: unknown; body?: unknown }): StepRef[] {
  const refs: StepRef[] = [];
  const walk = (v: unknown, at: string): void => {
    if (isStepValueRef(v)) {
      refs.push({ at, from: v.$from, path: v.path });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${at}.${i}`));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`);
  };
  walk(args.pathParams, 'pathParams');
  walk(args.query, 'query');
  walk(args.body, 'body');
  return refs;
}

/** Replace step references with placeholders so schema validation sees a plausible value. */
function withPlaceholders(v: unknown): unknown {
  if (isStepValueRef(v)) return '00000000-0000-4000-8000-000000000000';
  if (Array.isArray(v)) return v.map(withPlaceholders);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPlaceholders(x)]));
  return v;
}

const SESSION_CREATE_OPS = new Set(['session.create_from_params', 'session.create_from_params.2']);

export interface CheckerDeps {
  catalog: Catalog;
  validator: SpecValidator;
  world: WorldView;
  policy: PolicyGate;
  /** project used when a call does not name one */
  defaultProject: string;
  /**
   * Accept a session that does not fit now, with a warning that it will wait in PENDING (a real
   * manager queues it, facts §15.8). Off in the first search, so that a resource group where it
   * fits now is preferred; the planner searches again with it on when none is (planner.ts).
   */
  queueWhenFull?: boolean;
}

/** What the preflight says about a candidate: a reason to reject it, or warnings to show. */
interface Preflight {
  block?: string;
  warnings?: string[];
  /** the session will sit PENDING: do not wait for it to start */
  queued?: boolean;
}

export class PlanChecker implements CandidateChecker {
  /** Grounded entities per step id, gathered for the plan document. */
  readonly grounding = new Map<string, GroundedEntity[]>();
  /** Session creates rejected only because they do not fit now (see queueWhenFull). */
  capacityShortfalls = 0;
  /** Set when a session could never start as asked: the question to ask instead (planner.ts). */
  neverFits: string | undefined;

  constructor(private readonly deps: CheckerDeps) {}

  async check(cand: CallCandidate, path: AcceptedStep[], stepId: string): Promise<CheckResult> {
    const { catalog, validator } = this.deps;
    // the LLM proposer could not read the model's arguments (or there was no call): never plan it
    if (typeof cand.meta?.argumentError === 'string') return { ok: false, reason: `unreadable arguments: ${cand.meta.argumentError}` };
    if (typeof cand.meta?.unusable === 'string') return { ok: false, reason: cand.meta.unusable };
    const op = catalog.get(cand.operationId);
    if (!op) return { ok: false, reason: `operation ${cand.operationId} is not in the spec` };
    await prepareCallFacts([op]);

    const pathParams = cand.pathParams ?? {};
    const query = cand.query ?? {};
    const refs = collectRefs(cand);
    for (const ref of refs) {
      const from = path.findIndex((a) => a.step.id === ref.from);
      if (from < 0) return { ok: false, reason: `${ref.at} refers to unknown step ${ref.from}` };
      // a read that ran before any write is what execution will use: the value must be in it
      const source = path[from]!;
      const beforeWrites = path.slice(0, from).every((a) => a.step.effect === 'read');
      if (source.step.effect === 'read' && source.observation !== undefined && beforeWrites && getPath(source.observation, ref.path) === undefined) {
        return { ok: false, reason: `${ref.at} uses ${ref.from}.${ref.path}, but ${ref.from} returned no "${ref.path}"` };
      }
    }

    const params = validator.validateParams(op, withPlaceholders(pathParams) as Record<string, unknown>, withPlaceholders(query) as Record<string, unknown>);
    const body = validator.validateBody(op, withPlaceholders(cand.body));
    const problems = [...params.problems, ...body.problems];
    if (problems.length > 0) return { ok: false, reason: `invalid arguments: ${formatProblems(problems)}` };

    const facts = callFacts(op, { pathParams, query, body: cand.body });
    const draft = { pathParams, query, body: cand.body };

    // a write's `$from` values must be known (and so shown) before it is confirmed, and grounded
    const shown = shownRefValues(refs, path.map((a) => ({ step: a.step, observation: a.observation })), facts.effect);
    if (!shown.ok) return { ok: false, reason: shown.reason };
    const grounded = await this.ground({ ...cand, ...withRefValues({ pathParams, query, body: cand.body }, shown.refs) }, path);
    if (!grounded.ok) return { ok: false, reason: grounded.reason };

    const earlier = path.map((a) => {
      const o = catalog.get(a.step.operationId);
      return o ? stepFacts(o, a.step) : undefined;
    }).filter((f): f is StepFacts => f !== undefined);
    const decision = this.deps.policy(stepFacts(op, draft), earlier);
    if (decision.verdict === 'deny') {
      return { ok: false, reason: `${op.operationId} ${decision.reason}${decision.rule ? ` (${decision.rule})` : ''}`, deniedByPolicy: true };
    }

    const preflight = await this.preflight(cand, path);
    if (preflight.block) return { ok: false, reason: preflight.block };
    const wait = preflight.queued ? undefined : cand.wait;

    this.grounding.set(stepId, grounded.entities);
    const step: PlanStep = {
      id: stepId,
      operationId: op.operationId,
      method: op.method,
      path: op.path,
      pathParams,
      query,
      ...(cand.body !== undefined ? { body: cand.body } : {}),
      effect: facts.effect,
      policy: decision,
      reason: cand.reason,
      assumptions: cand.assumptions ?? [],
      refs: shown.refs,
      // a proposer may ask for more care (a restart's termination), never for less
      destructive: facts.destructive || cand.destructive === true,
      ...(wait ? { wait } : {}),
      ...(preflight.warnings?.length ? { warnings: preflight.warnings } : {}),
    };
    return { ok: true, step };
  }

  /** Every named entity exists on the manager, or an earlier step of this plan creates it. */
  private async ground(cand: CallCandidate, path: AcceptedStep[]): Promise<{ ok: true; entities: GroundedEntity[] } | { ok: false; reason: string }> {
    const { world } = this.deps;
    const entities: GroundedEntity[] = [];
    const createdEarlier = new Map<string, string>(); // `${kind}:${name}` → step id
    for (const a of path) for (const e of createdEntities(a.step)) createdEarlier.set(`${e.kind}:${e.name}`, a.step.id);

    const body = (typeof cand.body === 'object' && cand.body !== null ? cand.body : {}) as Record<string, unknown>;
    const project = String(pick(body, 'group', 'groupName', 'group_name') ?? this.deps.defaultProject);

    for (const m of referencedEntities(cand)) {
      const fromPlan = createdEarlier.get(`${m.kind}:${m.value}`);
      if (fromPlan) {
        entities.push({ kind: m.kind, name: m.value, source: 'plan', step: fromPlan });
        continue;
      }
      const found = await lookupEntity(world, m, project, cand.operationId);
      if (typeof found === 'string') return { ok: false, reason: found };
      entities.push(found);
    }
    return { ok: true, entities };
  }

  /** Checks the manager would make (or that would leave a session stuck), before anything is sent. */
  private async preflight(cand: CallCandidate, path: AcceptedStep[]): Promise<Preflight> {
    const { world } = this.deps;
    const body = (typeof cand.body === 'object' && cand.body !== null ? cand.body : {}) as Record<string, unknown>;
    if (SESSION_CREATE_OPS.has(cand.operationId)) return this.capacityPreflight(body, path);
    if (cand.operationId === 'folders.create' && typeof body.name === 'string') {
      const exists = (await world.folders()).some((f) => f.name === body.name);
      const plannedEarlier = path.some((a) => createdEntities(a.step).some((e) => e.kind === 'folder' && e.name === body.name));
      if (exists || plannedEarlier) return { block: `a folder named "${body.name}" already exists` };
    }
    if (cand.operationId === 'folders.rename_vfolder' && typeof body.new_name === 'string') {
      if ((await world.folders()).some((f) => f.name === body.new_name)) return { block: `a folder named "${body.new_name}" already exists` };
    }
    if (cand.operationId === 'session.rename_session') {
      const name = pick(body, 'session_name', 'name');
      if (typeof name === 'string' && (await world.sessions()).some((s) => s.name === name)) return { block: `a session named "${name}" already exists` };
    }
    return {};
  }

  /**
   * Will the new session fit now? Compares what it asks for (plus what earlier steps of this plan
   * create in the same group) with check-presets: the group's free capacity, and what the keypair
   * and project still allow; and counts the keypair's sessions at once. Not fitting now is not
   * an error — the manager queues the session (facts §15.8) — but a group where it fits now is
   * preferred, so the first search rejects it and the second accepts it with a warning.
   */
  private async capacityPreflight(body: Record<string, unknown>, path: AcceptedStep[]): Promise<Preflight> {
    const { world } = this.deps;
    const config = (body.config ?? {}) as Record<string, unknown>;
    const resources = (config.resources ?? {}) as Record<string, unknown>;
    if (typeof resources !== 'object' || resources === null) return {};
    if ('shmem' in resources) return { block: 'shmem belongs in config.resource_opts, not in config.resources' };
    const slots = await world.resourceSlots().catch(() => ({}) as Record<string, string>);
    for (const key of Object.keys(resources)) {
      if (Object.keys(slots).length > 0 && !(key in slots)) {
        return { block: `unknown resource slot "${key}" (this manager has: ${Object.keys(slots).join(', ')})` };
      }
    }
    const warnings: string[] = [];
    const createdEarlier = path.filter((a) => SESSION_CREATE_OPS.has(a.step.operationId)).length;
    const tooMany = await concurrencyWarning(world, createdEarlier);
    if (tooMany) warnings.push(tooMany);
    const result = (): Preflight => (warnings.length ? { warnings, queued: true } : {});

    const sg = pick(config, 'scaling_group', 'scalingGroup');
    if (typeof sg !== 'string') return result(); // the manager picks the group; nothing to check here
    const project = String(pick(body, 'group', 'groupName', 'group_name') ?? this.deps.defaultProject);
    const requested = totalRequest(body, slots);
    // earlier session creates of this plan in the same group use capacity too
    for (const a of path) {
      if (!SESSION_CREATE_OPS.has(a.step.operationId)) continue;
      const b = (a.step.body ?? {}) as Record<string, unknown>;
      const c = (b.config ?? {}) as Record<string, unknown>;
      if (pick(c, 'scaling_group', 'scalingGroup') !== sg) continue;
      for (const [k, v] of Object.entries(totalRequest(b, slots))) requested[k] = (requested[k] ?? 0) + v;
    }
    let cap;
    try {
      cap = await world.capacity(project, sg);
    } catch (err) {
      if (isConnectionFailure(err)) throw err;
      return { block: `could not check free capacity in ${sg}: ${(err as Error).message}` };
    }
    const shortfall = firstShortfall(requested, cap);
    if (!shortfall) return result();
    if (!this.deps.queueWhenFull) {
      this.capacityShortfalls++;
      return { block: shortfallReason(shortfall, sg, project, slots[shortfall.slot]) };
    }
    const advice = { world, shortfall, requested, group: sg, project, slotTypes: slots };
    const never = await neverFitsQuestion(advice);
    if (never) {
      this.neverFits ??= never;
      return { block: shortfallReason(shortfall, sg, project, slots[shortfall.slot]) };
    }
    warnings.unshift(await capacityWarning(advice));
    return { warnings, queued: true };
  }
}

/** Resources one create asks for, in numbers (bytes for mem), × cluster size. */
function totalRequest(body: Record<string, unknown>, slots: Record<string, string>): Record<string, number> {
  const config = (body.config ?? {}) as Record<string, unknown>;
  const resources = (config.resources ?? {}) as Record<string, unknown>;
  const size = Number(pick(body, 'cluster_size', 'clusterSize') ?? 1) || 1;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(resources)) {
    const n = slots[k] === 'bytes' || k === 'mem' ? parseBinarySize(v) : parseDecimal(v);
    if (n !== undefined) out[k] = n * size;
  }
  return out;
}

/** Does this entity exist on the manager? The grounded record, or why not. */
export async function lookupEntity(world: WorldView, m: EntityMention, project: string, operationId: string): Promise<GroundedEntity | string> {
  switch (m.kind) {
    case 'image': {
      const images = await world.images();
      const hit = images.find((i) => i.name === m.value || i.aliases.includes(m.value) || i.id === m.value);
      return hit ? { kind: 'image', name: hit.name, ...(hit.id ? { id: hit.id } : {}), source: 'manager' } : `no image "${m.value}" on the manager`;
    }
    case 'folder': {
      const folders = await world.folders();
      const norm = m.value.replace(/-/g, '').toLowerCase();
      const hit = folders.find((f) => f.name === m.value || f.id.replace(/-/g, '').toLowerCase() === norm);
      if (!hit) return `no folder "${m.value}"`;
      const inTrash = hit.status.startsWith('delete-');
      const trashOps = new Set(['folders.restore', 'folders.delete_from_trash_bin', 'folders.purge', 'folders.force_delete', 'folders.get_info']);
      if (inTrash && !trashOps.has(operationId)) return `folder "${hit.name}" is in the trash bin (${hit.status})`;
      return { kind: 'folder', name: hit.name, id: hit.id, source: 'manager' };
    }
    case 'session': {
      const sessions = await world.sessions();
      const hit = sessions.find((s) => s.name === m.value || s.id === m.value);
      if (hit) return { kind: 'session', name: hit.name, id: hit.id, source: 'manager' };
      return m.byId ? { kind: 'session', name: m.value, id: m.value, source: 'manager' } : `no live session named "${m.value}"`;
    }
    case 'resource_group': {
      const groups = await world.resourceGroups(project);
      return groups.includes(m.value)
        ? { kind: 'resource_group', name: m.value, source: 'manager' }
        : `resource group "${m.value}" is not available to project "${project}" (allowed: ${groups.join(', ') || 'none'})`;
    }
    case 'project': {
      const projects = await world.projects();
      const hit = projects.find((p) => p.name === m.value || p.id === m.value);
      return hit ? { kind: 'project', name: hit.name, id: hit.id, source: 'manager' } : `no project "${m.value}" you belong to`;
    }
    case 'service': {
      const services = await world.services();
      const hit = services.find((s) => s.id === m.value);
      if (hit) return { kind: 'service', name: hit.name, id: hit.id, source: 'manager' };
      const byName = services.find((s) => s.name === m.value);
      return byName ? `service_id must be the service's id (${byName.id}), not its name` : `no model service "${m.value}"`;
    }
    default:
      return { kind: m.kind, name: m.value, source: 'manager' };
  }
}

export { isUuid };
