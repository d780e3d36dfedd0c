/**
 * The LLM path over real HTTP: ChatOpenAI (built by createChatModel) against the local
 * OpenAI-compatible stub — tools in OpenAI format on the wire, scripted tool calls back as
 * candidates, usage, auth for Backend.AI model services, and errors as one-line BaiErrors.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BaiError } from '../../src/errors.js';
import { answerQuestion } from '../../src/planner/llm/answer.js';
import { createChatModel, parseLlmSpec } from '../../src/planner/llm/model.js';
import { LlmProposer } from '../../src/planner/llm/proposer.js';
import type { CallCandidate, ProposalContext } from '../../src/planner/types.js';
import { redact } from '../../src/redact.js';
import { hashEmbedding, startOpenAIStub, type OpenAIStub } from '../../src/sandbox/openai-stub.js';
import { toolNameFor } from '../../src/spec/compact.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { upstreamSpecPath } from '../support/shared.js';

let catalog: Catalog;
let stub: OpenAIStub;
beforeAll(async () => {
  catalog = await loadCatalog({ source: upstreamSpecPath() });
  stub = await startOpenAIStub();
});
afterAll(async () => {
  await stub.close();
});
afterEach(() => {
  stub.requests.length = 0;
});

const defaults = { domain: 'default', group: 'default', cpuImage: 'python:3.9', gpuImage: 'pytorch:2.1', sessionNamePrefix: 'bai' };
function context(ids: string[], over: Partial<ProposalContext> = {}): ProposalContext {
  return {
    request: '내 폴더 목록 보여줘',
    catalog,
    retrieved: ids.map((id, i) => ({ operation: catalog.get(id)!, score: 10 - i })),
    steps: [],
    failedSiblings: [],
    defaults,
    width: 4,
    ...over,
  };
}

describe('parseLlmSpec', () => {
  it('accepts openai:MODEL and backendai:SERVICE', () => {
    expect(parseLlmSpec('openai:gpt-4o-mini')).toEqual({ provider: 'openai', model: 'gpt-4o-mini' });
    expect(parseLlmSpec(' openai:qwen2.5-7b ')).toEqual({ provider: 'openai', model: 'qwen2.5-7b' });
    expect(parseLlmSpec('openai:meta-llama/Llama-3.1-8B-Instruct')).toEqual({ provider: 'openai', model: 'meta-llama/Llama-3.1-8B-Instruct' });
    expect(parseLlmSpec('backendai:my-llm')).toEqual({ provider: 'backendai', model: 'my-llm' });
  });

  it.each(['gpt-4o', 'anthropic:claude', 'openai:', 'openai:has space', '', ':x'])('rejects %j with the accepted forms', (spec) => {
    let err: unknown;
    try {
      parseLlmSpec(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).kind).toBe('bad_input');
    expect((err as BaiError).message).toMatch(/openai:MODEL .* backendai:SERVICE_NAME/);
    expect((err as BaiError).message).not.toContain('\n');
  });
});

describe('createChatModel', () => {
  it('needs a key for a remote endpoint, names the variable, and takes none for a local one', async () => {
    await expect(createChatModel({ spec: 'openai:gpt-4o-mini', env: {} })).rejects.toThrow(/BAI_AGENT_LLM_API_KEY/);
    await expect(createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} })).resolves.toBeDefined();
  });

  it('rejects a base URL that is not http(s) or carries credentials', async () => {
    await expect(createChatModel({ spec: 'openai:m', baseUrl: 'ftp://x', env: {} })).rejects.toThrow(/--llm-base-url must be an http/);
    await expect(createChatModel({ spec: 'openai:m', env: { BAI_AGENT_LLM_BASE_URL: 'http://u:p@h/v1' } })).rejects.toThrow(/BAI_AGENT_LLM_BASE_URL must not carry credentials/);
    await expect(createChatModel({ spec: 'openai:m', baseUrl: 'not a url', env: {} })).rejects.toThrow(/is not a URL/);
  });

  it('takes the base URL and key from the environment and masks the key', async () => {
    const key = 'sk-test-secret-key-123456';
    const model = await createChatModel({ spec: 'openai:stub-model', env: { OPENAI_BASE_URL: stub.url, OPENAI_API_KEY: key } });
    const p = new LlmProposer(model);
    stub.setScript([[{ name: 'finish', arguments: { reason: 'ok' } }]]);
    await p.propose(context(['folders.list_folders']));
    expect(stub.requests[0]!.headers.authorization).toBe(`Bearer ${key}`);
    expect(redact(`key is ${key}`)).toBe('key is ***');
  });

  it('sends temperature 0, except to reasoning models that only take the default', async () => {
    stub.setScript([[{ name: 'finish', arguments: { reason: 'ok' } }], [{ name: 'finish', arguments: { reason: 'ok' } }]]);
    for (const name of ['qwen2.5-7b', 'o3-mini']) {
      await new LlmProposer(await createChatModel({ spec: `openai:${name}`, baseUrl: stub.url, env: {} })).propose(context(['folders.list_folders']));
    }
    const [plain, reasoning] = stub.chatRequests();
    expect(plain!.temperature).toBe(0);
    expect(reasoning!.model).toBe('o3-mini');
    expect(reasoning!.temperature).toBeUndefined();
  });

  it('backendai:SERVICE without a resolver is a clear config error', async () => {
    await expect(createChatModel({ spec: 'backendai:my-llm', env: {} })).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/backendai:my-llm needs a connection to the manager/) });
  });
});

describe('LlmProposer over HTTP (ChatOpenAI → stub)', () => {
  it('sends the retrieved operations as OpenAI tools and gets scripted calls back as candidates', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    const proposer = new LlmProposer(model);
    expect(proposer.model).toBe('stub-model');
    stub.setScript([
      [
        { name: toolNameFor('folders.list_folders', catalog), arguments: { query: { all: true } } },
        { name: toolNameFor('v2/sessions.my_search', catalog), arguments: { body: {} } },
      ],
    ]);
    const { candidates, usage } = await proposer.propose(context(['folders.list_folders', 'v2/sessions.my_search']));
    const [req] = stub.chatRequests();
    expect(req!.model).toBe('stub-model');
    expect(req!.temperature).toBe(0);
    expect(req!.stream).toBeFalsy();
    expect(req!.tools!.map((t) => t.function.name)).toEqual(['folders_list_folders', 'v2__sessions_my_search', 'propose_plan', 'finish', 'ask_user', 'refuse', 'give_up']);
    expect(req!.tools!.every((t) => t.type === 'function' && t.function.parameters?.type === 'object')).toBe(true);
    expect(req!.messages!.map((m) => m.role)).toEqual(['system', 'user']);
    expect(String(req!.messages![1]!.content)).toContain('User request: 내 폴더 목록 보여줘');
    expect((candidates as CallCandidate[]).map((c) => [c.operationId, c.query ?? c.body])).toEqual([
      ['folders.list_folders', { all: true }],
      ['v2/sessions.my_search', {}],
    ]);
    expect(usage!.prompt).toBeGreaterThan(100);
    expect(usage!.completion).toBeGreaterThan(0);
  });

  it('malformed JSON arguments on the wire become a failing candidate, not a crash', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    stub.setScript([[{ name: toolNameFor('folders.create', catalog), arguments: '{"body": {"name": ' }]]);
    const [c] = (await new LlmProposer(model).propose(context(['folders.create']))).candidates as CallCandidate[];
    expect(c).toMatchObject({ kind: 'call', operationId: 'folders.create' });
    expect(c!.meta?.argumentError).toMatch(/not valid JSON/);
  });

  it('a text answer becomes a failing candidate carrying the text', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    stub.setScript(['Sorry, I cannot help with that.']);
    const { candidates } = await new LlmProposer(model).propose(context(['folders.create']));
    expect(candidates).toEqual([{ kind: 'call', operationId: '(text instead of a tool call)', reason: 'Sorry, I cannot help with that.', meta: { unusable: 'the model answered without a tool call: Sorry, I cannot help with that.' } }]);
  });

  it('an endpoint error is a one-line BaiError; a rejected key says what to check', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    stub.setScript([{ error: { status: 400, message: 'context length exceeded' } }]);
    await expect(new LlmProposer(model).propose(context(['folders.create']))).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/refused the request for stub-model \(HTTP 400\): .*context length exceeded/) });

    const locked = await startOpenAIStub({ requireToken: 'service-token-abcdef' });
    try {
      const m = await createChatModel({ spec: 'openai:stub-model', baseUrl: locked.url, apiKey: 'wrong-key-123456', env: {} });
      const err = await new LlmProposer(m).propose(context(['folders.create'])).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BaiError);
      expect((err as BaiError).kind).toBe('config');
      expect((err as BaiError).message).toMatch(/rejected the credentials .*HTTP 401/);
      expect((err as BaiError).message).not.toContain('wrong-key-123456');
    } finally {
      await locked.close();
    }
  });

  it('a model that does not answer in time fails with a timeout, not a hang', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {}, timeoutMs: 150, maxRetries: 1 });
    // a slow reply for every attempt (the client retries a timeout once here)
    stub.setScript(() => ({ delayMs: 2000, reply: 'late' }));
    const started = Date.now();
    const err = await new LlmProposer(model).propose(context(['folders.create'])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).kind).toBe('unavailable');
    expect((err as BaiError).message).toMatch(/timed out|timeout/i);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(stub.chatRequests()).toHaveLength(2);
  }, 10_000);
});

describe('cancellation over HTTP', () => {
  it('an abort during a slow model call ends the call at once with a one-line error', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    stub.setScript(() => ({ delayMs: 5000, reply: 'late' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await new LlmProposer(model).propose(context(['folders.create'], { signal: controller.signal })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).message).toBe('planning with stub-model was cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stub.chatRequests()).toHaveLength(1); // an aborted call is not retried
  });
});

describe('backendai:SERVICE through a resolver', () => {
  it('talks to the service endpoint with its token (Bearer) and the served model name', async () => {
    const token = 'jwt-service-token-0123456789';
    const service = await startOpenAIStub({ requireToken: token, models: ['Qwen2.5-7B-Instruct'], script: [[{ name: 'finish', arguments: { reason: 'done' } }]] });
    try {
      const root = service.url.replace(/\/v1$/, '');
      const seen: string[] = [];
      const model = await createChatModel({
        spec: 'backendai:my-llm',
        env: {},
        resolveService: async (name) => {
          seen.push(name);
          return { baseUrl: root, token, model: 'Qwen2.5-7B-Instruct' };
        },
      });
      const { candidates } = await new LlmProposer(model).propose(context(['folders.create']));
      expect(seen).toEqual(['my-llm']);
      expect(candidates).toEqual([{ kind: 'finish', reason: 'done' }]);
      expect(service.requests[0]!.path).toBe('/v1/chat/completions');
      expect(service.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
      expect(redact(`token ${token}`)).toBe('token ***');
      expect(new LlmProposer(model).model).toBe('backendai:my-llm (Qwen2.5-7B-Instruct)');
    } finally {
      await service.close();
    }
  });

  it('asks the service which model it serves when the resolver does not say', async () => {
    const token = 'jwt-service-token-abcdefghij';
    const service = await startOpenAIStub({ requireToken: token, models: ['served-llama'], script: [[{ name: 'finish', arguments: { reason: 'done' } }]] });
    try {
      const model = await createChatModel({ spec: 'backendai:llama', env: {}, resolveService: async () => ({ baseUrl: `${service.url}/`, token }) });
      await new LlmProposer(model).propose(context(['folders.create']));
      expect(service.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v1/models', 'POST /v1/chat/completions']);
      expect(service.chatRequests()[0]!.model).toBe('served-llama');
      // a wrong token is said in one line, without the token
      const err = await createChatModel({ spec: 'backendai:llama', env: {}, resolveService: async () => ({ baseUrl: service.url, token: 'bad-token-0123456789' }) }).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: 'unavailable', message: 'could not list the models served by model service llama: HTTP 401' });
    } finally {
      await service.close();
    }
  });
});

describe('answerQuestion', () => {
  it('answers from the given operations only, and the prompt says so', async () => {
    const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {} });
    stub.setScript(['Use folders.create (POST /folders) with a name.']);
    const answer = await answerQuestion(model, 'how do I make a folder?', [catalog.get('folders.create')!], catalog);
    expect(answer).toBe('Use folders.create (POST /folders) with a name.');
    const [req] = stub.chatRequests();
    expect(req!.tools).toBeUndefined();
    const [system, user] = req!.messages!;
    expect(String(system!.content)).toMatch(/Use only the operations listed/);
    expect(String(user!.content)).toContain('- folders.create: POST /folders');
    expect(String(user!.content)).not.toContain('folders.list_folders');
  });
});

describe('OpenAI stub', () => {
  it('lists models, embeds deterministically, streams, and rejects bad requests clearly', async () => {
    const models = await (await fetch(`${stub.url}/models`)).json();
    expect(models).toMatchObject({ object: 'list', data: [{ id: 'stub-model', object: 'model' }] });

    const embed = async (input: unknown) => (await fetch(`${stub.url}/embeddings`, { method: 'POST', body: JSON.stringify({ model: 'e', input }) })).json() as Promise<{ data: Array<{ embedding: number[] }> }>;
    const a = await embed(['list my sessions', 'delete folder']);
    const b = await embed('list my sessions');
    expect(a.data[0]!.embedding).toEqual(b.data[0]!.embedding);
    expect(a.data[0]!.embedding).toHaveLength(64);
    expect(Math.hypot(...a.data[0]!.embedding)).toBeCloseTo(1, 6);
    expect(a.data[1]!.embedding).not.toEqual(a.data[0]!.embedding);
    expect(hashEmbedding('x', 8)).toHaveLength(8);

    stub.setScript([[{ name: 'finish', arguments: { reason: 'r' } }]]);
    const sse = await (await fetch(`${stub.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'stub-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] }) })).text();
    expect(sse).toContain('"tool_calls":[{"index":0');
    expect(sse).toContain('"usage"');
    expect(sse.trim().endsWith('data: [DONE]')).toBe(true);

    const bad = await fetch(`${stub.url}/chat/completions`, { method: 'POST', body: '{not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe('request body is not valid JSON');
    const exhausted = await fetch(`${stub.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ messages: [{ role: 'user', content: 'x' }] }) });
    expect(exhausted.status).toBe(400);
    expect(((await exhausted.json()) as { error: { message: string } }).error.message).toMatch(/stub script exhausted/);
    expect((await fetch(`${stub.url}/nothing`)).status).toBe(404);
  });

  it('with requireToken accepts Bearer and BackendAI tokens and refuses others with 401', async () => {
    const locked = await startOpenAIStub({ requireToken: 'tok-123456' });
    try {
      expect((await fetch(`${locked.url}/models`)).status).toBe(401);
      expect((await fetch(`${locked.url}/models`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await fetch(`${locked.url}/models`, { headers: { authorization: 'Bearer tok-123456' } })).status).toBe(200);
      expect((await fetch(`${locked.url}/models`, { headers: { authorization: 'BackendAI tok-123456' } })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });
});
