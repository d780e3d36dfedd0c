/**
 * A plan's steps with the facts that decide what may run — effect, destructiveness, policy
 * verdict — derived again from each step's operation and arguments (spec/call-facts.ts, the
 * policy). Whatever made the steps (the planner, an LLM, a plan file someone edited), these
 * fields are overwritten, never read as authority; a step's own `destructive: true` is the only
 * thing kept, because it can only ask for more care.
 */
import { BaiError } from '../errors.js';
import { planCallFacts } from '../spec/call-facts.js';
import type { Catalog, Operation } from '../spec/types.js';
import { stepFacts, type PolicyGate, type StepFacts } from './check.js';
import type { PlanStep } from './plan.js';

/** The catalog operation a step calls; its method and path must be the operation's. */
export function operationOf(catalog: Catalog, step: Pick<PlanStep, 'id' | 'operationId' | 'method' | 'path'>): Operation {
  const op = catalog.get(step.operationId);
  if (!op || op.method !== step.method || op.path !== step.path) {
    throw new BaiError(`step ${step.id}: ${step.operationId} (${step.method} ${step.path}) is not in the current spec`, 'bad_input');
  }
  return op;
}

/** Steps with `effect` and `destructive` derived from their operations and arguments. */
export function withPlanFacts(catalog: Catalog, steps: readonly PlanStep[]): PlanStep[] {
  const ops = steps.map((s) => operationOf(catalog, s));
  const facts = planCallFacts(steps.map((s, i) => ({ op: ops[i]!, args: s })));
  return steps.map((s, i) => ({ ...s, effect: facts[i]!.effect, destructive: facts[i]!.destructive || s.destructive === true }));
}

/** Steps with derived facts and the policy's verdict for each, counted in order (per-run caps). */
export function withDerivedFacts(catalog: Catalog, steps: readonly PlanStep[], gate: PolicyGate): PlanStep[] {
  const derived = withPlanFacts(catalog, steps);
  const earlier: StepFacts[] = [];
  return derived.map((s) => {
    const facts = stepFacts(operationOf(catalog, s), s);
    const policy = gate(facts, earlier);
    earlier.push(facts);
    return { ...s, policy };
  });
}
