/**
 * The signed Axios instance every manager request goes through.
 *
 * Signing happens in a request interceptor, as late as possible, over exactly the bytes on the
 * wire (facts §1.6): the URL axios will send is computed once, put back as the request URL
 * (params cleared) and its `pathname+search` signed — an endpoint's path prefix included.
 * Content type: a body is sent and signed as `application/json`; no body → no Content-Type
 * header at all and `application/octet-stream` signed (what the manager reads when the header
 * is absent, facts §1.3). Every request has a timeout. Failures become the typed errors of
 * ./errors.ts in a response interceptor.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { axios } from './axios-cjs.js';
import type { ConnectionConfig } from './config.js';
import { registerSecret } from '../redact.js';
import { BackendApiError, ManagerUnavailableError, RequestAbortedError, WrongEndpointError, problemSlug } from './errors.js';
import { signRequest, signingHost } from './signing.js';

export const CLIENT_VERSION = '0.1.0';
export const USER_AGENT = `bai-agent/${CLIENT_VERSION}`;

declare module 'axios' {
  interface AxiosRequestConfig {
    /** Named in error messages (`session.create_from_params failed: …`). */
    baiOperationId?: string;
    /** Signed but left unparsed (SSE streams). */
    baiRaw?: boolean;
    /** Sent without signature headers (`GET /`, the version probe: the manager needs no auth there). */
    baiUnsigned?: boolean;
  }
}

export interface HttpOptions {
  /** Clock used for the `Date` header (tests simulate skew). */
  now?: () => Date;
  /** The `X-BackendAI-Version` to sign with, asked per request (it changes once negotiated). Default: the config's. */
  apiVersion?: () => string;
}

export function createHttp(config: ConnectionConfig, opts: HttpOptions = {}): AxiosInstance {
  const now = opts.now ?? (() => new Date());
  // Configs built in code (sandbox, tests) bypass resolveConnection: mask this secret too.
  registerSecret(config.secretKey);
  const agentOptions = { keepAlive: true, timeout: config.requestTimeoutMs };
  const instance = axios.create({
    baseURL: config.endpoint,
    timeout: config.requestTimeoutMs,
    httpAgent: withConnectTimeout(new http.Agent(agentOptions), config.connectTimeoutMs),
    httpsAgent: withConnectTimeout(new https.Agent({ ...agentOptions, rejectUnauthorized: !config.skipSslVerification }), config.connectTimeoutMs),
    // We parse bodies ourselves: a proxy's HTML page must become a clear error, not a JSON stack.
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: false },
    maxRedirects: 0,
    validateStatus: (s) => s >= 200 && s < 300,
    headers: { Accept: 'application/json', 'User-Agent': USER_AGENT },
  });

  const host = signingHost(config.endpoint);
  const apiVersion = opts.apiVersion ?? (() => config.apiVersion);
  instance.interceptors.request.use((req) => (req.baiUnsigned ? req : signConfig(instance, req, config, host, now(), apiVersion())));
  instance.interceptors.response.use(
    (res) => parseResponse(res, config),
    async (err: unknown) => {
      await readStreamedErrorBody(err);
      throw withClockSkew(toTypedError(err, config), err, now);
    },
  );
  return instance;
}

function signConfig(instance: AxiosInstance, req: InternalAxiosRequestConfig, config: ConnectionConfig, host: string, date: Date, apiVersion: string): InternalAxiosRequestConfig {
  // The exact URL axios would build (baseURL + url + serialised params), parsed the way the
  // node adapter parses it, so that what we sign is what goes on the wire.
  const wire = new URL(instance.getUri(req));
  req.url = wire.toString();
  req.baseURL = undefined;
  req.params = undefined;

  const method = (req.method ?? 'get').toUpperCase();
  const hasBody = req.data !== undefined && req.data !== null;
  const headers = axios.AxiosHeaders.from(req.headers);
  let contentType: string;
  if (hasBody) {
    contentType = 'application/json';
    headers.set('Content-Type', contentType);
    if (typeof req.data !== 'string') req.data = JSON.stringify(req.data);
  } else {
    contentType = 'application/octet-stream';
    // `false` keeps axios from adding its form-urlencoded default for body-less POST/PUT/PATCH.
    headers.set('Content-Type', false as unknown as string);
    req.data = undefined;
  }
  const signed = signRequest({
    method,
    relUrl: wire.pathname + wire.search,
    host,
    contentType,
    apiVersion,
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    now: date,
  });
  headers.set('Date', signed.Date);
  headers.set('X-BackendAI-Version', signed['X-BackendAI-Version']);
  headers.set('X-BackendAI-Domain', config.domain);
  headers.set('Authorization', signed.Authorization);
  req.headers = headers;
  return req;
}

/** Parse a 2xx body: JSON (or empty → null); anything else where JSON was expected is an error. */
function parseResponse(res: AxiosResponse, config: ConnectionConfig): AxiosResponse {
  if (res.config.baiRaw) return res;
  const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
  if (res.status === 204 || text.trim() === '') {
    res.data = null;
    return res;
  }
  try {
    res.data = JSON.parse(text);
  } catch {
    throw notJson(res.status, text, headerString(res.headers['content-type']), config, res.config.baiOperationId);
  }
  return res;
}

function endpointHasPath(config: ConnectionConfig): boolean {
  return !['', '/'].includes(new URL(config.endpoint).pathname);
}

/** Routes the manager does not know under the endpoint's path: the path is wrong. */
function wrongEndpoint(config: ConnectionConfig, operationId: string | undefined): WrongEndpointError {
  const url = new URL(config.endpoint);
  const origin = config.source.endpoint;
  const label = origin === 'flag' ? '--endpoint' : origin === undefined || origin === 'env' ? 'BACKEND_ENDPOINT' : `the endpoint in ${origin}`;
  return new WrongEndpointError(
    `${label} should have no path: the manager does not know its routes under ${url.pathname} (404 for ${operationId ?? 'a request'}); use ${url.origin}`,
  );
}

function notJson(status: number, text: string, contentType: string, config: ConnectionConfig, operationId?: string): ManagerUnavailableError | WrongEndpointError {
  // a proxy's 404 page for a path the manager never sees: the same wrong path
  if (status === 404 && endpointHasPath(config)) return wrongEndpoint(config, operationId);
  const looksHtml = /html/i.test(contentType) || /^\s*</.test(text);
  const head = text.replace(/\s+/g, ' ').trim().slice(0, 80);
  const what = looksHtml ? 'an HTML page' : `a non-JSON body (${contentType || 'no content type'})`;
  const err = new ManagerUnavailableError(
    `${operationId ?? 'request'}: ${config.endpoint} answered ${status} with ${what} instead of JSON (a proxy or wrong endpoint?): "${head}"`,
    'not-json',
  );
  err.status = status;
  return err;
}

function headerString(v: unknown): string {
  return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : v == null ? '' : String(v);
}

/** An error answer to a streamed request (SSE): read its (small) body so the problem fields survive. */
async function readStreamedErrorBody(err: unknown): Promise<void> {
  if (!axios.isAxiosError(err) || !err.response) return;
  const data = err.response.data as unknown;
  if (!data || typeof data !== 'object' || typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') return;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of data as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(b);
      size += b.length;
      if (size > 64 * 1024) break;
    }
  } catch {
    // a body we cannot read: the status alone will do
  }
  err.response.data = Buffer.concat(chunks).toString('utf8');
}

/**
 * A Date/time sync rejection: say by how much the clocks differ when the manager's `Date`
 * response header tells us.
 */
function withClockSkew(typed: unknown, raw: unknown, localNow: () => Date): unknown {
  if (!(typed instanceof BackendApiError) || !typed.isClockSkew || !axios.isAxiosError(raw)) return typed;
  const serverDate = Date.parse(headerString(raw.response?.headers?.date));
  if (Number.isNaN(serverDate)) return typed;
  const minutes = Math.round((localNow().getTime() - serverDate) / 60_000);
  if (Math.abs(minutes) < 1) return typed;
  const skew = `local clock is about ${Math.abs(minutes)} min ${minutes > 0 ? 'ahead of' : 'behind'} the manager's`;
  return new BackendApiError({ ...typed, hint: skew });
}

/** Turn anything axios throws into BackendApiError / ManagerUnavailableError / RequestAbortedError. */
export function toTypedError(err: unknown, config: ConnectionConfig): unknown {
  if (err instanceof BackendApiError || err instanceof ManagerUnavailableError || err instanceof RequestAbortedError) return err;
  if (!axios.isAxiosError(err)) return err;
  const operationId = err.config?.baiOperationId;
  const who = operationId ?? 'request';
  const res = err.response;
  if (res) {
    const location = headerString(res.headers.location);
    if (res.status >= 300 && res.status < 400 && location) {
      // Signed requests are not followed across redirects: the signature covers host and path.
      const e = new ManagerUnavailableError(
        `${who}: ${config.endpoint} redirects (${res.status}) to ${location}; set BACKEND_ENDPOINT to the final URL (e.g. https://)`,
        'redirect',
      );
      e.status = res.status;
      return e;
    }
    const retryAfterMs = retryAfterFromHeaders(res.headers as Record<string, unknown>);
    if (res.config.baiRaw && typeof res.data !== 'string') {
      // a streamed error body that was not read: the status is the message
      return apiErrorFromBody(res.status, '', headerString(res.headers['content-type']), config, operationId, retryAfterMs);
    }
    const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : JSON.stringify(res.data);
    return apiErrorFromBody(res.status, text, headerString(res.headers['content-type']), config, operationId, retryAfterMs);
  }
  if (axios.isCancel(err) || err.code === 'ERR_CANCELED') return new RequestAbortedError(`${who}: cancelled`);
  const code = err.code ?? (err.cause as { code?: string } | undefined)?.code ?? '';
  const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
  const where = config.endpoint;
  let e: ManagerUnavailableError;
  switch (code) {
    case 'ECONNREFUSED':
      e = new ManagerUnavailableError(`${who}: cannot connect to ${where}: connection refused (is the manager running and the endpoint right?)`, 'refused', { cause: err });
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      e = new ManagerUnavailableError(`${who}: cannot resolve the host of ${where} (DNS lookup failed)`, 'dns', { cause: err });
      break;
    case 'ETIMEDOUT':
    case 'ECONNABORTED':
    case 'ESOCKETTIMEDOUT':
      e = new ManagerUnavailableError(`${who}: no answer from ${where} within ${seconds(err.config?.timeout || config.requestTimeoutMs)}`, 'timeout', { cause: err });
      break;
    case 'ECONNECTTIMEOUT':
      e = new ManagerUnavailableError(`${who}: could not connect to ${where} within ${seconds(config.connectTimeoutMs)}`, 'timeout', { cause: err });
      break;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_STREAM_PREMATURE_CLOSE':
      e = new ManagerUnavailableError(`${who}: the connection to ${where} was dropped before an answer arrived`, 'dropped', { cause: err });
      break;
    default:
      if (isTlsCode(code)) {
        e = new ManagerUnavailableError(
          `${who}: TLS handshake with ${where} failed (${code}); fix the certificate, or set BACKEND_SKIP_SSLCERT_VALIDATION=yes for a test cluster only`,
          'tls',
          { cause: err },
        );
      } else if (/socket hang up/i.test(err.message)) {
        e = new ManagerUnavailableError(`${who}: the connection to ${where} was dropped before an answer arrived`, 'dropped', { cause: err });
      } else {
        e = new ManagerUnavailableError(`${who}: cannot reach ${where}: ${code || err.message}`, 'network', { cause: err });
      }
  }
  return e;
}

function isTlsCode(code: string): boolean {
  return /^(CERT_|ERR_TLS|ERR_SSL|EPROTO|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT|HOSTNAME_MISMATCH|ERR_OSSL)/.test(code);
}

/** An error answer: problem+json → BackendApiError; a body that is not JSON → ManagerUnavailableError. */
export function apiErrorFromBody(
  status: number,
  text: string,
  contentType: string,
  config: ConnectionConfig,
  operationId: string | undefined,
  retryAfterMs: number | undefined,
): BackendApiError | ManagerUnavailableError | WrongEndpointError {
  let body: unknown = undefined;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      const err = notJson(status, text, contentType, config, operationId);
      if (err instanceof ManagerUnavailableError) err.retryAfterMs = retryAfterMs;
      return err;
    }
  }
  const o = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  // an unknown route under an endpoint with a path: the path is the mistake (a route an older
  // manager lacks, on an endpoint without one, stays an ordinary failure of that call)
  if (status === 404 && problemSlug(o.type) === 'url-not-found' && endpointHasPath(config)) return wrongEndpoint(config, operationId);
  return new BackendApiError({
    status,
    type: problemSlug(o.type) || `http-${status}`,
    title: str(o.title) ?? defaultTitle(status),
    errorCode: str(o.error_code),
    // `msg` is the manager's field; `detail`/`message` come from proxies and older docs
    msg: str(o.msg) ?? str(o.detail) ?? str(o.message),
    data: o.data,
    operationId,
    retryAfterMs,
  });
}

function defaultTitle(status: number): string {
  return http.STATUS_CODES[status] ?? `HTTP ${status}`;
}

/**
 * How long the server asks us to wait: `Retry-After` (seconds or HTTP date), else
 * `X-RateLimit-Remaining: 0` with `X-RateLimit-Window` (seconds; facts §10). Undefined if neither.
 */
export function retryAfterFromHeaders(headers: Record<string, unknown>, nowMs: number = Date.now()): number | undefined {
  const get = (name: string): string | undefined => {
    for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() === name) return headerString(v);
    return undefined;
  };
  const ra = get('retry-after');
  if (ra) {
    const secs = Number(ra);
    if (Number.isFinite(secs) && secs >= 0) return Math.round(secs * 1000);
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  if (get('x-ratelimit-remaining')?.trim() === '0') {
    const window = Number(get('x-ratelimit-window'));
    if (Number.isFinite(window) && window > 0) return Math.round(window * 1000);
  }
  return undefined;
}

/**
 * Fail a connection attempt that does not complete within `ms` (the overall request timeout
 * still applies after that). Node agents have no connect timeout of their own.
 */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number): A {
  const base = (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection.bind(agent);
  (agent as unknown as { createConnection: (...a: unknown[]) => Socket }).createConnection = (...args: unknown[]) => {
    const socket = base(...args);
    if (!socket || ms <= 0) return socket;
    const timer = setTimeout(() => {
      const e = Object.assign(new Error(`connect timeout after ${ms} ms`), { code: 'ECONNECTTIMEOUT' });
      socket.destroy(e);
    }, ms);
    timer.unref?.();
    const clear = () => clearTimeout(timer);
    socket.once('connect', clear);
    socket.once('secureConnect', clear);
    socket.once('close', clear);
    return socket;
  };
  return agent;
}
