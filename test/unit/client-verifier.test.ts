/**
 * Independent check of request signing: a node:http server that verifies like the manager
 * (facts §1.3) — raw path incl. query as received, the Host header, content type = bare
 * lowercased header or application/octet-stream when absent, Date within ±15 min, key derived
 * from the Date header's own day — and accepts only correct signatures.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, BackendApiError, type ConnectionConfig } from '../../src/client/index.js';
import { makeCatalog } from '../../src/spec/normalize.js';
import type { Operation } from '../../src/spec/types.js';

const ACCESS = 'AKIATESTVERIFIER0001';
const SECRET = 'verifier-secret-key-0123456789abcdef';

interface Seen {
  method: string;
  rawPath: string;
  contentType: string | undefined;
  body: string;
}

function problem(status: number, slug: string, msg: string) {
  return { status, body: { type: `https://api.backend.ai/probs/${slug}`, title: slug, msg } };
}

function verify(req: IncomingMessage): { status: number; body: unknown } | null {
  const auth = req.headers.authorization ?? '';
  const m = /^BackendAI signMethod=HMAC-(\w+), credential=([^:]+):([0-9a-f]+)$/.exec(auth);
  if (!m) return problem(400, 'invalid-auth-params', 'Malformed authorization header');
  const [, alg, accessKey, sig] = m;
  const dateHeader = String(req.headers.date ?? '');
  const parsed = Date.parse(dateHeader);
  if (!dateHeader || Number.isNaN(parsed) || Math.abs(parsed - Date.now()) >= 15 * 60_000) return problem(400, 'invalid-auth-params', 'Date/time sync error');
  const version = req.headers['x-backendai-version'];
  if (!version) return problem(400, 'invalid-auth-params', 'API version missing in request headers');
  if (accessKey !== ACCESS) return problem(401, 'auth-failed', 'Access key not found in HMAC');
  const rawCt = req.headers['content-type'];
  const contentType = rawCt ? (rawCt.split(';')[0] ?? '').trim().toLowerCase() : 'application/octet-stream';
  const host = String(req.headers.host);
  const sts = [
    (req.method ?? '').toUpperCase(),
    req.url ?? '',
    dateHeader,
    `host:${host}`,
    `content-type:${contentType}`,
    `x-backendai-version:${String(version)}`,
    createHash('sha256').update('').digest('hex'),
  ].join('\n');
  const hash = (alg ?? '').toLowerCase();
  const day = dateHeader.slice(0, 10).replace(/-/g, ''); // the header's own calendar day
  const k1 = createHmac(hash, SECRET).update(day).digest();
  const k2 = createHmac(hash, k1).update(host).digest();
  const expected = createHmac(hash, k2).update(sts).digest('hex');
  const ok = expected.length === (sig ?? '').length && timingSafeEqual(Buffer.from(expected), Buffer.from(sig ?? ''));
  return ok ? null : problem(401, 'auth-failed', 'HMAC signature mismatch');
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', rawPath: req.url ?? '', contentType: req.headers['content-type'], body });
      const failure = verify(req);
      if (failure) {
        res.writeHead(failure.status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify(failure.body));
        return;
      }
      if (req.method === 'DELETE') {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url, body: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function op(partial: Partial<Operation> & Pick<Operation, 'operationId' | 'method' | 'path'>): Operation {
  return { summary: '', description: '', tags: [], parameters: [], requestBodyRequired: false, effect: 'read', privilege: 'user', ...partial };
}

const catalog = makeCatalog({ title: 't', version: '1', sha256: 'x', source: { kind: 'file', location: 'inline' } }, [
  op({
    operationId: 'session.list',
    method: 'GET',
    path: '/session',
    parameters: [
      { name: 'status', in: 'query', required: false, schema: { type: 'string' } },
      { name: 'name', in: 'query', required: false, schema: { type: 'string' } },
    ],
  }),
  op({ operationId: 'folders.get_vfolder_id', method: 'GET', path: '/folders/_/id', requestBody: { type: 'object' } }),
  op({ operationId: 'session.create_from_params', method: 'POST', path: '/session', effect: 'write', requestBody: { type: 'object' } }),
  op({
    operationId: 'session.destroy',
    method: 'DELETE',
    path: '/session/{session_name}',
    effect: 'write',
    parameters: [
      { name: 'session_name', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'forced', in: 'query', required: false, schema: { type: 'boolean' } },
    ],
  }),
  op({ operationId: 'session.restart', method: 'PATCH', path: '/session/{session_name}', effect: 'write', parameters: [{ name: 'session_name', in: 'path', required: true, schema: { type: 'string' } }] }),
], {});

function config(over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    endpoint: base,
    endpointType: 'api',
    accessKey: ACCESS,
    secretKey: SECRET,
    domain: 'default',
    group: 'default',
    apiVersion: 'v9.20250722',
    connectTimeoutMs: 2000,
    requestTimeoutMs: 5000,
    skipSslVerification: false,
    source: {},
    ...over,
  };
}

describe('signed requests verify against a manager-style verifier', () => {
  it('GET with a query (spaces, unicode, commas)', async () => {
    const client = BackendClient.create(config(), catalog);
    const res = await client.call<{ ok: boolean; path: string }>('session.list', { query: { status: 'RUNNING,PENDING', name: 'my job 한글' } });
    expect(res.status).toBe(200);
    expect(res.data.ok).toBe(true);
    const last = seen.at(-1)!;
    expect(last.rawPath).toBe('/session?status=RUNNING%2CPENDING&name=my%20job%20%ED%95%9C%EA%B8%80');
    expect(last.contentType).toBeUndefined(); // no body → no header, signed as octet-stream
  });

  it('GET with a JSON body', async () => {
    const client = BackendClient.create(config(), catalog);
    const res = await client.call<{ body: unknown }>('folders.get_vfolder_id', { body: { name: 'data' } });
    expect(res.data.body).toEqual({ name: 'data' });
    expect(seen.at(-1)!.contentType).toBe('application/json');
  });

  it('POST with JSON, and PATCH without a body', async () => {
    const client = BackendClient.create(config(), catalog);
    const res = await client.call<{ body: unknown }>('session.create_from_params', { body: { image: 'python:3.11', session_name: 'a' } });
    expect(res.data.body).toEqual({ image: 'python:3.11', session_name: 'a' });
    const patched = await client.call('session.restart', { pathParams: { session_name: 'a' } });
    expect(patched.status).toBe(200);
    expect(seen.at(-1)!.contentType).toBeUndefined(); // not axios's form-urlencoded default
  });

  it('DELETE with path and query params (204 → null)', async () => {
    const client = BackendClient.create(config(), catalog);
    const res = await client.call('session.destroy', { pathParams: { session_name: 'my sess/1' }, query: { forced: true } });
    expect(res).toMatchObject({ status: 204, data: null });
    expect(seen.at(-1)!.rawPath).toBe('/session/my%20sess%2F1?forced=true');
  });

  it('an endpoint with a path prefix signs the prefix', async () => {
    const client = BackendClient.create(config({ endpoint: `${base}/manager` }), catalog);
    const res = await client.call<{ path: string }>('session.list', { query: { status: 'RUNNING' } });
    expect(res.data.path).toBe('/manager/session?status=RUNNING');
    const raw = await client.request<{ path: string }>('GET', '/');
    expect(raw.data.path).toBe('/manager/');
  });

  it('a wrong secret gets the 401 as a BackendApiError', async () => {
    const client = BackendClient.create(config({ secretKey: 'not-the-right-secret-000' }), catalog);
    const err = await client.call('session.list').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendApiError);
    expect(err).toMatchObject({ status: 401, type: 'auth-failed', kind: 'api' });
    expect((err as Error).message).toBe('session.list: authentication failed: check BACKEND_ACCESS_KEY/BACKEND_SECRET_KEY (signature mismatch)');
    expect((err as Error).message).not.toContain('not-the-right-secret');
  });

  it('a skewed clock gets the time-sync message', async () => {
    const client = BackendClient.create(config(), catalog, { now: () => new Date(Date.now() - 20 * 60_000) });
    const err = await client.call('session.list').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendApiError);
    expect((err as Error).message).toMatch(/local clock differs from the manager's by more than 15 minutes/);
    expect((err as Error).message).toMatch(/\(local clock is about 20 min behind the manager's\)$/);
  });
});
