/**
 * Retries that are safe: only reads (catalog effect `read`, raw GET/HEAD) are retried, on
 * connection failures, timeouts, 502/503/504 (and 500) and 429 — exponential backoff with full
 * jitter, capped, honouring the server's requested wait (Retry-After / X-RateLimit-*) up to a
 * bound. Writes are never retried here: whether a lost write happened is decided by the executor.
 * Each attempt is a fresh request, so it is re-signed with a fresh Date.
 */
import { BackendApiError, ManagerUnavailableError, RequestAbortedError } from './errors.js';

export interface RetryOptions {
  /** Extra attempts after the first (default 3). */
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A server asking for a longer wait than this is not retried (its error is returned). Default 30 s. */
  maxRetryAfterMs?: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, baseDelayMs: 200, maxDelayMs: 5_000, maxRetryAfterMs: 30_000 };

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: Error;
  operationId?: string | undefined;
}

const RETRYABLE_UNAVAILABLE = new Set(['refused', 'timeout', 'dropped', 'network', 'dns']);

/** Would a read that failed with `err` be worth sending again? */
export function isRetryableReadError(err: unknown): boolean {
  if (err instanceof RequestAbortedError) return false;
  if (err instanceof BackendApiError) return [429, 500, 502, 503, 504].includes(err.status);
  if (err instanceof ManagerUnavailableError) {
    if (RETRYABLE_UNAVAILABLE.has(err.reason)) return true;
    // a proxy's HTML page for a gateway error: the manager may be back in a moment
    return err.reason === 'not-json' && [502, 503, 504].includes(err.status ?? 0);
  }
  return false;
}

/** Full jitter: uniform in [0, min(max, base·2^attempt)]. `attempt` starts at 0. */
export function backoffDelay(attempt: number, opts: RetryOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

function serverRequestedWait(err: unknown): number | undefined {
  if (err instanceof BackendApiError || err instanceof ManagerUnavailableError) return err.retryAfterMs;
  return undefined;
}

export interface WithRetryOptions {
  retry: RetryOptions;
  /** False for writes: one attempt only. */
  retryable: boolean;
  signal?: AbortSignal | undefined;
  operationId?: string | undefined;
  onRetry?: ((info: RetryInfo) => void) | undefined;
  random?: () => number;
}

export async function withRetry<T>(attempt: () => Promise<T>, opts: WithRetryOptions): Promise<T> {
  const maxRetries = opts.retryable ? Math.max(0, opts.retry.retries) : 0;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= maxRetries || !isRetryableReadError(err) || opts.signal?.aborted) throw err;
      const requested = serverRequestedWait(err);
      const cap = opts.retry.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs ?? 30_000;
      if (requested !== undefined && requested > cap) throw err; // the server wants longer than we are willing to wait
      const delayMs = requested !== undefined ? requested : backoffDelay(n, opts.retry, opts.random);
      opts.onRetry?.({ attempt: n + 1, delayMs, error: err as Error, operationId: opts.operationId });
      await sleep(delayMs, opts.signal);
      if (opts.signal?.aborted) throw new RequestAbortedError(`${opts.operationId ?? 'request'}: cancelled`);
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
