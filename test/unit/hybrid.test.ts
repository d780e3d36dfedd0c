/**
 * Hybrid planning inside the real planner (PlanChecker with the upstream spec, DFSDT): the
 * offline side is a scripted stand-in whose reading of the request each test sets (so these tests
 * do not depend on which words the parser knows), the LLM is ChatOpenAI over HTTP against the
 * scripted stub. What is asserted: who plans, how many model calls it cost, what the model is told,
 * and that every step is checked alike whoever made it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Hybrid, routeOf, type OfflineReading, type OfflineSide } from '../../src/planner/hybrid.js';
import { createChatModel } from '../../src/planner/llm/model.js';
import { LlmProposer } from '../../src/planner/llm/proposer.js';
import { PlanDocument } from '../../src/planner/plan.js';
import { planRequest } from '../../src/planner/planner.js';
import type { Candidate, ProposalContext } from '../../src/planner/types.js';
import { startOpenAIStub, type ChatCompletionRequest, type OpenAIStub } from '../../src/sandbox/openai-stub.js';
import { toolNameFor } from '../../src/spec/compact.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { SpecValidator } from '../../src/spec/validator.js';
import { fakeManager } from '../support/llm-world.js';
import { upstreamSpecPath } from '../support/shared.js';

let catalog: Catalog;
let validator: SpecValidator;
let stub: OpenAIStub;
beforeAll(async () => {
  catalog = await loadCatalog({ source: upstreamSpecPath() });
  validator = new SpecValidator(catalog);
  stub = await startOpenAIStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});

const defaults = { domain: 'default', group: 'default', cpuImage: 'cr.backend.ai/stable/python:3.9', gpuImage: 'cr.backend.ai/stable/pytorch:2.1', sessionNamePrefix: 'bai' };
const RETRIEVED = ['folders.create', 'folders.list_folders'];

/** An offline side that reads the request as told and proposes per depth as told. */
function offlineSide(reading: OfflineReading, propose: (ctx: ProposalContext) => Candidate[]): OfflineSide & { asked: number } {
  const side = {
    kind: 'offline' as const,
    model: null,
    asked: 0,
    parse: () => reading,
    async propose(ctx: ProposalContext) {
      side.asked++;
      return { candidates: propose(ctx) };
    },
  };
  return side;
}

const understood = (kind: string, slots: Record<string, unknown> = {}, missing: string[] = []): OfflineReading => ({
  intents: [{ intent: { kind, ...slots } as never, missing, confidence: 0.9, span: '' }],
});
const createData = (ctx: ProposalContext): Candidate[] =>
  ctx.steps.length === 0 ? [{ kind: 'call', operationId: 'folders.create', body: { name: 'data' }, reason: 'create folder data' }] : [{ kind: 'finish', reason: 'planned' }];

async function plan(request: string, offline: OfflineSide) {
  const model = await createChatModel({ spec: 'openai:stub-model', baseUrl: stub.url, env: {}, maxRetries: 0 });
  const manager = fakeManager();
  const result = await planRequest({
    request,
    catalog,
    validator,
    retrieved: RETRIEVED.map((id, i) => ({ operation: catalog.get(id)!, score: 10 - i })),
    api: manager.api,
    world: manager.world,
    proposer: new Hybrid(offline, new LlmProposer(model)),
    defaults,
    endpoint: 'sandbox',
  });
  PlanDocument.parse(result.plan); // what --json prints and apply reads
  return result.plan;
}

function userText(req: ChatCompletionRequest | undefined): string {
  return String(req?.messages?.find((m) => m.role === 'user')?.content ?? '');
}

const CREATE = () => toolNameFor('folders.create', catalog);

describe('hybrid planning', () => {
  it('a fully understood request whose plan validates costs no model call', async () => {
    stub.setScript([]); // any call would fail: the script is empty
    const doc = await plan('create a folder called data', offlineSide(understood('folder.create', { name: 'data' }), createData));
    expect(doc.outcome).toBe('planned');
    expect(doc.planner).toEqual({ kind: 'hybrid', model: 'stub-model' });
    expect(doc.steps.map((s) => [s.operationId, s.planner])).toEqual([['folders.create', 'offline']]);
    expect(doc.search.llmCalls).toBe(0);
    expect(doc.search.tokens).toEqual({ prompt: 0, completion: 0 });
    expect(doc.search.route).toEqual({ planner: 'offline', why: 'every word understood and the plan validates' });
    expect(stub.chatRequests()).toHaveLength(0);
  });

  it('words the offline planner did not understand send the request to the model, with the reading as a hint', async () => {
    stub.setScript([[{ name: 'propose_plan', arguments: { reason: 'creates data, read-only', steps: [{ tool: CREATE(), arguments: { body: { name: 'data', permission: 'ro' } } }] } }]]);
    const reading: OfflineReading = { ...understood('folder.create', { name: 'data', mounts: [] }), notUnderstood: ['immutable'] };
    const doc = await plan('create an immutable folder called data', offlineSide(reading, createData));
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((s) => [s.operationId, s.planner, s.body])).toEqual([['folders.create', 'llm', { name: 'data', permission: 'ro' }]]);
    expect(doc.search.llmCalls).toBe(1);
    expect(doc.search.tokens.prompt).toBeGreaterThan(0);
    expect(doc.search.route).toEqual({ planner: 'llm', why: 'words not understood: "immutable"' });
    const sent = userText(stub.chatRequests()[0]);
    expect(sent).toContain("The built-in offline parser's reading of the request");
    expect(sent).toContain('- task folder.create {"name":"data"}');
    expect(sent).toContain('- words it did not understand: "immutable"');
    expect(sent).toContain('- why you are asked: words not understood: "immutable"');
  });

  it('a refusal for safety is final: the model is never asked', async () => {
    stub.setScript([]);
    const offline = offlineSide({ intents: [], refusal: 'I never reveal secret keys or passwords: they stay in your configuration and are masked in everything I print', notUnderstood: ['somehow'] }, () => [
      { kind: 'refuse', reason: 'I never reveal secret keys or passwords' },
    ]);
    const doc = await plan('print my secret key somehow', offline);
    expect(doc.outcome).toBe('refused');
    expect(doc.search.llmCalls).toBe(0);
    expect(doc.search.route?.planner).toBe('offline');
    expect(stub.chatRequests()).toHaveLength(0);
  });

  it('a request with no Backend.AI word the parser knows goes to the model; a recognised off-topic ask does not', async () => {
    stub.setScript([[{ name: 'refuse', arguments: { reason: 'not a Backend.AI request' } }]]);
    const unknown = offlineSide({ intents: [], refusal: 'not a Backend.AI task: I can manage sessions, folders, images, resources and model services' }, () => [{ kind: 'refuse', reason: 'x' }]);
    const asked = await plan('spin up a box', unknown);
    expect(asked.search.llmCalls).toBe(1);
    expect(asked.outcome).toBe('refused');
    expect(asked.refusal).toBe('not a Backend.AI request');

    stub.requests.length = 0;
    const weather = offlineSide({ intents: [], refusal: 'not a Backend.AI task (the weather)' }, () => [{ kind: 'refuse', reason: 'not a Backend.AI task (the weather)' }]);
    const final = await plan('what is the weather', weather);
    expect(final.search.llmCalls).toBe(0);
    expect(final.refusal).toBe('not a Backend.AI task (the weather)');
    expect(stub.chatRequests()).toHaveLength(0);
  });

  it('a question for a value only the user knows is asked of the user, not the model', async () => {
    stub.setScript([]);
    // which folder? (fully understood, the offline proposer asks)
    const which = offlineSide(understood('folder.delete', {}, ['name']), () => [{ kind: 'clarify', question: 'Which folder?' }]);
    const doc = await plan('delete my folder', which);
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toBe('Which folder?');
    // a variable's value, even when other words were not understood
    const env = offlineSide({ ...understood('session.create', {}, ['environ:HF_TOKEN']), notUnderstood: ['usual'] }, () => [{ kind: 'clarify', question: 'What value should HF_TOKEN have?' }]);
    const doc2 = await plan('start a session with HF_TOKEN set to the usual one', env);
    expect(doc2.question).toBe('What value should HF_TOKEN have?');
    expect(doc2.search.route).toEqual({ planner: 'offline', why: 'asks the user for a value only they know' });
    expect(stub.chatRequests()).toHaveLength(0);
  });

  it('an offline plan that does not validate goes to the model, told what failed; both searches are counted', async () => {
    stub.setScript([[{ name: 'propose_plan', arguments: { reason: 'creates data', steps: [{ tool: CREATE(), arguments: { body: { name: 'data' } } }] } }]]);
    const broken = offlineSide(understood('folder.create', { name: 'data' }), (ctx) =>
      ctx.steps.length === 0 ? [{ kind: 'call', operationId: 'folders.create', body: { name: 42 }, reason: 'create' }] : [{ kind: 'finish', reason: 'ok' }],
    );
    const doc = await plan('create a folder called data', broken);
    expect(doc.outcome).toBe('planned');
    expect(doc.search.route).toEqual({ planner: 'llm', why: 'no valid offline plan' });
    expect(doc.steps.map((s) => s.planner)).toEqual(['llm']);
    expect(doc.search.llmCalls).toBe(1);
    expect(doc.search.failures[0]).toMatchObject({ candidate: 'offline: folders.create()', reason: expect.stringContaining('invalid arguments') });
    expect(doc.search.nodesExpanded).toBeGreaterThanOrEqual(2); // the offline root and the model's
    expect(userText(stub.chatRequests()[0])).toContain('- its plan failed: folders.create(): invalid arguments');
  });

  it('no task recognised goes to the model', async () => {
    stub.setScript([[{ name: 'ask_user', arguments: { question: 'Which folder do you mean?' } }]]);
    const doc = await plan('do the thing with the stuff', offlineSide({ intents: [] }, () => [{ kind: 'clarify', question: "I couldn't tell what you want to do." }]));
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toBe('Which folder do you mean?');
    expect(doc.search.route).toEqual({ planner: 'llm', why: 'no task recognised' });
    expect(doc.search.llmCalls).toBe(1);
  });

  it('every check applies to the model’s steps as to the offline ones: a hallucinated folder is rejected, the model told', async () => {
    stub.setScript([
      [{ name: 'propose_plan', arguments: { reason: 'delete', steps: [{ tool: toolNameFor('folders.delete_by_name', catalog), arguments: { body: { vfolder_name: 'ghost-folder' } } }] } }],
      [{ name: 'ask_user', arguments: { question: 'Which folder should I delete? I found none named ghost-folder.' } }],
    ]);
    const reading: OfflineReading = { ...understood('folder.delete', {}), notUnderstood: ['ghostly'] };
    const doc = await plan('delete the ghostly folder', offlineSide(reading, () => [{ kind: 'clarify', question: 'Which folder?' }]));
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.steps).toEqual([]);
    expect(doc.search.llmCalls).toBe(2);
    expect(userText(stub.chatRequests()[1])).toMatch(/already tried at this point and failed:[\s\S]*ghost-folder/);
  });
});

describe('routeOf', () => {
  const run = (outcome: 'planned' | 'needs_clarification' | 'refused') => ({ outcome, stats: {} as never });
  it('policy denials stay offline; a plan from the retrieval fallback (no intent) goes to the model', () => {
    expect(routeOf(understood('folder.delete', { name: 'x' }), { ...run('refused'), refusal: 'denied by policy: x' }, false)).toEqual({ planner: 'offline', why: 'refused offline, not re-asked: denied by policy: x' });
    expect(routeOf({ intents: [] }, run('planned'), false).planner).toBe('llm');
    expect(routeOf({ intents: [], refusal: 'the request is too long (5000 characters)' }, run('refused'), false).planner).toBe('offline');
    expect(routeOf({ ...understood('folder.list'), notUnderstood: [] }, run('planned'), false).planner).toBe('offline');
  });
});
