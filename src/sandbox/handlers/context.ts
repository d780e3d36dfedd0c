/** What a route handler gets and returns (server.ts builds it for every request). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Operation } from '../../spec/types.js';
import type { Caller } from '../auth.js';
import type { SandboxWorld } from '../world.js';

export interface HandlerContext {
  op: Operation;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  caller: Caller;
  world: SandboxWorld;
  /** The clock when the request arrived. */
  now: number;
  /** The clock right now (for handlers that wait). */
  clockNow(): number;
  fast: boolean;
  /** `http://host:port` as the client reached us. */
  baseUrl: string;
  /** Reload the world (another process may have changed it), bring it to now, persist. */
  refresh(): SandboxWorld;
  /** Persist the world now (the server also saves after every handler). */
  save(): void;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  req: IncomingMessage;
  res: ServerResponse;
  log(line: string): void;
}

export type HandlerResult =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** The handler wrote the response itself (SSE). */
  | { streamed: true };

export type Handler = (ctx: HandlerContext) => HandlerResult | Promise<HandlerResult>;

export type HandlerTable = Record<string, Handler>;

export const json = (status: number, body?: unknown): HandlerResult => ({ status, body });
export const noContent = (): HandlerResult => ({ status: 204 });

/** A JSON body as an object (handlers read fields from it); anything else is `{}`. */
export function bodyObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

/** First defined value among a field's names/aliases. */
export function pick<T = unknown>(obj: Record<string, unknown>, ...names: string[]): T | undefined {
  for (const n of names) if (obj[n] !== undefined && obj[n] !== null) return obj[n] as T;
  return undefined;
}

export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    // the listener goes when the timer fires: a blocking create sleeps many times on one request's signal
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
