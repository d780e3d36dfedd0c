/**
 * The eval contract's matching rules (shared/eval/README.md), each with positive and negative
 * cases; alias mapping; writes one to one, in order, no others; the README's example item.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraphqlParser } from '../../src/spec/call-facts.js';

// the eval loads graphql-js before it judges writes (runEval does)
beforeAll(() => loadGraphqlParser());
import { canonicalBody } from '../../src/eval/aliases.js';
import { EvalItem } from '../../src/eval/dataset.js';
import { isWriteCall, matchCall, matchValue, matchWrites, type PlannedCall } from '../../src/eval/match.js';
import { judgePlan } from '../../src/eval/run.js';

const ok = (expected: unknown, actual: unknown) => matchValue(expected, actual).ok;

describe('value rules', () => {
  it('object: every expected key present and matching; extra keys allowed', () => {
    expect(ok({ a: 1 }, { a: 1, b: 2 })).toBe(true);
    expect(ok({ a: { b: 'x' } }, { a: { b: 'x', c: 1 } })).toBe(true);
    expect(ok({ a: 1 }, { b: 1 })).toBe(false);
    expect(ok({ a: { b: 'x' } }, { a: { b: 'y' } })).toBe(false);
    expect(ok({ a: 1 }, 'not an object')).toBe(false);
    expect(matchValue({ a: { b: 'x' } }, { a: { b: 'y' } }).why).toContain('a.b');
  });

  it('array: same length, each expected element matches a distinct actual element, any order', () => {
    expect(ok(['a', 'b'], ['b', 'a'])).toBe(true);
    expect(ok([{ n: 1 }, { n: 2 }], [{ n: 2, x: 0 }, { n: 1 }])).toBe(true);
    expect(ok(['a', 'b'], ['a', 'b', 'c'])).toBe(false); // length
    expect(ok(['a', 'a'], ['a', 'b'])).toBe(false); // distinct elements
    expect(ok([{ $regex: '^a' }, 'ab'], ['ab', 'ac'])).toBe(true); // needs the right assignment
    expect(ok(['a'], 'a')).toBe(false);
  });

  it('number vs number or numeric string: numerically equal', () => {
    expect(ok(5, 5)).toBe(true);
    expect(ok(5, '5')).toBe(true);
    expect(ok(5, '5.0')).toBe(true);
    expect(ok(0.5, '0.50')).toBe(true);
    expect(ok(5, 6)).toBe(false);
    expect(ok(5, '5g')).toBe(false);
    expect(ok(5, true)).toBe(false);
  });

  it('string: equal', () => {
    expect(ok('python', 'python')).toBe(true);
    expect(ok('python', 'Python')).toBe(false);
    expect(ok('5', 5)).toBe(false);
  });

  it('$bytes: byte count or size string in binary units', () => {
    for (const actual of [137438953472, '128g', '128G', '128GiB', '128GB', '131072m']) expect(ok({ $bytes: '128g' }, actual)).toBe(true);
    expect(ok({ $bytes: '4g' }, '4000m')).toBe(false);
    expect(ok({ $bytes: '4g' }, 4e9)).toBe(false);
    expect(ok({ $bytes: '4g' }, 'lots')).toBe(false);
  });

  it('$regex: the actual string matches', () => {
    expect(ok({ $regex: '^exp-' }, 'exp-42')).toBe(true);
    expect(ok({ $regex: '^exp-' }, 'my-exp-42')).toBe(false);
    expect(ok({ $regex: '^exp-' }, 42)).toBe(false);
  });

  it('$exists / $absent: the key is / is not present', () => {
    expect(ok({ tag: { $exists: true } }, { tag: null })).toBe(true);
    expect(ok({ tag: { $exists: true } }, {})).toBe(false);
    expect(ok({ tag: { $absent: true } }, {})).toBe(true);
    expect(ok({ tag: { $absent: true } }, { tag: 'x' })).toBe(false);
    expect(ok({ tag: { $exists: false } }, {})).toBe(true);
  });

  it('$some / $none: at least one element matches / no element matches (after checks)', () => {
    const folders = [{ name: 'a', cloneable: false }, { name: 'template-env', cloneable: true, usage_mode: 'general' }];
    expect(ok({ $some: { name: 'template-env', cloneable: true } }, folders)).toBe(true);
    expect(ok({ $some: { name: 'a', cloneable: true } }, folders)).toBe(false);
    expect(ok({ $none: { name: 'datasets' } }, folders)).toBe(true);
    expect(ok({ $none: { name: 'a' } }, folders)).toBe(false);
    expect(ok({ items: { $some: { name: 'a' } } }, { items: folders })).toBe(true);
    expect(ok({ $some: { name: 'a' } }, { items: folders })).toBe(false); // a wrapped list is matched as returned
    expect(ok({ $some: { size: { $bytes: '1g' } } }, [{ size: 1073741824 }])).toBe(true);
  });

  it('$oneOf: matches any alternative, operators included', () => {
    expect(ok({ $oneOf: ['python', 'cr.backend.ai/stable/python:3.11-ubuntu22.04'] }, 'python')).toBe(true);
    expect(ok({ $oneOf: [{ $bytes: '4g' }, 0] }, '4GiB')).toBe(true);
    expect(ok({ $oneOf: ['a', 'b'] }, 'c')).toBe(false);
  });
});

describe('aliases (facts §3.2, §5, §8)', () => {
  it('maps session create aliases at the top level and inside config', () => {
    const body = canonicalBody('session.create_from_params', {
      name: 's1',
      lang: 'python',
      type: 'batch',
      clusterSize: 2,
      enqueueOnly: true,
      config: { scalingGroup: 'gpu-a100', resourceOpts: { shmem: '1g' }, resources: { cpu: 1 }, mount_options: { data: { perm: 'ro' } } },
    });
    expect(body).toEqual({
      session_name: 's1',
      image: 'python',
      session_type: 'batch',
      cluster_size: 2,
      enqueue_only: true,
      config: { scaling_group: 'gpu-a100', resource_opts: { shmem: '1g' }, resources: { cpu: 1 }, mount_options: { data: { permission: 'ro' } } },
    });
  });

  it('maps service aliases (replicas, scaling group, name)', () => {
    expect(canonicalBody('services.create', { service_name: 'svc', desiredSessionCount: 2, config: { scalingGroup: 'default', model: 'models' } })).toEqual({
      name: 'svc',
      replicas: 2,
      config: { scaling_group: 'default', model: 'models' },
    });
  });

  it('leaves other operations and non-object bodies alone', () => {
    expect(canonicalBody('folders.mkdir', { path: 'x', name: 'y' })).toEqual({ path: 'x', name: 'y' });
    expect(canonicalBody('session.create_from_params', 'text')).toBe('text');
  });

  it('compares both sides after mapping', () => {
    const planned: PlannedCall = {
      operationId: 'session.create_from_params',
      method: 'POST',
      path: '/session',
      body: { name: 'tf-exp', clusterSize: '2', config: { scalingGroup: 'gpu-a100', resources: { 'cuda.shares': '4' } } },
    };
    expect(matchCall({ operationId: 'session.create_from_params', body: { session_name: 'tf-exp', cluster_size: 2, config: { scaling_group: 'gpu-a100', resources: { 'cuda.shares': 4 } } } }, planned).ok).toBe(true);
    expect(matchCall({ operationId: 'session.create_from_params', body: { scalingGroup: 'gpu-a100' } }, planned).ok).toBe(false); // scaling_group is a config field
    expect(matchCall({ operationId: 'folders.delete_by_id', body: { vfolder_id: 'u1' } }, { operationId: 'folders.delete_by_id', method: 'DELETE', path: '/folders', body: { vfolderId: 'u1' } }).ok).toBe(true);
    expect(matchCall({ operationId: 'folders.invite', body: { perm: 'ro' } }, { operationId: 'folders.invite', method: 'POST', path: '/folders/x/invite', body: { permission: 'ro' } }).ok).toBe(true);
  });
});

describe('calls and writes', () => {
  const destroy = (name: string): PlannedCall => ({ operationId: 'session.destroy', method: 'DELETE', path: '/session/{session_name}', pathParams: { session_name: name } });
  const createFolder = (name: string): PlannedCall => ({ operationId: 'folders.create', method: 'POST', path: '/folders', body: { name } });
  const listFolders: PlannedCall = { operationId: 'folders.list_folders', method: 'GET', path: '/folders' };
  const search: PlannedCall = { operationId: 'v2/sessions.my_search', method: 'POST', path: '/v2/sessions/my/search', body: {} };

  it('an expected call needs the same operationId and matching pathParams/query/body', () => {
    expect(matchCall({ operationId: 'session.destroy', pathParams: { session_name: 'a' } }, destroy('a')).ok).toBe(true);
    expect(matchCall({ operationId: 'session.destroy', pathParams: { session_name: 'a' } }, destroy('b')).ok).toBe(false);
    expect(matchCall({ operationId: 'v2/sessions.terminate' }, destroy('a')).why).toContain('expected v2/sessions.terminate');
    expect(matchCall({ operationId: 'session.destroy', query: { forced: true } }, destroy('a')).ok).toBe(false);
  });

  it('reads are free: GET, search POSTs and GraphQL queries are not writes; mutations are', () => {
    expect(isWriteCall(listFolders)).toBe(false);
    expect(isWriteCall(search)).toBe(false);
    expect(isWriteCall({ method: 'POST', path: '/resource/check-presets' })).toBe(false);
    expect(isWriteCall({ method: 'POST', path: '/admin/gql', body: { query: '{ images { name } }' } })).toBe(false);
    expect(isWriteCall({ method: 'POST', path: '/admin/gql', body: { query: 'mutation { modify_compute_session(id: "x") { ok } }' } })).toBe(true);
    expect(isWriteCall(destroy('a'))).toBe(true);
  });

  it('writes match one to one, in order, and no others', () => {
    const expected = [
      { anyOf: [{ operationId: 'folders.create', body: { name: 'exp-7' } }] },
      { operationId: 'session.destroy', pathParams: { session_name: 'old' } },
    ];
    expect(matchWrites(expected, [listFolders, createFolder('exp-7'), search, destroy('old')]).ok).toBe(true);
    expect(matchWrites(expected, [destroy('old'), createFolder('exp-7')]).ok).toBe(false); // order
    const extra = matchWrites(expected, [createFolder('exp-7'), destroy('old'), destroy('other')]);
    expect(extra.ok).toBe(false);
    expect(extra.why).toContain('unexpected write 3');
    const missing = matchWrites(expected, [createFolder('exp-7')]);
    expect(missing.why).toContain('missing write 2: session.destroy');
    expect(matchWrites([], [listFolders]).ok).toBe(true);
    expect(matchWrites([], [destroy('x')]).ok).toBe(false);
  });

  it('the same expected alternative cannot satisfy two writes: each write is matched in its position', () => {
    const one = { anyOf: [{ operationId: 'session.destroy', pathParams: { session_name: { $oneOf: ['a', 'b'] } } }] };
    expect(matchWrites([one, one], [destroy('a'), destroy('b')]).ok).toBe(true);
    expect(matchWrites([one], [destroy('a'), destroy('b')]).ok).toBe(false);
  });
});

describe('the README example item', () => {
  const item = EvalItem.parse({
    id: 'dev-001',
    query: 'create a new session with 5 fGPU',
    tags: ['session', 'create'],
    retrieval: ['session.create_from_params', 'session.create_from_params.2', 'v2/sessions.enqueue'],
    outcome: 'planned',
    writes: [
      {
        anyOf: [
          { operationId: 'session.create_from_params', body: { config: { resources: { 'cuda.shares': 5 } } } },
          { operationId: 'session.create_from_params.2', body: { config: { resources: { 'cuda.shares': 5 } } } },
        ],
      },
    ],
  });
  const step = (operationId: string, path: string, body: unknown) => ({ operationId, method: 'POST', path, body, pathParams: {}, query: {} });

  it('passes for either create route with 5 fGPU, in any numeric spelling', () => {
    const body = { session_name: 'pysdk-1', image: 'pytorch', enqueueOnly: true, config: { resources: { 'cuda.shares': '5' } } };
    expect(judgePlan(item, { outcome: 'planned', steps: [step('session.create_from_params', '/session', body)] as never }).ok).toBe(true);
    expect(judgePlan(item, { outcome: 'planned', steps: [step('session.create_from_params.2', '/session/_/create', body)] as never }).ok).toBe(true);
  });

  it('fails for the wrong amount, a wrong outcome, or an extra write', () => {
    const wrong = { image: 'pytorch', config: { resources: { 'cuda.shares': 4 } } };
    expect(judgePlan(item, { outcome: 'planned', steps: [step('session.create_from_params', '/session', wrong)] as never }).ok).toBe(false);
    expect(judgePlan(item, { outcome: 'needs_clarification', steps: [] }).why).toContain('outcome needs_clarification');
    const good = { config: { resources: { 'cuda.shares': 5 } } };
    const twice = [step('session.create_from_params', '/session', good), step('session.create_from_params', '/session', good)];
    expect(judgePlan(item, { outcome: 'planned', steps: twice as never }).ok).toBe(false);
  });
});
