/**
 * BackendClient: call any catalog operation by operationId over the signed Axios instance.
 *
 * Requests are built by openapi-client-axios (path templating and encoding, OpenAPI query
 * styles) from a *minimal* OpenAPI document holding only the operations this run needs —
 * initialising it on all 730 upstream operations costs far more than a CLI start can afford.
 * An operation outside the current set is added on first use (the document is rebuilt).
 */
import type { Document, OpenAPIClientAxios } from 'openapi-client-axios';
import { loadOpenAPIClientAxios } from './axios-cjs.js';
import type { AxiosInstance, AxiosRequestConfig, AxiosResponse } from 'axios';
import { BaiError } from '../errors.js';
import type { Catalog, JsonSchema, Operation } from '../spec/types.js';
import type { ConnectionConfig } from './config.js';
import { ManagerUnavailableError, RequestAbortedError } from './errors.js';
import { createHttp, toTypedError } from './http.js';
import { DEFAULT_RETRY, withRetry, type RetryInfo, type RetryOptions } from './retry.js';
import { compareApiVersions, MIN_API_VERSION, parseApiVersion } from './api-version.js';

export interface CallArgs {
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface CallResult<T> {
  status: number;
  data: T;
  headers: Record<string, string>;
}

export interface BackendClientOptions {
  /** Operations to prepare up front; others are added on first call. */
  operations?: string[];
  retry?: Partial<RetryOptions>;
  onRetry?: (info: RetryInfo) => void;
  /** Clock for the signed `Date` header. */
  now?: () => Date;
}

export interface SessionEvent {
  event: string;
  data: unknown;
}

export class BackendClient {
  private api: OpenAPIClientAxios | undefined;
  private readonly included = new Set<string>();
  private readonly retry: RetryOptions;
  private http!: AxiosInstance;
  /** The version signed into requests: the configured one until `GET /` says the manager is older. */
  private sentVersion: string;
  private negotiation: Promise<void> | undefined;
  private managerInfo: { version: string; manager: string } | undefined;

  private constructor(
    readonly config: ConnectionConfig,
    readonly catalog: Catalog,
    private readonly opts: BackendClientOptions,
  ) {
    this.retry = { ...DEFAULT_RETRY, ...(opts.retry ?? {}) };
    this.sentVersion = config.apiVersion;
  }

  static create(config: ConnectionConfig, catalog: Catalog, opts: BackendClientOptions = {}): BackendClient {
    const client = new BackendClient(config, catalog, opts);
    client.http = createHttp(config, { ...(opts.now ? { now: opts.now } : {}), apiVersion: () => client.sentVersion });
    if (opts.operations?.length) client.prepare(opts.operations);
    return client;
  }

  /** The `X-BackendAI-Version` requests carry (after negotiation, the lower of ours and the manager's). */
  get apiVersion(): string {
    return this.sentVersion;
  }

  /** What the manager said on `GET /`, once negotiated (undefined if it did not say). */
  get manager(): { version: string; manager: string } | undefined {
    return this.managerInfo;
  }

  /**
   * Version negotiation, once per connection (facts §15.6), as the official client does
   * (`client/session.py` `_negotiate_api_version`): `GET /` (no auth) tells the manager's API
   * version; requests then carry the lower of it and ours. A manager older than the official
   * client's minimum stops here ("manager too old"). When `GET /` gives no usable answer the
   * configured version is kept, as the official client does; if the manager could not be
   * reached at all, the next call asks again.
   */
  negotiate(signal?: AbortSignal): Promise<void> {
    this.negotiation ??= this.probeVersion(signal).catch((err: unknown) => {
      this.negotiation = undefined;
      throw err;
    });
    return this.negotiation;
  }

  private async probeVersion(signal?: AbortSignal): Promise<void> {
    let info: { version: string; manager: string };
    try {
      info = await this.rootInfo(signal, false);
    } catch (err) {
      // unreachable: the call itself will say so (after its own retries); ask again next time
      if (err instanceof ManagerUnavailableError && UNREACHABLE.has(err.reason)) this.negotiation = undefined;
      return;
    }
    if (!parseApiVersion(info.version)) return;
    this.managerInfo = info;
    if (compareApiVersions(info.version, MIN_API_VERSION) < 0) {
      throw new ManagerUnavailableError(
        `manager too old (version ${info.version}, manager ${info.manager}): bai-agent needs a Backend.AI manager with API ${MIN_API_VERSION} or newer`,
        'too-old',
      );
    }
    if (parseApiVersion(this.sentVersion) && compareApiVersions(info.version, this.sentVersion) < 0) this.sentVersion = info.version;
  }

  /** operationIds the request builder currently knows (for tests and --verbose). */
  get preparedOperations(): string[] {
    return [...this.included];
  }

  /** Make sure the request builder knows these operations (rebuilds the minimal document if needed). */
  prepare(operationIds: string[]): void {
    const missing = operationIds.filter((id) => !this.included.has(id));
    if (missing.length === 0 && this.api) return;
    for (const id of missing) {
      if (!this.catalog.has(id)) throw unknownOperation(id);
      this.included.add(id);
    }
    const OpenAPIClientAxiosClass = loadOpenAPIClientAxios();
    const api = new OpenAPIClientAxiosClass({ definition: buildMinimalDocument(this.catalog, [...this.included]), quick: true, axiosConfigDefaults: {} });
    api.initSync();
    this.api = api;
  }

  async call<T = unknown>(operationId: string, args: CallArgs = {}): Promise<CallResult<T>> {
    const op = this.catalog.get(operationId);
    if (!op) throw unknownOperation(operationId);
    this.prepare([operationId]);
    const url = this.buildUrl(op, args);
    const config: AxiosRequestConfig = {
      method: op.method,
      url,
      baiOperationId: operationId,
      ...(args.body !== undefined ? { data: args.body } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
      ...(args.timeoutMs ? { timeout: args.timeoutMs } : {}),
    };
    return this.send<T>(config, op.effect === 'read', operationId, args.signal);
  }

  /** A route outside the spec (e.g. `GET /`); `path` is relative to the endpoint. GET/HEAD are retried. */
  async request<T = unknown>(
    method: string,
    path: string,
    args: { query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal; timeoutMs?: number } = {},
  ): Promise<CallResult<T>> {
    const m = method.toUpperCase();
    const qs = serializeQuery(args.query);
    const url = qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
    const config: AxiosRequestConfig = {
      method: m,
      url,
      ...(args.body !== undefined ? { data: args.body } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
      ...(args.timeoutMs ? { timeout: args.timeoutMs } : {}),
    };
    return this.send<T>(config, m === 'GET' || m === 'HEAD', `${m} ${path}`, args.signal);
  }

  /** `GET /`: the manager's API version and release. */
  async version(opts: { signal?: AbortSignal } = {}): Promise<{ version: string; manager: string }> {
    return this.rootInfo(opts.signal);
  }

  private async rootInfo(signal?: AbortSignal, retryable = true): Promise<{ version: string; manager: string }> {
    // unsigned, as the official client probes: `GET /` needs no auth
    const res = await this.send<unknown>({ method: 'GET', url: '/', baiUnsigned: true, ...(signal ? { signal } : {}) }, retryable, 'GET /', signal, { probe: true });
    const d = res.data as Record<string, unknown> | null;
    if (!d || typeof d.version !== 'string') {
      throw new ManagerUnavailableError(`${this.config.endpoint} does not look like a Backend.AI manager (GET / has no "version")`, 'not-manager');
    }
    return { version: d.version, manager: typeof d.manager === 'string' ? d.manager : 'unknown' };
  }

  /**
   * Signed SSE on `GET /events/session` (facts §9): yields `{event, data}` with JSON data parsed.
   * Ends when the server closes the stream or `signal` aborts; a dropped stream throws
   * ManagerUnavailableError.
   */
  async *events(query: Record<string, string>, opts: { signal: AbortSignal }): AsyncIterable<SessionEvent> {
    yield* this.stream('/events/session', query, opts.signal);
  }

  /** Any SSE route (e.g. `/events/background-task`). */
  async *stream(path: string, query: Record<string, string>, signal: AbortSignal): AsyncIterable<SessionEvent> {
    const { createParser } = await import('eventsource-parser');
    // Our own controller: it bounds the wait for response headers (the axios timeout would also
    // cut a healthy but quiet stream) and is aborted by the caller's signal.
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal.aborted) return;
    signal.addEventListener('abort', onAbort, { once: true });
    const headerTimer = setTimeout(() => controller.abort(), this.config.requestTimeoutMs);
    let headersTimedOut = false;
    controller.signal.addEventListener('abort', () => {
      if (!signal.aborted) headersTimedOut = true;
    });

    const qs = serializeQuery(query);
    let res: AxiosResponse;
    try {
      res = await this.http.request({
        method: 'GET',
        url: qs ? `${path}?${qs}` : path,
        responseType: 'stream',
        baiRaw: true,
        timeout: 0,
        signal: controller.signal,
        headers: { Accept: 'text/event-stream' },
        baiOperationId: `GET ${path}`,
      });
    } catch (err) {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) return;
      if (headersTimedOut) {
        throw new ManagerUnavailableError(`GET ${path}: no answer from ${this.config.endpoint} within ${this.config.requestTimeoutMs / 1000} s`, 'timeout');
      }
      throw err;
    } finally {
      clearTimeout(headerTimer);
    }

    const queue: SessionEvent[] = [];
    const parser = createParser({
      onEvent: (ev) => {
        let data: unknown = ev.data;
        try {
          data = JSON.parse(ev.data);
        } catch {
          // not JSON: keep the text
        }
        queue.push({ event: ev.event ?? 'message', data });
      },
    });
    const body = res.data as AsyncIterable<Buffer | string>;
    try {
      for await (const chunk of body) {
        parser.feed(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
        while (queue.length) yield queue.shift() as SessionEvent;
        if (signal.aborted) return;
      }
      while (queue.length) yield queue.shift() as SessionEvent;
    } catch (err) {
      if (signal.aborted) return;
      throw new ManagerUnavailableError(`GET ${path}: the event stream from ${this.config.endpoint} was dropped`, 'dropped', { cause: err });
    } finally {
      signal.removeEventListener('abort', onAbort);
      controller.abort(); // releases the socket when the consumer stops early
    }
  }

  private async send<T>(config: AxiosRequestConfig, retryable: boolean, label: string, signal?: AbortSignal, opts: { probe?: boolean } = {}): Promise<CallResult<T>> {
    if (!opts.probe) await this.negotiate(signal);
    const res = await withRetry(
      async () => {
        if (signal?.aborted) throw new RequestAbortedError(`${label}: cancelled`);
        try {
          // a fresh config object per attempt: the interceptor rewrites url/headers and re-signs
          return await this.http.request({ ...config, headers: { ...(config.headers as Record<string, string> | undefined) } });
        } catch (err) {
          throw toTypedError(err, this.config);
        }
      },
      { retry: this.retry, retryable, signal, operationId: label, onRetry: this.opts.onRetry },
    );
    return { status: res.status, data: res.data as T, headers: plainHeaders(res.headers) };
  }

  private buildUrl(op: Operation, args: CallArgs): string {
    const api = this.api;
    if (!api) throw new BaiError(`internal: request builder not prepared for ${op.operationId}`, 'bad_input');
    const params: { name: string; value: unknown; in: string }[] = [];
    const pathParams = args.pathParams ?? {};
    for (const name of pathPlaceholders(op.path)) {
      const value = pathParams[name];
      if (value === undefined || value === null || value === '') {
        throw new BaiError(`${op.operationId}: missing path parameter '${name}' (${op.method} ${op.path})`, 'bad_input');
      }
      params.push({ name, value: String(value), in: 'path' });
    }
    for (const [name, value] of Object.entries(args.query ?? {})) {
      if (value !== undefined && value !== null) params.push({ name, value, in: 'query' });
    }
    const req = api.getRequestConfigForOperation(op.operationId, [params as never]);
    return req.queryString ? `${req.path}?${req.queryString}` : req.path;
  }
}

/** Failures that mean the manager cannot be reached at all: the call itself would fail the same way. */
const UNREACHABLE = new Set(['refused', 'dns', 'tls', 'timeout', 'dropped', 'network']);

function unknownOperation(id: string): BaiError {
  return new BaiError(`unknown operation '${id}': not in the loaded spec (try \`bai-agent ops search\`)`, 'bad_input');
}

function pathPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
}

/** `k=v&k2=v2` with RFC 3986 encoding; arrays repeat the key (OpenAPI form, explode). */
export function serializeQuery(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) {
      const s = typeof item === 'object' ? JSON.stringify(item) : String(item);
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(s)}`);
    }
  }
  return parts.join('&');
}

function plainHeaders(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const src = h && typeof (h as { toJSON?: unknown }).toJSON === 'function' ? (h as { toJSON: () => Record<string, unknown> }).toJSON() : (h as Record<string, unknown>);
  for (const [k, v] of Object.entries(src ?? {})) {
    if (v === undefined || v === null) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

/**
 * An OpenAPI document with only `operationIds` and the component schemas they reference
 * (transitively). Enough for request building; a fraction of the full spec's init cost.
 */
export function buildMinimalDocument(catalog: Catalog, operationIds: string[]): Document {
  const paths: Record<string, Record<string, unknown>> = {};
  const needed = new Set<string>();
  const collectRefs = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) collectRefs(n);
    } else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (k === '$ref' && typeof v === 'string') {
          const m = /^#\/components\/schemas\/(.+)$/.exec(v);
          const name = m?.[1] ? decodeURIComponent(m[1].replace(/~1/g, '/').replace(/~0/g, '~')) : undefined;
          if (name && !needed.has(name) && catalog.schemas[name]) {
            needed.add(name);
            collectRefs(catalog.schemas[name]);
          }
        } else collectRefs(v);
      }
    }
  };
  for (const id of operationIds) {
    const op = catalog.get(id);
    if (!op) continue;
    const item = (paths[op.path] ??= {});
    const parameters = op.parameters
      .filter((p) => p.in === 'path' || p.in === 'query')
      .map((p) => ({ name: p.name, in: p.in, required: p.in === 'path' ? true : p.required, schema: p.schema }));
    const entry: Record<string, unknown> = { operationId: op.operationId, parameters, responses: { '200': { description: 'Successful response' } } };
    if (op.requestBody) entry.requestBody = { required: op.requestBodyRequired, content: { 'application/json': { schema: op.requestBody as JsonSchema } } };
    item[op.method.toLowerCase()] = entry;
    collectRefs(entry);
  }
  const schemas: Record<string, JsonSchema> = {};
  for (const name of needed) schemas[name] = catalog.schemas[name] as JsonSchema;
  return {
    openapi: '3.1.0',
    info: { title: catalog.title, version: catalog.version },
    paths,
    components: { schemas },
  } as unknown as Document;
}
