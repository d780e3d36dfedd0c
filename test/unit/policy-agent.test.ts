/**
 * Policies as the agent enforces them, checked on the manager's side: whatever the planner (here a
 * scripted LLM that insists on a forbidden call) proposes, a denied step never reaches the
 * sandbox; caps refuse an over-sized request and name the cap; readonly refuses every write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAgent, type AgentDeps } from '../../src/agent/graph.js';
import { loadPolicyGate } from '../../src/agent/policy-gate.js';
import { connect, plannerDefaults, type Connection } from '../../src/cli/connect.js';
import { Output } from '../../src/cli/output.js';
import { LlmProposer } from '../../src/planner/llm/proposer.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import { loadOperationIndex } from '../../src/retrieval/index.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { ScriptedChatModel, type ScriptedTurn } from '../support/llm-fake.js';

let sandbox: SandboxHandle;
let catalog: Catalog;
let conn: Connection;

beforeAll(async () => {
  catalog = await loadCatalog({ source: 'bundled' });
  sandbox = await startSandbox({ catalog, port: 0, clock: 'fast' });
  const { accessKey, secretKey } = sandbox.credentials.user;
  conn = await connect({ globals: { endpoint: sandbox.url, accessKey, secretKey }, out: new Output({ quiet: true }) }, catalog);
});
afterAll(async () => {
  await conn?.close();
  await sandbox?.close();
});

async function deps(policy: string, proposer: 'offline' | ScriptedTurn[]): Promise<AgentDeps> {
  const index = await loadOperationIndex(catalog);
  const defaults = plannerDefaults(conn.config);
  return {
    catalog,
    retrieve: (q) => index.search(q, { k: 8 }),
    api: conn.client,
    makeProposer: (world) => (proposer === 'offline' ? new OfflineProposer({ world, defaults }) : new LlmProposer(new ScriptedChatModel(proposer))),
    policy: await loadPolicyGate({ globals: { policy } }),
    defaults,
    endpoint: conn.endpointLabel,
    waitTimeoutSeconds: 10,
  };
}

/** Requests the sandbox received for these operations since `mark`. */
function received(mark: number, ...operationIds: string[]) {
  return sandbox.requests.slice(mark).filter((r) => r.operationId && operationIds.includes(r.operationId));
}

describe('policy enforcement in the agent', () => {
  it('a denied operation an LLM keeps proposing is never sent, even with --yes', async () => {
    const mark = sandbox.requests.length;
    // the model insists on deleting a folder, three times over, then gives up
    const del = [{ name: 'folders_delete_by_id', args: { body: { vfolderId: 'aaaaaaaa-0000-4000-8000-000000000001' } } }];
    const script: ScriptedTurn[] = [del, del, del, [{ name: 'give_up', args: { reason: 'only deletion would do' } }]];
    const state = await runAgent(await deps('ci', script), { request: 'clean up my datasets folder', mode: 'run', autoApprove: true }, async () => 'approve');
    expect(state.plan!.outcome).toBe('refused');
    expect(state.plan!.refusal).toMatch(/denied by policy/);
    expect(state.execution).toBeUndefined();
    expect(received(mark, 'folders.delete_by_id', 'folders.delete_by_name', 'folders.move_to_trash')).toEqual([]);
  });

  it('caps refuse an over-sized request and name the cap', async () => {
    const mark = sandbox.requests.length;
    const state = await runAgent(await deps('ci', 'offline'), { request: 'create a session with 12 fGPU on gpu-a100', mode: 'run', autoApprove: true }, async () => 'approve');
    expect(state.plan!.outcome).toBe('refused');
    expect(state.plan!.refusal).toMatch(/cuda\.shares/);
    expect(state.plan!.refusal).toMatch(/\b8\b/); // the cap's value
    expect(received(mark, 'session.create_from_params', 'session.create_from_params.2', 'v2/sessions.enqueue')).toEqual([]);
  });

  it('readonly refuses every write, and still runs reads', async () => {
    const mark = sandbox.requests.length;
    for (const request of ['create a folder named ro-test', 'create a new session with 1 fGPU', 'delete the folder datasets', 'terminate session train-job-1']) {
      const state = await runAgent(await deps('readonly', 'offline'), { request, mode: 'run', autoApprove: true }, async () => 'approve');
      expect(state.plan!.outcome, request).toBe('refused');
      expect(state.execution, request).toBeUndefined();
    }
    const writes = sandbox.requests.slice(mark).filter((r) => r.operationId && catalog.get(r.operationId)?.effect === 'write');
    expect(writes).toEqual([]);
    const read = await runAgent(await deps('readonly', 'offline'), { request: 'list my folders', mode: 'run' }, async () => 'reject');
    expect(read.execution?.ok).toBe(true);
  });

  it('ci policy runs an allowed write with no prompt at all', async () => {
    let asked = 0;
    const state = await runAgent(await deps('ci', 'offline'), { request: 'create a session with 2 fGPU', mode: 'run' }, async () => {
      asked++;
      return 'reject';
    });
    expect(asked).toBe(0);
    expect(state.decision).toBe('policy');
    expect(state.execution?.ok).toBe(true);
    expect(state.execution!.outputs.sessions[0]!.status).toBe('RUNNING');
  });
});
