/**
 * A write never takes a value nobody saw. When a write's argument is `{"$from": "s1", "path": …}`:
 *  - from a read, the value is resolved from that read's result before the write is confirmed
 *    (the read ran while planning, or before the prompt at `apply`), recorded in the step's
 *    `refs[].value` so the preview shows it, grounded like a value written out, and compared again
 *    when the write is sent (execute.ts) — a changed value stops the run;
 *  - from an earlier write, that write must create something (a new session's id, a new
 *    service's id): the value is "what sN creates", never other data the manager returned.
 * Values carried in a plan document are dropped and derived again: they are not authority.
 */
import { createdEntities } from './entities.js';
import { isStepValueRef, type PlanStep, type StepRef } from './plan.js';
import { getPath } from './refs.js';

export interface EarlierStep {
  step: Pick<PlanStep, 'id' | 'effect' | 'operationId' | 'pathParams' | 'query' | 'body'>;
  /** What the step returned, when it is a read that already ran. */
  observation?: unknown;
}

export type ShownRefs = { ok: true; refs: StepRef[] } | { ok: false; reason: string };

/** The refs of a call, each pointing at an earlier step, with the values a write will use. */
export function shownRefValues(refs: readonly StepRef[], earlier: readonly EarlierStep[], effect: 'read' | 'write'): ShownRefs {
  const out: StepRef[] = [];
  for (const ref of refs) {
    const { value: _ignored, ...plain } = ref;
    const from = earlier.find((e) => e.step.id === ref.from);
    if (!from) return { ok: false, reason: `${ref.at} refers to ${ref.from}, which is not an earlier step of the plan` };
    if (effect === 'read') {
      out.push(plain);
      continue;
    }
    if (from.step.effect === 'write') {
      if (createdEntities(from.step).length === 0) {
        return { ok: false, reason: `${ref.at} takes a value from ${ref.from} (${from.step.operationId}), which creates nothing: a write may only use what an earlier step creates, or what a read showed` };
      }
      out.push(plain);
      continue;
    }
    if (from.observation === undefined) {
      return { ok: false, reason: `${ref.at} takes ${ref.from}.${ref.path}, which is only known after a write has run: its value could not be shown before confirmation` };
    }
    const value = getPath(from.observation, ref.path);
    if (value === undefined) return { ok: false, reason: `${ref.at}: the result of ${ref.from} has no "${ref.path}"` };
    out.push({ ...plain, value });
  }
  return { ok: true, refs: out };
}

/** The call's arguments with each ref that has a shown value replaced by that value (for grounding). */
export function withRefValues<T extends { pathParams?: unknown; query?: unknown; body?: unknown }>(args: T, refs: readonly StepRef[]): T {
  const values = new Map(refs.filter((r) => r.value !== undefined).map((r) => [r.at, r.value]));
  if (values.size === 0) return args;
  const sub = (v: unknown, at: string): unknown => {
    if (isStepValueRef(v)) return values.has(at) ? values.get(at) : v;
    if (Array.isArray(v)) return v.map((x, i) => sub(x, `${at}.${i}`));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x, `${at}.${k}`)]));
    return v;
  };
  return { ...args, pathParams: sub(args.pathParams, 'pathParams'), query: sub(args.query, 'query'), body: sub(args.body, 'body') };
}

/** Same JSON value (the comparison at execution between the shown and the resolved value). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
