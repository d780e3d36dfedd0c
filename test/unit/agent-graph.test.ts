/**
 * The agent graph end to end, in-process, against a fresh fast-clock sandbox: DFSDT backtracking
 * over real preflight data, the confirmation as a LangGraph interrupt (reject → nothing written,
 * approve → executed), and an execution failure that leads to a new plan confirmed again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BackendApiError } from '../../src/client/errors.js';
import { buildAgentGraph, resumeAgent, runAgent, startAgent, type AgentDeps, type ConfirmRequest } from '../../src/agent/graph.js';
import { loadPolicyGate } from '../../src/agent/policy-gate.js';
import { connect, plannerDefaults, type Connection } from '../../src/cli/connect.js';
import { Output } from '../../src/cli/output.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import { loadOperationIndex } from '../../src/retrieval/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { PlanDocument } from '../../src/planner/plan.js';

const open: Connection[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

interface World {
  deps: AgentDeps;
  conn: Connection;
  previews: Array<{ plan: PlanDocument; attempt: number; replanReason?: string }>;
  writes: string[];
}

/** Agent deps as the CLI builds them, over a throw-away sandbox; `failWrite` makes chosen writes fail once. */
async function world(opts: { failWriteOnce?: string } = {}): Promise<World> {
  const catalog = await loadCatalog({ source: 'bundled' });
  const ctx = { globals: { sandbox: true }, out: new Output({ quiet: true }) };
  const conn = await connect(ctx, catalog, { ephemeralSandbox: true, sandboxClock: 'fast' });
  open.push(conn);
  const index = await loadOperationIndex(catalog);
  const previews: World['previews'] = [];
  const writes: string[] = [];
  let failed = false;
  const api: AgentDeps['api'] = {
    call: async (operationId, args) => {
      const op = catalog.get(operationId);
      if (op?.effect === 'write') {
        writes.push(operationId);
        if (operationId === opts.failWriteOnce && !failed) {
          failed = true;
          throw new BackendApiError({ status: 503, type: 'service-unavailable', title: 'Service Unavailable', operationId });
        }
      }
      return conn.client.call(operationId, args);
    },
  };
  const deps: AgentDeps = {
    catalog,
    retrieve: (q) => index.search(q, { k: 8 }),
    api,
    makeProposer: (w) => new OfflineProposer({ world: w, defaults: plannerDefaults(conn.config) }),
    policy: await loadPolicyGate({ globals: {} }),
    defaults: plannerDefaults(conn.config),
    endpoint: conn.endpointLabel,
    preview: (plan, info) => previews.push({ plan, ...info }),
    waitTimeoutSeconds: 20,
  };
  return { deps, conn, previews, writes };
}

async function liveSessionNames(conn: Connection): Promise<string[]> {
  const { data } = await conn.client.call<{ items: Array<{ metadata: { name: string }; lifecycle: { status: string } }> }>('v2/sessions.my_search', {
    body: { limit: 100, offset: 0 },
  });
  return data.items.filter((s) => !['TERMINATED', 'CANCELLED', 'ERROR'].includes(s.lifecycle.status)).map((s) => s.metadata.name);
}

describe('the agent graph', () => {
  it('backtracks: 12 fGPU does not fit in default, so the plan uses gpu-a100', async () => {
    const w = await world();
    const state = await runAgent(w.deps, { request: 'create a session with 12 fGPU in whichever resource group can fit it', mode: 'plan' }, async () => 'reject');
    const plan = state.plan!;
    expect(plan.outcome).toBe('planned');
    const create = plan.steps.find((s) => s.effect === 'write')!;
    const config = (create.body as { config: { scaling_group: string; resources: Record<string, number> } }).config;
    expect(config.resources['cuda.shares']).toBe(12);
    expect(config.scaling_group).toBe('gpu-a100');
    // the default group was tried first and failed its capacity preflight
    expect(plan.search.failures.some((f) => /default/.test(f.candidate + f.reason) && /free|capacity|fit/i.test(f.reason))).toBe(true);
    expect(w.writes).toEqual([]); // plan mode never writes
  });

  it('pauses at the confirmation; a rejection writes nothing', async () => {
    const w = await world();
    const before = await liveSessionNames(w.conn);
    const run = await startAgent(w.deps, { request: 'create a new session with 5 fGPU', mode: 'run' });
    expect(run.pending?.kind).toBe('confirm');
    expect(run.pending!.steps.map((s) => s.operationId)).toEqual(['session.create_from_params']);
    const done = await resumeAgent(run, 'reject');
    expect(done.pending).toBeUndefined();
    expect(done.state.decision).toBe('reject');
    expect(done.state.execution).toBeUndefined();
    expect(w.writes).toEqual([]);
    expect(await liveSessionNames(w.conn)).toEqual(before);
  });

  it('resumes an approval from the checkpoint and executes the previewed plan', async () => {
    const w = await world();
    const run = await startAgent(w.deps, { request: 'create a folder named graph-test and a session with 2 fGPU that mounts it', mode: 'run' });
    expect(run.pending).toBeDefined();
    const previewed = run.pending!.plan;
    const done = await resumeAgent(run, 'approve');
    expect(done.state.execution?.ok).toBe(true);
    // exactly the previewed steps ran, in order, the session mounting the folder created before it
    expect(done.state.execution!.results.map((r) => r.operationId)).toEqual(previewed.steps.map((s) => s.operationId));
    expect(done.state.execution!.outputs.folders[0]?.name).toBe('graph-test');
    const session = done.state.execution!.outputs.sessions[0]!;
    expect(session.status).toBe('RUNNING');
    expect(await liveSessionNames(w.conn)).toContain(session.name);
  });

  it('a step that fails during execution leads to a new plan, previewed and confirmed again', async () => {
    const w = await world({ failWriteOnce: 'folders.create' });
    const asked: ConfirmRequest[] = [];
    const state = await runAgent(w.deps, { request: 'create a folder named retry-me', mode: 'run' }, async (req) => {
      asked.push(req);
      return 'approve';
    });
    expect(asked.map((a) => a.attempt)).toEqual([1, 2]); // confirmed twice: the new plan was not run unasked
    expect(w.previews.map((p) => p.attempt)).toEqual([1, 2]);
    expect(w.previews[1]!.replanReason).toMatch(/503|unavailable/i);
    expect(state.history).toHaveLength(1);
    expect(state.execution?.ok).toBe(true);
    expect(w.writes).toEqual(['folders.create', 'folders.create']);
  });

  it('each run has its own thread: two paused runs resume independently', async () => {
    const w = await world();
    const graph = buildAgentGraph(w.deps);
    const a = await startAgent(w.deps, { request: 'create a folder named thread-a', mode: 'run' }, graph);
    const b = await startAgent(w.deps, { request: 'create a folder named thread-b', mode: 'run' }, graph);
    expect(a.threadId).not.toBe(b.threadId);
    const rb = await resumeAgent(b, 'approve');
    const ra = await resumeAgent(a, 'reject');
    expect(rb.state.execution?.outputs.folders[0]?.name).toBe('thread-b');
    expect(ra.state.execution).toBeUndefined();
    expect(w.writes).toEqual(['folders.create']);
  });
});
