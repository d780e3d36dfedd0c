/**
 * Hybrid planning through the CLI (child processes, the real offline parser, the stub model over
 * HTTP, a sandbox manager in this process): what is planned offline costs no model call and is the
 * same plan as `--planner offline`; what the offline planner does not understand reaches the
 * model; what it refuses for safety, or asks only the user, never does. `--planner` and
 * BAI_AGENT_PLANNER choose.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { startOpenAIStub, type ChatCompletionRequest, type OpenAIStub } from '../../src/sandbox/openai-stub.js';

const root = resolve(import.meta.dirname, '..', '..');
/** Each test runs the CLI up to four times; a loaded two-core machine makes one run take seconds. */
const CLI_TEST_TIMEOUT = 180_000;
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-llm-hybrid-'));

let stub: OpenAIStub;
let sandbox: SandboxHandle;
beforeAll(async () => {
  stub = await startOpenAIStub();
  sandbox = await startSandbox({ clock: 'fast' });
});
afterAll(async () => {
  await Promise.all([stub?.close(), sandbox?.close()]);
  rmSync(dir, { recursive: true, force: true });
});
vi.setConfig({ testTimeout: CLI_TEST_TIMEOUT });
beforeEach(() => {
  stub.requests.length = 0;
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, any>;
}

function bai(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (/^(BACKEND_|BAI_AGENT_|OPENAI_)/.test(key)) delete env[key];
  Object.assign(env, {
    HOME: dir,
    BAI_AGENT_STATE_DIR: dir,
    BAI_AGENT_CACHE_DIR: join(dir, 'cache'),
    BACKEND_ENDPOINT: sandbox.url,
    BACKEND_ACCESS_KEY: sandbox.credentials.user.accessKey,
    BACKEND_SECRET_KEY: sandbox.credentials.user.secretKey,
    ...extra,
  });
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr, json: args.includes('--json') ? (JSON.parse(stdout) as Record<string, any>) : {} });
    });
  });
}

const LLM = () => ['--llm', 'openai:stub-model', '--llm-base-url', stub.url];
const calls = (plan: any) => plan.steps.map((s: any) => ({ operationId: s.operationId, pathParams: s.pathParams, query: s.query, body: s.body, planner: s.planner }));
const userText = (req: ChatCompletionRequest | undefined) => (req?.messages ?? []).filter((m) => m.role === 'user').map((m) => String(m.content ?? '')).join('\n');

describe('hybrid by default when an LLM is configured', () => {
  const REQUEST = 'create a folder called hy-data and make a directory logs in it';

  it('a fully understood request is planned offline: no model call, the same plan as --planner offline', async () => {
    stub.setScript([]); // a call would get an error
    const hybrid = await bai(['--json', ...LLM(), 'plan', REQUEST]);
    const offline = await bai(['--json', '--planner', 'offline', ...LLM(), 'plan', REQUEST]);
    expect(hybrid.code, hybrid.stderr).toBe(0);
    expect(offline.code, offline.stderr).toBe(0);
    expect(hybrid.json.plan.planner).toEqual({ kind: 'hybrid', model: 'stub-model' });
    expect(offline.json.plan.planner).toEqual({ kind: 'offline', model: null });
    expect(calls(hybrid.json.plan)).toEqual(calls(offline.json.plan));
    expect(calls(hybrid.json.plan).map((c: any) => [c.operationId, c.planner])).toEqual([['folders.create', 'offline'], ['folders.mkdir', 'offline']]);
    expect(hybrid.json.plan.search.llmCalls).toBe(0);
    expect(hybrid.json.plan.search.route).toEqual({ planner: 'offline', why: 'every word understood and the plan validates' });
    expect(stub.requests).toHaveLength(0);

    // the preview says who planned, and each step's maker
    const text = await bai([...LLM(), 'plan', REQUEST]);
    expect(text.code, text.stderr).toBe(0);
    // `plan` prints the plan (its result) on stdout
    expect(text.stdout).toContain('hybrid planner: planned offline (every word understood and the plan validates)');
    expect(text.stdout).toMatch(/s1 {2}POST \/folders .*· by offline planner/);
  });

  it('a request the offline planner does not understand reaches the model, with the offline reading as a hint', async () => {
    stub.setScript([[{ name: 'refuse', arguments: { reason: 'that is not something Backend.AI does' } }]]);
    const r = await bai(['--json', ...LLM(), 'plan', 'frobnicate the quux']);
    expect(r.code).toBe(3);
    expect(r.json.refusal).toBe('that is not something Backend.AI does');
    expect(r.json.plan.search.llmCalls).toBe(1);
    expect(r.json.plan.search.route).toEqual({ planner: 'llm', why: 'no Backend.AI task recognised' });
    expect(stub.chatRequests()).toHaveLength(1);
    expect(userText(stub.chatRequests()[0])).toContain('- tasks: none recognised');
  });

  it('a word the offline parser did not read sends the request to the model, told which word; offline alone asks about it', async () => {
    const REQ = 'create a folder called hy-odd with 3 shelves';
    stub.setScript([[{ name: 'propose_plan', arguments: { reason: 'the folder (shelves are not a folder setting)', steps: [{ tool: 'folders_create', arguments: { body: { name: 'hy-odd' } } }] } }]]);
    const hybrid = await bai(['--json', ...LLM(), 'plan', REQ]);
    expect(hybrid.code, hybrid.stderr).toBe(0);
    expect(hybrid.json.plan.search.route).toEqual({ planner: 'llm', why: 'words not understood: "3"' });
    expect(hybrid.json.plan.search.llmCalls).toBe(1);
    expect(calls(hybrid.json.plan)).toEqual([{ operationId: 'folders.create', pathParams: {}, query: {}, body: { name: 'hy-odd' }, planner: 'llm' }]);
    expect(hybrid.json.plan.notUnderstood).toBeUndefined(); // the model read the request itself
    const sent = userText(stub.chatRequests()[0]);
    expect(sent).toContain('User request: create a folder called hy-odd with 3 shelves');
    expect(sent).toContain('- task folder.create {"name":"hy-odd"');
    expect(sent).toContain('- words it did not understand: "3"');

    stub.requests.length = 0;
    const offline = await bai(['--json', '--planner', 'offline', 'plan', REQ]);
    expect(offline.code).toBe(4);
    expect(offline.json.question).toContain('"3"');
    expect(offline.json.plan.notUnderstood).toEqual(['3']);
    expect(stub.requests).toHaveLength(0);
  });

  it('a safety refusal and a question only the user can answer never reach the model', async () => {
    stub.setScript([]);
    const secret = await bai(['--json', ...LLM(), 'plan', 'show me my secret key']);
    expect(secret.code).toBe(3);
    expect(secret.json.plan.search.llmCalls).toBe(0);
    const value = await bai(['--json', ...LLM(), 'plan', 'start a session with the env var HF_TOKEN set']);
    expect(value.code).toBe(4);
    expect(value.json.question).toMatch(/^What value should HF_TOKEN have\?/);
    const which = await bai(['--json', ...LLM(), 'plan', 'delete my folder']);
    expect(which.code).toBe(4);
    expect(which.json.question).toMatch(/^Which folder should I delete\?/);
    expect(stub.requests).toHaveLength(0);
  });
});

describe('--planner and BAI_AGENT_PLANNER', () => {
  it('BAI_AGENT_PLANNER=offline plans offline even with BAI_AGENT_LLM set; llm sends a fully understood request to the model', async () => {
    stub.setScript([[{ name: 'propose_plan', arguments: { reason: 'r', steps: [{ tool: 'folders_create', arguments: { body: { name: 'hy-env' } } }] } }]]);
    const env = { BAI_AGENT_LLM: 'openai:stub-model', BAI_AGENT_LLM_BASE_URL: stub.url };
    const offline = await bai(['--json', 'plan', 'create a folder called hy-env'], { ...env, BAI_AGENT_PLANNER: 'offline' });
    expect(offline.code, offline.stderr).toBe(0);
    expect(offline.json.plan.planner.kind).toBe('offline');
    expect(stub.requests).toHaveLength(0);
    const llm = await bai(['--json', 'plan', 'create a folder called hy-env'], { ...env, BAI_AGENT_PLANNER: 'llm' });
    expect(llm.code, llm.stderr).toBe(0);
    expect(llm.json.plan.planner).toEqual({ kind: 'llm', model: 'stub-model' });
    expect(llm.json.plan.search.llmCalls).toBe(1);
    expect(stub.chatRequests()).toHaveLength(1);
  });

  it('llm or hybrid without a model, or an unknown mode, is a one-line error', async () => {
    const noModel = await bai(['--json', '--planner', 'hybrid', 'plan', 'list my sessions']);
    expect(noModel.code).toBe(2);
    expect(noModel.json.error.message).toBe('--planner hybrid needs a model: pass --llm (e.g. --llm openai:gpt-4o-mini) or set BAI_AGENT_LLM');
    const bogus = await bai(['--json', 'plan', 'list my sessions'], { BAI_AGENT_PLANNER: 'smart' });
    expect(bogus.code).toBe(2);
    expect(bogus.json.error.message).toBe('bad BAI_AGENT_PLANNER value "smart": use offline, llm or hybrid');
  });
});
