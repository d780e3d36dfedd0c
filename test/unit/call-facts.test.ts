/**
 * One rule decides what a call does (src/spec/call-facts.ts), from the operation's method and
 * path and the request's body — and everything that decides what may run uses it: the spec's
 * extensions only add caution, the planner never sends a write-shaped call while planning, the
 * executor never sends a write that was confirmed as a read, and the audit log fails closed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { executePlan, type AuditEntry, type ExecClient } from '../../src/agent/execute.js';
import { BaiError } from '../../src/errors.js';
import { planRequest } from '../../src/planner/planner.js';
import type { PlanStep } from '../../src/planner/plan.js';
import { withDerivedFacts } from '../../src/planner/step-facts.js';
import type { Candidate, Proposer } from '../../src/planner/types.js';
import { WorldView } from '../../src/planner/world.js';
import { loadPolicy } from '../../src/policy/index.js';
import { callFacts, effectOfRequest, loadGraphqlParser, planCallFacts } from '../../src/spec/call-facts.js';
import { loadCatalog } from '../../src/spec/load.js';
import { normalizeDocument } from '../../src/spec/normalize.js';
import type { Catalog } from '../../src/spec/types.js';
import { planOf, writeStep } from '../support/plan-doc.js';

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog({ source: 'bundled' });
  await loadGraphqlParser();
});

const op = (id: string) => catalog.get(id)!;

describe('effect, from method, path and body', () => {
  it.each([
    ['GET', '/folders', undefined, 'read'],
    ['HEAD', '/folders', undefined, 'read'],
    ['POST', '/folders', { name: 'x' }, 'write'],
    ['DELETE', '/folders/{name}', undefined, 'write'],
    ['PATCH', '/session/{session_name}', undefined, 'write'],
    ['POST', '/v2/sessions/my/search', {}, 'read'],
    ['POST', '/resource/check-presets', {}, 'read'],
    ['POST', '/folders/{name}/search-and-destroy', {}, 'write'],
    ['POST', '/admin/gql', { query: '{ images { name } }' }, 'read'],
    ['POST', '/admin/graphql', { query: 'query Q { images { name } }' }, 'read'],
    ['POST', '/admin/gql', { query: '# comment\rmutation { purge }' }, 'write'],
    ['POST', '/admin/gql', { query: 'query Q { a } mutation M { b }' }, 'write'],
    ['POST', '/admin/gql/strawberry', { query: 'subscription { events }' }, 'write'],
    ['POST', '/admin/gql', { query: 'query {' }, 'write'],
    ['POST', '/admin/gql', { query: { $from: 's1', path: 'x' } }, 'write'],
    ['POST', '/admin/gql', undefined, 'write'],
  ] as const)('%s %s %j → %s', (method, path, body, expected) => {
    expect(effectOfRequest(method, path, body)).toBe(expected);
  });

  it('an operation marked as writing stays a write; one marked as reading cannot make a write read', () => {
    expect(callFacts({ method: 'GET', path: '/x', privilege: 'user', effect: 'write' }).effect).toBe('write');
    expect(callFacts({ method: 'DELETE', path: '/folders/{name}', privilege: 'user', effect: 'read' }).effect).toBe('write');
  });
});

describe('destructiveness', () => {
  it('deletes, purges and forced deletes are destructive; creating, renaming and reading are not', () => {
    for (const id of ['folders.delete_by_name', 'folders.delete_by_id', 'folders.delete_from_trash_bin', 'folders.purge', 'folders.force_delete', 'folders.delete_files', 'services.delete']) {
      expect(callFacts(op(id), {}).destructive, id).toBe(true);
    }
    for (const id of ['folders.create', 'folders.rename_vfolder', 'session.create_from_params', 'folders.list_folders']) {
      expect(callFacts(op(id), {}).destructive, id).toBe(false);
    }
  });

  it('ending one session is not destructive; ending several — in one call or across the plan — is', () => {
    expect(callFacts(op('session.destroy'), { pathParams: { session_name: 'a' } }).destructive).toBe(false);
    expect(callFacts(op('v2/sessions.terminate'), { body: { session_ids: ['a'] } }).destructive).toBe(false);
    expect(callFacts(op('v2/sessions.terminate'), { body: { session_ids: ['a', 'b'] } }).destructive).toBe(true);
    const two = planCallFacts([
      { op: op('session.destroy'), args: { pathParams: { session_name: 'a' } } },
      { op: op('folders.create'), args: { body: { name: 'x' } } },
      { op: op('session.destroy'), args: { pathParams: { session_name: 'b' } } },
    ]);
    expect(two.map((f) => f.destructive)).toEqual([true, false, true]);
  });
});

describe('spec extensions only add caution', () => {
  const doc = (extra: Record<string, unknown>, method = 'delete', description = '') => ({
    openapi: '3.0.0',
    info: { title: 't', version: '1' },
    paths: { '/folders/{name}': { [method]: { operationId: 'x.op', description, parameters: [{ name: 'name', in: 'path', schema: { type: 'string' } }], ...extra } } },
  });
  const normalize = (d: unknown) => normalizeDocument(d, { info: { sha256: 'a'.repeat(64), source: { kind: 'file', location: 'x' } } }).get('x.op')!;

  it('x-bai-effect: read never makes a DELETE (or a POST off the read-only list) a read', () => {
    expect(normalize(doc({ 'x-bai-effect': 'read' })).effect).toBe('write');
    expect(normalize(doc({ 'x-bai-effect': 'read' }, 'post')).effect).toBe('write');
    expect(normalize(doc({ 'x-bai-effect': 'write' }, 'get')).effect).toBe('write');
  });

  it('x-bai-privilege raises what the prose says, never lowers it', () => {
    const prose = '**Preconditions:**\n* Superadmin privilege required.';
    expect(normalize(doc({ 'x-bai-privilege': 'user' }, 'delete', prose)).privilege).toBe('superadmin');
    expect(normalize(doc({ 'x-bai-privilege': 'superadmin' }, 'delete', '**Preconditions:**\n* User privilege required.')).privilege).toBe('superadmin');
  });
});

/** A proposer (an LLM, say) that proposes the given calls, claiming whatever it likes, then finishes. */
function proposing(calls: Array<Record<string, unknown>>): Proposer {
  let turn = 0;
  return {
    kind: 'llm',
    model: 'scripted',
    async propose(): Promise<{ candidates: Candidate[] }> {
      const next = calls[turn++];
      return { candidates: next ? [{ kind: 'call', reason: 'scripted', destructive: false, ...next } as Candidate] : [{ kind: 'finish', reason: 'done' }] };
    },
  };
}

/** A manager that records what it is sent and answers reads with a folder list whose first name is hostile. */
function recordingApi() {
  const sent: Array<{ operationId: string; body: unknown }> = [];
  return {
    sent,
    async call<T>(operationId: string, args?: { body?: unknown }): Promise<{ status: number; data: T }> {
      sent.push({ operationId, body: args?.body });
      return { status: 200, data: [{ name: 'mutation { purge_everything }', id: 'f1', status: 'ready' }] as T };
    },
  };
}

async function planWith(calls: Array<Record<string, unknown>>, policyName: string) {
  const api = recordingApi();
  const loaded = await loadPolicy(policyName, { env: {} });
  const { evaluatePlan } = await import('../../src/policy/index.js');
  const result = await planRequest({
    request: 'show me the images',
    catalog,
    retrieved: [],
    api,
    world: new WorldView(api),
    proposer: proposing(calls),
    defaults: { domain: 'default', group: 'default', cpuImage: 'python', gpuImage: 'pytorch', sessionNamePrefix: 'bai' },
    policy: { gate: (s, earlier) => evaluatePlan(loaded.policy, [...earlier, s]).at(-1)!, name: policyName },
    endpoint: 'sandbox',
  });
  return { api, plan: result.plan };
}

describe('planning never sends a write-shaped call', () => {
  const gql = (query: unknown) => ({ operationId: 'admin.handle_gql_legacy', body: { query } });

  it.each(['readonly', 'default'])('GraphQL mutations however disguised are never sent while planning (%s)', async (policy) => {
    for (const document of ['# comment\rmutation { purge }', 'query Q { a } mutation M { b }', 'subscription { events }', 'query {']) {
      const { api, plan } = await planWith([gql(document)], policy);
      expect(api.sent.filter((c) => c.operationId.startsWith('admin.')), document).toEqual([]);
      if (policy === 'readonly') expect(plan.steps, document).toEqual([]); // denied: never part of the plan
      else expect(plan.steps[0], document).toMatchObject({ effect: 'write', policy: { verdict: 'confirm' } });
    }
  });

  it('a GraphQL document taken from manager data ($from) is a write: not sent while planning', async () => {
    const { api, plan } = await planWith([{ operationId: 'folders.list_folders' }, gql({ $from: 's1', path: '0.name' })], 'default');
    expect(api.sent.map((c) => c.operationId)).toEqual(['folders.list_folders']);
    expect(plan.steps[1]).toMatchObject({ operationId: 'admin.handle_gql_legacy', effect: 'write' });
  });

  it('a read the policy wants confirmed does not run while planning', async () => {
    const api = recordingApi();
    await planRequest({
      request: 'list my folders',
      catalog,
      retrieved: [],
      api,
      world: new WorldView(api),
      proposer: proposing([{ operationId: 'folders.list_folders' }]),
      defaults: { domain: 'default', group: 'default', cpuImage: 'python', gpuImage: 'pytorch', sessionNamePrefix: 'bai' },
      policy: { gate: () => ({ verdict: 'confirm', reason: 'everything is confirmed here' }), name: 'cautious' },
      endpoint: 'sandbox',
    });
    expect(api.sent).toEqual([]);
  });

  it('a proposer cannot call a write destructive-free: the checker derives it', async () => {
    const { plan } = await planWith([{ operationId: 'folders.delete_by_name', pathParams: { name: 'mutation { purge_everything }' } }], 'default');
    expect(plan.steps[0]).toMatchObject({ effect: 'write', destructive: true });
  });
});

describe('facts re-derived for any plan document', () => {
  it('effect, destructiveness and verdicts come from the operation, whatever the steps say', async () => {
    const loaded = await loadPolicy('readonly', { env: {} });
    const { evaluatePlan } = await import('../../src/policy/index.js');
    const gate = (s: Parameters<typeof loaded.evaluate>[0], earlier: Parameters<typeof loaded.evaluate>[0][]) => evaluatePlan(loaded.policy, [...earlier, s]).at(-1)!;
    const del = op('folders.delete_by_name');
    const lying: PlanStep = writeStep('s1', del.operationId, { method: del.method, path: del.path, pathParams: { name: 'datasets' }, effect: 'read', destructive: false, policy: { verdict: 'allow', reason: 'trust me' } });
    const [step] = withDerivedFacts(catalog, [lying], gate);
    expect(step).toMatchObject({ effect: 'write', destructive: true, policy: { verdict: 'deny' } });
    expect(() => withDerivedFacts(catalog, [{ ...lying, method: 'GET' }], gate)).toThrow(/not in the current spec/);
  });
});

describe('the executor', () => {
  const client = () => {
    const sent: string[] = [];
    const c: ExecClient = {
      async call<T>(operationId: string): Promise<{ status: number; data: T }> {
        sent.push(operationId);
        return { status: 200, data: [{ name: 'mutation { purge }' }] as T };
      },
    };
    return { sent, c };
  };

  it('never sends a step confirmed as a read whose arguments resolve to a write', async () => {
    const { sent, c } = client();
    const gqlOp = op('admin.handle_gql_legacy');
    const list = writeStep('s1', 'folders.list_folders', { method: 'GET', path: '/folders', effect: 'read', policy: { verdict: 'allow', reason: 'r' } });
    const gql = writeStep('s2', gqlOp.operationId, { method: gqlOp.method, path: gqlOp.path, body: { query: { $from: 's1', path: '0.name' } }, effect: 'read', policy: { verdict: 'allow', reason: 'r' } });
    const report = await executePlan({ plan: planOf([list, gql]), client: c, catalog });
    expect(sent).toEqual(['folders.list_folders']);
    expect(report).toMatchObject({ ok: false, failedStep: 's2', failedStepEffect: 'none' });
    expect(report.error).toMatch(/would write, but it was planned and confirmed as a read/);
  });

  it('the audit log fails closed: a write whose "started" line cannot be written is not sent', async () => {
    const { sent, c } = client();
    const create = writeStep('s1', 'folders.create', { method: 'POST', path: '/folders', body: { name: 'x' } });
    const report = await executePlan({
      plan: planOf([create]),
      client: c,
      catalog,
      audit: () => {
        throw new BaiError('the audit log /x cannot be written (EACCES)', 'config');
      },
    });
    expect(sent).toEqual([]);
    expect(report).toMatchObject({ ok: false, auditFailed: true, failedStepEffect: 'none' });
  });

  it('every write is audited twice: started before it is sent, its outcome after', async () => {
    const { c } = client();
    const lines: AuditEntry[] = [];
    const create = writeStep('s1', 'folders.create', { method: 'POST', path: '/folders', body: { name: 'x' } });
    await executePlan({ plan: planOf([create]), client: c, catalog, audit: (e) => lines.push(e) });
    expect(lines.map((l) => [l.operationId, l.outcome])).toEqual([
      ['folders.create', 'started'],
      ['folders.create', 'ok'],
    ]);
  });

  it('a $from value shown before confirmation that resolves differently is not sent', async () => {
    const { sent, c } = client();
    const list = writeStep('s1', 'folders.list_folders', { method: 'GET', path: '/folders', effect: 'read', policy: { verdict: 'allow', reason: 'r' } });
    const del = writeStep('s2', 'folders.delete_by_name', {
      method: 'DELETE',
      path: '/folders/{name}',
      pathParams: { name: { $from: 's1', path: '0.name' } },
      refs: [{ at: 'pathParams.name', from: 's1', path: '0.name', value: 'scratch' }],
    });
    const report = await executePlan({ plan: planOf([list, del]), client: c, catalog });
    expect(sent).toEqual(['folders.list_folders']);
    expect(report.error).toMatch(/was "scratch" when you confirmed and is now "mutation \{ purge \}"/);
  });
});
