/**
 * The sandbox over real HTTP with real signed requests: a session's whole life and a folder's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { signedClient } from '../support/signed-fetch.js';

let sb: SandboxHandle;
let call: ReturnType<typeof signedClient>;
beforeAll(async () => {
  sb = await startSandbox({ clock: 'fast' });
  call = signedClient(sb.url, sb.credentials.user);
});
afterAll(() => sb.close());

const GiB = 1024 ** 3;

describe('a session’s whole life', () => {
  it('create with 5 fGPU → RUNNING → listed and counted → destroy → TERMINATED, resources freed', async () => {
    const before = await call('POST', '/resource/check-presets', { group: 'default' });
    expect(before.status).toBe(200);
    expect(before.body.scaling_groups.default.available['cuda.shares']).toBe('8');
    expect(before.body.keypair_using['cuda.shares']).toBe('2');

    const created = await call('POST', '/session', {
      name: 'gpu-train',
      image: 'pytorch',
      config: { resources: { 'cuda.shares': 5 }, mounts: ['datasets'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sessionName: 'gpu-train', status: 'RUNNING', created: true });
    expect(created.body.servicePorts.length).toBeGreaterThan(0);
    const id = created.body.sessionId as string;

    const found = await call('POST', '/v2/sessions/my/search', { filter: { status: { in_: ['RUNNING'] }, name: { equals: 'gpu-train' } } });
    expect(found.status).toBe(200);
    expect(found.body.total_count).toBe(1);
    expect(found.body.items[0]).toMatchObject({ id, metadata: { name: 'gpu-train' }, lifecycle: { status: 'RUNNING' }, resource: { resource_group_name: 'default' } });

    const during = await call('POST', '/resource/check-presets', { group: 'default' });
    expect(during.body.keypair_using['cuda.shares']).toBe('7');
    expect(during.body.keypair_remaining['cuda.shares']).toBe('9');
    expect(during.body.scaling_groups.default.occupied['cuda.shares']).toBe('7');
    expect(during.body.scaling_groups.default.available['cuda.shares']).toBe('3');
    // mem default filled from the image minimum (2g) on top of the seed sessions' 36g
    expect(during.body.keypair_using.mem).toBe(String(38 * GiB));
    const gpuLarge = during.body.presets.find((p: { name: string }) => p.name === 'gpu-large');
    expect(gpuLarge.allocatable).toBe(false); // 5 fGPU no longer fit in the 3 left

    const info = await call('GET', '/session/gpu-train');
    expect(info.status).toBe(200);
    expect(info.body.status).toBe('RUNNING');
    expect(JSON.parse(info.body.requestedSlots)['cuda.shares']).toBe('5');

    const destroyed = await call('DELETE', '/session/gpu-train');
    expect(destroyed.status).toBe(200);
    expect(destroyed.body).toEqual({ stats: { status: 'terminated' } });

    expect((await call('GET', '/session/gpu-train')).status).toBe(404); // names reach live sessions only
    const byId = await call('GET', `/session/${id}`);
    expect(byId.body.status).toBe('TERMINATED');
    expect(byId.body.terminationTime).not.toBeNull();

    const after = await call('POST', '/resource/check-presets', { group: 'default' });
    expect(after.body.keypair_using['cuda.shares']).toBe('2');
    expect(after.body.scaling_groups.default.available['cuda.shares']).toBe('8');
  });

  it('enqueueOnly returns PENDING at once; reuse returns the same id; a different image is rejected', async () => {
    const a = await call('POST', '/session', { name: 'nb-reuse', image: 'python', enqueueOnly: true });
    expect(a.status).toBe(201);
    expect(a.body.status).toBe('PENDING');
    const again = await call('POST', '/session', { name: 'nb-reuse', image: 'cr.backend.ai/stable/python:3.11-ubuntu22.04', enqueueOnly: true });
    expect(again.body).toMatchObject({ sessionId: a.body.sessionId, created: false });
    const other = await call('POST', '/session', { name: 'nb-reuse', image: 'pytorch' });
    expect(other.status).toBe(400);
    expect(other.body.type).toBe('https://api.backend.ai/probs/session-already-exists');
    expect(other.body.data.existingSessionId).toBe(a.body.sessionId);
    const noReuse = await call('POST', '/session', { name: 'nb-reuse', image: 'python', reuse: false });
    expect(noReuse.status).toBe(400);
    await call('DELETE', `/session/${a.body.sessionId}`);
  });
});

describe('a folder’s life', () => {
  it('create → list → mkdir → delete → trash → restore / delete forever', async () => {
    const created = await call('POST', '/folders', { name: 'experiments' });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body).toMatchObject({ name: 'experiments', host: 'local:volume1', status: 'ready', ownership_type: 'user', usage_mode: 'general' });

    const list = await call('GET', '/folders');
    expect(list.body.map((f: { name: string }) => f.name)).toEqual(expect.arrayContaining(['api_helper', 'datasets', 'models', 'experiments']));

    const mk = await call('POST', '/folders/experiments/mkdir', { path: ['runs/2026', 'logs'] });
    expect(mk.status).toBe(201);
    const files = await call('GET', '/folders/experiments/files?path=runs');
    expect(files.body.items).toEqual([expect.objectContaining({ name: '2026', type: 'DIRECTORY' })]);
    const dup = await call('POST', '/folders/experiments/mkdir', { path: 'logs' });
    expect(dup.status).toBe(400);
    expect((await call('POST', '/folders/experiments/mkdir', { path: 'logs', exist_ok: true })).status).toBe(201);

    expect((await call('DELETE', '/folders/experiments')).status).toBe(204);
    const listed = (await call('GET', '/folders')).body.find((f: { name: string }) => f.name === 'experiments');
    expect(listed.status).toBe('delete-pending');
    // a folder in the trash cannot be mounted
    const mount = await call('POST', '/session', { name: 'uses-trash', image: 'python', enqueueOnly: true, config: { mounts: ['experiments'] } });
    expect(mount.status).toBe(404);

    const uuid = (await call('GET', '/folders/_/id', { vfolder_name: 'experiments' })).body.id as string;
    expect((await call('POST', '/folders/restore-from-trash-bin', { id: uuid })).status).toBe(204);
    expect((await call('GET', '/folders/experiments')).body.status).toBe('ready');

    expect((await call('DELETE', '/folders', { vfolderId: uuid })).status).toBe(204);
    expect((await call('POST', '/folders/purge', { id: uuid })).status).toBe(403);
    expect((await call('POST', '/folders/delete-from-trash-bin', { id: uuid })).status).toBe(204);
    expect((await call('GET', '/folders')).body.some((f: { name: string }) => f.name === 'experiments')).toBe(false);
  });

  it('seed folder contents and sharing rules', async () => {
    const files = await call('GET', '/folders/api_helper/files');
    expect(files.body.items.map((i: { name: string }) => i.name)).toEqual(['requirements.txt', 'server.py']);
    const inv = await call('POST', '/folders/datasets/invite', { perm: 'ro', emails: ['colleague@sandbox.local'] });
    expect(inv.status).toBe(201);
    expect(inv.body.invited_ids).toHaveLength(1);
    expect((await call('POST', '/folders/datasets/invite', { emails: ['nobody@sandbox.local'] })).status).toBe(404);
    // direct share is admin-only (facts §15.5): a plain user is refused before anything else
    const share = await call('POST', '/folders/datasets/share', { permission: 'ro', emails: ['colleague@sandbox.local'] });
    expect(share.status).toBe(403);
    expect(share.body.type).toBe('https://api.backend.ai/probs/generic-forbidden');
    // and only project folders are directly sharable, even by an admin
    const asAdmin = signedClient(sb.url, sb.credentials.admin);
    const adminShare = await asAdmin('POST', '/folders/aaaaaaaa-0000-4000-8000-000000000002/share', { permission: 'ro', emails: ['colleague@sandbox.local'] });
    expect(adminShare.status).toBe(404);
    expect(adminShare.body.msg).toBe('Only project folders are directly sharable');
  });
});
