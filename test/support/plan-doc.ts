/** A hand-built plan document and steps for executor tests (the fields the schema requires). */
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';

export function planOf(steps: PlanStep[], over: Partial<PlanDocument> = {}): PlanDocument {
  return {
    version: 1,
    request: 'test',
    createdAt: new Date().toISOString(),
    spec: { title: 't', version: '1', sha256: 'a'.repeat(64) },
    endpoint: 'sandbox',
    planner: { kind: 'offline', model: null },
    policy: { name: 'default' },
    outcome: 'planned',
    steps,
    assumptions: [],
    grounding: [],
    search: {
      algorithm: 'dfsdt', nodesExpanded: 1, backtracks: 0, maxDepthReached: 1, llmCalls: 0, tokens: { prompt: 0, completion: 0 }, elapsedMs: 1,
      budgets: { maxDepth: 1, width: 1, maxNodes: 1, maxLlmCalls: 0, timeMs: 1 }, failures: [],
    },
    ...over,
  };
}

/** A write step needing confirmation, as the planner would emit it. */
export function writeStep(id: string, operationId: string, extra: Partial<PlanStep> = {}): PlanStep {
  return {
    id, operationId, method: 'POST', path: '/x', pathParams: {}, query: {}, effect: 'write',
    policy: { verdict: 'confirm', reason: 'writes need confirmation' }, reason: operationId, assumptions: [], refs: [], destructive: false, ...extra,
  };
}
