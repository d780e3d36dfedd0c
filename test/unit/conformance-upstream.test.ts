/**
 * Conformance with the upstream manager (issue 15; `shared/reference/backendai-facts.md` §15,
 * upstream c0032c47). Each rule is one `describe`, named by its facts section: the planner's
 * request for it, and the sandbox's answer, both as the real manager and the official client
 * behave. The sandbox used to be more lenient than the manager in five places; these cases keep
 * it strict where the manager is strict and lenient where the manager is lenient.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runAgent, startAgent, type AgentDeps } from '../../src/agent/graph.js';
import { executePlan, type AuditEntry, type ProgressEvent } from '../../src/agent/execute.js';
import { loadPolicyGate } from '../../src/agent/policy-gate.js';
import { BackendClient, type ConnectionConfig } from '../../src/client/index.js';
import { plannerDefaults } from '../../src/cli/connect.js';
import { allowAllPolicy, PlanChecker } from '../../src/planner/check.js';
import { execModeFor, imageLanguage } from '../../src/planner/offline/exec-mode.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';
import { WorldView } from '../../src/planner/world.js';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/index.js';
import { seedWorld, type SandboxWorld } from '../../src/sandbox/world.js';
import { validatorFor } from '../../src/spec/validator.js';
import { FAST_RETRY, loadShared } from '../reliability/harness.js';
import { signedClient } from '../support/signed-fetch.js';
import { upstreamSpecPath } from '../support/shared.js';

const open: SandboxHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sandbox(opts: SandboxOptions = {}) {
  const sb = await startSandbox({ clock: 'fast', ...opts });
  open.push(sb);
  return { sb, user: signedClient(sb.url, sb.credentials.user), admin: signedClient(sb.url, sb.credentials.admin) };
}

function config(sb: SandboxHandle, who: 'user' | 'admin' = 'user', apiVersion = 'v9.20250722'): ConnectionConfig {
  const keys = sb.credentials[who];
  return {
    endpoint: sb.url, endpointType: 'api', accessKey: keys.accessKey, secretKey: keys.secretKey, domain: 'default', group: 'default',
    apiVersion, connectTimeoutMs: 1_000, requestTimeoutMs: 5_000, skipSslVerification: false, source: { endpoint: 'test' },
  };
}

/** The agent as the CLI wires it (offline planner, default policy), signed in as `who`. */
async function agent(sb: SandboxHandle, who: 'user' | 'admin' = 'user', extra: Partial<AgentDeps> = {}): Promise<AgentDeps> {
  const { catalog, index } = await loadShared();
  const cfg = config(sb, who);
  const client = BackendClient.create(cfg, catalog, { retry: FAST_RETRY });
  const defaults = plannerDefaults(cfg, {});
  return {
    catalog,
    retrieve: (q) => index.search(q, { k: 8 }),
    api: client,
    makeProposer: (world) => new OfflineProposer({ world, defaults }),
    policy: await loadPolicyGate({ globals: {} }),
    defaults,
    endpoint: 'sandbox',
    waitTimeoutSeconds: 5,
    execution: { recoveryAttempts: 2, recoveryDelayMs: 2, pollIntervalMs: 5, maxRateLimitWaitMs: 100 },
    ...extra,
  };
}

async function plan(sb: SandboxHandle, request: string, who: 'user' | 'admin' = 'user'): Promise<PlanDocument> {
  const run = await startAgent(await agent(sb, who), { request, mode: 'plan' });
  return run.state.plan!;
}

const writes = (doc: PlanDocument) => doc.steps.filter((s) => s.effect === 'write');
const calls = (doc: PlanDocument) => writes(doc).map((s) => [s.operationId, s.pathParams, s.body]);

/** A seed world with changes (an extra folder, a model-store project…). */
function world(change: (w: SandboxWorld) => void): SandboxWorld {
  const w = seedWorld();
  change(w);
  return w;
}

describe('§15.1 execute: shell commands run in batch mode with options.exec, code in the image language in query mode; "continued" runs are followed', () => {
  it('planner: a program name is a shell command (batch, options.exec); Python is query-mode code', async () => {
    const { sb } = await sandbox();
    const shell = await plan(sb, 'run nvidia-smi in train-job-1');
    expect(shell.outcome).toBe('planned');
    expect(calls(shell)).toEqual([['session.execute', { session_name: 'train-job-1' }, { mode: 'batch', code: '', run_id: expect.any(String), options: { exec: 'nvidia-smi' } }]]);
    const command = await plan(sb, 'execute `pip list` in notebook-old');
    expect(writes(command)[0]!.body).toMatchObject({ mode: 'batch', options: { exec: 'pip list' } });
    const code = await plan(sb, 'run this in notebook-old: print(sum(range(10)))');
    expect(calls(code)).toEqual([['session.execute', { session_name: 'notebook-old' }, { mode: 'query', code: 'print(sum(range(10)))', run_id: expect.any(String) }]]);
  });

  it('planner: shell or code is decided from the request\'s words first, then the text and the image language', () => {
    const cases: Array<[string, string, string | undefined, 'shell' | 'code']> = [
      ['nvidia-smi', 'run  in train-job-1', 'python', 'shell'],
      ['python train.py --epochs 1', 'run  in train-job-1', 'python', 'shell'],
      ['ls -la /home/work', 'run  there', 'python', 'shell'],
      ['df', 'run the command  in x', 'python', 'shell'],
      ['import torch; print(torch.__version__)', 'run  in x', 'python', 'code'],
      ['x = 41 + 1', 'run  in x', 'python', 'code'],
      ['whoami', 'run this python code:  in x', 'python', 'code'],
      ['print(1)', 'run  in x', undefined, 'code'],
    ];
    for (const [text, words, language, mode] of cases) expect(execModeFor(text, words, language).mode, text).toBe(mode);
    expect(imageLanguage(['cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1'])).toBe('python');
  });

  it('sandbox: query-mode code is the image language (a shell command is a Python error); batch runs options.exec after the clean and build steps', async () => {
    const { user } = await sandbox();
    const asPython = await user('POST', '/session/train-job-1', { mode: 'query', code: 'nvidia-smi', run_id: 'q1' });
    expect(asPython.status).toBe(200);
    expect(asPython.body.result).toMatchObject({ status: 'finished', runId: 'q1', exitCode: 1 });
    expect(asPython.body.result.console[0]).toEqual(['stderr', expect.stringContaining("NameError: name 'nvidia' is not defined")]);
    expect((await user('POST', '/session/notebook-old', { mode: 'query', code: 'pip install torch' })).body.result.console[0][1]).toContain('SyntaxError');

    const statuses: string[] = [];
    let answer = await user('POST', '/session/train-job-1', { mode: 'batch', code: '', run_id: 'b1', options: { exec: 'nvidia-smi' } });
    statuses.push(answer.body.result.status);
    while (answer.body.result.status !== 'finished') {
      answer = await user('POST', '/session/train-job-1', { mode: 'continue', run_id: 'b1', code: '' });
      statuses.push(answer.body.result.status);
    }
    expect(statuses).toEqual(['clean-finished', 'build-finished', 'finished']);
    expect(answer.body.result).toMatchObject({ runId: 'b1', exitCode: 0 });
    expect(answer.body.result.console[0][1]).toContain('CUDA Version');
    // a CPU-only image has no nvidia-smi
    const cpu = await user('POST', '/session/notebook-old', { mode: 'batch', run_id: 'b2', options: { exec: 'nvidia-smi' } });
    await user('POST', '/session/notebook-old', { mode: 'continue', run_id: 'b2' });
    const ended = await user('POST', '/session/notebook-old', { mode: 'continue', run_id: 'b2' });
    expect(ended.body.result).toMatchObject({ status: 'finished', exitCode: 127 });
  });

  it('sandbox: a long run answers "continued" until finished, continued with mode continue and the same run_id; the manager\'s own checks', async () => {
    const { user } = await sandbox();
    let answer = await user('POST', '/session/notebook-old', { mode: 'query', code: 'import time; time.sleep(5)', run_id: 'long' });
    const statuses = [answer.body.result.status];
    while (answer.body.result.status === 'continued') {
      answer = await user('POST', '/session/notebook-old', { mode: 'continue', run_id: 'long', code: '' });
      statuses.push(answer.body.result.status);
    }
    expect(statuses).toEqual(['continued', 'continued', 'finished']);
    expect(answer.body.result.runId).toBe('long');
    // the run is over: nothing to continue; continue needs a run id; mode is required and checked
    expect((await user('POST', '/session/notebook-old', { mode: 'continue', run_id: 'long' })).status).toBe(400);
    expect((await user('POST', '/session/notebook-old', { mode: 'continue' })).body.msg).toBe('continuation requires explicit run ID');
    expect((await user('POST', '/session/notebook-old', { code: 'print(1)' })).body.msg).toBe('runId or mode is missing');
    const badMode = await user('POST', '/session/notebook-old', { mode: 'shell', code: 'ls' });
    expect([badMode.status, badMode.body.msg]).toEqual([400, expect.stringMatching(/mode/)]);
  });

  it('executor: one confirmed step follows the run to its end, streams the output, and is audited as one step (started, then its outcome)', async () => {
    const { sb } = await sandbox();
    const { catalog } = await loadShared();
    const client = BackendClient.create(config(sb), catalog, { retry: FAST_RETRY });
    const step: PlanStep = {
      id: 's1', operationId: 'session.execute', method: 'POST', path: '/session/{session_name}', pathParams: { session_name: 'train-job-1' }, query: {},
      body: { mode: 'batch', code: '', run_id: 'train-1', options: { exec: 'python train.py --epochs 3' } },
      effect: 'write', reason: 'run the shell command', assumptions: [], destructive: false, refs: [], policy: { verdict: 'confirm', reason: 'writes need confirmation' },
    };
    const doc = planDoc([step]);
    const output: ProgressEvent[] = [];
    const audit: AuditEntry[] = [];
    const before = sb.requests.filter((r) => r.operationId === 'session.execute').length;
    const report = await executePlan({ plan: doc, client, progress: (e) => e.kind === 'output' && output.push(e), audit: (e) => audit.push(e) });
    expect(report.ok).toBe(true);
    const sent = sb.requests.filter((r) => r.operationId === 'session.execute').length - before;
    expect(sent).toBeGreaterThanOrEqual(4); // batch, continue after clean, after build, after each "continued"
    expect(output.length).toBeGreaterThan(1);
    expect(output.map((e) => (e as { text: string }).text).join('')).toContain('[sandbox] $ python train.py --epochs 3');
    // one step: a `started` line before it is sent, one line with its outcome after (issue 12)
    expect(audit.map((a) => a.outcome)).toEqual(['started', 'ok']);
    expect(audit[1]).toMatchObject({ operationId: 'session.execute', outcome: 'ok', exitCode: 0 });
    const result = (report.results[0]!.data as { result: { status: string; runId: string; console: unknown[] } }).result;
    expect(result).toMatchObject({ status: 'finished', runId: 'train-1' });
    expect(result.console.length).toBe(output.length);
    expect(report.results[0]!.summary).toBe('run finished (exit code 0)');
  });
});

describe('§15.2 clone: refused for everyone, the owner included, unless the source is cloneable', () => {
  it('planner: the owner makes the folder cloneable first (a confirmed write), then clones it with usage_mode; it runs through', async () => {
    const { sb, user } = await sandbox();
    const doc = await plan(sb, 'clone models to models-copy');
    expect(doc.outcome).toBe('planned');
    expect(calls(doc)).toEqual([
      ['folders.update_vfolder_options', { name: 'models' }, { cloneable: true }],
      ['folders.clone', { name: 'models' }, { target_name: 'models-copy', usage_mode: 'model' }],
    ]);
    expect(writes(doc).every((s) => s.policy.verdict === 'confirm')).toBe(true);
    const state = await runAgent(await agent(sb), { request: 'clone models to models-copy', mode: 'run', autoApprove: true }, async () => 'approve');
    expect(state.execution?.ok).toBe(true);
    const copy = (await user('GET', '/folders')).body.find((f: { name: string }) => f.name === 'models-copy');
    expect(copy).toMatchObject({ usage_mode: 'model' });
  });

  it('planner: a folder someone else owns and did not make cloneable is explained, not planned', async () => {
    const { sb } = await sandbox({
      seed: world((w) => {
        const theirs = structuredClone(w.folders[1]!);
        Object.assign(theirs, { id: 'cccccccc-0000-4000-8000-000000000009', name: 'their-data', ownerEmail: 'colleague@sandbox.local', creatorEmail: 'colleague@sandbox.local', cloneable: false, sharedWith: [{ email: 'user@sandbox.local', permission: 'ro' }] });
        w.folders.push(theirs);
      }),
    });
    const doc = await plan(sb, 'clone their-data to my-data');
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toMatch(/not cloneable.*only its owner/);
    expect(writes(doc)).toEqual([]);
  });

  it('sandbox: 403 forbidden for the owner of a non-cloneable folder; once cloneable, the copy is general unless usage_mode says otherwise', async () => {
    const { user } = await sandbox();
    const refused = await user('POST', '/folders/datasets/clone', { target_name: 'datasets-copy' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'https://api.backend.ai/probs/forbidden', msg: 'The source vfolder is not permitted to be cloned.' });
    expect((await user('POST', '/folders/models/update-options', { cloneable: true })).status).toBe(200);
    expect((await user('POST', '/folders/models/clone', { target_name: 'models-general' })).body).toMatchObject({ usage_mode: 'general' });
    expect((await user('POST', '/folders/models/clone', { target_name: 'models-model', usage_mode: 'model' })).body).toMatchObject({ usage_mode: 'model' });
  });
});

describe('§15.3 reserved mount destinations: 400 upstream; the planner asks for a sub-path', () => {
  it('planner: /mnt is not planned, /mnt/<name> or /home/work/<name> is suggested; a sub-path is planned', async () => {
    const { sb } = await sandbox();
    const reserved = await plan(sb, 'create a session with datasets mounted at /mnt');
    expect(reserved.outcome).toBe('needs_clarification');
    expect(reserved.question).toContain('/mnt/datasets or /home/work/datasets');
    expect(writes(reserved)).toEqual([]);
    const sub = await plan(sb, 'create a session with datasets mounted at /mnt/data');
    expect(sub.outcome).toBe('planned');
    expect((writes(sub)[0]!.body as { config: unknown }).config).toMatchObject({ mounts: ['datasets'], mount_map: { datasets: '/mnt/data' } });
  });

  it('sandbox: reserved targets (system paths, /home/work itself, dotfiles) are 400 invalid-api-params; sub-paths are fine', async () => {
    const { user } = await sandbox();
    const create = (name: string, target: string) =>
      user('POST', '/session', { name, image: 'python', enqueueOnly: true, config: { mounts: ['datasets'], mount_map: { datasets: target } } });
    for (const target of ['/mnt', '/tmp', '/home/work', '/home/work/', '.ssh', '/home/work/.bashrc', '.bash_profile']) {
      const r = await create('rsv-x', target);
      expect(r.status, target).toBe(400);
      expect(r.body.type, target).toBe('https://api.backend.ai/probs/invalid-api-params');
      expect(r.body.msg, target).toMatch(/reserved for internal paths/);
    }
    expect((await create('sub-mnt', '/mnt/data')).status).toBe(201);
    expect((await create('sub-work', '/home/work/data2')).status).toBe(201);
    expect((await create('rel-path', 'data3')).status).toBe(201);
  });
});

describe('§15.4 project-owned folders: admins only, unless the project is a MODEL_STORE', () => {
  it('planner: a plain user is told it needs an admin and offered a folder of their own; an admin gets the create', async () => {
    const { sb } = await sandbox();
    const asUser = await plan(sb, 'create a folder named team-data owned by the research project');
    expect(asUser.outcome).toBe('needs_clarification');
    expect(asUser.question).toMatch(/Only an admin.*your own folder.*invite/);
    expect(writes(asUser)).toEqual([]);
    const asAdmin = await plan(sb, 'create a folder named team-data owned by the research project', 'admin');
    expect(asAdmin.outcome).toBe('planned');
    expect(calls(asAdmin)).toEqual([['folders.create', {}, { name: 'team-data', group: sb.world().projects.find((p) => p.name === 'research')!.id }]]);
  });

  it('planner: in a model-store project a plain user may create a model folder', async () => {
    const { sb } = await sandbox({ seed: world((w) => (w.projects.find((p) => p.name === 'research')!.type = 'MODEL_STORE')) });
    const doc = await plan(sb, 'create a folder named llm-weights owned by the research project');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)[0]!.body).toMatchObject({ name: 'llm-weights', usage_mode: 'model' });
  });

  it('sandbox: 403 forbidden "no permission" for a plain user, 201 for an admin; a model store takes model folders from users', async () => {
    const { sb, user, admin } = await sandbox({ seed: world((w) => w.projects.push({ id: 'dddddddd-0000-4000-8000-000000000001', name: 'store', domain: 'default', type: 'MODEL_STORE' })) });
    const research = sb.world().projects.find((p) => p.name === 'research')!.id;
    const refused = await user('POST', '/folders', { name: 'team-data', group: research });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: 'https://api.backend.ai/probs/forbidden', msg: 'no permission' });
    expect((await admin('POST', '/folders', { name: 'team-data', group: research })).status).toBe(201);
    // the user is no member of "store" in the seed: make them one
    const member = await startSandbox({ clock: 'fast', seed: world((w) => {
      w.projects.push({ id: 'dddddddd-0000-4000-8000-000000000001', name: 'store', domain: 'default', type: 'MODEL_STORE' });
      w.users.find((u) => u.email === 'user@sandbox.local')!.projects.push('store');
    }) });
    open.push(member);
    const u = signedClient(member.url, member.credentials.user);
    expect((await u('POST', '/folders', { name: 'w1', group: 'dddddddd-0000-4000-8000-000000000001', usage_mode: 'model' })).status).toBe(201);
    expect((await u('POST', '/folders', { name: 'w2', group: 'dddddddd-0000-4000-8000-000000000001' })).status).toBe(400);
  });
});

describe('§15.5 share vs invite: direct share is admin-only; users share their own folders by invitation', () => {
  const projectFolder = () =>
    world((w) => {
      const research = w.projects.find((p) => p.name === 'research')!;
      const f = structuredClone(w.folders[1]!);
      Object.assign(f, { id: 'eeeeeeee-0000-4000-8000-000000000001', name: 'team-data', ownerEmail: null, projectId: research.id, creatorEmail: 'admin@sandbox.local', files: {} });
      w.folders.push(f);
    });

  it('planner: a plain user is told a project folder needs an admin to share; an admin shares it; a user folder is shared by invitation', async () => {
    const { sb } = await sandbox({ seed: projectFolder() });
    const asUser = await plan(sb, 'share team-data with colleague@sandbox.local');
    expect(asUser.outcome).toBe('needs_clarification');
    expect(asUser.question).toMatch(/project folder.*needs an admin/);
    expect(writes(asUser)).toEqual([]);
    const asAdmin = await plan(sb, 'share team-data with colleague@sandbox.local', 'admin');
    expect(calls(asAdmin)).toEqual([['folders.share', { name: 'team-data' }, { emails: ['colleague@sandbox.local'], permission: 'rw' }]]);
    const own = await plan(sb, 'share datasets with colleague@sandbox.local');
    expect(writes(own).map((s) => s.operationId)).toEqual(['folders.invite']);
  });

  it('sandbox: share and unshare are 403 generic-forbidden for a plain user, allowed for an admin', async () => {
    const { user, admin } = await sandbox({ seed: projectFolder() });
    for (const [path, body] of [['/folders/team-data/share', { emails: ['colleague@sandbox.local'] }], ['/folders/team-data/unshare', { emails: ['colleague@sandbox.local'] }]] as const) {
      const r = await user('POST', path, body);
      expect(r.status, path).toBe(403);
      expect(r.body, path).toMatchObject({ type: 'https://api.backend.ai/probs/generic-forbidden', msg: 'Insufficient privileges' });
    }
    expect((await admin('POST', '/folders/team-data/share', { emails: ['colleague@sandbox.local'], permission: 'ro' })).status).toBe(201);
    expect((await admin('POST', '/folders/team-data/unshare', { emails: ['colleague@sandbox.local'] })).status).toBe(200);
    expect((await user('POST', '/folders/datasets/invite', { emails: ['colleague@sandbox.local'], perm: 'ro' })).status).toBe(201);
  });
});

describe('§15.6 version negotiation: GET / once per connection, the lower version sent, or "manager too old"', () => {
  it('sandbox: an older manager reports its version on GET / and refuses newer version headers', async () => {
    const { sb, user } = await sandbox({ apiVersion: 'v8.20240915' });
    expect((await (await fetch(`${sb.url}/`)).json()) as unknown).toMatchObject({ version: 'v8.20240915' });
    const newer = await user('GET', '/config/resource-slots');
    expect(newer.status).toBe(400);
    expect(newer.body.msg).toBe('Unsupported API version.');
    expect((await user('GET', '/config/resource-slots', undefined, { apiVersion: 'v8.20240915' })).status).toBe(200);
  });

  it('client: probes GET / once, then signs every request with the lower version', async () => {
    const { sb } = await sandbox({ apiVersion: 'v8.20240915' });
    const { catalog } = await loadShared();
    const client = BackendClient.create(config(sb), catalog, { retry: FAST_RETRY });
    expect((await client.call('config.get_resource_slots')).status).toBe(200);
    expect((await client.call('folders.list_folders')).status).toBe(200);
    expect(client.apiVersion).toBe('v8.20240915');
    expect(client.manager).toEqual({ version: 'v8.20240915', manager: '24.09.0' });
    expect(sb.requests.filter((r) => r.path === '/').length).toBe(1);
    // a newer manager than the configured version: ours is the lower one
    const { sb: current } = await sandbox();
    const older = BackendClient.create(config(current, 'user', 'v8.20240315'), catalog, { retry: FAST_RETRY });
    await older.call('config.get_resource_slots');
    expect(older.apiVersion).toBe('v8.20240315');
  });

  it('client: a manager older than v7.20230615 stops with "manager too old (version X)"', async () => {
    const { sb } = await sandbox({ apiVersion: 'v6.20230315' });
    const { catalog } = await loadShared();
    const client = BackendClient.create(config(sb), catalog, { retry: FAST_RETRY });
    await expect(client.call('config.get_resource_slots')).rejects.toThrow(/^manager too old \(version v6\.20230315/);
    expect(sb.requests.filter((r) => r.path !== '/')).toEqual([]); // nothing signed was sent
  });
});

describe('§15.7 commit vs imagify: "save as an image" is imagify; commit writes a tar file on the agent', () => {
  it('spec: session.convert_session_to_image has upstream\'s path, method and request shape', async () => {
    const { catalog } = await loadShared();
    const op = catalog.get('session.convert_session_to_image')!;
    expect([op.method, op.path]).toEqual(['POST', '/session/{session_name}/imagify']);
    const upstream = JSON.parse(readFileSync(upstreamSpecPath(), 'utf8')) as { paths: Record<string, Record<string, { operationId: string }>>; components: { schemas: Record<string, any> } };
    expect(upstream.paths['/session/{session_name}/imagify']!.post!.operationId).toBe('session.convert_session_to_image');
    const mine = catalog.schemas.ConvertSessionToImageRequest as any;
    const theirs = upstream.components.schemas.ConvertSessionToImageRequest;
    expect(mine.required).toEqual(theirs.required);
    expect(Object.keys(mine.properties).sort()).toEqual(Object.keys(theirs.properties).sort());
    expect(mine.properties.image_name.pattern).toBe(theirs.properties.image_name.pattern);
    expect((catalog.schemas.CustomizedImageVisibilityScope as any).enum).toEqual(upstream.components.schemas.CustomizedImageVisibilityScope.enum);
  });

  it('planner: "save as an image" is imagify (named, visibility user); "snapshot to a tar file" is commit; a project-wide image is explained', async () => {
    const { sb } = await sandbox();
    const image = await plan(sb, 'save train-job-1 as an image called torch-env');
    expect(calls(image)).toEqual([['session.convert_session_to_image', { session_name: 'train-job-1' }, { image_name: 'torch-env', image_visibility: 'user' }]]);
    const unnamed = await plan(sb, 'save the container of train-job-1 as an image so I can reuse the environment later');
    expect(writes(unnamed)[0]!.body).toMatchObject({ image_name: expect.stringMatching(/^train-job-1-\d{8}$/), image_visibility: 'user' });
    const file = await plan(sb, 'snapshot train-job-1 to a tar file');
    expect(calls(file)).toEqual([['session.commit_session', { session_name: 'train-job-1' }, undefined]]);
    const project = await plan(sb, 'save train-job-1 as an image for the whole project');
    expect(project.outcome).toBe('needs_clarification');
  });

  it('sandbox: imagify answers {task_id} and the image is the owner\'s; project visibility is refused; commit answers 201 with a tar path', async () => {
    const { user } = await sandbox();
    const made = await user('POST', '/session/train-job-1/imagify', { image_name: 'torch-env', image_visibility: 'user' });
    expect(made.status).toBe(200);
    expect(made.body).toEqual({ task_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const images = await user('POST', '/admin/gql', { query: '{ images { name tag labels { key value } } }' });
    const custom = images.body.data.images.filter((i: { tag: string }) => i.tag.includes('-customized_'));
    expect(custom).toHaveLength(1);
    expect(custom[0].labels).toContainEqual({ key: 'ai.backend.customized-image.name', value: 'torch-env' });
    const project = await user('POST', '/session/train-job-1/imagify', { image_name: 'team-env', image_visibility: 'project' });
    expect(project.status).toBe(400);
    expect(project.body.msg).toBe('Unsupported visibility scope project');
    expect((await user('POST', '/session/train-job-1/imagify', { image_name: 'bad name!' })).status).toBe(400);
    const commit = await user('POST', '/session/train-job-1/commit');
    expect(commit.status).toBe(201);
    expect(commit.body.path).toMatch(/\.tar\.gz$/);
  });
});

describe('§15.8 quota at create: accepted (201), kept PENDING with the reason in status_info; a wait that ends says it', () => {
  it('sandbox and executor: the sixth concurrent session is created, stays PENDING, and the timed-out wait reports the manager\'s reason', async () => {
    const { sb, user } = await sandbox();
    for (const n of ['q-one', 'q-two', 'q-three']) expect((await user('POST', '/session', { name: n, image: 'python', enqueueOnly: true })).status).toBe(201);
    const { catalog } = await loadShared();
    const client = BackendClient.create(config(sb), catalog, { retry: FAST_RETRY });
    const step: PlanStep = {
      id: 's1', operationId: 'session.create_from_params', method: 'POST', path: '/session', pathParams: {}, query: {},
      body: { session_name: 'q-six', image: 'python', session_type: 'interactive', group: 'default', domain: 'default', enqueue_only: true, config: { resources: { cpu: 1, mem: '1g' } } },
      effect: 'write', reason: 'create', assumptions: [], destructive: false, refs: [], policy: { verdict: 'confirm', reason: 'writes' }, wait: { until: 'RUNNING', timeoutSeconds: 1 },
    };
    const report = await executePlan({ plan: planDoc([step]), client, pollIntervalMs: 20 });
    expect(report.ok).toBe(false);
    expect(report.results[0]!.httpStatus).toBeUndefined();
    expect(report.failedStepEffect).toBe('applied');
    expect(report.error).toMatch(/still PENDING after 1 s — the manager says: You cannot run more than 5 concurrent sessions/);
    expect(report.outputs.sessions).toEqual([expect.objectContaining({ name: 'q-six', status: 'PENDING' })]);
  });
});

describe('§15.9 model-service sessions are left out of bulk terminations', () => {
  it('planner: "terminate all my sessions" terminates the others and says which service sessions it left', async () => {
    const { sb, user } = await sandbox();
    const svc = await user('POST', '/services', { name: 'llama-svc', desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'models', scaling_group: 'default', resources: { 'cuda.shares': 1, mem: '8g' } } });
    expect(svc.status).toBe(201);
    const listed = await user('POST', '/v2/sessions/my/search', { limit: 50, offset: 0 });
    const inference = listed.body.items.filter((i: { metadata: { session_type: string } }) => i.metadata.session_type === 'inference');
    expect(inference).toHaveLength(1);
    const doc = await plan(sb, 'terminate all my sessions');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc).map((s) => s.pathParams.session_name).sort()).toEqual(['notebook-old', 'train-job-1']);
    expect(writes(doc)[0]!.assumptions.join(' ')).toMatch(new RegExp(`left out 1 model-service session \\(${inference[0].metadata.name}\\).*scale it down or delete the service`));
  });
});

describe('§5 files (issue 15 #9): moving into a directory that does not exist makes it first, in one confirmed plan', () => {
  it('planner plans mkdir then move, and the plan runs; the sandbox refuses the bare move as storage does', async () => {
    const { sb, user } = await sandbox();
    const bare = await user('POST', '/folders/datasets/move-file', { src: 'mnist', dst: 'legacy/mnist' });
    expect(bare.status).toBe(404);
    const doc = await plan(sb, 'in the datasets folder, move mnist to legacy/mnist');
    expect(calls(doc)).toEqual([
      ['folders.mkdir', { name: 'datasets' }, { path: 'legacy', parents: true, exist_ok: true }],
      ['folders.move_file', { name: 'datasets' }, { src: 'mnist', dst: 'legacy/mnist' }],
    ]);
    const state = await runAgent(await agent(sb), { request: 'in the datasets folder, move mnist to legacy/mnist', mode: 'run', autoApprove: true }, async () => 'approve');
    expect(state.execution?.ok).toBe(true);
    expect((await user('GET', '/folders/datasets/files?path=legacy')).body.items.map((i: { name: string }) => i.name)).toEqual(['mnist']);
    // into a directory that exists: no mkdir
    const existing = await plan(sb, 'in the datasets folder, move cifar10 into legacy');
    expect(writes(existing).map((s) => s.operationId)).toEqual(['folders.move_file']);
  });
});

describe('§15 (request models are extra="ignore"): the sandbox ignores unknown body keys; the planner\'s own check still rejects them', () => {
  it('sandbox: unknown keys are ignored, known ones still validated', async () => {
    const { user } = await sandbox();
    const folder = await user('POST', '/folders', { name: 'colourful', colour: 'red' });
    expect(folder.status).toBe(201);
    expect(folder.body).not.toHaveProperty('colour');
    expect((await user('POST', '/session', { name: 'typo-ok', image: 'python', enqueueOnly: true, enqueue_onyl: true, config: { resource: { cpu: 1 } } })).status).toBe(201);
    expect((await user('POST', '/folders', { name: 'x2', usage_mode: 'weird' })).status).toBe(400);
  });

  it('planner: a candidate with a key the spec does not list is rejected before anything is sent', async () => {
    const { sb } = await sandbox();
    const { catalog } = await loadShared();
    const client = BackendClient.create(config(sb), catalog, { retry: FAST_RETRY });
    const checker = new PlanChecker({ catalog, validator: validatorFor(catalog), world: new WorldView(client), policy: allowAllPolicy, defaultProject: 'default' });
    const result = await checker.check({ kind: 'call', operationId: 'folders.create', body: { name: 'colourful', colour: 'red' }, reason: 'test' }, [], 's1');
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('unknown field "colour"') });
  });
});

function planDoc(steps: PlanStep[]): PlanDocument {
  return {
    version: 1, request: 'conformance', createdAt: new Date().toISOString(), spec: { title: 't', version: '1', sha256: 'a'.repeat(64) }, endpoint: 'sandbox',
    planner: { kind: 'offline', model: null }, policy: { name: 'default' }, outcome: 'planned', steps, assumptions: [], grounding: [],
    search: { algorithm: 'dfsdt', nodesExpanded: 1, backtracks: 0, maxDepthReached: 1, llmCalls: 0, tokens: { prompt: 0, completion: 0 }, elapsedMs: 1, budgets: { maxDepth: 1, width: 1, maxNodes: 1, maxLlmCalls: 0, timeMs: 1 }, failures: [] },
  };
}
