/**
 * Step references: a later step's argument `{ "$from": "s1", "path": "sessionId" }` is replaced,
 * at run time, by that value from step s1's response.
 */
import { BaiError } from '../errors.js';
import { isStepValueRef, type PlanStep } from './plan.js';

/** Read `a.b.0.c` out of a JSON value. */
export function getPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) cur = cur[Number(part)];
    else if (typeof cur === 'object') cur = (cur as Record<string, unknown>)[part];
    else return undefined;
  }
  return cur;
}

/** Does this step need the result of one of these (not yet run) steps? */
export function dependsOn(step: PlanStep, stepIds: Set<string>): boolean {
  return step.refs.some((r) => stepIds.has(r.from));
}

/** Substitute every reference in the step's arguments with the referenced results. */
export function resolveStepArgs(
  step: PlanStep,
  results: ReadonlyMap<string, unknown>,
): { pathParams: Record<string, unknown>; query: Record<string, unknown>; body: unknown } {
  const sub = (v: unknown): unknown => {
    if (isStepValueRef(v)) {
      if (!results.has(v.$from)) throw new BaiError(`step ${step.id} needs the result of ${v.$from}, which has not run`, 'execution');
      const value = getPath(results.get(v.$from), v.path);
      if (value === undefined) throw new BaiError(`step ${step.id}: ${v.$from} returned no "${v.path}"`, 'execution');
      return value;
    }
    if (Array.isArray(v)) return v.map(sub);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  return {
    pathParams: sub(step.pathParams) as Record<string, unknown>,
    query: sub(step.query) as Record<string, unknown>,
    body: step.body === undefined ? undefined : sub(step.body),
  };
}
