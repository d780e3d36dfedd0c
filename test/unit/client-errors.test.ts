/**
 * Manager failures → typed errors, timeouts, and retries (nock for canned answers; real
 * sockets for refused connections and silent servers).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendApiError,
  BackendClient,
  ManagerUnavailableError,
  retryAfterFromHeaders,
  toTypedError,
  backoffDelay,
  type ConnectionConfig,
  type RetryInfo,
} from '../../src/client/index.js';
import { BaiError } from '../../src/errors.js';
import { makeCatalog } from '../../src/spec/normalize.js';
import type { Operation } from '../../src/spec/types.js';

const BASE = 'http://manager.test:8081';
const SECRET = 'nock-secret-key-0123456789';

function op(partial: Partial<Operation> & Pick<Operation, 'operationId' | 'method' | 'path'>): Operation {
  return { summary: '', description: '', tags: [], parameters: [], requestBodyRequired: false, effect: 'read', privilege: 'user', ...partial };
}
const catalog = makeCatalog({ title: 't', version: '1', sha256: 'x', source: { kind: 'file', location: 'inline' } }, [
  op({ operationId: 'session.list', method: 'GET', path: '/session' }),
  op({ operationId: 'image.list', method: 'GET', path: '/images' }),
  op({ operationId: 'session.create_from_params', method: 'POST', path: '/session', effect: 'write', requestBody: { $ref: '#/components/schemas/CreateReq' } }),
], { CreateReq: { type: 'object', properties: { image: { type: 'string' }, mounts: { $ref: '#/components/schemas/Mounts' } } }, Mounts: { type: 'array' }, Unused: { type: 'object' } });

function config(over: Partial<ConnectionConfig> = {}): ConnectionConfig {
  return {
    endpoint: BASE,
    endpointType: 'api',
    accessKey: 'AKIANOCK',
    secretKey: SECRET,
    domain: 'default',
    group: 'default',
    apiVersion: 'v9.20250722',
    connectTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    skipSslVerification: false,
    source: {},
    ...over,
  };
}
const fastRetry = { retries: 3, baseDelayMs: 1, maxDelayMs: 5 };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

describe('manager errors', () => {
  it('problem+json → BackendApiError with fields and a one-line message', async () => {
    nock(BASE)
      .post('/session')
      .reply(400, { type: 'https://api.backend.ai/probs/invalid-api-params', title: 'Invalid API parameters.', error_code: 'session_create_bad-request', msg: "Missing required field 'image'", data: { field: 'image' } }, { 'content-type': 'application/problem+json' });
    const client = BackendClient.create(config(), catalog);
    const err = await failure(client.call('session.create_from_params', { body: {} }));
    expect(err).toBeInstanceOf(BackendApiError);
    expect(err).toMatchObject({ status: 400, type: 'invalid-api-params', title: 'Invalid API parameters.', errorCode: 'session_create_bad-request', msg: "Missing required field 'image'", data: { field: 'image' }, operationId: 'session.create_from_params', kind: 'api' });
    expect(err.message).toBe("session.create_from_params failed: 400 invalid-api-params — Missing required field 'image'");
  });

  it('an HTML 502 page from a proxy → ManagerUnavailableError naming the status and first bytes', async () => {
    nock(BASE).post('/session').reply(502, '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', { 'content-type': 'text/html' });
    const client = BackendClient.create(config(), catalog);
    const err = await failure(client.call('session.create_from_params', { body: { image: 'x' } }));
    expect(err).toBeInstanceOf(ManagerUnavailableError);
    expect(err).toMatchObject({ kind: 'unavailable', status: 502, reason: 'not-json' });
    expect(err.message).toMatch(/answered 502 with an HTML page instead of JSON/);
    expect(err.message).toContain('502 Bad Gateway');
    expect(err.message).not.toMatch(/\n|SyntaxError|Unexpected token/);
  });

  it('a 200 with a non-JSON body is an error too', async () => {
    nock(BASE).get('/session').reply(200, 'Welcome to nginx!', { 'content-type': 'text/plain' });
    const err = await failure(BackendClient.create(config(), catalog, { retry: fastRetry }).call('session.list'));
    expect(err).toBeInstanceOf(ManagerUnavailableError);
    expect(err.message).toMatch(/answered 200 with a non-JSON body \(text\/plain\)/);
  });

  it('connection refused → ManagerUnavailableError quickly', async () => {
    nock.enableNetConnect('127.0.0.1');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const client = BackendClient.create(config({ endpoint: `http://127.0.0.1:${port}` }), catalog, { retry: { retries: 0 } });
    const started = Date.now();
    const err = await failure(client.call('session.list'));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(ManagerUnavailableError);
    expect(err).toMatchObject({ reason: 'refused' });
    expect(err.message).toMatch(/connection refused/);
  });

  describe('with a server that never answers', () => {
    let silent: Server;
    let url: string;
    beforeAll(async () => {
      nock.enableNetConnect('127.0.0.1');
      silent = createServer(() => {
        /* never answer */
      });
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    });
    afterAll(() => {
      silent.closeAllConnections();
      return new Promise<void>((r) => silent.close(() => r()));
    });

    it('the request timeout is honoured with a clear message', async () => {
      nock.enableNetConnect('127.0.0.1');
      const client = BackendClient.create(config({ endpoint: url, requestTimeoutMs: 300 }), catalog, { retry: { retries: 0 } });
      const started = Date.now();
      const err = await failure(client.call('session.list'));
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(250);
      expect(elapsed).toBeLessThan(1500);
      expect(err).toBeInstanceOf(ManagerUnavailableError);
      expect(err.message).toBe(`session.list: no answer from ${url} within 0.3 s`);
    });

    it('a per-call timeout overrides, and an abort signal cancels', async () => {
      nock.enableNetConnect('127.0.0.1');
      const client = BackendClient.create(config({ endpoint: url, requestTimeoutMs: 5000 }), catalog, { retry: { retries: 0 } });
      const err = await failure(client.call('session.list', { timeoutMs: 200 }));
      expect(err.message).toMatch(/within 0.2 s/);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const aborted = await failure(client.call('session.list', { signal: ac.signal }));
      expect(aborted).toBeInstanceOf(BaiError);
      expect(aborted.message).toBe('session.list: cancelled');
    });
  });
});

describe('retries', () => {
  it('reads are retried on 503 and 429 and then succeed', async () => {
    nock(BASE)
      .get('/session')
      .reply(503, { type: 'https://api.backend.ai/probs/server-frozen', title: 'The server is frozen' })
      .get('/session')
      .reply(429, { type: 'https://api.backend.ai/probs/rate-limit-exceeded', title: 'Rate limit exceeded' })
      .get('/session')
      .reply(200, { items: [] });
    const retries: RetryInfo[] = [];
    const client = BackendClient.create(config(), catalog, { retry: fastRetry, onRetry: (i) => retries.push(i) });
    const res = await client.call('session.list');
    expect(res.data).toEqual({ items: [] });
    expect(retries.map((r) => r.attempt)).toEqual([1, 2]);
    expect(nock.isDone()).toBe(true);
  });

  it('Retry-After is honoured', async () => {
    nock(BASE).get('/images').reply(429, { type: 'https://api.backend.ai/probs/rate-limit-exceeded', title: 'Rate limit exceeded' }, { 'Retry-After': '1' }).get('/images').reply(200, []);
    const retries: RetryInfo[] = [];
    const client = BackendClient.create(config(), catalog, { retry: fastRetry, onRetry: (i) => retries.push(i) });
    const started = Date.now();
    await client.call('image.list');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(retries[0]?.delayMs).toBe(1000);
  });

  it('an abort cancels a retry wait', async () => {
    nock(BASE).get('/images').reply(503, { type: 'https://api.backend.ai/probs/server-frozen', title: 'frozen' }, { 'Retry-After': '10' });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const started = Date.now();
    const err = await failure(BackendClient.create(config(), catalog, { retry: fastRetry }).call('image.list', { signal: ac.signal }));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err.message).toBe('image.list: cancelled');
  });

  it('a server asking for a longer wait than the bound is not retried', async () => {
    nock(BASE).get('/images').reply(429, { type: 'https://api.backend.ai/probs/rate-limit-exceeded', title: 'Rate limit exceeded' }, { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Window': '900' });
    const err = await failure(BackendClient.create(config(), catalog, { retry: fastRetry }).call('image.list'));
    expect(err).toMatchObject({ status: 429, retryAfterMs: 900_000 });
  });

  it('writes are never retried (exactly one request)', async () => {
    let seen = 0;
    nock(BASE)
      .post('/session')
      .times(4)
      .reply(() => {
        seen++;
        return [503, { type: 'https://api.backend.ai/probs/instance-not-available', title: 'No instance' }];
      });
    const err = await failure(BackendClient.create(config(), catalog, { retry: fastRetry }).call('session.create_from_params', { body: { image: 'x' } }));
    expect(err).toMatchObject({ status: 503 });
    expect(seen).toBe(1);
  });

  it('reads give up after the configured retries', async () => {
    let seen = 0;
    nock(BASE)
      .get('/session')
      .times(10)
      .reply(() => {
        seen++;
        return [502, { type: 'https://api.backend.ai/probs/bad-gateway', title: 'Bad gateway' }];
      });
    await failure(BackendClient.create(config(), catalog, { retry: { ...fastRetry, retries: 2 } }).call('session.list'));
    expect(seen).toBe(3);
  });

  it('each retry is re-signed with a fresh Date', async () => {
    const dates: string[] = [];
    const auths: string[] = [];
    let n = 0;
    nock(BASE)
      .get('/session')
      .times(2)
      .reply(function () {
        dates.push(String(this.req.headers.date));
        auths.push(String(this.req.headers.authorization));
        return n++ === 0 ? [503, { type: 'https://api.backend.ai/probs/server-frozen', title: 'frozen' }] : [200, { ok: true }];
      });
    let t = Date.parse('2026-08-23T01:00:00.000Z');
    const client = BackendClient.create(config(), catalog, { retry: fastRetry, now: () => new Date((t += 1500)) });
    await client.call('session.list');
    expect(dates).toHaveLength(2);
    expect(dates[0]).toBe('2026-08-23T01:00:01.500000+00:00');
    expect(dates[1]).toBe('2026-08-23T01:00:03+00:00');
    expect(auths[0]).not.toBe(auths[1]);
    expect(auths.join(' ')).not.toContain(SECRET);
  });

  it('retry-after parsing and backoff bounds', () => {
    const now = Date.parse('2026-08-23T00:00:00Z');
    expect(retryAfterFromHeaders({ 'retry-after': '3' }, now)).toBe(3000);
    expect(retryAfterFromHeaders({ 'Retry-After': 'Sun, 23 Aug 2026 00:00:05 GMT' }, now)).toBe(5000);
    expect(retryAfterFromHeaders({ 'x-ratelimit-remaining': '0', 'x-ratelimit-window': '900' }, now)).toBe(900_000);
    expect(retryAfterFromHeaders({ 'x-ratelimit-remaining': '12', 'x-ratelimit-window': '900' }, now)).toBeUndefined();
    const opts = { retries: 5, baseDelayMs: 200, maxDelayMs: 5000 };
    expect(backoffDelay(0, opts, () => 1)).toBe(200);
    expect(backoffDelay(3, opts, () => 1)).toBe(1600);
    expect(backoffDelay(10, opts, () => 1)).toBe(5000);
    expect(backoffDelay(10, opts, () => 0)).toBe(0);
  });
});

describe('operations', () => {
  it('an unknown operationId is bad input', async () => {
    const err = await failure(BackendClient.create(config(), catalog).call('session.nope'));
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).kind).toBe('bad_input');
    expect(err.message).toMatch(/unknown operation 'session.nope'/);
  });

  it('starts with a subset and adds operations on first use', async () => {
    nock(BASE).get('/images').reply(200, ['python']);
    const client = BackendClient.create(config(), catalog, { operations: ['session.list'] });
    expect(client.preparedOperations).toEqual(['session.list']);
    const res = await client.call('image.list');
    expect(res.data).toEqual(['python']);
    expect(client.preparedOperations.sort()).toEqual(['image.list', 'session.list']);
  });

  it('sends the expected headers', async () => {
    let headers: Record<string, unknown> = {};
    nock(BASE)
      .get('/session')
      .reply(function () {
        headers = this.req.headers;
        return [200, {}];
      });
    await BackendClient.create(config({ domain: 'dom1' }), catalog).call('session.list');
    expect(headers['x-backendai-version']).toBe('v9.20250722');
    expect(headers['x-backendai-domain']).toBe('dom1');
    expect(String(headers['user-agent'])).toMatch(/^bai-agent\//);
    expect(String(headers.authorization)).toMatch(/^BackendAI signMethod=HMAC-SHA256, credential=AKIANOCK:[0-9a-f]{64}$/);
    expect(headers['content-type']).toBeUndefined();
  });
});

describe('transport failures map to one-line errors', () => {
  const cfg = config();
  const axiosError = (code: string, message = code) => {
    const e = new Error(message) as Error & { isAxiosError: boolean; code: string; config: object; toJSON: () => object };
    e.isAxiosError = true;
    e.code = code;
    e.config = { baiOperationId: 'session.list' };
    e.toJSON = () => ({});
    return e;
  };

  it.each([
    ['ENOTFOUND', 'dns', /cannot resolve the host of http:\/\/manager.test:8081/],
    ['ECONNRESET', 'dropped', /connection to .* was dropped/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', /TLS handshake .* failed \(DEPTH_ZERO_SELF_SIGNED_CERT\); .*BACKEND_SKIP_SSLCERT_VALIDATION=yes for a test cluster only/],
    ['ECONNECTTIMEOUT', 'timeout', /could not connect to .* within 1 s/],
  ])('%s → %s', (code, reason, pattern) => {
    const typed = toTypedError(axiosError(code), cfg);
    expect(typed).toBeInstanceOf(ManagerUnavailableError);
    expect(typed).toMatchObject({ reason, kind: 'unavailable' });
    expect((typed as Error).message).toMatch(pattern);
    expect((typed as Error).message.startsWith('session.list: ')).toBe(true);
  });

  it('a redirect is not followed and says what to configure', async () => {
    nock(BASE).get('/session').reply(301, '<html>moved</html>', { location: 'https://manager.test/session' });
    const err = await failure(BackendClient.create(config(), catalog, { retry: fastRetry }).call('session.list'));
    expect(err).toMatchObject({ reason: 'redirect', status: 301 });
    expect(err.message).toMatch(/redirects \(301\) to https:\/\/manager.test\/session; set BACKEND_ENDPOINT to the final URL/);
  });

  it('errors never carry the secret key or the Authorization header', async () => {
    nock(BASE).get('/session').reply(401, { type: 'https://api.backend.ai/probs/auth-failed', title: 'Authentication failed', msg: `bad key ${SECRET}` });
    const err = await failure(BackendClient.create(config(), catalog).call('session.list'));
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toMatch(/credential=/);
  });
});
