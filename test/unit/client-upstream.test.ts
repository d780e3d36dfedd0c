/** BackendClient on the full upstream spec (730 operations): minimal documents, lazy growth, cost. */
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, buildMinimalDocument, type ConnectionConfig } from '../../src/client/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { upstreamSpecPath } from '../support/shared.js';

const BASE = 'http://upstream.test:8081';
const config: ConnectionConfig = {
  endpoint: BASE,
  endpointType: 'api',
  accessKey: 'AKIAUPSTREAM',
  secretKey: 'upstream-secret-0000000',
  domain: 'default',
  group: 'default',
  apiVersion: 'v9.20250722',
  connectTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  skipSslVerification: false,
  source: {},
};

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog({ source: upstreamSpecPath() });
  nock.disableNetConnect();
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('minimal OpenAPI documents', () => {
  it('hold only the requested operations and the schemas they reference', () => {
    const doc = buildMinimalDocument(catalog, ['session.create_from_params', 'session.get_info']) as unknown as {
      paths: Record<string, Record<string, { operationId: string }>>;
      components: { schemas: Record<string, unknown> };
    };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((o) => o.operationId));
    expect(ids.sort()).toEqual(['session.create_from_params', 'session.get_info']);
    expect(Object.keys(doc.components.schemas)).toContain('CreateFromParamsRequest');
    expect(Object.keys(doc.components.schemas).length).toBeLessThan(Object.keys(catalog.schemas).length / 4);
    // every $ref in the document resolves inside it
    const refs = JSON.stringify(doc).match(/"#\/components\/schemas\/[^"]+"/g) ?? [];
    for (const r of refs) expect(Object.keys(doc.components.schemas)).toContain(r.slice('"#/components/schemas/'.length, -1));
  });

  it('initialising 5 operations costs a small fraction of all 730', () => {
    const five = ['session.create_from_params', 'session.get_info', 'folders.get_vfolder_id', 'session.destroy', 'session.list_files'].filter((id) => catalog.has(id));
    const time = (ids: string[]) => {
      const t = performance.now();
      BackendClient.create(config, catalog, { operations: ids });
      return performance.now() - t;
    };
    time(five);
    const small = Math.min(time(five), time(five), time(five));
    const big = time(catalog.operations.map((o) => o.operationId));
    console.info(`client init: ${five.length} ops ${small.toFixed(1)} ms, ${catalog.operations.length} ops ${big.toFixed(1)} ms`);
    expect(small * 20).toBeLessThan(big);
  });
});

describe('calls on upstream operations', () => {
  it('GET with a JSON body (folders.get_vfolder_id)', async () => {
    let seen: { body: unknown; ct: unknown } = { body: undefined, ct: undefined };
    nock(BASE)
      .get('/folders/_/id')
      .reply(function (_uri, body) {
        seen = { body, ct: this.req.headers['content-type'] };
        return [200, { id: 'abc', name: 'data' }];
      });
    const client = BackendClient.create(config, catalog, { operations: ['session.get_info'] });
    const res = await client.call('folders.get_vfolder_id', { body: { name: 'data' } });
    expect(res.data).toEqual({ id: 'abc', name: 'data' });
    expect(seen).toEqual({ body: { name: 'data' }, ct: 'application/json' });
    expect(client.preparedOperations.sort()).toEqual(['folders.get_vfolder_id', 'session.get_info']);
  });

  it('path parameters are URL-encoded; a missing one is bad input', async () => {
    nock(BASE).get('/session/a%20b%2Fc').reply(200, { status: 'RUNNING' });
    const client = BackendClient.create(config, catalog);
    await expect(client.call('session.get_info', { pathParams: { session_name: 'a b/c' } })).resolves.toMatchObject({ data: { status: 'RUNNING' } });
    await expect(client.call('session.get_info', {})).rejects.toMatchObject({ kind: 'bad_input', message: expect.stringMatching(/missing path parameter 'session_name'/) });
  });

  it('response headers come back as a plain lowercase record', async () => {
    nock(BASE).get('/session/x').reply(200, { ok: 1 }, { 'X-RateLimit-Remaining': '99' });
    const res = await BackendClient.create(config, catalog).call('session.get_info', { pathParams: { session_name: 'x' } });
    expect(res.headers['x-ratelimit-remaining']).toBe('99');
  });
});
