/** The Backend.AI connection: configuration, signed HTTP, typed errors, the operation client. */
export { resolveConnection, ConfigError, loosePermissionWarning, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './config.js';
export type { ConnectionConfig, ConfigFlags, ResolvedConnection } from './config.js';
export { BackendApiError, ManagerUnavailableError, RequestAbortedError, problemSlug } from './errors.js';
export type { ProblemFields } from './errors.js';
export { createHttp, retryAfterFromHeaders, toTypedError, USER_AGENT } from './http.js';
export type { HttpOptions } from './http.js';
export { BackendClient, buildMinimalDocument, serializeQuery } from './client.js';
export type { BackendClientOptions, CallArgs, CallResult, SessionEvent } from './client.js';
export { DEFAULT_RETRY, backoffDelay, isRetryableReadError } from './retry.js';
export type { RetryOptions, RetryInfo } from './retry.js';
export { fetchLiveSpec, LIVE_SPEC_PATH } from './live-spec.js';
