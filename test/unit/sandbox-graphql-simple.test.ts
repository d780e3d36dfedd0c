/**
 * The sandbox answers plain GraphQL queries without graphql-js (src/sandbox/graphql-simple.ts).
 * Each query here is sent twice: as is (the fast path, where it applies) and with an operation
 * name (always graphql-js); both answers must be identical. Queries outside the subset, or with
 * errors, must still get graphql-js's answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { executeSimple, rootSignature } from '../../src/sandbox/graphql-simple.js';
import { signedClient } from '../support/signed-fetch.js';

let sb: SandboxHandle;
let user: ReturnType<typeof signedClient>;

beforeAll(async () => {
  sb = await startSandbox({ clock: 'fast' });
  user = signedClient(sb.url, sb.credentials.user);
});
afterAll(async () => {
  await sb?.close();
});

const QUERIES = [
  'query { groups { id name } }',
  '{ groups { id name is_active type } }',
  `query {
    images(is_installed: true) {
      id name namespace base_image_name humanized_name tag registry architecture aliases
      labels { key value } resource_limits { key min max } supported_accelerators installed
    }
  }`,
  'query { user { email full_name role } }',
  '{ image(reference: "cr.backend.ai/stable/python:3.11-ubuntu22.04") { id name tag } }',
  '{ compute_session_list(limit: 10, offset: 0) { total_count items { name status } } }',
  '{ groups { id nope } }',
  '{ compute_session_list(limit: "ten", offset: 0) { total_count } }',
  '{ compute_session_list(offset: 0) { total_count } }',
  '{ images(unknown_arg: true) { id } }',
  '{ g: groups { id } }',
  '{ groups { ...F } } fragment F on Group { id }',
  '{ user(email: "admin@sandbox.local") { email } }',
];

describe('sandbox GraphQL fast path', () => {
  it.each(QUERIES)('answers %s exactly as graphql-js does', async (query) => {
    const named = /^\s*query\s*\{/.test(query) ? query.replace(/^\s*query\s*\{/, 'query Probe {') : /^\s*\{/.test(query) ? `query Probe ${query.trim()}` : query;
    const fast = await user('POST', '/admin/gql', { query });
    const slow = await user('POST', '/admin/gql', named === query ? { query } : { query: named, operation_name: 'Probe' });
    expect(fast.status).toBe(200);
    // error locations shift with the added operation name; the rest must match
    const strip = (b: { data: unknown; errors?: Array<{ message: string }> }) => ({ data: b.data, errors: b.errors?.map((e) => e.message) });
    expect(strip(fast.body)).toEqual(strip(slow.body));
  });

  it('takes the fast path for the planner\'s lookups and leaves the rest to graphql-js', () => {
    const signature = rootSignature('type Query {\n  groups(domain_name: String): [Group]\n  list(limit: Int!): [X]\n}');
    const root = { groups: () => [{ id: 'g1', name: 'default', extra: 1 }], list: () => [] };
    expect(executeSimple({ query: 'query { groups { id name } }' }, root, signature)).toEqual({ data: { groups: [{ id: 'g1', name: 'default' }] } });
    for (const query of [
      'query($d: String) { groups(domain_name: $d) { id } }', // variables
      '{ groups { extra } }', // a number: the schema may coerce it
      '{ groups { missing } }', // not produced by the resolver
      '{ list { id } }', // a required argument left out
      '{ groups }', // an object without a selection
      'mutation { groups { id } }',
    ]) {
      expect(executeSimple({ query }, root, signature), query).toBeUndefined();
    }
  });
});
