/**
 * Before `apply` runs a saved plan (a file, an MCP client's argument, the web page's POST): the
 * document is untrusted input, like an LLM's proposal. It must have been made against the same
 * spec (sha256) and the same manager, and every step must call an operation of the spec by its
 * own method and path. Then everything that decides what may run is derived again and the
 * document's own claims are dropped:
 *  - each step's effect, destructiveness and policy verdict (step-facts.ts); a step the policy
 *    denies refuses the whole plan;
 *  - the step references (`$from`), from the arguments themselves: each must point at an earlier
 *    step; a write's value from a read is resolved before the prompt (the reads it needs run now,
 *    if the policy allows them without asking) so it is shown and grounded (ref-values.ts);
 *  - the grounding: every entity a step names must exist on the manager (still the same one), or
 *    be created by an earlier step of this plan — as the steps say, not as `grounding[]` says.
 *  - how each write would be undone, from the manager as it is now (a file's `undo` is not used).
 */
import { BaiError } from '../errors.js';
import { collectRefs, lookupEntity, type PolicyGate } from '../planner/check.js';
import { createdEntities, isUuid, referencedEntities } from '../planner/entities.js';
import type { GroundedEntity, PlanDocument, PlanStep } from '../planner/plan.js';
import { resolveStepArgs } from '../planner/refs.js';
import { shownRefValues, withRefValues, type EarlierStep } from '../planner/ref-values.js';
import { withDerivedFacts } from '../planner/step-facts.js';
import type { AcceptedStep } from '../planner/types.js';
import { WorldView, type ApiCaller } from '../planner/world.js';
import { prepareCallFacts } from '../spec/call-facts.js';
import type { Catalog } from '../spec/types.js';
import { withUndo } from '../planner/undo.js';
import { looksSecretName, MASK } from '../redact.js';

export interface RevalidateDeps {
  catalog: Catalog;
  api: ApiCaller;
  policy: { gate: PolicyGate; name: string; sha256?: string };
  endpoint: string;
  /** Project used when a step names none (the connection's). */
  defaultProject?: string;
  signal?: AbortSignal;
}

export interface Revalidated {
  plan: PlanDocument;
  /** Reads run before the prompt (their results are the values shown); the executor reuses them. */
  accepted: AcceptedStep[];
}

export async function revalidatePlan(plan: PlanDocument, deps: RevalidateDeps): Promise<Revalidated> {
  if (plan.spec.sha256 !== deps.catalog.sha256) {
    throw new BaiError(
      `the plan was made against spec ${plan.spec.title} ${plan.spec.version} (sha256 ${plan.spec.sha256.slice(0, 12)}…), but the current spec is ${deps.catalog.version} (${deps.catalog.sha256.slice(0, 12)}…): make a new plan`,
      'bad_input',
    );
  }
  if (plan.endpoint !== deps.endpoint) {
    throw new BaiError(`the plan was made for ${plan.endpoint}, but this run is connected to ${deps.endpoint}: make a new plan`, 'bad_input');
  }
  await prepareCallFacts(plan.steps);
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (ids.has(step.id)) throw new BaiError(`step id ${step.id} appears twice in the plan`, 'bad_input');
    ids.add(step.id);
  }
  for (const step of plan.steps) {
    const environ = (step.body as { config?: { environ?: unknown } } | undefined)?.config?.environ;
    const masked = Object.entries(typeof environ === 'object' && environ !== null ? environ : {}).filter(([k, v]) => looksSecretName(k) && v === MASK);
    if (masked.length > 0) {
      const names = masked.map(([k]) => k).join(', ');
      throw new BaiError(`step ${step.id} sets ${names}, whose value is never saved in a plan (it looks like a secret): run the request itself instead of the saved plan, or put the value into the plan`, 'bad_input');
    }
  }
  // references as the arguments hold them (not as `refs` says), each to an earlier step
  const derived = withDerivedFacts(deps.catalog, plan.steps.map((s) => ({ ...s, refs: collectRefs(s) })), deps.policy.gate);
  for (const step of derived) {
    if (step.policy.verdict === 'deny') {
      throw new BaiError(`step ${step.id} ${step.operationId} is denied by policy ${deps.policy.name}: ${step.policy.reason}`, 'refused');
    }
  }

  const accepted = await runShownReads(derived, deps);
  const observed = new Map(accepted.map((a) => [a.step.id, a.observation]));
  const world = new WorldView(deps.api);
  const grounding: GroundedEntity[] = [];
  const steps: PlanStep[] = [];
  for (const [i, step] of derived.entries()) {
    const earlier: EarlierStep[] = steps.map((s) => ({ step: s, observation: observed.get(s.id) }));
    const shown = shownRefValues(step.refs, earlier, step.effect);
    if (!shown.ok) throw new BaiError(`step ${step.id}: ${shown.reason}`, 'bad_input');
    const checked: PlanStep = { ...step, refs: shown.refs };
    grounding.push(...(await groundStep(checked, derived.slice(0, i), plan, world, deps)));
    steps.push(checked);
  }
  // how each write would be undone is computed again from the manager as it is now: a plan file's
  // own `undo` is only what the manager looked like when it was made
  return { plan: { ...plan, steps: await withUndo(steps, { world, api: deps.api }), grounding: dedupe(grounding) }, accepted };
}

/**
 * The reads whose results a write takes (`$from`) run now, before the prompt, so the values are
 * shown: only reads before the plan's first write (their results are still valid when the writes
 * run, and the executor reuses them) and only when the policy allows them without asking.
 */
async function runShownReads(steps: PlanStep[], deps: RevalidateDeps): Promise<AcceptedStep[]> {
  // the reads writes take values from, and the reads those take values from (refs point backwards)
  const needed = new Set<string>();
  for (const step of [...steps].reverse()) {
    if (step.effect === 'write' || needed.has(step.id)) for (const r of step.refs) needed.add(r.from);
  }
  const accepted: AcceptedStep[] = [];
  const results = new Map<string, unknown>();
  for (const step of steps) {
    if (step.effect === 'write') break;
    if (!needed.has(step.id)) continue;
    if (step.policy.verdict !== 'allow') continue;
    let args;
    try {
      args = resolveStepArgs(step, results);
    } catch {
      continue; // it needs a result that is not available before the prompt: the write will say so
    }
    const res = await deps.api.call(step.operationId, { ...args, ...(deps.signal ? { signal: deps.signal } : {}) });
    results.set(step.id, res.data);
    accepted.push({
      step,
      candidate: { kind: 'call', operationId: step.operationId, pathParams: step.pathParams, query: step.query, body: step.body, reason: step.reason },
      observation: res.data,
    });
  }
  return accepted;
}

/** The entities a step names, each found on the manager (the same one the plan saw) or created earlier in the plan. */
async function groundStep(step: PlanStep, before: PlanStep[], plan: PlanDocument, world: WorldView, deps: RevalidateDeps): Promise<GroundedEntity[]> {
  const created = new Map<string, string>();
  for (const b of before) for (const e of createdEntities(b)) created.set(`${e.kind}:${e.name}`, b.id);
  const call = withRefValues(step, step.refs);
  const body = (typeof call.body === 'object' && call.body !== null ? call.body : {}) as Record<string, unknown>;
  const project = String(body.group ?? deps.defaultProject ?? 'default');
  const out: GroundedEntity[] = [];
  for (const m of referencedEntities(call)) {
    const creator = created.get(`${m.kind}:${m.value}`);
    if (creator) {
      out.push({ kind: m.kind, name: m.value, source: 'plan', step: creator });
      continue;
    }
    const found = await lookupEntity(world, m, project, step.operationId);
    if (typeof found === 'string') throw new BaiError(`the manager changed since the plan was made: step ${step.id}: ${found}`, 'bad_input');
    const before = plan.grounding.find((e) => e.kind === m.kind && (e.name === found.name || e.id === m.value));
    if (before?.id && found.id && before.id !== found.id && !isUuid(m.value)) {
      throw new BaiError(`the manager changed since the plan was made: ${m.kind} "${m.value}" is now a different ${m.kind} (id ${found.id}, was ${before.id})`, 'bad_input');
    }
    out.push(found);
  }
  return out;
}

function dedupe(entities: GroundedEntity[]): GroundedEntity[] {
  const seen = new Set<string>();
  return entities.filter((e) => {
    const key = `${e.kind}:${e.name}:${e.source}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
