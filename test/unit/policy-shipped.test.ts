import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog, Operation } from '../../src/spec/types.js';
import { loadPolicy, bundledPolicyNames, evaluateStep, type StepFacts } from '../../src/policy/index.js';
import { upstreamSpecPath } from '../support/shared.js';
import { loadGraphqlParser } from '../../src/spec/call-facts.js';

const facts = (op: Operation, body?: unknown): StepFacts => ({
  operationId: op.operationId,
  method: op.method,
  path: op.path,
  tags: op.tags,
  effect: op.effect,
  privilege: op.privilege,
  pathParams: {},
  query: {},
  body,
});

let catalog: Catalog;
beforeAll(async () => {
  await loadGraphqlParser(); // as every caller does before deciding facts
  catalog = await loadCatalog({ source: upstreamSpecPath() });
});

const op = (id: string): Operation => {
  const found = catalog.get(id);
  if (!found) throw new Error(`no ${id} in the upstream spec`);
  return found;
};

describe('shipped policies', () => {
  it('are default, ci and readonly, and each loads with its own name', async () => {
    expect(await bundledPolicyNames()).toEqual(['ci', 'default', 'readonly']);
    for (const name of ['default', 'ci', 'readonly']) {
      const loaded = await loadPolicy(name, { env: {} });
      expect(loaded.name).toBe(name);
      expect(loaded.source).toBe(`policies/${name}.yaml`);
      expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('resolves undefined to $BAI_AGENT_POLICY, then to default', async () => {
    expect((await loadPolicy(undefined, { env: {} })).name).toBe('default');
    expect((await loadPolicy(undefined, { env: { BAI_AGENT_POLICY: 'ci' } })).name).toBe('ci');
    expect((await loadPolicy('readonly', { env: { BAI_AGENT_POLICY: 'ci' } })).name).toBe('readonly');
  });

  it('default: a read allowed, a write confirmed, a superadmin op denied unless allowAdmin', async () => {
    const policy = await loadPolicy('default', { env: {} });
    expect(policy.evaluate(facts(op('session.get_info'))).verdict).toBe('allow');
    const write = policy.evaluate(facts(op('session.destroy')));
    expect(write).toMatchObject({ verdict: 'confirm', rule: 'defaults.write' });

    const superOp = catalog.operations.find((o) => o.privilege === 'superadmin' && o.effect === 'write')!;
    const denied = policy.evaluate(facts(superOp));
    expect(denied).toMatchObject({ verdict: 'deny', rule: 'rules[0]' });
    expect(denied.reason).toContain('--allow-admin');

    const admin = await loadPolicy('default', { env: {}, allowAdmin: true });
    expect(admin.evaluate(facts(superOp))).toMatchObject({ verdict: 'confirm', rule: 'rules[0]' });
    // the flag relaxes only rules that say so: ordinary verdicts are unchanged
    expect(admin.evaluate(facts(op('session.destroy'))).verdict).toBe('confirm');
    expect(admin.evaluate(facts(op('session.get_info'))).verdict).toBe('allow');
  });

  it('default: image administration is superadmin even though the spec says User', async () => {
    const policy = await loadPolicy('default', { env: {} });
    const purge = op('admin/images.purge');
    expect(purge.privilege).not.toBe('superadmin');
    expect(policy.evaluate(facts(purge))).toMatchObject({ verdict: 'deny', rule: 'rules[1]' });
  });

  it('readonly: every write of the upstream spec denied, every read allowed', async () => {
    const policy = await loadPolicy('readonly', { env: {} });
    let writes = 0;
    for (const o of catalog.operations) {
      // a GraphQL route reads only with a document that is a query (without one it counts as a write)
      const body = /\/admin\/(gql|graphql)/.test(o.path) ? { query: '{ images { name } }' } : undefined;
      const d = policy.evaluate(facts(o, body));
      expect(d.verdict, o.operationId).toBe(o.effect === 'write' ? 'deny' : 'allow');
      if (o.effect === 'write') writes++;
    }
    expect(writes).toBeGreaterThan(300);
    expect(policy.evaluate(facts(op('admin.handle_gql_legacy'))).verdict).toBe('deny');
  });

  it('ci: no confirm verdict for any upstream operation; only the listed writes allowed', async () => {
    const policy = await loadPolicy('ci', { env: {} });
    const allowedWrites: string[] = [];
    for (const o of catalog.operations) {
      const d = policy.evaluate(facts(o));
      expect(d.verdict, o.operationId).not.toBe('confirm');
      if (o.effect === 'write' && d.verdict === 'allow') allowedWrites.push(o.operationId);
    }
    expect(allowedWrites.sort()).toEqual(
      ['session.create_from_params', 'session.create_from_params.2', 'session.destroy', 'v2/sessions.enqueue', 'v2/sessions.terminate'].sort(),
    );
    for (const id of ['session.get_info', 'v2/sessions.get', 'session.get_container_logs', 'v2/sessions.get_logs', 'v2/sessions.my_search', 'session.match_sessions', 'folders.list_folders', 'folders.list_files', 'folders.get_info', 'resource.check_presets', 'config.get_resource_slots']) {
      expect(policy.evaluate(facts(op(id))).verdict, id).toBe('allow');
    }
    expect(policy.evaluate(facts(op('folders.create'))).verdict).toBe('deny');
    // --allow-admin relaxes only rules that say so: ci has none
    const withFlag = await loadPolicy('ci', { env: {}, allowAdmin: true });
    const superOp = catalog.operations.find((o) => o.privilege === 'superadmin')!;
    expect(withFlag.evaluate(facts(superOp)).verdict).toBe('deny');
    expect(policy.evaluate(facts(op('resource.usage_per_month'))).verdict).toBe('deny');
  });

  it('GraphQL: a mutation counts as a write (denied by readonly and ci), a query is a read', async () => {
    const gql = op('admin.handle_gql_graphene');
    const query = { query: 'query { images { name } }' };
    const mutation = { query: '# rename\nmutation Rename($id: String!) { modify_compute_session(item_id: $id, props: {name: "x"}) { ok } }' };
    for (const name of ['readonly', 'ci']) {
      const policy = await loadPolicy(name, { env: {} });
      expect(policy.evaluate(facts(gql, query)).verdict, name).toBe('allow');
      expect(policy.evaluate(facts(gql, mutation)).verdict, name).toBe('deny');
    }
    const def = await loadPolicy('default', { env: {} });
    expect(def.evaluate(facts(gql, mutation))).toMatchObject({ verdict: 'confirm', rule: 'defaults.write' });
    expect(evaluateStep(def.policy, facts(gql, { query: '{ images(name: "mutation") { name } }' })).verdict).toBe('allow');
  });
});
