import { describe, expect, it } from 'vitest';
import { dfsdtSearch, type CandidateChecker, type CheckResult } from '../../src/planner/dfsdt.js';
import type { PlanStep } from '../../src/planner/plan.js';
import { makeCatalog } from '../../src/spec/normalize.js';
import type { AcceptedStep, CallCandidate, Candidate, ProposalContext, Proposer } from '../../src/planner/types.js';

const catalog = makeCatalog({ title: 't', version: '1', sha256: 'x'.repeat(64), source: { kind: 'file', location: 'x' } }, [], {});

const call = (operationId: string, extra: Partial<CallCandidate> = {}): CallCandidate => ({ kind: 'call', operationId, reason: operationId, ...extra });

function step(c: CallCandidate, id: string, effect: 'read' | 'write'): PlanStep {
  return {
    id,
    operationId: c.operationId,
    method: effect === 'read' ? 'GET' : 'POST',
    path: `/${c.operationId}`,
    pathParams: c.pathParams ?? {},
    query: c.query ?? {},
    body: c.body,
    effect,
    policy: { verdict: effect === 'read' ? 'allow' : 'confirm', reason: 'test' },
    reason: c.reason,
    assumptions: [],
    refs: [],
    destructive: false,
  };
}

/** Checker: ops starting with `bad` fail validation, `denied` fail by policy, `get` are reads. */
const checker: CandidateChecker = {
  async check(c, _path, id): Promise<CheckResult> {
    if (c.operationId.startsWith('bad')) return { ok: false, reason: `${c.operationId} is invalid` };
    if (c.operationId.startsWith('denied')) return { ok: false, reason: 'denied by test policy', deniedByPolicy: true };
    return { ok: true, step: step(c, id, c.operationId.startsWith('get') ? 'read' : 'write') };
  },
};

/** A proposer scripted per depth: `tree[depth]` = candidates offered at that depth. */
function scripted(tree: (path: AcceptedStep[], ctx: ProposalContext) => Candidate[], kind: 'offline' | 'llm' = 'offline'): Proposer & { calls: ProposalContext[] } {
  const calls: ProposalContext[] = [];
  return {
    kind,
    model: null,
    calls,
    async propose(ctx) {
      calls.push(ctx);
      return { candidates: tree(ctx.steps, ctx), usage: { prompt: 10, completion: 2 } };
    },
  };
}

const base = {
  checker,
  runRead: async () => ({ items: [1, 2] }),
  context: {
    request: 'x',
    catalog,
    retrieved: [],
    defaults: { domain: 'default', group: 'default', cpuImage: 'python', gpuImage: 'pytorch', sessionNamePrefix: 'bai' },
  },
};

describe('DFSDT search', () => {
  it('takes the first valid candidate and finishes', async () => {
    const proposer = scripted((path) => (path.length === 0 ? [call('create')] : [{ kind: 'finish', reason: 'done' }]));
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(r.steps.map((s) => s.step.operationId)).toEqual(['create']);
    expect(r.stats.backtracks).toBe(0);
    expect(r.stats.nodesExpanded).toBe(2);
  });

  it('tries the next sibling when a candidate fails validation, and records why', async () => {
    const proposer = scripted((path) => (path.length === 0 ? [call('bad-1'), call('bad-2'), call('create')] : [{ kind: 'finish', reason: 'ok' }]));
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(r.steps.map((s) => s.step.operationId)).toEqual(['create']);
    expect(r.stats.failures.map((f) => f.reason)).toEqual(['bad-1 is invalid', 'bad-2 is invalid']);
  });

  it('backtracks to the parent when every child fails', async () => {
    // root offers A then B; below A everything fails; below B a valid call exists
    const proposer = scripted((path) => {
      if (path.length === 0) return [call('getA'), call('getB')];
      if (path.length === 1 && path[0]!.step.operationId === 'getA') return [call('bad-x'), call('bad-y')];
      if (path.length === 1) return [call('create')];
      return [{ kind: 'finish', reason: 'ok' }];
    });
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(r.steps.map((s) => s.step.operationId)).toEqual(['getB', 'create']);
    expect(r.stats.backtracks).toBe(1);
    expect(r.steps.map((s) => s.step.id)).toEqual(['s1', 's2']); // ids stay dense after backtracking
  });

  it('runs read candidates for real and passes their observations down', async () => {
    let seen: unknown;
    const proposer = scripted((path) => {
      if (path.length === 0) return [call('getList')];
      seen = path[0]!.observation;
      return [{ kind: 'finish', reason: 'ok' }];
    });
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(seen).toEqual({ items: [1, 2] });
  });

  it('a failing read fails its candidate', async () => {
    const proposer = scripted((path) => (path.length === 0 ? [call('getBroken'), call('getOk')] : [{ kind: 'finish', reason: 'ok' }]));
    const r = await dfsdtSearch({
      ...base,
      proposer,
      runRead: async (s) => {
        if (s.operationId === 'getBroken') throw new Error('HTTP 500');
        return {};
      },
    });
    expect(r.steps.map((s) => s.step.operationId)).toEqual(['getOk']);
    expect(r.stats.failures[0]!.reason).toContain('HTTP 500');
  });

  it('tells an LLM proposer which siblings failed and re-asks it (diversity prompt)', async () => {
    const proposer = scripted((path, ctx) => {
      if (path.length > 0) return [{ kind: 'finish', reason: 'ok' }];
      return ctx.failedSiblings.length === 0 ? [call('bad-hallucinated')] : [call('create')];
    }, 'llm');
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(proposer.calls[1]!.failedSiblings.map((f) => f.reason)).toEqual(['bad-hallucinated is invalid']);
    expect(r.stats.llmCalls).toBe(3);
    expect(r.stats.tokens).toEqual({ prompt: 30, completion: 6 });
  });

  it('ends as refused when the policy denied what would have worked', async () => {
    const proposer = scripted(() => [call('denied-delete')]);
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('refused');
    if (r.outcome === 'refused') expect(r.refusal).toContain('denied by test policy');
  });

  it('ends as needs_clarification with the failure reasons when nothing works', async () => {
    const proposer = scripted(() => [call('bad-only')]);
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('needs_clarification');
    if (r.outcome === 'needs_clarification') expect(r.question).toContain('bad-only is invalid');
  });

  it('passes clarify and refuse through', async () => {
    const ask = await dfsdtSearch({ ...base, proposer: scripted(() => [{ kind: 'clarify', question: 'Which folder?' }]) });
    expect(ask.outcome).toBe('needs_clarification');
    const no = await dfsdtSearch({ ...base, proposer: scripted(() => [{ kind: 'refuse', reason: 'not a Backend.AI task' }]) });
    expect(no.outcome).toBe('refused');
  });

  it('stops at the node budget and reports it', async () => {
    // an endless chain of valid reads
    const proposer = scripted((path) => [call(`get${path.length}`)]);
    const r = await dfsdtSearch({ ...base, proposer, budgets: { maxNodes: 5, maxDepth: 100 } });
    expect(r.stats.exhausted).toBe('maxNodes');
    expect(r.outcome).toBe('needs_clarification');
  });

  it('stops at the LLM-call budget', async () => {
    const proposer = scripted((_, ctx) => [call(`bad-${ctx.failedSiblings.length}`)], 'llm');
    const r = await dfsdtSearch({ ...base, proposer, budgets: { maxLlmCalls: 2 } });
    expect(r.stats.exhausted).toBe('maxLlmCalls');
    expect(r.stats.llmCalls).toBe(2);
  });

  it('honours the depth budget', async () => {
    const proposer = scripted((path) => [call(`get${path.length}`)]);
    const r = await dfsdtSearch({ ...base, proposer, budgets: { maxDepth: 3, maxNodes: 100 } });
    expect(r.stats.maxDepthReached).toBeLessThanOrEqual(3);
    expect(r.outcome).toBe('needs_clarification');
  });

  it('offers at most `width` calls per node', async () => {
    const proposer = scripted((path) => (path.length === 0 ? [call('bad1'), call('bad2'), call('bad3'), call('create')] : [{ kind: 'finish', reason: 'ok' }]));
    const r = await dfsdtSearch({ ...base, proposer, budgets: { width: 3 } });
    expect(r.outcome).toBe('needs_clarification'); // `create` was the 4th sibling
    expect(r.stats.failures).toHaveLength(3);
  });

  it('continues from executed steps after a failure (replan)', async () => {
    const prefix: AcceptedStep[] = [{ step: step(call('create-folder'), 's1', 'write'), candidate: call('create-folder'), observation: { id: 'f1' } }];
    const proposer = scripted((path, ctx) => {
      if (path.length === 1) return ctx.failedSiblings.length ? [call('create-session-2')] : [call('create-session')];
      return [{ kind: 'finish', reason: 'ok' }];
    });
    const r = await dfsdtSearch({
      ...base,
      proposer,
      prefix,
      initialFailures: [{ candidate: call('create-session'), reason: 'execution failed: 500' }],
    });
    expect(r.steps.map((s) => s.step.id)).toEqual(['s1', 's2']);
    expect(r.steps[1]!.step.operationId).toBe('create-session-2');
  });
});

describe('DFSDT with whole-plan proposals', () => {
  const plan = (steps: CallCandidate[], reason = 'the plan'): Candidate => ({ kind: 'plan', steps, reason });

  it('a whole plan whose steps all hold is planned with one proposer call, reads run on the way', async () => {
    const reads: string[] = [];
    const proposer = scripted(() => [plan([call('get-folders'), call('create', { body: { id: { $from: 's1', path: 'items.0' } } }), call('create-2')], 'creates two things')], 'llm');
    const r = await dfsdtSearch({ ...base, proposer, runRead: async (s) => (reads.push(s.id), { items: [1] }) });
    expect(r.outcome).toBe('planned');
    if (r.outcome === 'planned') expect(r.finish).toBe('creates two things');
    expect(r.steps.map((s) => [s.step.id, s.step.operationId])).toEqual([['s1', 'get-folders'], ['s2', 'create'], ['s3', 'create-2']]);
    expect(r.steps[0]!.observation).toEqual({ items: [1] });
    expect(reads).toEqual(['s1']);
    expect(proposer.calls).toHaveLength(1);
    expect(r.stats.llmCalls).toBe(1);
  });

  it('a failing step goes back to the proposer with the valid prefix kept and the failed step and reason told', async () => {
    const proposer = scripted((path, ctx) => {
      if (path.length === 0) return [plan([call('get-folders'), call('bad-create'), call('create-2')])];
      // asked again at s2: the rest of the plan, fixed
      return [plan([call('create'), call('create-2')], 'fixed')];
    }, 'llm');
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('planned');
    expect(r.steps.map((s) => s.step.operationId)).toEqual(['get-folders', 'create', 'create-2']);
    expect(proposer.calls).toHaveLength(2);
    const second = proposer.calls[1]!;
    expect(second.steps.map((a) => a.step.operationId)).toEqual(['get-folders']);
    expect(second.failedSiblings).toEqual([{ candidate: call('bad-create'), reason: 'bad-create is invalid' }]);
    expect(r.stats.llmCalls).toBe(2);
    expect(r.stats.failures).toEqual([{ depth: 1, candidate: 'bad-create()', reason: 'bad-create is invalid' }]);
  });

  it('an empty whole plan at the root is a give-up, not an empty "planned"', async () => {
    const proposer = scripted(() => [plan([])], 'llm');
    const r = await dfsdtSearch({ ...base, proposer });
    expect(r.outcome).toBe('needs_clarification');
    expect(r.steps).toEqual([]);
    expect(proposer.calls).toHaveLength(1);
  });

  it('a proposer that keeps proposing the same denied call is not asked again and again: refused, within the budget', async () => {
    const proposer = scripted(() => [call('denied-delete')], 'llm');
    const r = await dfsdtSearch({ ...base, proposer, budgets: { maxLlmCalls: 8 } });
    expect(r.outcome).toBe('refused');
    if (r.outcome === 'refused') expect(r.refusal).toBe('denied by policy: denied by test policy');
    expect(proposer.calls).toHaveLength(2);
    expect(r.stats.failures.map((f) => f.reason)).toEqual(['denied by test policy', 'proposed again after it failed (denied by test policy)']);
  });
});
