/**
 * The LLM path end to end: the CLI as a child process, the OpenAI-compatible stub in this
 * process (real HTTP, scripted tool calls), and for `backendai:SERVICE` a sandbox manager in
 * this process whose model service endpoint forwards to the stub.
 *
 *  (a) --llm openai:stub-model --llm-base-url …: a wrong first call is recorded as a failed
 *      sibling, the right one is planned;
 *  (b) --llm backendai:SERVICE: the model is found on the manager, called through the service
 *      endpoint with the service token; a missing service is a one-line error naming those there;
 *  (c) ask --llm …: a written answer above the operations.
 * The API key comes from the environment and never appears in the output.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { startOpenAIStub, type ChatCompletionRequest, type OpenAIStub, type StubReply } from '../../src/sandbox/openai-stub.js';
import { signedFetch } from '../support/signed-fetch.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-llm-e2e-'));
const API_KEY = 'sk-e2e-secret-key-0123456789abcdef';
const SERVICE = 'plan-llm';

let stub: OpenAIStub;
let sandbox: SandboxHandle;
let serviceId: string;

beforeAll(async () => {
  stub = await startOpenAIStub();
  sandbox = await startSandbox({ clock: 'fast', inferenceUpstream: stub.url });
  const created = await signedFetch(sandbox.url, sandbox.credentials.user, {
    method: 'POST',
    path: '/services',
    body: { name: SERVICE, desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'models', scaling_group: 'default', resources: { 'cuda.shares': 1, mem: '8g' } } },
  });
  expect(created.status).toBe(201);
  serviceId = created.body.endpoint_id as string;
});
afterAll(async () => {
  await Promise.all([stub?.close(), sandbox?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, any>;
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (/^(BACKEND_|BAI_AGENT_|OPENAI_)/.test(key)) delete e[key];
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: dir, BAI_AGENT_CACHE_DIR: join(dir, 'cache'), OPENAI_API_KEY: API_KEY, ...extra };
}

/** Async on purpose: the stub answers from this process while the CLI runs. */
function bai(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: env(extra), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      const json = args.includes('--json') ? (JSON.parse(stdout) as Record<string, any>) : {};
      done({ code, stdout, stderr, json });
    });
  });
}

const managerEnv = () => ({ BACKEND_ENDPOINT: sandbox.url, BACKEND_ACCESS_KEY: sandbox.credentials.user.accessKey, BACKEND_SECRET_KEY: sandbox.credentials.user.secretKey });

function userText(req: ChatCompletionRequest): string {
  return (req.messages ?? []).filter((m) => m.role === 'user').map((m) => String(m.content ?? '')).join('\n');
}

const NO_SUCH_IMAGE = 'cr.backend.ai/stable/no-such-image:1.0';

/** First a call with an image that does not exist, then (told it failed) the right one, then finish. */
function createSessionScript(req: ChatCompletionRequest): StubReply {
  const text = userText(req);
  const body = (image: string) => ({ body: { session_name: 'bai-llm-5fgpu', image, enqueue_only: true, config: { resources: { 'cuda.shares': 5 }, scaling_group: 'default' } } });
  if (text.includes('Steps planned so far')) return [{ name: 'finish', arguments: { reason: 'creates a session with 5 fGPU' } }];
  if (text.includes('already tried at this point and failed')) return [{ name: 'session_create_from_params', arguments: body('pytorch') }];
  return [{ name: 'session_create_from_params', arguments: body(NO_SUCH_IMAGE) }];
}

function expectNoSecrets(r: Run, ...secrets: string[]): void {
  for (const s of [API_KEY, ...secrets]) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

describe('--llm openai:MODEL with --llm-base-url', () => {
  it('plans through the model: the wrong first call is a recorded failure, the right one is planned', async () => {
    stub.requests.length = 0;
    stub.setScript((req) => createSessionScript(req));
    const r = await bai(['--json', '--planner', 'llm', '--llm', 'openai:stub-model', '--llm-base-url', stub.url, 'plan', 'create a new session with 5 fGPU']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.outcome).toBe('planned');
    const plan = r.json.plan;
    expect(plan.planner).toEqual({ kind: 'llm', model: 'stub-model' });
    expect(plan.steps.map((s: { operationId: string }) => s.operationId)).toEqual(['session.create_from_params']);
    expect(plan.steps[0].body).toMatchObject({ image: 'pytorch', config: { resources: { 'cuda.shares': 5 } } });
    expect(plan.search.failures).toHaveLength(1);
    expect(plan.search.failures[0].candidate).toBe('session.create_from_params()');
    expect(plan.search.failures[0].reason).toContain('no-such-image');
    expect(plan.search.llmCalls).toBe(3);

    // over the wire: the key from the environment, and the session tool shows where resources go
    const chats = stub.requests.filter((q) => q.path === '/v1/chat/completions');
    expect(chats).toHaveLength(3);
    for (const q of chats) expect(q.headers.authorization).toBe(`Bearer ${API_KEY}`);
    const tool = stub.chatRequests()[0]!.tools!.find((t) => t.function.name === 'session_create_from_params')!;
    const config = (tool.function.parameters as any).properties.body.properties.config;
    expect(Object.keys(config.properties)).toEqual(expect.arrayContaining(['resources', 'scaling_group']));
    expect(config.properties.resources.properties).toHaveProperty(['cuda.shares']);
    expectNoSecrets(r);
  });
});

describe('--llm backendai:SERVICE', () => {
  it('finds the service on the manager and plans through its endpoint with the service token', async () => {
    stub.requests.length = 0;
    stub.setScript((req) => createSessionScript(req));
    const r = await bai(['--json', '--planner', 'llm', '--llm', `backendai:${SERVICE}`, 'plan', 'create a new session with 5 fGPU'], managerEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.outcome).toBe('planned');
    expect(r.json.plan.planner).toEqual({ kind: 'llm', model: `backendai:${SERVICE} (stub-model)` });
    expect(r.json.plan.steps[0].body.config.resources['cuda.shares']).toBe(5);
    expect(r.json.plan.search.failures).toHaveLength(1);

    // every request reached the stub through the sandbox's service endpoint, with a token for that service
    expect(stub.requests.map((q) => `${q.method} ${q.path}`)).toEqual(['GET /v1/models', ...Array(3).fill('POST /v1/chat/completions')]);
    const auth = stub.requests.map((q) => String(q.headers.authorization));
    const token = /^Bearer (.+)$/.exec(auth[0]!)![1]!;
    expect(new Set(auth)).toEqual(new Set([`Bearer ${token}`])); // not the OpenAI key
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { endpoint_id: string; exp: number };
    expect(payload.endpoint_id).toBe(serviceId);
    expect(payload.exp * 1000 - Date.now()).toBeLessThanOrEqual(3600_000);
    expectNoSecrets(r, token, sandbox.credentials.user.secretKey);
  });

  it('an unknown service is a one-line config error naming the services there are', async () => {
    const r = await bai(['--json', '--llm', 'backendai:no-such-svc', 'plan', 'list my sessions'], managerEnv());
    expect(r.code).toBe(2);
    expect(r.json.error).toEqual({ kind: 'config', message: `no model service named "no-such-svc" on ${sandbox.url} (the services there are: ${SERVICE})` });
  });
});

describe('--llm backendai:SERVICE under a policy', () => {
  it('issuing the service token is a write: readonly refuses it (exit 3) and nothing is issued', async () => {
    const before = sandbox.requests.filter((q) => q.operationId === 'services.generate_token').length;
    const r = await bai(['--json', '--policy', 'readonly', '--llm', `backendai:${SERVICE}`, 'plan', 'list my sessions'], managerEnv());
    expect(r.code).toBe(3);
    expect(r.json.error.kind).toBe('refused');
    expect(r.json.error.message).toMatch(/policy readonly denies services\.generate_token.*BAI_AGENT_LLM_SERVICE_TOKEN/);
    expect(sandbox.requests.filter((q) => q.operationId === 'services.generate_token').length).toBe(before);
  });
});

describe('ask with an LLM', () => {
  const ANSWER = 'Create one with session.create_from_params (POST /session): put the GPU share in config.resources["cuda.shares"].';

  it('prints the written answer above the operations', async () => {
    stub.requests.length = 0;
    stub.setScript([ANSWER]);
    const r = await bai(['--llm', 'openai:stub-model', '--llm-base-url', stub.url, 'ask', 'how do I create a session with 2 GPUs?']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.startsWith(`${ANSWER}\n\nOperations that answer`)).toBe(true);
    expect(r.stdout).toContain('session.create_from_params');
    // the model saw only the retrieved operations, as data, and the question
    const sent = userText(stub.chatRequests()[0]!);
    expect(sent).toMatch(/<operations>[\s\S]*session\.create_from_params[\s\S]*<\/operations>/);
    expect(sent).toContain('Question: how do I create a session with 2 GPUs?');
    expect(stub.chatRequests()[0]!.tools).toBeUndefined();
    expectNoSecrets(r);
  });

  it('--json with backendai:SERVICE carries the answer and the model', async () => {
    stub.setScript([ANSWER]);
    const r = await bai(['--json', '--llm', `backendai:${SERVICE}`, 'ask', '--k', '2', 'how do I create a session with 2 GPUs?'], managerEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ answer: ANSWER, model: `backendai:${SERVICE} (stub-model)` });
    expect(r.json.operations).toHaveLength(2);
  });
});
