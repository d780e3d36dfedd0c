import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluatePlan,
  evaluateStep,
  loadPolicy,
  parsePolicy,
  type StepFacts,
} from '../../src/policy/index.js';
import { graphqlEffect, loadGraphqlParser } from '../../src/spec/call-facts.js';

// callers load graphql-js before deciding facts (it stays off the cold path otherwise)
beforeAll(() => loadGraphqlParser());

const legacyCreate = (body: Record<string, unknown>): StepFacts => ({
  operationId: 'session.create_from_params',
  method: 'POST',
  path: '/session',
  tags: ['session'],
  effect: 'write',
  privilege: 'user',
  pathParams: {},
  query: {},
  body: { session_name: 'job', image: 'cr.backend.ai/stable/python:3.11-ubuntu22.04', ...body },
});
const withResources = (resources: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  legacyCreate({ config: { resources }, ...extra });

const read = (operationId = 'session.get_info'): StepFacts => ({
  operationId,
  method: 'GET',
  path: '/session/{session_name}',
  tags: ['session'],
  effect: 'read',
  privilege: 'user',
  pathParams: { session_name: 'job' },
  query: {},
  body: undefined,
});

const ci = (await loadPolicy('ci', { env: {} })).policy;
const defaultPolicy = (await loadPolicy('default', { env: {} })).policy;

describe('resource caps', () => {
  it('12 fGPU under ci is denied, naming the cap and the numbers', () => {
    const d = evaluateStep(ci, withResources({ 'cuda.shares': 12 }));
    expect(d).toEqual({
      verdict: 'deny',
      rule: 'caps.resources.cuda.shares',
      reason: 'cuda.shares 12 exceeds the policy cap 8 (caps.resources.cuda.shares)',
    });
    expect(evaluateStep(ci, withResources({ 'cuda.shares': '8' })).verdict).toBe('allow');
    expect(evaluateStep(ci, withResources({ 'cuda.shares': '2.5' })).verdict).toBe('allow');
  });

  it('mem sizes: 300g denied, 256g allowed, byte counts handled', () => {
    expect(evaluateStep(ci, withResources({ mem: '300g' }))).toMatchObject({
      verdict: 'deny',
      rule: 'caps.resources.mem',
      reason: 'mem 300g exceeds the policy cap 256g (caps.resources.mem)',
    });
    expect(evaluateStep(ci, withResources({ mem: '256g' })).verdict).toBe('allow');
    expect(evaluateStep(ci, withResources({ mem: '256GiB' })).verdict).toBe('allow');
    expect(evaluateStep(ci, withResources({ mem: 137438953472 })).verdict).toBe('allow');
    expect(evaluateStep(ci, withResources({ mem: 256 * 2 ** 30 + 1 })).verdict).toBe('deny');
    expect(evaluateStep(ci, withResources({ mem: 'a lot' }))).toMatchObject({ verdict: 'deny', rule: 'caps.resources.mem' });
  });

  it('multi-node sessions are capped on their total (per-node × cluster_size)', () => {
    const d = evaluateStep(ci, withResources({ 'cuda.shares': 4 }, { cluster_size: 3 }));
    expect(d.verdict).toBe('deny');
    expect(d.reason).toBe('cuda.shares 12 (4 per node × 3 nodes) exceeds the policy cap 8 (caps.resources.cuda.shares)');
    expect(evaluateStep(ci, withResources({ 'cuda.shares': 4 }, { clusterSize: 2 })).verdict).toBe('allow');
    expect(evaluateStep(ci, withResources({}, { cluster_size: 5 }))).toMatchObject({ verdict: 'deny', rule: 'caps.clusterSize' });
  });

  it('v2 enqueue resource_entries and service resources are capped too', () => {
    const enqueue: StepFacts = {
      ...legacyCreate({}),
      operationId: 'v2/sessions.enqueue',
      path: '/v2/sessions/enqueue',
      tags: ['v2/sessions'],
      body: { session_name: 'j', resource_entries: [{ resource_type: 'cuda.shares', quantity: '9' }, { resource_type: 'mem', quantity: '1073741824' }] },
    };
    expect(evaluateStep(ci, enqueue)).toMatchObject({ verdict: 'deny', rule: 'caps.resources.cuda.shares' });

    const service: StepFacts = {
      ...legacyCreate({}),
      operationId: 'services.create',
      path: '/services',
      tags: ['services'],
      body: { name: 'svc1', replicas: 2, image: 'x', config: { scaling_group: 'default', resources: { 'cuda.shares': 10 } } },
    };
    expect(evaluateStep(defaultPolicy, service).verdict).toBe('confirm'); // default cap is 32
    const tight = { ...defaultPolicy, caps: { resources: { 'cuda.shares': 8 } } };
    expect(evaluateStep(tight, service)).toMatchObject({ verdict: 'deny', rule: 'caps.resources.cuda.shares' });
  });

  it('a read never trips resource caps; a denied rule is not overridden by caps passing', () => {
    expect(evaluateStep(ci, read()).verdict).toBe('allow');
    const folderCreate: StepFacts = { ...legacyCreate({}), operationId: 'folders.create', path: '/folders', tags: ['folders'] };
    expect(evaluateStep(ci, folderCreate).verdict).toBe('deny');
  });
});

describe('per-run caps across a plan', () => {
  it('the 4th session create under sessionsPerRun: 3 is denied, naming the cap', () => {
    const steps = [read(), ...Array.from({ length: 4 }, () => withResources({ 'cuda.shares': 1 }))];
    const decisions = evaluatePlan(ci, steps);
    expect(decisions.map((d) => d.verdict)).toEqual(['allow', 'allow', 'allow', 'allow', 'deny']);
    expect(decisions[4]).toMatchObject({ rule: 'caps.sessionsPerRun' });
    expect(decisions[4]!.reason).toContain('session 4');
  });

  it('a denied create does not use up the session budget', () => {
    const steps = [withResources({ 'cuda.shares': 99 }), withResources({}), withResources({}), withResources({})];
    expect(evaluatePlan(ci, steps).map((d) => d.verdict)).toEqual(['deny', 'allow', 'allow', 'allow']);
  });

  it('calls beyond callsPerRun are denied', () => {
    const decisions = evaluatePlan(ci, Array.from({ length: 52 }, () => read()));
    expect(decisions.slice(0, 50).every((d) => d.verdict === 'allow')).toBe(true);
    expect(decisions[50]).toMatchObject({ verdict: 'deny', rule: 'caps.callsPerRun' });
    expect(decisions[51]!.verdict).toBe('deny');
  });

  it('a service counts its replicas as sessions', async () => {
    const policy = (await parsePolicy('name: p\ndefaults: { read: allow, write: allow }\ncaps: { sessionsPerRun: 2 }\n', 'p.yaml')).policy;
    const service = (replicas: number): StepFacts => ({
      ...legacyCreate({}),
      operationId: 'services.create',
      path: '/services',
      body: { name: 'svc1', replicas, image: 'x', config: { scaling_group: 'default' } },
    });
    expect(evaluateStep(policy, service(2)).verdict).toBe('allow');
    expect(evaluateStep(policy, service(3))).toMatchObject({ verdict: 'deny', rule: 'caps.sessionsPerRun' });
    expect(evaluatePlan(policy, [legacyCreate({}), service(2)]).map((d) => d.verdict)).toEqual(['allow', 'deny']);
  });
});

describe('allowlists', () => {
  const policyText = `name: lists
defaults: { read: allow, write: allow }
allow:
  resourceGroups: [default, "gpu-*"]
  images: ["cr.backend.ai/stable/*", python]
`;

  it('resource groups must be listed (glob), named, and by name', async () => {
    const { policy } = await parsePolicy(policyText, 'lists.yaml');
    const inGroup = (g?: string) => legacyCreate({ config: g === undefined ? {} : { scalingGroup: g } });
    expect(evaluateStep(policy, inGroup('default')).verdict).toBe('allow');
    expect(evaluateStep(policy, inGroup('gpu-a100')).verdict).toBe('allow');
    const d = evaluateStep(policy, inGroup('cpu-only'));
    expect(d).toMatchObject({ verdict: 'deny', rule: 'allow.resourceGroups' });
    expect(d.reason).toContain('"cpu-only"');
    expect(evaluateStep(policy, inGroup(undefined))).toMatchObject({ verdict: 'deny', rule: 'allow.resourceGroups' });
    expect(evaluateStep(policy, legacyCreate({ config: { scaling_group: 'default' } })).verdict).toBe('allow');
  });

  it('images must match a glob over the reference or alias', async () => {
    const { policy } = await parsePolicy(policyText, 'lists.yaml');
    const img = (image: unknown, key = 'image') => legacyCreate({ image: undefined, [key]: image, config: { scaling_group: 'default' } });
    expect(evaluateStep(policy, img('cr.backend.ai/stable/python:3.11')).verdict).toBe('allow');
    expect(evaluateStep(policy, img('python', 'lang')).verdict).toBe('allow');
    const d = evaluateStep(policy, img('docker.io/evil/miner:latest'));
    expect(d).toMatchObject({ verdict: 'deny', rule: 'allow.images' });
    expect(d.reason).toContain('docker.io/evil/miner:latest');
    // a reference from an earlier step's answer cannot be checked before it runs
    expect(evaluateStep(policy, img({ $from: 's1', path: 'image' })).verdict).toBe('deny');
  });

  it('v2 enqueue names images and groups by id: with an allowlist that cannot be checked, so denied', async () => {
    const { policy } = await parsePolicy(policyText, 'lists.yaml');
    const enqueue: StepFacts = {
      ...legacyCreate({}),
      operationId: 'v2/sessions.enqueue',
      path: '/v2/sessions/enqueue',
      body: { session_name: 'j', image_id: '8d1f…', resource_group_id: 'b2c…' },
    };
    const d = evaluateStep(policy, enqueue);
    expect(d).toMatchObject({ verdict: 'deny', rule: 'allow.resourceGroups' });
    expect(d.reason).toContain('given by id');
  });
});

describe('rule matching', () => {
  it('first match wins; globs, lists, method, tag, effect and privilege all must match', async () => {
    const { policy } = await parsePolicy(
      `name: r
defaults: { read: allow, write: confirm }
rules:
  - match: { operationId: "session.get_*", method: [GET, HEAD], tag: sess?on, effect: read }
    verdict: deny
    reason: no session reads
  - match: { path: "/session/*" }
    verdict: allow
    reason: other session paths
  - match: { privilege: [admin, superadmin] }
    verdict: deny
    reason: admins only
`,
      'r.yaml',
    );
    expect(evaluateStep(policy, read('session.get_info'))).toMatchObject({ verdict: 'deny', rule: 'rules[0]', reason: 'no session reads' });
    expect(evaluateStep(policy, { ...read('session.get_info'), method: 'POST' })).toMatchObject({ rule: 'rules[1]' });
    expect(evaluateStep(policy, { ...read('x'), path: '/other', privilege: 'admin' })).toMatchObject({ rule: 'rules[2]' });
    expect(evaluateStep(policy, { ...read('x'), path: '/other' })).toMatchObject({ verdict: 'allow', rule: 'defaults.read' });
    expect(evaluateStep(policy, { ...legacyCreate({}), path: '/folders' })).toMatchObject({ verdict: 'confirm', rule: 'defaults.write' });
  });

  it('the verdict depends on the facts only: a mutation sent as a "read" is still a write', async () => {
    const readonly = (await loadPolicy('readonly', { env: {} })).policy;
    const gql: StepFacts = {
      operationId: 'admin.handle_gql_graphene',
      method: 'POST',
      path: '/admin/gql',
      tags: ['admin'],
      effect: 'read', // what a confused planner claimed
      privilege: 'user',
      pathParams: {},
      query: {},
      body: { query: 'mutation { delete_vfolder(id: "x") { ok } }' },
    };
    expect(evaluateStep(readonly, gql).verdict).toBe('deny');
  });
});

describe('graphqlEffect (graphql-js parses the document; the policy uses the same rule)', () => {
  it.each([
    ['mutation { a }', 'write'],
    ['  mutation Foo($x: Int) { a(x: $x) }', 'write'],
    ['# comment\nmutation{a}', 'write'],
    ['# comment\rmutation{a}', 'write'],
    ['query Q { a } mutation M { b }', 'write'],
    ['subscription { a }', 'write'],
    ['query { a', 'write'],
    ['fragment F on T { a }', 'write'],
    ['query { a }', 'read'],
    ['{ images { name } }', 'read'],
    ['{ a(name: "mutation { x }") }', 'read'],
    ['# mutation\n{ a }', 'read'],
    ['{ mutations { id } }', 'read'],
  ])('%j → %s', (doc, expected) => {
    expect(graphqlEffect(doc)).toBe(expected);
  });
  it('a missing or non-string document is a write (nothing says it only reads)', () => {
    expect(graphqlEffect(undefined)).toBe('write');
    expect(graphqlEffect({ query: 'query {a}' })).toBe('write');
  });
});
