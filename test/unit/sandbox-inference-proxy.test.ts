/**
 * The sandbox's model service endpoints over real HTTP: `<service_endpoint>/v1/*` reaches the
 * OpenAI-compatible upstream only with a valid token for that service, only while a replica
 * runs, and a sandbox without an upstream says so instead of hanging.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as sandboxCommand } from '../../src/cli/commands/sandbox.js';
import { Output } from '../../src/cli/output.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { upstreamRoot } from '../../src/sandbox/inference-proxy.js';
import { startOpenAIStub, type OpenAIStub } from '../../src/sandbox/openai-stub.js';
import { signedFetch } from '../support/signed-fetch.js';

let stub: OpenAIStub;
let sandbox: SandboxHandle;
let bare: SandboxHandle;

beforeAll(async () => {
  stub = await startOpenAIStub({ script: ['Hello from the stub.'] });
  sandbox = await startSandbox({ clock: 'fast', inferenceUpstream: stub.url });
  bare = await startSandbox({ clock: 'fast' });
});
afterAll(async () => {
  await Promise.all([stub.close(), sandbox.close(), bare.close()]);
});

async function createService(sb: SandboxHandle, name: string): Promise<{ id: string; endpoint: string; token: string }> {
  const keys = sb.credentials.user;
  const created = await signedFetch(sb.url, keys, {
    method: 'POST',
    path: '/services',
    body: { name, desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'models', scaling_group: 'default', resources: { 'cuda.shares': 1, mem: '8g' } } },
  });
  expect(created.status).toBe(201);
  const id = created.body.endpoint_id as string;
  const token = await signedFetch(sb.url, keys, { method: 'POST', path: `/services/${id}/token`, body: { duration: '1h' } });
  expect(token.status).toBe(200);
  return { id, endpoint: created.body.service_endpoint as string, token: token.body.token as string };
}

describe('model service endpoints (app proxy)', () => {
  it('forward /v1/* to the upstream with the token, and refuse missing, wrong or other-service tokens', async () => {
    const a = await createService(sandbox, 'chat-svc');
    const b = await createService(sandbox, 'other-svc');
    expect(a.endpoint).toBe(`${sandbox.url}/services/${a.id}/proxy`);

    const none = await fetch(`${a.endpoint}/v1/models`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(/needs a token/);
    expect((await fetch(`${a.endpoint}/v1/models`, { headers: { authorization: 'Bearer not.a.token' } })).status).toBe(401);
    expect((await fetch(`${a.endpoint}/v1/models`, { headers: { authorization: `Bearer ${b.token}` } })).status).toBe(401);
    expect(stub.requests).toHaveLength(0); // nothing reached the model

    const models = await fetch(`${a.endpoint}/v1/models`, { headers: { authorization: `BackendAI ${a.token}` } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: Array<{ id: string }> }).data[0]!.id).toBe('stub-model');

    const chat = await fetch(`${a.endpoint}/v1/chat/completions?trace=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stub-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(chat.status).toBe(200);
    expect(((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content).toBe('Hello from the stub.');
    const seen = stub.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: `Bearer ${a.token}` } });
    expect(seen.body).toMatchObject({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('answer 404 for an unknown service and 503 once no replica runs', async () => {
    expect((await fetch(`${sandbox.url}/services/00000000-0000-4000-8000-000000000000/proxy/v1/models`)).status).toBe(404);
    const svc = await createService(sandbox, 'scaled-svc');
    const scaled = await signedFetch(sandbox.url, sandbox.credentials.user, { method: 'POST', path: `/services/${svc.id}/scale`, body: { to: 0 } });
    expect(scaled.status).toBe(200);
    const res = await fetch(`${svc.endpoint}/v1/models`, { headers: { authorization: `Bearer ${svc.token}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no replica of model service scaled-svc is running/);
  });

  it('without an upstream a service endpoint answers 503 with the reason', async () => {
    const svc = await createService(bare, 'lonely-svc');
    const res = await fetch(`${svc.endpoint}/v1/models`, { headers: { authorization: `Bearer ${svc.token}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/no inference backend/);
  });

  it('the upstream may be given with or without /v1', () => {
    expect(upstreamRoot('http://127.0.0.1:9/v1')).toBe('http://127.0.0.1:9');
    expect(upstreamRoot('http://127.0.0.1:9/v1/')).toBe('http://127.0.0.1:9');
    expect(upstreamRoot('http://127.0.0.1:9/')).toBe('http://127.0.0.1:9');
  });
});

describe('bai-agent sandbox --inference-upstream', () => {
  function capture() {
    let out = '';
    const stdout = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
    const stderr = new Writable({ write(_c, _e, cb) { cb(); } });
    return { ctx: { globals: {}, out: new Output({ stdout, stderr }) }, text: () => out };
  }

  it('serves model services through the given server, and rejects a URL that is not http(s)', async () => {
    await expect(sandboxCommand(capture().ctx, { port: '0', inferenceUpstream: 'localhost:11434' })).rejects.toMatchObject({ kind: 'bad_input', message: expect.stringMatching(/^--inference-upstream must be an http\(s\) URL/) });
    const c = capture();
    let stop!: () => void;
    const done = sandboxCommand(c.ctx, { port: '0', state: false, fast: true, inferenceUpstream: stub.url, stopSignal: new Promise<void>((r) => (stop = r)) });
    await expect.poll(() => c.text()).toContain('Press Ctrl+C');
    expect(c.text()).toContain(`model services answer through: ${stub.url}`);
    const url = /listening on (\S+)/.exec(c.text())![1]!;
    const svc = await createService({ url, credentials: sandbox.credentials } as SandboxHandle, 'cmd-svc');
    expect((await fetch(`${svc.endpoint}/v1/models`, { headers: { authorization: `Bearer ${svc.token}` } })).status).toBe(200);
    stop();
    expect(await done).toBe(0);
  });
});
