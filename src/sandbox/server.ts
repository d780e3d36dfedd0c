/**
 * node:http glue, in the manager's middleware order (facts §1.8): faults (test-only) →
 * route → auth → version → rate limit → privilege → body parsing and validation → handler.
 * Every response carries the rate-limit headers; errors are problem+json.
 */
import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { GRAPHQL_PATH } from '../spec/call-facts.js';
import type { Catalog, Operation } from '../spec/types.js';
import { authenticate, type Caller } from './auth.js';
import type { FaultInjector } from './faults.js';
import type { HandlerContext, HandlerResult, HandlerTable } from './handlers/context.js';
import { sleep } from './handlers/context.js';
import { PROXY_PATH, proxyInference } from './inference-proxy.js';
import { Problem, PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';
import { checkPrivilege, Router } from './router.js';
import { advanceWorld, type SandboxClock } from './scheduler.js';
import type { WorldStore } from './state.js';
import { RequestValidator } from './validate.js';
import { compareApiVersions, KNOWN_API_VERSIONS } from '../client/api-version.js';

export const ROOT_INFO = { version: 'v9.20250722', manager: '26.8.0rc1' } as const;

/** The versions a manager of API `version` accepts: every known one up to its own. */
function acceptedVersions(version: string): Set<string> {
  return new Set(KNOWN_API_VERSIONS.filter((v) => compareApiVersions(v, version) <= 0));
}
const RATE_LIMIT = 30_000;
const RATE_WINDOW_S = 900;
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_RECORDS = 1000;

export interface RequestRecord {
  method: string;
  path: string;
  operationId?: string;
  status: number;
  /** Set when the connection was dropped on purpose (fault injection). */
  dropped?: 'before' | 'afterWrite';
  /** For a GraphQL call: the document sent (whether it reads is decided by the document). */
  graphql?: string;
}

export interface ServerDeps {
  catalog: Catalog;
  store: WorldStore;
  clock: SandboxClock;
  handlers: HandlerTable;
  faults: () => FaultInjector | null;
  requests: RequestRecord[];
  /** Also append every request to this file as a JSON line (for tests that drive another process). */
  requestLog?: string;
  log: (line: string) => void;
  /** OpenAI-compatible server behind the model services' endpoints (`/services/<id>/proxy`). */
  inferenceUpstream?: string;
  /** What `GET /` reports; an older manager accepts no newer version header. Default ROOT_INFO. */
  manager?: { version: string; manager: string };
}

export function createSandboxServer(deps: ServerDeps): Server {
  const router = new Router(deps.catalog);
  const validator = new RequestValidator(deps.catalog);
  const hits = new Map<string, number[]>();
  const rootInfo = deps.manager ?? ROOT_INFO;
  const accepted = acceptedVersions(rootInfo.version);

  const record = (r: RequestRecord): void => {
    if (deps.requestLog) {
      try {
        appendFileSync(deps.requestLog, `${JSON.stringify({ time: new Date().toISOString(), ...r })}\n`, { mode: 0o600 });
      } catch (err) {
        deps.log(`sandbox: cannot append to the request log ${deps.requestLog}: ${(err as Error).message}`);
      }
    }
    deps.requests.push(r);
    if (deps.requests.length > MAX_RECORDS) deps.requests.splice(0, deps.requests.length - MAX_RECORDS);
  };

  const rateHeaders = (accessKey: string | undefined): Record<string, string> => {
    if (!accessKey) return { 'X-RateLimit-Limit': '1000', 'X-RateLimit-Remaining': '1000', 'X-RateLimit-Window': String(RATE_WINDOW_S) };
    const now = Date.now();
    const list = (hits.get(accessKey) ?? []).filter((t) => now - t < RATE_WINDOW_S * 1000);
    list.push(now);
    hits.set(accessKey, list);
    return {
      'X-RateLimit-Limit': String(RATE_LIMIT),
      'X-RateLimit-Remaining': String(Math.max(0, RATE_LIMIT - list.length)),
      'X-RateLimit-Window': String(RATE_WINDOW_S),
    };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawPath = req.url ?? '/';
    const path = rawPath.split('?')[0] ?? '/';
    const rec: RequestRecord = { method, path, status: 0 };
    let headers: Record<string, string> = rateHeaders(undefined);
    const send = (status: number, body: unknown, contentType = 'application/json'): void => {
      rec.status = status;
      record(rec);
      if (res.destroyed) return;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { ...headers, ...(text ? { 'Content-Type': contentType } : {}) });
      res.end(text);
    };

    const injector = deps.faults();
    let op: Operation | undefined;
    try {
      // a model service's endpoint: the app proxy's job, not the manager's (no signing, no faults)
      const proxied = PROXY_PATH.exec(path);
      if (proxied) {
        const query = rawPath.includes('?') ? rawPath.slice(rawPath.indexOf('?')) : '';
        rec.status = await proxyInference(req, res, proxied[1]!, proxied[2] ?? '', query, { store: deps.store, clock: deps.clock, upstream: deps.inferenceUpstream, log: deps.log });
        record(rec);
        return;
      }
      const match = path === '/' || path === '' ? undefined : router.match(method, path);
      op = match?.op;
      if (op) rec.operationId = op.operationId;
      const decision = injector?.decide(op?.effect === 'write') ?? { kind: 'none' as const };
      if (injector?.spec.latencyMs) await sleep(injector.spec.latencyMs);
      if (decision.kind === 'drop') {
        rec.dropped = 'before';
        rec.status = 0;
        record(rec);
        req.socket.destroy();
        return;
      }
      if (!match) {
        if (method !== 'GET' && method !== 'HEAD') throw new Problem(405, 'method-not-allowed', `${method} is not allowed on /`);
        send(200, rootInfo);
        return;
      }

      const world0 = deps.store.current();
      const now = deps.clock.now();
      const caller: Caller = authenticate({ method, rawPath, headers: req.headers }, world0, now, accepted);
      headers = rateHeaders(caller.accessKey);
      if (headers['X-RateLimit-Remaining'] === '0' && (hits.get(caller.accessKey)?.length ?? 0) > RATE_LIMIT) {
        throw new Problem(429, 'rate-limit-exceeded', `Rate limit exceeded: more than ${RATE_LIMIT} requests in ${RATE_WINDOW_S} s`);
      }
      if (decision.kind === '5xx') {
        throw decision.status === 503
          ? new Problem(503, 'server-frozen', 'The manager is frozen (injected fault)')
          : new Problem(500, 'internal-server-error', 'Injected server error');
      }
      if (decision.kind === '429') {
        headers['X-RateLimit-Remaining'] = '0';
        if (injector?.spec.retryAfter !== undefined) headers['Retry-After'] = String(injector.spec.retryAfter);
        throw new Problem(429, 'rate-limit-exceeded', 'Rate limit exceeded (injected fault)');
      }
      checkPrivilege(match.op, caller.user.role);

      const body = parseBody(await readBody(req), req.headers['content-type']);
      const document = GRAPHQL_PATH.test(match.op.path) ? (body as { query?: unknown } | undefined)?.query : undefined;
      if (typeof document === 'string') rec.graphql = document;
      const query = new URLSearchParams(rawPath.includes('?') ? rawPath.slice(rawPath.indexOf('?') + 1) : '');
      const queryObj: Record<string, string> = {};
      for (const [k, v] of query) if (!(k in queryObj)) queryObj[k] = v;
      validator.check(match.op, match.params, queryObj, body);

      const handler = deps.handlers[match.op.operationId];
      if (!handler) {
        throw new Problem(501, 'not-implemented', `${match.op.operationId} (${method} ${match.op.path}) is not implemented by the sandbox manager`);
      }

      const abort = new AbortController();
      res.on('close', () => abort.abort());
      const refresh = () => {
        const w = deps.store.current();
        advanceWorld(w, deps.clock.now(), deps.clock.fast);
        deps.store.save();
        return w;
      };
      const world = refresh();
      const host = req.headers.host ?? '127.0.0.1';
      const ctx: HandlerContext = {
        op: match.op,
        params: match.params,
        query,
        body,
        caller,
        world,
        now: deps.clock.now(),
        clockNow: () => deps.clock.now(),
        fast: deps.clock.fast,
        baseUrl: `http://${host}`,
        refresh,
        save: () => deps.store.save(),
        signal: abort.signal,
        req,
        res,
        log: deps.log,
      };
      const result: HandlerResult = await handler(ctx);
      deps.store.save();
      if (decision.kind === 'dropAfterWrite') {
        rec.dropped = 'afterWrite';
        rec.status = 'status' in result ? result.status : 200;
        record(rec);
        req.socket.destroy();
        return;
      }
      if ('streamed' in result) {
        rec.status = res.statusCode;
        record(rec);
        return;
      }
      if (result.headers) headers = { ...headers, ...result.headers };
      send(result.status, result.body);
    } catch (err) {
      if (err instanceof Problem) {
        send(err.status, err.body(), PROBLEM_CONTENT_TYPE);
        return;
      }
      deps.log(`sandbox: internal error on ${method} ${path}: ${(err as Error)?.message ?? String(err)}`);
      send(500, problemBody('internal-server-error', (err as Error)?.message ?? 'internal error'), PROBLEM_CONTENT_TYPE);
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Problem(413, 'generic-bad-request', `Request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** JSON bodies (also on GET: `GET /folders/_/id` takes one); other content types are ignored. */
function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct && ct !== 'application/json' && !ct.endsWith('+json') && ct !== 'text/plain') return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new Problem(400, 'generic-bad-request', 'Malformed body: the request body is not valid JSON');
  }
}
