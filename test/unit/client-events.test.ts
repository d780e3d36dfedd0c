/** Signed SSE on /events/session against a local streaming server; the live spec endpoint. */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendClient, ManagerUnavailableError, fetchLiveSpec, type ConnectionConfig } from '../../src/client/index.js';
import { makeCatalog } from '../../src/spec/normalize.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
const requests: IncomingMessage[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const catalog = makeCatalog({ title: 't', version: '1', sha256: 'x', source: { kind: 'file', location: 'inline' } }, [], {});
function client(requestTimeoutMs = 2000): BackendClient {
  const config: ConnectionConfig = {
    endpoint: base,
    endpointType: 'api',
    accessKey: 'AKIASSE',
    secretKey: 'sse-secret-key-000000',
    domain: 'default',
    group: 'default',
    apiVersion: 'v9.20250722',
    connectTimeoutMs: 1000,
    requestTimeoutMs,
    skipSslVerification: false,
    source: {},
  };
  return BackendClient.create(config, catalog, { retry: { retries: 0 } });
}

const sse = (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });

describe('events()', () => {
  it('yields parsed events until the server closes the stream', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: session_scheduled\ndata: {"sessionName":"job1","reason":""}\n\n');
      // an event split across chunks
      res.write('event: session_started\nda');
      setTimeout(() => {
        res.write('ta: {"sessionName":"job1","sessionId":"s-1"}\n\n');
        res.end();
      }, 20);
    };
    const got: { event: string; data: unknown }[] = [];
    for await (const ev of client().events({ sessionName: 'job1', scope: 'session' }, { signal: new AbortController().signal })) got.push(ev);
    expect(got).toEqual([
      { event: 'session_scheduled', data: { sessionName: 'job1', reason: '' } },
      { event: 'session_started', data: { sessionName: 'job1', sessionId: 's-1' } },
    ]);
    const req = requests.at(-1)!;
    expect(req.url).toBe('/events/session?sessionName=job1&scope=session');
    expect(req.headers['content-type']).toBeUndefined(); // signed as application/octet-stream
    expect(req.headers.authorization).toMatch(/^BackendAI signMethod=HMAC-SHA256, credential=AKIASSE:/);
    expect(req.headers.accept).toBe('text/event-stream');
  });

  it('a quiet stream outlives the request timeout (it only bounds the wait for headers)', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: session_pending\ndata: {}\n\n');
      setTimeout(() => {
        res.write('event: session_started\ndata: {}\n\n');
        res.end();
      }, 500);
    };
    const got: string[] = [];
    for await (const ev of client(150).events({ sessionName: 'slow' }, { signal: new AbortController().signal })) got.push(ev.event);
    expect(got).toEqual(['session_pending', 'session_started']);
  });

  it('abort ends the iteration quietly', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: session_pending\ndata: {"sessionName":"job2"}\n\n');
      // then silence: the stream stays open
    };
    const ac = new AbortController();
    const got: string[] = [];
    const started = Date.now();
    for await (const ev of client().events({ sessionName: 'job2' }, { signal: ac.signal })) {
      got.push(ev.event);
      setTimeout(() => ac.abort(), 30);
    }
    expect(got).toEqual(['session_pending']);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a dropped stream ends with ManagerUnavailableError', async () => {
    handler = (_req, res) => {
      sse(res);
      res.write('event: session_pending\ndata: {}\n\n');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const got: string[] = [];
    const err = await (async () => {
      for await (const ev of client().events({ sessionName: 'job3' }, { signal: new AbortController().signal })) got.push(ev.event);
    })().catch((e: unknown) => e);
    expect(got).toEqual(['session_pending']);
    expect(err).toBeInstanceOf(ManagerUnavailableError);
    expect((err as Error).message).toMatch(/event stream .* was dropped/);
  });

  it('no response headers within the request timeout → ManagerUnavailableError', async () => {
    handler = () => {
      /* never answer */
    };
    const started = Date.now();
    const err = await (async () => {
      for await (const _ of client(200).events({ sessionName: 'x' }, { signal: new AbortController().signal })) void _;
    })().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err).toBeInstanceOf(ManagerUnavailableError);
    expect((err as Error).message).toMatch(/no answer from .* within 0.2 s/);
  });

  it('an error answer before the stream is a typed error', async () => {
    handler = (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://api.backend.ai/probs/generic-forbidden', title: 'Forbidden', msg: 'not your access key' }));
    };
    const err = await (async () => {
      for await (const _ of client().events({ ownerAccessKey: 'OTHER' }, { signal: new AbortController().signal })) void _;
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'api', status: 403, type: 'generic-forbidden', msg: 'not your access key' });
  });
});

describe('fetchLiveSpec', () => {
  it('returns the document text', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ openapi: '3.1.0', info: { title: 'm', version: '1' }, paths: {}, url: req.url }));
    };
    const text = await fetchLiveSpec(client());
    expect(JSON.parse(text)).toMatchObject({ openapi: '3.1.0', url: '/spec/openapi/spec.json' });
  });

  it('a 403 explains the introspection switch', async () => {
    handler = (_req, res) => {
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'https://api.backend.ai/probs/generic-forbidden', title: 'Forbidden' }));
    };
    await expect(fetchLiveSpec(client())).rejects.toThrow(
      'the manager does not expose its spec (api.allow-openapi-schema-introspection is off); use the bundled spec or --spec FILE',
    );
  });
});

describe('version()', () => {
  it('reads GET /', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"version":"v9.20250722","manager":"26.8.0rc1"}');
    };
    await expect(client().version()).resolves.toEqual({ version: 'v9.20250722', manager: '26.8.0rc1' });
  });
});
