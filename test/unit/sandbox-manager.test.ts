/**
 * Sandbox behaviour: routing, validation, the time-based lifecycle (injected clock), quotas,
 * reuse, services and tokens, GraphQL, persistence across handles, fault determinism.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../src/sandbox/index.js';
import { FaultInjector, parseFaultSpec } from '../../src/sandbox/faults.js';
import { signedClient, signedFetch } from '../support/signed-fetch.js';

const open: SandboxHandle[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sandbox(opts: SandboxOptions = { clock: 'fast' }) {
  const sb = await startSandbox(opts);
  open.push(sb);
  return { sb, user: signedClient(sb.url, sb.credentials.user), admin: signedClient(sb.url, sb.credentials.admin) };
}

describe('routing and validation', () => {
  it('404 url-not-found for unknown paths, 501 for a known operation without a handler, 403 for superadmin operations', async () => {
    const { user, admin } = await sandbox();
    const unknown = await user('GET', '/no/such/route');
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('https://api.backend.ai/probs/url-not-found');
    const notImpl = await user('POST', '/session/_/transit-status', { ids: [] });
    expect(notImpl.status).toBe(501);
    expect(notImpl.body.type).toBe('https://api.backend.ai/probs/not-implemented');
    expect(notImpl.body.msg).toContain('session.check_and_transit_status');
    const restart = await user('PATCH', '/session/train-job-1');
    expect(restart.status).toBe(501);
    const images = await user('POST', '/admin/images/search', {});
    expect(images.status).toBe(403);
    expect(images.body).toMatchObject({ type: 'https://api.backend.ai/probs/generic-forbidden', msg: 'Insufficient privileges' });
    expect((await admin('POST', '/v2/sessions/search', {})).status).toBe(200);
  });

  it('400 invalid-api-params naming the wrong field; aliases satisfy required fields; malformed JSON is generic-bad-request', async () => {
    const { sb, user } = await sandbox();
    const bad = await user('POST', '/folders', { name: 'x', usage_mode: 'weird' });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('https://api.backend.ai/probs/invalid-api-params');
    expect(bad.body.msg).toContain('usage_mode');
    const missing = await user('POST', '/resource/check-presets', {});
    expect(missing.body.msg).toMatch(/group/);
    const alias = await user('POST', '/session', { name: 'alias-ok', lang: 'python', enqueueOnly: true });
    expect(alias.status).toBe(201);
    const slot = await user('POST', '/session', { name: 'bad-slot', image: 'python', config: { resources: { 'tpu.device': 1 } } });
    expect(slot.body.type).toBe('https://api.backend.ai/probs/unknown-resource-slot-type');
    const shmem = await user('POST', '/session', { name: 'bad-shm', image: 'python', config: { resources: { shmem: '1g' } } });
    expect(shmem.status).toBe(400);
    expect(shmem.body.msg).toMatch(/resource_opts/);
    const image = await user('POST', '/session', { name: 'no-image', image: 'cobol' });
    expect(image.status).toBe(404);
    expect(image.body.title).toBe('No such environment image.');
    const raw = await signedFetch(sb.url, sb.credentials.user, { method: 'POST', path: '/folders', body: 'x', headers: {} });
    expect(raw.status).toBe(400); // a JSON string is not an object
    const group = await user('POST', '/session', { name: 'a100-default', image: 'pytorch', enqueueOnly: true, config: { scaling_group: 'gpu-a100' } });
    expect(group.status).toBe(400);
    expect(group.body.type).toBe('https://api.backend.ai/probs/no-available-scaling-group');
    const research = await user('POST', '/session', { name: 'a100-research', image: 'pytorch', group: 'research', enqueueOnly: true, config: { scaling_group: 'gpu-a100', resources: { 'cuda.shares': 4 } } });
    expect(research.status).toBe(201);
  });
});

describe('lifecycle on an injected clock', () => {
  it('PENDING → … → RUNNING in about 2 s; a session that does not fit waits until resources are freed', async () => {
    let t = Date.now();
    const { sb } = await sandbox({ clock: 'real', now: () => t });
    const call = (method: string, path: string, body?: unknown) => signedFetch(sb.url, sb.credentials.user, { method, path, ...(body ? { body } : {}), now: new Date(t) });
    const a = await call('POST', '/session', { name: 'big-one', image: 'pytorch', enqueueOnly: true, config: { resources: { 'cuda.shares': 5 } } });
    expect(a.body.status).toBe('PENDING');
    const seen: string[] = [];
    for (let step = 0; step <= 20; step++) {
      const s = (await call('GET', `/session/${a.body.sessionId}`)).body.status as string;
      if (seen[seen.length - 1] !== s) seen.push(s);
      t += 100;
    }
    expect(seen).toEqual(['SCHEDULED', 'PREPARING', 'PULLING', 'PREPARED', 'CREATING', 'RUNNING']);

    const b = await call('POST', '/session', { name: 'waits-for-gpu', image: 'pytorch', enqueueOnly: true, config: { resources: { 'cuda.shares': 5 } } });
    t += 5000;
    expect((await call('GET', '/session/waits-for-gpu')).body.status).toBe('PENDING'); // 3 fGPU free, 5 asked
    await call('DELETE', '/session/big-one');
    t += 100;
    expect((await call('GET', `/session/${a.body.sessionId}`)).body.status).toBe('TERMINATING');
    t += 1000;
    expect((await call('GET', `/session/${a.body.sessionId}`)).body.status).toBe('TERMINATED');
    t += 3000;
    expect((await call('GET', `/session/${b.body.sessionId}`)).body.status).toBe('RUNNING');
    // destroying a PENDING session cancels it
    const c = await call('POST', '/session', { name: 'never-fits', image: 'pytorch', group: 'research', enqueueOnly: true, config: { scaling_group: 'default', resources: { 'cuda.shares': 7 } } });
    expect((await call('DELETE', `/session/${c.body.sessionId}`)).body).toEqual({ stats: { status: 'cancelled' } });
    expect((await call('GET', `/session/${c.body.sessionId}`)).body.status).toBe('CANCELLED');
  });

  it('blocking create waits for RUNNING; maxWaitSeconds gives TIMEOUT; batch runs finish with success', async () => {
    const { user } = await sandbox({ clock: 'real' });
    const started = Date.now();
    const blocking = await user('POST', '/session', { name: 'blocking', image: 'python' });
    expect(blocking.body.status).toBe('RUNNING');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const timeout = await user('POST', '/session', { name: 'too-big', image: 'pytorch', maxWaitSeconds: 1, config: { resources: { 'cuda.shares': 12 } } });
    expect(timeout.status).toBe(201);
    expect(timeout.body.status).toBe('TIMEOUT');
    const { user: fastUser } = await sandbox({ clock: 'fast' });
    expect((await fastUser('POST', '/session', { name: 'batch-no-cmd', image: 'python', type: 'batch' })).status).toBe(400);
    const batch = await fastUser('POST', '/session', { name: 'batch-job', image: 'python', type: 'batch', startupCommand: 'python train.py' });
    expect(batch.body.status).toBe('RUNNING');
    const info = await fastUser('GET', `/session/${batch.body.sessionId}`);
    expect(info.body.status).toBe('TERMINATED');
    const logs = await fastUser('GET', `/session/${batch.body.sessionId}/logs`);
    expect(logs.body.result.logs).toContain('$ python train.py');
    const node = await fastUser('GET', `/v2/sessions/${batch.body.sessionId}`);
    expect(node.body.session.lifecycle).toMatchObject({ status: 'TERMINATED', result: 'SUCCESS' });
  }, 15_000);

  it('keypair quota (5 concurrent sessions, 16 fGPU in total): over it the create is accepted and stays PENDING with the reason in status_info (facts §15.8)', async () => {
    const { user } = await sandbox();
    const gpu = await user('POST', '/session', { name: 'gpu-hog', image: 'pytorch', group: 'research', enqueueOnly: true, config: { scaling_group: 'gpu-a100', resources: { 'cuda.shares': 15 } } });
    expect(gpu.status).toBe(201);
    const hog = await user('GET', `/session/${gpu.body.sessionId}`);
    expect(hog.body.status).toBe('PENDING');
    expect(hog.body.statusInfo).toMatch(/resource quota is exceeded[\s\S]*cuda\.shares: used 2 \+ requested 15 > limit 16/);
    expect((await user('DELETE', `/session/${gpu.body.sessionId}`)).body.stats).toEqual({ status: 'cancelled' });
    for (const n of ['one1', 'two2', 'three3']) expect((await user('POST', '/session', { name: n, image: 'python', enqueueOnly: true })).status).toBe(201);
    const sixth = await user('POST', '/session', { name: 'six6', image: 'python', enqueueOnly: true });
    expect(sixth.status).toBe(201);
    const info = await user('GET', `/session/${sixth.body.sessionId}`);
    expect(info.body).toMatchObject({ status: 'PENDING', statusInfo: 'You cannot run more than 5 concurrent sessions' });
    const node = await user('GET', `/v2/sessions/${sixth.body.sessionId}`);
    expect(node.body.session.lifecycle).toMatchObject({ status: 'PENDING', status_info: 'You cannot run more than 5 concurrent sessions' });
    // one ends: the waiting one is admitted on the next request
    expect((await user('DELETE', '/session/one1')).status).toBe(200);
    expect((await user('GET', `/session/${sixth.body.sessionId}`)).body).toMatchObject({ status: 'RUNNING', statusInfo: null });
  });
});

describe('services, tokens and GraphQL', () => {
  it('creates a vllm service on the model folder, routes it, issues a JWT-shaped token', async () => {
    const { user } = await sandbox();
    const notModel = await user('POST', '/services', { name: 'llama-svc', desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'datasets', scaling_group: 'default' } });
    expect(notModel.status).toBe(400);
    const created = await user('POST', '/services', { name: 'llama-svc', desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'models', scaling_group: 'default', resources: { 'cuda.shares': 1, mem: '8g' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'llama-svc', replicas: 1, runtime_variant: 'vllm', model_id: 'aaaaaaaa-0000-4000-8000-000000000003' });
    expect(created.body.service_endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/services\/[0-9a-f-]+\/proxy$/);
    const id = created.body.endpoint_id as string;
    const list = await user('GET', '/services');
    expect(list.body).toEqual([expect.objectContaining({ id, name: 'llama-svc', active_route_count: 1 })]);
    const token = await user('POST', `/services/${id}/token`, { duration: '1h' });
    expect(token.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect((await user('POST', `/services/${id}/token`, { valid_until: 1 })).status).toBe(400);
    const scaled = await user('POST', `/services/${id}/scale`, { to: 2 });
    expect(scaled.body).toEqual({ current_route_count: 1, target_count: 2 });
    const presets = await user('POST', '/resource/check-presets', { group: 'default' });
    expect(presets.body.keypair_using['cuda.shares']).toBe('4');
    expect((await user('DELETE', `/services/${id}`)).status).toBe(200);
    expect((await user('POST', '/resource/check-presets', { group: 'default' })).body.keypair_using['cuda.shares']).toBe('2');
  });

  it('answers images/groups/compute_session_list; /admin/graphql turns errors into 400 graphql-error', async () => {
    const { user } = await sandbox();
    const r = await user('POST', '/admin/gql', { query: '{ images(is_installed: true) { id name namespace tag aliases architecture } groups { id name } compute_session_list(limit: 10, offset: 0, status: "RUNNING") { total_count items { name status } } }' });
    expect(r.status).toBe(200);
    expect(r.body.data.images.map((i: { aliases: string[] }) => i.aliases[0])).toEqual(['python', 'pytorch', 'ngc-pytorch', 'tensorflow', 'vllm']);
    const refs = r.body.data.images.map((i: { name: string; tag: string }) => `cr.backend.ai/${i.name}:${i.tag}`);
    expect(refs).toContain('cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1');
    expect(r.body.data.groups).toEqual([{ id: 'cccccccc-0000-4000-8000-000000000001', name: 'default' }, { id: 'cccccccc-0000-4000-8000-000000000002', name: 'research' }]);
    expect(r.body.data.compute_session_list.total_count).toBe(2);
    const one = await user('POST', '/admin/gql', { query: 'query($r: String) { image(reference: $r) { id } }', variables: { r: 'cr.backend.ai/stable/vllm:0.6.2-cuda12.1' } });
    expect(one.body.data.image.id).toBe('eeeeeeee-0000-4000-8000-000000000005');
    const soft = await user('POST', '/admin/gql', { query: '{ nope }' });
    expect(soft.status).toBe(200);
    expect(soft.body.errors[0].message).toMatch(/nope/);
    const hard = await user('POST', '/admin/graphql', { query: '{ nope }' });
    expect(hard.status).toBe(400);
    expect(hard.body.type).toBe('https://api.backend.ai/probs/graphql-error');
  });
});

describe('persistence and faults', () => {
  it('two handles on one state file see each other’s changes', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'bai-sandbox-')), 'state.json');
    const a = await sandbox({ clock: 'fast', statePath });
    const b = await sandbox({ clock: 'fast', statePath });
    expect((await a.user('POST', '/folders', { name: 'shared-state' })).status).toBe(201);
    const seen = await b.user('GET', '/folders/shared-state');
    expect(seen.status).toBe(200);
    const s = await b.user('POST', '/session', { name: 'from-b', image: 'python' });
    expect((await a.user('GET', `/session/${s.body.sessionId}`)).body.status).toBe('RUNNING');
    expect(a.sb.world().sessions.some((x) => x.name === 'from-b')).toBe(true);
  });

  it('keeps serving when another process leaves a broken state file, and picks up a good one again', async () => {
    const statePath = join(mkdtempSync(join(tmpdir(), 'bai-sandbox-')), 'state.json');
    const a = await sandbox({ clock: 'fast', statePath });
    writeFileSync(statePath, '{"format": 1, "half-writ');
    expect((await a.user('GET', '/folders/datasets')).status).toBe(200);
    const fresh = await sandbox({ clock: 'fast', statePath: join(mkdtempSync(join(tmpdir(), 'bai-sandbox-')), 'other.json') });
    expect((await fresh.user('POST', '/folders', { name: 'only-in-other' })).status).toBe(201);
    writeFileSync(statePath, JSON.stringify(fresh.sb.world()));
    expect((await a.user('GET', '/folders/only-in-other')).status).toBe(200);
  });

  it('rejects a state file that is not a world, and a seed that is not one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bai-sandbox-'));
    writeFileSync(join(dir, 'bad.json'), '{not json');
    await expect(startSandbox({ statePath: join(dir, 'bad.json') })).rejects.toThrow(/not valid JSON/);
    writeFileSync(join(dir, 'seed.json'), '{"format": 2}');
    await expect(startSandbox({ seed: join(dir, 'seed.json') })).rejects.toThrow(/not a sandbox world/);
  });

  it('fault decisions are deterministic per seed; invalid specs are clear errors', () => {
    const spec = parseFaultSpec('latency=0,5xx=0.2,429=0.2,drop=0.1,dropAfterWrite=0.2,seed=42');
    const run = () => {
      const f = new FaultInjector(spec);
      return Array.from({ length: 50 }, (_, i) => f.decide(i % 2 === 0).kind);
    };
    expect(run()).toEqual(run());
    expect(new Set(run())).toEqual(new Set(['none', '5xx', '429', 'drop', 'dropAfterWrite']));
    expect(() => parseFaultSpec('5xx=2')).toThrow(/between 0 and 1/);
    expect(() => parseFaultSpec('explode=1')).toThrow(/invalid fault spec "explode=1"/);
  });

  it('injects 429 with rate-limit headers, 5xx, drops, and a drop after the session was created', async () => {
    const { sb, user } = await sandbox();
    sb.setFaults({ rateLimit429: 1 });
    const limited = await user('GET', '/config/resource-slots');
    expect(limited.status).toBe(429);
    expect(limited.body.type).toBe('https://api.backend.ai/probs/rate-limit-exceeded');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('retry-after')).toBeNull();
    sb.setFaults(parseFaultSpec('429=1,retryAfter=1'));
    expect((await user('GET', '/config/resource-slots')).headers.get('retry-after')).toBe('1');
    sb.setFaults({ error5xx: 1 });
    expect([500, 503]).toContain((await user('GET', '/config/resource-slots')).status);
    sb.setFaults({ drop: 1 });
    await expect(user('GET', '/config/resource-slots')).rejects.toThrow();
    sb.setFaults({ dropAfterWrite: 1 });
    await expect(user('POST', '/session', { name: 'ghost-session', image: 'python' })).rejects.toThrow();
    sb.setFaults(null);
    const after = await user('POST', '/v2/sessions/my/search', { filter: { name: { equals: 'ghost-session' } } });
    expect(after.body.items[0].lifecycle.status).toBe('RUNNING'); // the create happened
    expect(sb.requests.some((r) => r.dropped === 'afterWrite' && r.operationId === 'session.create_from_params')).toBe(true);
  });
});

describe('v2 resource views', () => {
  it('keypair usage, effective allocation and preset availability follow real usage', async () => {
    const { user } = await sandbox();
    const usage = await user('GET', '/v2/resource-allocation/keypair/my');
    expect(usage.body.used).toContainEqual({ resource_type: 'cuda.shares', quantity: '2' });
    expect(usage.body.concurrent_sessions).toEqual({ used: 2, max: 5 });
    const eff = await user('POST', '/v2/resource-allocation/effective', { project_id: 'cccccccc-0000-4000-8000-000000000001', resource_group_name: 'default' });
    expect(eff.body.allocatable).toContainEqual({ resource_type: 'cuda.shares', quantity: '8' });
    const avail = await user('POST', '/v2/resource-allocation/check-preset-availability', { project_id: 'cccccccc-0000-4000-8000-000000000001', resource_group_name: 'default' });
    expect(avail.body.presets.find((p: { name: string }) => p.name === 'gpu-large').available).toBe(true);
    const denied = await user('POST', '/v2/resource-allocation/effective', { project_id: 'cccccccc-0000-4000-8000-000000000001', resource_group_name: 'gpu-a100' });
    expect(denied.status).toBe(400);
  });
});

describe('container and misc routes', () => {
  it('rename, match, logs, execute (simulated), app start, and the spec endpoint gated like the manager', async () => {
    const { user } = await sandbox();
    expect((await user('POST', '/session/notebook-old/rename', { session_name: 'notebook-new' })).status).toBe(204);
    expect((await user('GET', '/session/_/match?id=notebook')).body.matches).toEqual([{ id: '22222222-2222-4222-8222-222222222222', name: 'notebook-new', status: 'RUNNING' }]);
    expect((await user('POST', '/session/notebook-new/rename')).status).toBe(400); // the v1 client's ?name= with no body
    const exec = await user('POST', '/session/train-job-1', { mode: 'query', code: 'print(1)', run_id: 'r1' });
    expect(exec.body.result).toMatchObject({ runId: 'r1', status: 'finished', exitCode: 0, console: [['stdout', '1\n']] });
    expect((await user('POST', '/session/train-job-1/start-service', { app: 'jupyter' })).body.wsproxy_addr).toMatch(/^ws:/);
    // my account over GraphQL, and my display name (only mine)
    const me = await user('POST', '/admin/gql', { query: '{ user { email full_name role } }' });
    expect(me.body.data.user).toEqual({ email: 'user@sandbox.local', full_name: 'Sandbox User', role: 'user' });
    const other = await user('POST', '/admin/gql', { query: '{ user(email: "admin@sandbox.local") { email } }' });
    expect(other.body.data.user).toBeNull();
    expect(other.body.errors[0].message).toMatch(/Only administrators/);
    expect((await user('POST', '/auth/update-full-name', { email: 'user@sandbox.local', full_name: 'Minji Park' })).status).toBe(200);
    expect((await user('POST', '/admin/gql', { query: '{ user { full_name } }' })).body.data.user.full_name).toBe('Minji Park');
    expect((await user('POST', '/auth/update-full-name', { email: 'colleague@sandbox.local', full_name: 'X' })).status).toBe(403);
    // commit: RUNNING sessions only, a tar file on the agent named by the manager (filename is overwritten), 201 with the background task
    const commit = await user('POST', '/session/train-job-1/commit?filename=my-env');
    expect(commit.status).toBe(201);
    expect(commit.body).toMatchObject({
      bgtask_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kernel: '11111111-1111-4111-8111-111111111111',
      path: expect.stringMatching(/^user@sandbox\.local\/\d{4}-\d\d-\d\dT\d\dH\d\dM\d\dS_train-job-1_python-pytorch-2\.3-py311-cuda12\.1\.tar\.gz$/),
    });
    expect((await user('GET', '/session/train-job-1/commit')).body).toMatchObject({ status: 'ready' });
    expect((await user('POST', '/session/no-such-session/commit')).status).toBe(404);
    const files = await user('GET', '/session/train-job-1/files?path=.');
    expect(JSON.parse(files.body.files).map((f: { filename: string }) => f.filename)).toEqual(['datasets']);
    const spec = await user('GET', '/spec/openapi/spec.json');
    expect(spec.status).toBe(403);
  });
});

describe('batch start times and dependencies', () => {
  it('a batch job with starts_at stays PENDING until then; one that depends on a live session waits for it to end', async () => {
    const { user } = await sandbox();
    const later = await user('POST', '/session', { name: 'later-job', image: 'python', session_type: 'batch', startup_command: 'python a.py', starts_at: '1h', enqueueOnly: true });
    expect(later.status).toBe(201);
    expect((await user('GET', '/session/later-job')).body.status).toBe('PENDING');
    const after = await user('POST', '/session', { name: 'after-job', image: 'python', session_type: 'batch', startup_command: 'python b.py', dependencies: ['notebook-old'], enqueueOnly: true });
    expect(after.status).toBe(201);
    expect((await user('GET', '/session/after-job')).body.status).toBe('PENDING');
    await user('DELETE', '/session/notebook-old');
    // notebook-old ends (fast clock), then the dependent job is admitted
    for (let i = 0; i < 5 && (await user('GET', '/session/after-job')).body.status === 'PENDING'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await user('GET', '/session/after-job')).body.status).not.toBe('PENDING');
    expect((await user('GET', '/session/later-job')).body.status).toBe('PENDING');
    // malformed values are 400s, an unknown dependency is a 404
    expect((await user('POST', '/session', { name: 'bad-start', image: 'python', session_type: 'batch', startup_command: 'x', starts_at: 'soon' })).status).toBe(400);
    expect((await user('POST', '/session', { name: 'bad-dep', image: 'python', session_type: 'batch', startup_command: 'x', dependencies: ['nope-123'] })).status).toBe(404);
  });
});

describe('v2 session routes', () => {
  it('enqueue with UUIDs, compute-schedule dry run, bulk terminate', async () => {
    const { user } = await sandbox();
    const enq = await user('POST', '/v2/sessions/enqueue', {
      session_name: 'v2-session',
      session_type: 'interactive',
      image_id: 'eeeeeeee-0000-4000-8000-000000000002',
      project_id: 'cccccccc-0000-4000-8000-000000000002',
      resource_group_id: 'dddddddd-0000-4000-8000-000000000002',
      resource_entries: [{ resource_type: 'cuda.shares', quantity: '2.5' }, { resource_type: 'mem', quantity: String(16 * 1024 ** 3) }],
      mounts: [{ vfolder_id: 'aaaaaaaa-0000-4000-8000-000000000002' }],
    });
    expect(enq.status).toBe(201);
    expect(enq.body.session).toMatchObject({ metadata: { name: 'v2-session' }, resource: { resource_group_name: 'gpu-a100' }, project_id: 'cccccccc-0000-4000-8000-000000000002' });
    const dry = await user('POST', '/v2/sessions/compute-schedule', {
      cluster_mode: 'single-node',
      resource_group_id: 'dddddddd-0000-4000-8000-000000000001',
      kernels: [{ resources: [{ resource_type: 'cuda.shares', quantity: '6' }] }, { resources: [{ resource_type: 'cuda.shares', quantity: '10' }] }],
    });
    expect(dry.body.results.map((r: { success: boolean }) => r.success)).toEqual([true, false]);
    expect(dry.body.results[1].reason_hint.required_reduction).toEqual([{ resource_type: 'cuda.shares', quantity: '8' }]);
    const term = await user('POST', '/v2/sessions/terminate', { session_ids: [enq.body.session.id, '99999999-9999-4999-8999-999999999999'], forced: false });
    expect(term.body).toEqual({ cancelled: [], terminating: [enq.body.session.id], force_terminated: [], skipped: ['99999999-9999-4999-8999-999999999999'] });
    expect((await user('GET', `/v2/sessions/${enq.body.session.id}`)).body.session.lifecycle.status).toBe('TERMINATED');
  });
});
