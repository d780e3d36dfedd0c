/**
 * The model's real failure modes, on the wire: the CLI as a child process, a sandbox manager and
 * the OpenAI-compatible stub in this process (real HTTP both ways). Each scripted mistake must end
 * in a validated plan, a clear question or a clear error within the search budgets — and never in
 * a write nobody confirmed (the sandbox records every request it gets).
 *
 * `--planner llm` makes the model plan every request here; hybrid routing has its own tests
 * (llm-hybrid-cli.test.ts, unit/hybrid.test.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { startOpenAIStub, type ChatCompletionRequest, type OpenAIStub, type StubReply } from '../../src/sandbox/openai-stub.js';

const root = resolve(import.meta.dirname, '..', '..');
/** Each test runs the CLI up to four times; a loaded two-core machine makes one run take seconds. */
const CLI_TEST_TIMEOUT = 180_000;
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-llm-wire-'));

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
  const argv = ['--json', '--planner', 'llm', '--llm', 'openai:stub-model', '--llm-base-url', stub.url, ...args];
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...argv], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr, json: JSON.parse(stdout) as Record<string, any> });
    });
  });
}

/** The user turn of a chat request: the request, the steps so far, what failed. */
function userText(req: ChatCompletionRequest | undefined): string {
  return (req?.messages ?? []).filter((m) => m.role === 'user').map((m) => String(m.content ?? '')).join('\n');
}

/** Turn by turn: `turns[i]` answers the i-th chat request. */
const turns = (...replies: StubReply[]) => (_req: ChatCompletionRequest, i: number): StubReply => replies[Math.min(i, replies.length - 1)]!;

const writesSeen = () => sandbox.requests.filter((q) => q.method !== 'GET' && !/search|check-presets|gql/.test(q.path));

const createFolder = (name: string) => [{ name: 'folders_create', arguments: { body: { name } } }];
const mkdir = (folder: string, path: string) => ({ tool: 'folders_mkdir', arguments: { pathParams: { name: folder }, body: { path } } });

/** The plan as the steps that matter: operation and arguments. */
const calls = (plan: any) => plan.steps.map((s: any) => ({ operationId: s.operationId, pathParams: s.pathParams, query: s.query, body: s.body }));

function withinBudgets(plan: any): void {
  expect(plan.search.llmCalls).toBeLessThanOrEqual(plan.search.budgets.maxLlmCalls);
  expect(plan.search.exhausted).toBeUndefined();
}

describe('whole-plan answers', () => {
  const REQUEST = 'create a folder called exp-wp and make a directory logs in it';

  it('a multi-step request answered with one whole plan costs exactly one call', async () => {
    stub.setScript(turns([{ name: 'propose_plan', arguments: { reason: 'folder exp-wp with a logs directory', steps: [{ tool: 'folders_create', arguments: { body: { name: 'exp-wp' } } }, mkdir('exp-wp', 'logs')] } }]));
    const r = await bai(['plan', REQUEST]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.steps.map((s: any) => [s.id, s.operationId, s.planner])).toEqual([['s1', 'folders.create', 'llm'], ['s2', 'folders.mkdir', 'llm']]);
    expect(r.json.plan.search.llmCalls).toBe(1);
    expect(stub.chatRequests()).toHaveLength(1);
    expect(stub.chatRequests()[0]!.tools!.map((t) => t.function.name)).toContain('propose_plan');
  });

  it('a whole plan with one bad step: only that step goes back to the model, the valid prefix kept; nothing is written without confirmation', async () => {
    stub.setScript(
      turns(
        [{ name: 'propose_plan', arguments: { reason: 'r', steps: [{ tool: 'folders_create', arguments: { body: { name: 'exp-wp' } } }, { tool: 'folders_mkdir', arguments: { pathParams: { name: 'exp-wp' }, body: { paths: 'logs' } } }] } }],
        [{ name: 'propose_plan', arguments: { reason: 'the directory, fixed', steps: [mkdir('exp-wp', 'logs')] } }],
      ),
    );
    const before = writesSeen().length;
    const r = await bai(['run', REQUEST]); // no --yes, no terminal
    expect(r.code, r.stderr).toBe(6);
    expect(r.json.outcome).toBe('confirmation_required');
    const plan = r.json.plan;
    expect(calls(plan)).toEqual([
      { operationId: 'folders.create', pathParams: {}, query: {}, body: { name: 'exp-wp' } },
      { operationId: 'folders.mkdir', pathParams: { name: 'exp-wp' }, query: {}, body: { path: 'logs' } },
    ]);
    expect(plan.search.llmCalls).toBe(2);
    expect(plan.search.failures).toHaveLength(1);
    expect(plan.search.failures[0].reason).toMatch(/invalid arguments/);
    const second = userText(stub.chatRequests()[1]);
    expect(second).toMatch(/Steps planned so far:\ns1: folders\.create/);
    expect(second).toMatch(/already tried at this point and failed:\n- folders\.mkdir .*"paths":"logs".*invalid arguments/);
    expect(second).toContain('its first step will be s2');
    withinBudgets(plan);
    expect(writesSeen().length).toBe(before);
  });
});

describe('answers that cannot be used as they are', () => {
  it('malformed JSON arguments are a recorded failure, told back, then a valid plan', async () => {
    stub.setScript(turns([{ name: 'folders_create', arguments: '{"body": {"name": "wire-json"' }], createFolder('wire-json'), [{ name: 'finish', arguments: { reason: 'done' } }]));
    const r = await bai(['plan', 'create a folder called wire-json']);
    expect(r.code, r.stderr).toBe(0);
    expect(calls(r.json.plan)).toEqual([{ operationId: 'folders.create', pathParams: {}, query: {}, body: { name: 'wire-json' } }]);
    expect(r.json.plan.search.failures[0].reason).toMatch(/^unreadable arguments: arguments are not valid JSON/);
    expect(userText(stub.chatRequests()[1])).toContain('unreadable arguments');
    withinBudgets(r.json.plan);
  });

  it('an unknown tool is rejected as not in the spec, and the model tries again', async () => {
    stub.setScript(turns([{ name: 'folders_make_new', arguments: { body: { name: 'wire-tool' } } }], createFolder('wire-tool'), [{ name: 'finish', arguments: { reason: 'done' } }]));
    const r = await bai(['plan', 'create a folder called wire-tool']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.steps.map((s: any) => s.operationId)).toEqual(['folders.create']);
    expect(r.json.plan.search.failures[0]).toMatchObject({ candidate: 'folders_make_new()', reason: 'operation folders_make_new is not in the spec' });
    withinBudgets(r.json.plan);
  });

  it('prose instead of a tool call is told back once; prose again is a clear question, nothing planned', async () => {
    stub.setScript(turns("Sure! I'll create the folder wire-prose for you.", createFolder('wire-prose'), [{ name: 'finish', arguments: { reason: 'done' } }]));
    const ok = await bai(['plan', 'create a folder called wire-prose']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json.plan.steps.map((s: any) => s.operationId)).toEqual(['folders.create']);
    expect(userText(stub.chatRequests()[1])).toContain("the model answered without a tool call: Sure! I'll create the folder wire-prose for you.");

    stub.requests.length = 0;
    stub.setScript(turns('I would rather not.'));
    const stuck = await bai(['plan', 'create a folder called wire-prose']);
    expect(stuck.code).toBe(4);
    expect(stuck.json.question).toMatch(/^I could not build a valid plan \(.*the model answered without a tool call: I would rather not\./);
    expect(stuck.json.plan.steps).toEqual([]);
    expect(stub.chatRequests()).toHaveLength(2);
  });

  it('a hallucinated folder fails grounding; the model is told and asks the user instead', async () => {
    stub.setScript(
      turns(
        [{ name: 'folders_delete_by_name', arguments: { pathParams: { name: 'old-results' } } }],
        [{ name: 'ask_user', arguments: { question: 'Which folder should I delete? You have api_helper, datasets and models.' } }],
      ),
    );
    const r = await bai(['plan', 'delete my old results folder']);
    expect(r.code).toBe(4);
    expect(r.json.question).toBe('Which folder should I delete? You have api_helper, datasets and models.');
    expect(r.json.plan.search.failures[0].reason).toBe('no folder "old-results"');
    expect(userText(stub.chatRequests()[1])).toContain('no folder "old-results"');
    withinBudgets(r.json.plan);
  });

  it('a field name from another API version is rejected by the schema, and the corrected call is planned', async () => {
    const session = (config: Record<string, unknown>) => [{ name: 'session_create_from_params', arguments: { body: { session_name: 'wire-old', image: 'python', enqueue_only: true, config } } }];
    stub.setScript(turns(session({ instanceCores: 2, instanceMemory: '4g' }), session({ resources: { cpu: 2, mem: '4g' }, scaling_group: 'default' }), [{ name: 'finish', arguments: { reason: 'done' } }]));
    const r = await bai(['plan', 'start a python session named wire-old with 2 CPU cores and 4GB of memory']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.steps[0].body.config).toEqual({ resources: { cpu: 2, mem: '4g' }, scaling_group: 'default' });
    expect(r.json.plan.search.failures[0].reason).toMatch(/unknown field "instanceCores"/);
    withinBudgets(r.json.plan);
  });
});

describe('a Korean request answered in Korean', () => {
  const REQUEST = 'exp-ko 폴더를 만들고 그 안에 logs 디렉터리를 만들어 줘';
  const plan = (reason: string, why: [string, string]) => [
    { name: 'propose_plan', arguments: { reason, steps: [{ tool: 'folders_create', arguments: { body: { name: 'exp-ko' } }, reason: why[0] }, { ...mkdir('exp-ko', 'logs'), reason: why[1] }] } },
  ];

  it('ends in the same validated plan as an English answer would', async () => {
    stub.setScript(turns(plan('exp-ko 폴더를 만들고 그 안에 logs 디렉터리를 만듭니다', ['exp-ko 폴더 생성', 'logs 디렉터리 생성'])));
    const ko = await bai(['plan', REQUEST]);
    stub.setScript(turns(plan('creates folder exp-ko with a logs directory', ['create folder exp-ko', 'make the logs directory'])));
    const en = await bai(['plan', REQUEST]);
    expect(ko.code, ko.stderr).toBe(0);
    expect(en.code, en.stderr).toBe(0);
    expect(calls(ko.json.plan)).toEqual(calls(en.json.plan));
    expect(calls(ko.json.plan).map((c: any) => c.operationId)).toEqual(['folders.create', 'folders.mkdir']);
    expect(ko.json.plan.steps.map((s: any) => s.reason)).toEqual(['exp-ko 폴더 생성', 'logs 디렉터리 생성']);
    expect(ko.json.plan.search.llmCalls).toBe(1);
  });
});

describe('answers cut off', () => {
  const full = createFolder('wire-cut-folder-with-a-longer-name');

  it('a streamed answer cut off mid-arguments is never used, even where what arrived parses; the model is asked again', async () => {
    stub.setScript(turns({ cutOff: 'connection', chars: 800, reply: full }, full, [{ name: 'finish', arguments: { reason: 'done' } }]));
    const r = await bai(['plan', 'create a folder called wire-cut-folder-with-a-longer-name'], { BAI_AGENT_LLM_STREAM: '1' });
    expect(r.code, r.stderr).toBe(0);
    expect(stub.chatRequests()[0]!.stream).toBe(true);
    expect(r.json.plan.steps[0].body).toEqual({ name: 'wire-cut-folder-with-a-longer-name' });
    expect(r.json.plan.search.failures[0].reason).toMatch(/^unreadable arguments: the streamed answer was cut off/);
    withinBudgets(r.json.plan);
  });

  it('an answer cut off at the token limit is told back and replaced', async () => {
    stub.setScript(turns({ cutOff: 'length', chars: 20, reply: full }, full, [{ name: 'finish', arguments: { reason: 'done' } }]));
    const r = await bai(['plan', 'create a folder called wire-cut-folder-with-a-longer-name']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.search.failures[0].reason).toBe('unreadable arguments: the answer was cut off at the token limit');
    expect(r.json.plan.steps[0].body).toEqual({ name: 'wire-cut-folder-with-a-longer-name' });
  });

  it('a stream that breaks before anything arrives is a one-line error, nothing planned', async () => {
    stub.setScript(() => ({ cutOff: 'connection', chars: 0, reply: full }));
    const r = await bai(['plan', 'create a folder called wire-cut'], { BAI_AGENT_LLM_STREAM: '1' });
    expect(r.code).toBe(8);
    expect(r.json.error.message).toMatch(/^the model endpoint for stub-model closed the connection before its answer was complete/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a model that keeps proposing the same denied call', () => {
  it('is asked twice, not until the budget runs out: refused, and nothing is deleted', async () => {
    stub.setScript(() => [{ name: 'folders_delete_by_name', arguments: { pathParams: { name: 'datasets' } } }]);
    const before = writesSeen().length;
    const r = await bai(['--policy', 'readonly', 'run', '--yes', 'delete the folder datasets']);
    expect(r.code).toBe(3);
    expect(r.json.outcome).toBe('refused');
    expect(r.json.refusal).toMatch(/^denied by policy: folders\.delete_by_name/);
    expect(r.json.plan.search.llmCalls).toBe(2);
    expect(r.json.plan.search.failures.map((f: any) => f.reason)).toEqual([expect.stringMatching(/^folders\.delete_by_name /), expect.stringMatching(/^proposed again after it failed/)]);
    expect(writesSeen().length).toBe(before);
    expect(sandbox.world().folders.some((f) => f.name === 'datasets')).toBe(true);
  });
});
