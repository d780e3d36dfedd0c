/**
 * A tiny signed HTTP client for sandbox tests: signs like the official client (src/client/signing.ts)
 * and returns status, headers and the parsed body. `tamper` lets a test break one part of the
 * signature on purpose.
 */
import { request } from 'node:http';
import { signRequest, signingHost } from '../../src/client/signing.js';

export interface KeyPair {
  accessKey: string;
  secretKey: string;
}

export interface SignedFetchOptions {
  method?: string;
  /** Path plus query, e.g. `/folders?group_id=x` */
  path: string;
  body?: unknown;
  keys?: KeyPair;
  apiVersion?: string;
  /** Override the signing clock. */
  now?: Date;
  /** Headers to add or (with undefined) remove after signing. */
  headers?: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** Send this path instead of the signed one (to test tampering). */
  sendPath?: string;
}

export interface SignedResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function signedFetch<T = any>(baseUrl: string, keys: KeyPair, opts: SignedFetchOptions): Promise<SignedResponse<T>> {
  const method = (opts.method ?? 'GET').toUpperCase();
  const hasBody = opts.body !== undefined;
  const contentType = hasBody ? 'application/json' : 'application/octet-stream';
  const signed = signRequest({
    method,
    relUrl: opts.path,
    host: signingHost(baseUrl),
    contentType,
    apiVersion: opts.apiVersion ?? 'v9.20250722',
    accessKey: (opts.keys ?? keys).accessKey,
    secretKey: (opts.keys ?? keys).secretKey,
    ...(opts.now ? { now: opts.now } : {}),
  });
  const headers: Record<string, string> = { ...signed };
  if (hasBody) headers['Content-Type'] = 'application/json';
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  // node:http rather than fetch: the manager has GETs with a JSON body (GET /folders/_/id)
  const payload = hasBody ? Buffer.from(JSON.stringify(opts.body)) : undefined;
  if (payload) headers['Content-Length'] = String(payload.length);
  const res = await new Promise<{ status: number; headers: Headers; text: string }>((resolve, reject) => {
    const req = request(baseUrl + (opts.sendPath ?? opts.path), { method, headers, ...(opts.signal ? { signal: opts.signal } : {}) }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const h = new Headers();
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: r.statusCode ?? 0, headers: h, text: Buffer.concat(chunks).toString('utf8') });
      });
      r.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
  const text = res.text;
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** Bound to one sandbox and keypair. */
export function signedClient(baseUrl: string, keys: KeyPair) {
  return <T = any>(method: string, path: string, body?: unknown, extra: Partial<SignedFetchOptions> = {}) =>
    signedFetch<T>(baseUrl, keys, { method, path, ...(body !== undefined ? { body } : {}), ...extra });
}
