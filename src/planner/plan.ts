/**
 * The plan document (contract, see shared/DESIGN.md): what `plan -o` writes, `apply` reads,
 * `--json` prints, MCP and the web page pass around. Declared once as a zod schema; the
 * TypeScript types are derived from it so the validator and the type never drift.
 *
 * Never put a secret in a plan: endpoints are recorded without credentials, and nothing
 * here carries keys or tokens.
 */
import { z } from 'zod';

export const PLAN_VERSION = 1;

/** A value in a step's arguments that is filled from an earlier step's response at run time. */
export const StepValueRef = z.object({
  $from: z.string().describe('id of the earlier step'),
  path: z.string().describe('dot path into that step\'s response, e.g. "sessionId" or "items.0.id"'),
});
export type StepValueRef = z.infer<typeof StepValueRef>;

export const StepRef = z.object({
  /** Where in this step the value goes: `pathParams.session_name`, `body.config.mounts.0`. */
  at: z.string(),
  from: z.string(),
  path: z.string(),
  /**
   * For a write taking a value from a read: that value, as shown before confirmation (the write
   * stops if it differs when sent). Derived again from the read's result, never taken from a file.
   */
  value: z.unknown().optional(),
});
export type StepRef = z.infer<typeof StepRef>;

export const Verdict = z.enum(['allow', 'confirm', 'deny']);
export type Verdict = z.infer<typeof Verdict>;

export const PolicyDecision = z.object({
  verdict: Verdict,
  /** Which rule decided (e.g. `rules[3]` or `caps.cuda.shares`), for the preview. */
  rule: z.string().optional(),
  reason: z.string(),
});
export type PolicyDecision = z.infer<typeof PolicyDecision>;

export const WaitSpec = z.object({
  /** The session status to wait for after the call (`enqueueOnly` creation). */
  until: z.enum(['RUNNING', 'TERMINATED']),
  timeoutSeconds: z.number().positive(),
});
export type WaitSpec = z.infer<typeof WaitSpec>;

/**
 * One call of a compensation. Values may be `{$from, path}` references: to an earlier step's
 * response, or to this step's own (`$from` = this step's id), e.g. the id of the session it creates.
 */
export const UndoCall = z.object({
  operationId: z.string().min(1),
  pathParams: z.record(z.string(), z.unknown()).default({}),
  query: z.record(z.string(), z.unknown()).default({}),
  body: z.unknown().optional(),
  /** One line for the preview: what this call puts back. */
  reason: z.string(),
  /** The entity it acts on, by id: an undo refuses when the name now belongs to something else. */
  target: z.object({ kind: z.enum(['folder', 'session', 'service']), id: z.unknown() }).optional(),
});
export type UndoCall = z.infer<typeof UndoCall>;

/**
 * How a write step is undone (src/planner/undo.ts), computed from what the planning reads saw:
 * `compensate` — these calls, in order, put back what the step changed (none: nothing changed) (`leaves`: what stays
 * different afterwards, e.g. "the folder stays in the trash bin"); `irreversible` — why not.
 * Informational in a plan document: `apply` and `undo` compute it again from the operation.
 */
export const StepUndo = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('compensate'),
    summary: z.string(),
    calls: z.array(UndoCall),
    leaves: z.string().optional(),
  }),
  z.object({ kind: z.literal('irreversible'), reason: z.string() }),
]);
export type StepUndo = z.infer<typeof StepUndo>;

export const PlanStep = z.object({
  id: z.string().regex(/^s\d+$/),
  operationId: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']),
  path: z.string().startsWith('/'),
  pathParams: z.record(z.string(), z.unknown()).default({}),
  query: z.record(z.string(), z.unknown()).default({}),
  body: z.unknown().optional(),
  effect: z.enum(['read', 'write']),
  policy: PolicyDecision,
  /** Why the planner chose this call, in one line. */
  reason: z.string(),
  assumptions: z.array(z.string()).default([]),
  refs: z.array(StepRef).default([]),
  /** Destructive writes (deleting folders, terminating several sessions) need a typed confirmation. */
  destructive: z.boolean().default(false),
  wait: WaitSpec.optional(),
  /** For read steps run during planning: a short summary of what came back. */
  observation: z.string().optional(),
  /** For write steps: how it would be undone, or why it cannot be (added 2026-12; optional). */
  undo: StepUndo.optional(),
  /** What the user should know before approving (e.g. the session will wait in PENDING for capacity). */
  warnings: z.array(z.string()).optional(),
  /**
   * Which planner proposed this step. For display only: every check applies to every step,
   * whoever made it, and apply re-decides effect and policy from the operation itself.
   */
  planner: z.enum(['offline', 'llm']).optional(),
});
export type PlanStep = z.infer<typeof PlanStep>;

export const GroundedEntity = z.object({
  kind: z.enum(['image', 'folder', 'session', 'resource_group', 'preset', 'service', 'project', 'user']),
  name: z.string(),
  id: z.string().optional(),
  /** `manager`: looked up on the manager during planning; `plan`: created by an earlier step. */
  source: z.enum(['manager', 'plan', 'config']),
  step: z.string().optional(),
});
export type GroundedEntity = z.infer<typeof GroundedEntity>;

export const SearchFailure = z.object({
  depth: z.number().int().nonnegative(),
  candidate: z.string(),
  reason: z.string(),
});

export const SearchStats = z.object({
  algorithm: z.literal('dfsdt'),
  nodesExpanded: z.number().int().nonnegative(),
  backtracks: z.number().int().nonnegative(),
  maxDepthReached: z.number().int().nonnegative(),
  llmCalls: z.number().int().nonnegative(),
  tokens: z.object({ prompt: z.number().int().nonnegative(), completion: z.number().int().nonnegative() }),
  elapsedMs: z.number().nonnegative(),
  budgets: z.object({
    maxDepth: z.number().int().positive(),
    width: z.number().int().positive(),
    maxNodes: z.number().int().positive(),
    maxLlmCalls: z.number().int().nonnegative(),
    timeMs: z.number().positive(),
  }),
  /** Budget that stopped the search, if one did. */
  exhausted: z.string().optional(),
  failures: z.array(SearchFailure).default([]),
  /** Hybrid planning: which planner's plan this is, and why (offline first, the LLM for the rest). */
  route: z.object({ planner: z.enum(['offline', 'llm']), why: z.string() }).optional(),
});
export type SearchStats = z.infer<typeof SearchStats>;

export const PlanOutcome = z.enum(['planned', 'needs_clarification', 'refused']);
export type PlanOutcome = z.infer<typeof PlanOutcome>;

export const PlanDocument = z.object({
  version: z.literal(PLAN_VERSION),
  request: z.string(),
  createdAt: z.string(),
  spec: z.object({ title: z.string(), version: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  /** Manager endpoint URL without credentials, or `sandbox` for the built-in simulated manager. */
  endpoint: z.string(),
  /** `hybrid`: offline first, the model only for what the offline planner does not fully understand. */
  planner: z.object({ kind: z.enum(['offline', 'llm', 'hybrid']), model: z.string().nullable() }),
  policy: z.object({ name: z.string(), sha256: z.string().optional() }),
  outcome: PlanOutcome,
  /** For `needs_clarification`: the question to ask the user. */
  question: z.string().optional(),
  /** For `refused`: why. */
  refusal: z.string().optional(),
  steps: z.array(PlanStep),
  assumptions: z.array(z.string()).default([]),
  /** Words of the request the planner did not understand (shown in the preview; never planned around). */
  notUnderstood: z.array(z.string()).optional(),
  /** Changes the request asked about rather than asked for: requests the user may make, never steps. */
  suggestions: z.array(z.string()).optional(),
  grounding: z.array(GroundedEntity).default([]),
  search: SearchStats,
  /** A compensating plan (`bai-agent undo`, or the undo offered after a failed step): which run it undoes. */
  undoOf: z.object({ runId: z.string(), request: z.string() }).optional(),
  /**
   * A plan made from a file of requests (`plan --requests FILE`): each request and the steps
   * planned for it, in order. `request` is then the requests joined by newlines.
   */
  requests: z.array(z.object({ request: z.string(), steps: z.array(z.string()) })).optional(),
});
export type PlanDocument = z.infer<typeof PlanDocument>;

export function isStepValueRef(v: unknown): v is StepValueRef {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    typeof (v as Record<string, unknown>).$from === 'string' &&
    typeof (v as Record<string, unknown>).path === 'string'
  );
}

export function writeSteps(plan: Pick<PlanDocument, 'steps'>): PlanStep[] {
  return plan.steps.filter((s) => s.effect === 'write');
}
