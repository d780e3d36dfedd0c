/**
 * Before `apply` runs a saved plan: it must have been made against the same spec (sha256) and the
 * same manager, every operation must still be in the spec, every entity it grounded on the
 * manager must still exist (same id), and the current policy is applied to every step again —
 * a step the policy now denies refuses the whole plan. Each write's undo is computed again.
 */
import { BaiError } from '../errors.js';
import { lookupEntity, stepFacts, type PolicyGate, type StepFacts } from '../planner/check.js';
import { isUuid, referencedEntities } from '../planner/entities.js';
import type { PlanDocument } from '../planner/plan.js';
import { WorldView, type ApiCaller } from '../planner/world.js';
import type { Catalog } from '../spec/types.js';
import { withUndo } from '../planner/undo.js';

export interface RevalidateDeps {
  catalog: Catalog;
  api: ApiCaller;
  policy: { gate: PolicyGate; name: string; sha256?: string };
  endpoint: string;
}

export async function revalidatePlan(plan: PlanDocument, deps: RevalidateDeps): Promise<PlanDocument> {
  if (plan.spec.sha256 !== deps.catalog.sha256) {
    throw new BaiError(
      `the plan was made against spec ${plan.spec.title} ${plan.spec.version} (sha256 ${plan.spec.sha256.slice(0, 12)}…), but the current spec is ${deps.catalog.version} (${deps.catalog.sha256.slice(0, 12)}…): make a new plan`,
      'bad_input',
    );
  }
  if (plan.endpoint !== deps.endpoint) {
    throw new BaiError(`the plan was made for ${plan.endpoint}, but this run is connected to ${deps.endpoint}: make a new plan`, 'bad_input');
  }
  const earlier: StepFacts[] = [];
  const world = new WorldView(deps.api);
  const steps = [];
  for (const step of plan.steps) {
    const op = deps.catalog.get(step.operationId);
    if (!op || op.method !== step.method || op.path !== step.path) {
      throw new BaiError(`step ${step.id}: ${step.operationId} (${step.method} ${step.path}) is not in the current spec`, 'bad_input');
    }
    const facts = stepFacts(op, step);
    const decision = deps.policy.gate(facts, earlier);
    if (decision.verdict === 'deny') {
      throw new BaiError(`step ${step.id} ${step.operationId} is denied by policy ${deps.policy.name}: ${decision.reason}`, 'refused');
    }
    earlier.push(facts);
    steps.push({ ...step, policy: decision });
  }
  // entities the plan found on the manager must still be there, and still be the same thing
  const created = new Set(plan.grounding.filter((e) => e.source === 'plan').map((e) => `${e.kind}:${e.name}`));
  for (const step of plan.steps) {
    const body = (step.body ?? {}) as Record<string, unknown>;
    const project = String(body.group ?? plan.grounding.find((e) => e.kind === 'project')?.name ?? 'default');
    for (const m of referencedEntities(step)) {
      if (created.has(`${m.kind}:${m.value}`)) continue;
      const found = await lookupEntity(world, m, project, step.operationId);
      if (typeof found === 'string') throw new BaiError(`the manager changed since the plan was made: step ${step.id}: ${found}`, 'bad_input');
      const before = plan.grounding.find((e) => e.kind === m.kind && (e.name === found.name || e.id === m.value));
      if (before?.id && found.id && before.id !== found.id && !isUuid(m.value)) {
        throw new BaiError(`the manager changed since the plan was made: ${m.kind} "${m.value}" is now a different ${m.kind} (id ${found.id}, was ${before.id})`, 'bad_input');
      }
    }
  }
  // how each write would be undone is computed again from the manager as it is now: a plan file's
  // own `undo` is only what the manager looked like when it was made
  return { ...plan, steps: await withUndo(steps, { world, api: deps.api }) };
}
