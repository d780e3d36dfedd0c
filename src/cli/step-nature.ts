/**
 * What the front ends need to know about a step before they show it or ask about it — is it a
 * write, is it destructive, what does it destroy — taken from the operation itself (the catalog
 * entry for its operationId, its arguments), never from the plan's own `effect`/`destructive`
 * fields: a plan file is input like any other. The plan's fields can only make a step *more*
 * careful (a step it calls destructive stays destructive).
 *
 * Every rendering and prompt decision goes through this one module; the facts themselves come
 * from the project's one rule (spec/call-facts.ts).
 */
import { callFacts, planCallFacts, type CallFacts } from '../spec/call-facts.js';
import { createdEntities, referencedEntities } from '../planner/entities.js';
import { isStepValueRef, type PlanDocument, type PlanStep } from '../planner/plan.js';
import type { Catalog, Operation } from '../spec/types.js';

export interface StepNature {
  write: boolean;
  destructive: boolean;
  /** The catalog's method and path (what is really sent), when the operation is known. */
  method: string;
  path: string;
  /** `path` with the step's path parameters filled in (`/folders/datasets`; `{s1.id}` for a value from step s1). */
  target: string;
}

/** Derived from the operation; an unknown operation is treated as a destructive write. */
export function stepNature(step: PlanStep, plan: Pick<PlanDocument, 'steps'>, catalog?: Catalog): StepNature {
  const op = catalog?.get(step.operationId);
  const facts = op ? factsInPlan(op, step, plan, catalog!) : undefined;
  const write = !facts || step.effect === 'write' || facts.effect === 'write';
  const destructive = write && (step.destructive || !facts || facts.destructive);
  const path = op?.path ?? step.path;
  return { write, destructive, method: op?.method ?? step.method, path, target: fillPath(path, step.pathParams) };
}

function fillPath(path: string, params: Record<string, unknown>): string {
  return path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = params[name];
    if (isStepValueRef(v)) return `{${v.$from}.${v.path}}`;
    return typeof v === 'string' || typeof v === 'number' ? encodeURIComponent(String(v)) : whole;
  });
}

/** The one rule's facts of `step`, within its plan (terminating several sessions is destructive). */
function factsInPlan(op: Operation, step: PlanStep, plan: Pick<PlanDocument, 'steps'>, catalog: Catalog): CallFacts {
  const known = plan.steps.flatMap((s) => {
    const o = catalog.get(s.operationId);
    return o ? [{ op: o, args: s, step: s }] : [];
  });
  const i = known.findIndex((k) => k.step === step);
  return i < 0 ? callFacts(op, step) : planCallFacts(known)[i]!;
}

/** Write steps of a plan, by derivation. */
export function derivedWrites(plan: Pick<PlanDocument, 'steps'>, catalog?: Catalog): PlanStep[] {
  return plan.steps.filter((s) => stepNature(s, plan, catalog).write);
}

export interface DestructiveTarget {
  kind: string;
  /** What the user types: the entity's name when the plan knows it, else the id as written. */
  name: string;
  step: string;
}

/**
 * Everything the destructive steps among `steps` delete or terminate, by name. A target given by
 * id is named from the plan's grounding (the manager's name for that id); a target filled from an
 * earlier step is named by what that step creates.
 */
export function destructiveTargets(steps: PlanStep[], plan: Pick<PlanDocument, 'steps' | 'grounding'>, catalog?: Catalog): DestructiveTarget[] {
  const out: DestructiveTarget[] = [];
  const add = (t: DestructiveTarget): void => {
    if (!out.some((o) => o.kind === t.kind && o.name === t.name)) out.push(t);
  };
  for (const step of steps) {
    if (!stepNature(step, plan, catalog).destructive) continue;
    const mentions = referencedEntities(step).filter((m) => m.kind === 'folder' || m.kind === 'session' || m.kind === 'service');
    for (const m of mentions) {
      const known = plan.grounding.find((g) => g.kind === m.kind && (g.id === m.value || g.name === m.value));
      add({ kind: m.kind, name: known?.name ?? m.value, step: step.id });
    }
    // targets that are step references (`{$from: s1, path: id}`) are not mentions: name them by their source
    for (const [key, value] of Object.entries({ ...step.pathParams, ...bodyTargets(step) })) {
      if (!isStepValueRef(value)) continue;
      const source = plan.steps.find((s) => s.id === value.$from);
      const made = source ? createdEntities(source)[0] : undefined;
      add({ kind: made?.kind ?? key, name: made?.name ?? `${value.$from}.${value.path}`, step: step.id });
    }
    if (mentions.length === 0 && !Object.values({ ...step.pathParams, ...bodyTargets(step) }).some(isStepValueRef)) {
      // nothing names what it destroys: the operation itself is the target
      add({ kind: 'operation', name: step.operationId, step: step.id });
    }
  }
  return out;
}

function bodyTargets(step: PlanStep): Record<string, unknown> {
  const b = (typeof step.body === 'object' && step.body !== null ? step.body : {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ['vfolderId', 'vfolder_id', 'id', 'name', 'session_name']) if (b[key] !== undefined) out[key] = b[key];
  if (Array.isArray(b.session_ids)) b.session_ids.forEach((v, i) => (out[`session_ids.${i}`] = v));
  return out;
}
