/**
 * Undo, verified on the manager's state: for every write the offline planner can produce that has
 * a compensation, a request is planned and applied in a fresh sandbox, then undone from the audit
 * records exactly as `bai-agent undo` does; the world after must equal the world before, or differ
 * by exactly what the preview announced (`undo.leaves`, e.g. "the folder stays in the trash bin").
 * The other writes must say "cannot be undone" — there is no third kind.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runAgent, type AgentDeps } from '../../src/agent/graph.js';
import type { AuditEntry } from '../../src/agent/execute.js';
import { loadPolicyGate } from '../../src/agent/policy-gate.js';
import { buildUndoPlan, runFromEntries } from '../../src/agent/undo.js';
import { connect, plannerDefaults, type Connection } from '../../src/cli/connect.js';
import { Output } from '../../src/cli/output.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { UNDO_RULES, withUndo } from '../../src/planner/undo.js';
import { WorldView } from '../../src/planner/world.js';
import { loadOperationIndex, type OperationIndex } from '../../src/retrieval/index.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { isLive, sessionStatus } from '../../src/sandbox/scheduler.js';
import type { SandboxWorld } from '../../src/sandbox/world.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { repoRoot } from '../support/shared.js';

let catalog: Catalog;
let index: OperationIndex;
let sandbox: SandboxHandle | undefined;
let conn: Connection | undefined;

beforeAll(async () => {
  catalog = await loadCatalog({ source: 'bundled' });
  index = await loadOperationIndex(catalog);
});
afterEach(async () => {
  await conn?.close();
  await sandbox?.close();
  conn = undefined;
  sandbox = undefined;
});

/** What a user can observe of the world (finished background tasks are progress records, not state). */
function view(w: SandboxWorld) {
  const now = Date.now();
  const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
  return {
    users: w.users.map((u) => ({ email: u.email, fullName: u.fullName })),
    folders: byId(w.folders).map((f) => ({
      id: f.id,
      name: f.name,
      status: f.status,
      permission: f.permission,
      cloneable: f.cloneable,
      usageMode: f.usageMode,
      sharedWith: [...f.sharedWith].sort((a, b) => a.email.localeCompare(b.email)),
      files: f.files,
    })),
    invitations: byId(w.invitations).map((i) => ({ id: i.id, folderId: i.folderId, invitee: i.inviteeEmail, permission: i.permission, state: i.state })),
    sessions: byId(w.sessions).map((s) => ({ id: s.id, name: s.name, live: isLive(sessionStatus(s, now, true)) })),
    services: byId(w.services).map((s) => ({ id: s.id, name: s.name, replicas: s.replicas, routes: s.routes.length })),
  };
}
type View = ReturnType<typeof view>;

async function fresh(as: 'user' | 'admin' = 'user'): Promise<{ deps: AgentDeps; sb: SandboxHandle; c: Connection }> {
  sandbox = await startSandbox({ catalog, port: 0, clock: 'fast' });
  const { accessKey, secretKey } = sandbox.credentials[as];
  conn = await connect({ globals: { endpoint: sandbox.url, accessKey, secretKey }, out: new Output({ quiet: true, stderr: new PassThrough() }) }, catalog);
  const defaults = plannerDefaults(conn.config);
  const deps: AgentDeps = {
    catalog,
    retrieve: (q) => index.search(q, { k: 8 }),
    api: conn.client,
    makeProposer: (world) => new OfflineProposer({ world, defaults }),
    // share is an admin route (facts §15.5): that case runs as the sandbox's admin; the policy is not under test here
    policy: await loadPolicyGate({ globals: { policy: 'default', allowAdmin: true } }),
    defaults,
    endpoint: conn.endpointLabel,
    waitTimeoutSeconds: 20,
  };
  return { deps, sb: sandbox, c: conn };
}

/** Plan and apply a request (approved); the audit entries of its writes, as the CLI records them. */
async function apply(deps: AgentDeps, request: string, edit?: (plan: PlanDocument) => PlanDocument): Promise<{ plan: PlanDocument; written: AuditEntry[] }> {
  const written: AuditEntry[] = [];
  const audited: AgentDeps = { ...deps, audit: (e) => written.push({ ...e, runId: 'run1', endpoint: deps.endpoint }) };
  let plan: PlanDocument | undefined;
  if (edit) {
    // a sibling the search would fall back to (the manager's other route): the same plan, that operation
    const dry = await runAgent(deps, { request, mode: 'plan' }, async () => 'approve');
    const world = new WorldView(deps.api);
    plan = edit(dry.plan!);
    plan = { ...plan, steps: await withUndo(plan.steps, { world, api: deps.api }) };
  }
  const state = await runAgent(audited, { request, mode: 'run', autoApprove: true, ...(plan ? { plan } : {}) }, async () => 'approve');
  expect(state.plan?.outcome, `${request}: ${state.plan?.question ?? state.plan?.refusal ?? ''}`).toBe('planned');
  expect(state.execution?.ok, `${request}: ${state.execution?.error ?? ''}`).toBe(true);
  return { plan: state.plan!, written };
}

/** Undo the run from its audit entries, as `bai-agent undo` does, approved. */
async function undo(deps: AgentDeps, request: string, written: AuditEntry[]): Promise<PlanDocument> {
  const run = runFromEntries('run1', request, deps.endpoint, written);
  const built = await buildUndoPlan(run, { catalog, api: deps.api, policy: deps.policy, endpoint: deps.endpoint, defaultProject: 'default' });
  expect(built.plan, built.notes.join('; ')).toBeDefined();
  const state = await runAgent(deps, { request: built.plan!.request, mode: 'run', autoApprove: true, plan: built.plan! }, async () => 'approve');
  expect(state.execution?.ok, state.execution?.error).toBe(true);
  return built.plan!;
}

interface Case {
  /** the write operation whose compensation is exercised */
  op: string;
  request: string;
  /** done before the "before" snapshot, through the API */
  setup?: (c: Connection, deps: AgentDeps) => Promise<void>;
  /** whose keypair: direct share and project folders are an admin's (facts §15.4, §15.5) */
  as?: 'user' | 'admin';
  /** the plan applied instead of the planner's own (another route for the same change) */
  edit?: (plan: PlanDocument) => PlanDocument;
  /** the world after the undo, from the world before and after applying; undefined: equal to before */
  expected?: (before: View, applied: View) => View;
  /** the words of the announced difference (`undo.leaves` of that step) */
  announced?: RegExp;
}

/** What the apply added to a collection (by id), with some fields changed. */
function added<T extends { id: string }>(before: T[], applied: T[], change: Partial<T>): T[] {
  const known = new Set(before.map((x) => x.id));
  return [...before, ...applied.filter((x) => !known.has(x.id)).map((x) => ({ ...x, ...change }))].sort((a, b) => a.id.localeCompare(b.id));
}

const api = (c: Connection, operationId: string, args: Parameters<Connection['client']['call']>[1]) => c.client.call(operationId, args);

const CASES: Case[] = [
  {
    op: 'session.create_from_params',
    request: 'create a session named undo-sess with 1 fGPU',
    expected: (b, a) => ({ ...b, sessions: added(b.sessions, a.sessions, { live: false }) }),
    announced: /stays in the session history as TERMINATED/,
  },
  {
    op: 'session.create_from_params.2',
    request: 'create a session named undo-sess2 with 1 fGPU',
    edit: (p) => ({ ...p, steps: p.steps.map((s) => (s.operationId === 'session.create_from_params' ? { ...s, operationId: 'session.create_from_params.2', path: '/session/_/create' } : s)) }),
    expected: (b, a) => ({ ...b, sessions: added(b.sessions, a.sessions, { live: false }) }),
    announced: /stays in the session history as TERMINATED/,
  },
  { op: 'session.rename_session', request: 'rename session notebook-old to nb-renamed' },
  {
    op: 'folders.create',
    request: 'create a folder called undo-folder',
    expected: (b, a) => ({ ...b, folders: added(b.folders, a.folders, { status: 'delete-pending' }) }),
    announced: /stays in the trash bin/,
  },
  {
    op: 'folders.clone',
    request: 'duplicate datasets as datasets-backup',
    setup: async (c) => void (await api(c, 'folders.update_vfolder_options', { pathParams: { name: 'datasets' }, body: { cloneable: true } })),
    expected: (b, a) => ({ ...b, folders: added(b.folders, a.folders, { status: 'delete-pending' }) }),
    announced: /stays in the trash bin/,
  },
  { op: 'folders.delete_by_name', request: 'delete the datasets folder' },
  {
    op: 'folders.delete_by_id',
    request: 'delete the api_helper folder',
    edit: (p) => ({
      ...p,
      steps: p.steps.map((s) =>
        s.operationId === 'folders.delete_by_name' ? { ...s, operationId: 'folders.delete_by_id', method: 'DELETE' as const, path: '/folders', pathParams: {}, body: { vfolderId: 'aaaaaaaa-0000-4000-8000-000000000001' } } : s,
      ),
    }),
  },
  {
    op: 'folders.restore',
    request: 'restore the api_helper folder from the trash',
    setup: async (c) => void (await api(c, 'folders.delete_by_name', { pathParams: { name: 'api_helper' } })),
  },
  { op: 'folders.rename_vfolder', request: 'rename the folder api_helper to tools' },
  { op: 'folders.update_vfolder_options', request: 'make the datasets folder read-only' },
  { op: 'folders.mkdir', request: 'make a directory runs/2024 in the datasets folder' },
  // into an existing directory the file keeps its name: the undo moves it back from there
  { op: 'folders.move_file', request: 'in the datasets folder, move cifar10 into mnist' },
  // a move into a new directory: undone in reverse, the move back first, then the (empty) directory
  { op: 'folders.move_file', request: 'make a directory legacy in datasets and move mnist into it' },
  { op: 'folders.rename_file', request: 'rename server.py to app.py in api_helper' },
  {
    op: 'folders.invite',
    request: 'invite colleague@sandbox.local to the models folder',
    expected: (b, a) => ({ ...b, invitations: added(b.invitations, a.invitations, { state: 'canceled' }) }),
    announced: /stays in your sent list, marked canceled/,
  },
  {
    op: 'folders.share',
    request: 'share the proj-data folder with colleague@sandbox.local',
    as: 'admin',
    // a project folder: shared directly, not by invitation
    setup: async (c) => void (await api(c, 'folders.create', { body: { name: 'proj-data', group: 'cccccccc-0000-4000-8000-000000000001' } })),
  },
  {
    op: 'services.create',
    request: 'serve the model in the models folder with vllm and name it undo-svc',
    expected: (b, a) => ({ ...b, sessions: added(b.sessions, a.sessions, { live: false }) }),
    announced: /replica sessions stay in the session history as TERMINATED/,
  },
  {
    op: 'services.scale',
    request: 'scale scale-svc to 3 replicas',
    setup: async (_c, deps) => void (await apply(deps, 'serve the model in the models folder with vllm and name it scale-svc')),
    expected: (b, a) => ({ ...b, sessions: added(b.sessions, a.sessions, { live: false }) }),
    announced: /replicas it added stay in the session history as TERMINATED/,
  },
  { op: 'auth.update_full_name', request: 'change my display name to Undo Tester' },
];

describe('apply → undo on the sandbox', () => {
  for (const c of CASES) {
    it(`${c.op}: "${c.request}"`, async () => {
      const { deps, sb, c: connection } = await fresh(c.as);
      await c.setup?.(connection, deps);
      const before = view(sb.world());
      const { plan, written } = await apply(deps, c.request, c.edit);
      const step = plan.steps.find((s) => s.operationId === c.op);
      expect(step, `the plan has a ${c.op} step`).toBeDefined();
      expect(step!.undo?.kind).toBe('compensate');
      const applied = view(sb.world());
      expect(applied).not.toEqual(before); // the apply changed something

      const undone = await undo(deps, c.request, written);
      expect(undone.undoOf?.runId).toBe('run1');
      const after = view(sb.world());
      if (c.expected) {
        expect(after).toEqual(c.expected(before, applied));
        expect(step!.undo?.kind === 'compensate' && step!.undo.leaves).toMatch(c.announced!);
      } else {
        expect(after).toEqual(before);
        expect(step!.undo?.kind === 'compensate' ? step!.undo.leaves : 'irreversible').toBeUndefined();
      }
    }, 60_000);
  }
});

/** Write operations the offline planner can produce: the literal operation ids its handlers name. */
function offlineWriteOperations(): string[] {
  const dir = join(repoRoot, 'src', 'planner', 'offline');
  const ids = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(/operationId: '([^']+)'/g)) ids.add(m[1]!);
  }
  return [...ids].filter((id) => catalog.get(id)?.effect === 'write').sort();
}

describe('the undo table', () => {
  it('has a row for every write operation the offline planner can produce', () => {
    const writes = offlineWriteOperations();
    expect(writes.length).toBeGreaterThan(20);
    expect(writes.filter((id) => !(id in UNDO_RULES))).toEqual([]);
  });

  it('every compensated one is exercised above by apply → undo; the rest say why they cannot be undone', () => {
    const writes = offlineWriteOperations();
    const compensated = writes.filter((id) => UNDO_RULES[id]!.kind === 'compensate');
    expect(compensated.filter((id) => !CASES.some((c) => c.op === id))).toEqual([]);
    for (const id of writes.filter((w) => UNDO_RULES[w]!.kind === 'irreversible')) {
      const rule = UNDO_RULES[id]!;
      expect(rule.kind === 'irreversible' && rule.reason.length > 10, id).toBe(true);
    }
  });

  it('a terminate is previewed as "cannot be undone"', async () => {
    const { deps } = await fresh();
    const state = await runAgent(deps, { request: 'terminate session notebook-old', mode: 'plan' }, async () => 'approve');
    const step = state.plan!.steps.find((s) => s.effect === 'write')!;
    expect(step.undo).toEqual({ kind: 'irreversible', reason: expect.stringMatching(/cannot be brought back/) });
  });
});
