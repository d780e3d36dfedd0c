/**
 * What can go wrong talking to the manager, as typed errors with one-line messages:
 * the manager answered with an error (problem+json, facts §10) → BackendApiError;
 * no usable answer at all (refused, DNS, TLS, timeout, dropped, HTML from a proxy) →
 * ManagerUnavailableError. Messages never carry the secret key or the Authorization header.
 */
import { BaiError } from '../errors.js';
import { redact } from '../redact.js';

export interface ProblemFields {
  status: number;
  /** Slug after `/probs/`, e.g. `invalid-api-params` (or the raw `type` when not a Backend.AI URL). */
  type: string;
  title: string;
  errorCode?: string | undefined;
  msg?: string | undefined;
  data?: unknown;
  operationId?: string | undefined;
  retryAfterMs?: number | undefined;
  /** Extra context appended to the message in parentheses (e.g. the measured clock offset). */
  hint?: string | undefined;
}

export class BackendApiError extends BaiError {
  override name = 'BackendApiError';
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly errorCode: string | undefined;
  readonly msg: string | undefined;
  readonly data: unknown;
  readonly operationId: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(p: ProblemFields) {
    super(p.hint ? oneLine(`${describeProblem(p)} (${p.hint})`) : describeProblem(p), 'api');
    this.status = p.status;
    this.type = p.type;
    this.title = p.title;
    this.errorCode = p.errorCode;
    this.msg = p.msg;
    this.data = p.data;
    this.operationId = p.operationId;
    this.retryAfterMs = p.retryAfterMs;
  }

  get isClockSkew(): boolean {
    return this.type === 'invalid-auth-params' && /date\/time sync/i.test(`${this.msg ?? ''} ${this.title}`);
  }
}

export class ManagerUnavailableError extends BaiError {
  override name = 'ManagerUnavailableError';
  /** HTTP status when something answered, but not with usable JSON (e.g. a proxy's 502 page). */
  status: number | undefined;
  retryAfterMs: number | undefined;
  constructor(
    message: string,
    /** Machine-readable cause: `refused`, `dns`, `tls`, `timeout`, `dropped`, `not-json`, `network`. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(oneLine(message), 'unavailable', options);
  }
}

/**
 * The manager does not know the route at all (404 `url-not-found`): the endpoint is wrong, most
 * often because it carries a path (`…/api/v1`) that the manager's routes do not start with. A
 * configuration problem (exit 2), the same for every call, so the planner stops at it.
 */
export class WrongEndpointError extends BaiError {
  override name = 'WrongEndpointError';
  constructor(message: string) {
    super(oneLine(message), 'config');
  }
}

/** The caller's AbortSignal fired: not a manager failure, nothing to retry or recover. */
export class RequestAbortedError extends BaiError {
  override name = 'RequestAbortedError';
  constructor(message: string) {
    super(oneLine(message), 'execution');
  }
}

function describeProblem(p: ProblemFields): string {
  const who = p.operationId ?? 'request';
  if (p.type === 'invalid-auth-params' && /date\/time sync/i.test(`${p.msg ?? ''} ${p.title}`)) {
    return oneLine(
      `${who} failed: the local clock differs from the manager's by more than 15 minutes (400 invalid-auth-params — Date/time sync error); fix the time sync (NTP) on this machine`,
    );
  }
  if (p.status === 401 && p.type === 'auth-failed') {
    const detail = p.msg ?? p.title;
    if (/signature mismatch/i.test(detail)) {
      return `${who}: authentication failed: check BACKEND_ACCESS_KEY/BACKEND_SECRET_KEY (signature mismatch)`;
    }
    if (/access key not found/i.test(detail)) {
      return `${who}: authentication failed: check BACKEND_ACCESS_KEY/BACKEND_SECRET_KEY (access key not found or inactive)`;
    }
    return oneLine(`${who}: authentication failed: ${detail}`);
  }
  const detail = p.msg && p.msg !== p.title ? p.msg : p.title;
  const code = p.type ? ` ${p.type}` : '';
  const base = `${who} failed: ${p.status}${code}${detail ? ` — ${detail}` : ''}`;
  if (p.status === 429) {
    // retries already waited what we are willing to; say what the manager asked for
    const wait = p.retryAfterMs !== undefined ? `the manager asks to wait ${Math.ceil(p.retryAfterMs / 1000)} s` : 'wait a moment';
    return oneLine(`${base} (this keypair's request rate limit is used up: ${wait} and try again)`);
  }
  return oneLine(base);
}

/** Single line, bounded, redacted. */
export function oneLine(text: string, max = 400): string {
  const flat = redact(text).replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `https://api.backend.ai/probs/invalid-api-params` → `invalid-api-params`. */
export function problemSlug(type: unknown): string {
  if (typeof type !== 'string' || type === '') return '';
  const m = /\/probs\/([^/?#]+)/.exec(type);
  return m?.[1] ?? type;
}

/**
 * Failures of the connection itself — unreachable manager, rejected credentials, clock skew, a
 * rate limit or gateway error that outlasted the retries — rather than of one call. No other candidate can succeed after one of these, so the planner
 * stops and reports it instead of backtracking into alternatives.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof ManagerUnavailableError || err instanceof WrongEndpointError) return true;
  if (err instanceof BackendApiError) {
    if (err.status === 401 || err.type === 'auth-failed' || err.type === 'invalid-auth-params') return true;
    // still rate limited / unavailable after the read retries: every other candidate would fail the same way
    return [429, 502, 503, 504].includes(err.status);
  }
  return false;
}
