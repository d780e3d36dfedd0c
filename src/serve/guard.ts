/**
 * What stands between the network and the agent: the Host header (against DNS rebinding), the
 * Origin of state-changing requests, the bearer token, and a size limit on request bodies.
 * Each check answers with an HTTP status and a one-line message; nothing here knows the routes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A request the server refuses, with the status and the one-line reason to send back. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly kind = 'bad_request',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Host names the server answers to: localhost names, plus the bound address when it is a specific one. */
export function allowedHostnames(boundHost: string): Set<string> {
  const names = new Set(LOCAL_NAMES);
  const bare = boundHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (!WILDCARDS.has(bare)) names.add(bare);
  return names;
}

/** The host name of a Host header value (`example.com:80`, `[::1]:8091`), lower-cased, without the port. */
export function hostnameOf(hostHeader: string): string {
  const h = hostHeader.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/**
 * A page on another site can make the browser talk to 127.0.0.1 by pointing its own name at it
 * (DNS rebinding); the Host header still carries that name, so anything but ours is refused.
 */
export function checkHost(req: IncomingMessage, allowed: Set<string>): void {
  const host = req.headers.host;
  if (!host) throw new HttpError(400, 'the request has no Host header', 'bad_host');
  const name = hostnameOf(host);
  if (!allowed.has(name)) {
    throw new HttpError(403, `Host "${host.slice(0, 100)}" is not served here (only ${[...allowed].join(', ')}): DNS rebinding protection`, 'bad_host');
  }
}

/** A browser's cross-site request carries an Origin of the other site: refuse it for anything but reads. */
export function checkOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (!origin || req.method === 'GET' || req.method === 'HEAD') return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw new HttpError(403, 'the Origin header is not a URL', 'bad_origin');
  }
  if (originHost.toLowerCase() !== String(req.headers.host ?? '').toLowerCase()) {
    throw new HttpError(403, `requests from ${origin.slice(0, 100)} are not accepted (cross-origin)`, 'bad_origin');
  }
}

/** A token for one server run: 32 random bytes, URL-safe so it fits in the page's #token= fragment. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compare the bearer token in constant time (hashing first makes the lengths equal). */
export function checkToken(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const unauthorized = (why: string) => new HttpError(401, why, 'unauthorized', { 'WWW-Authenticate': 'Bearer realm="bai-agent"' });
  if (!m) throw unauthorized('missing token: send "Authorization: Bearer <token>" (the token bai-agent serve printed)');
  if (!timingSafeEqual(digest(m[1]!), digest(token))) throw unauthorized('wrong token');
}

/** Read a JSON object body, refusing more than `limit` bytes, other content types, and bad JSON. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'send the request body as JSON with "Content-Type: application/json"', 'unsupported_media_type');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw new HttpError(413, `request body too large (${declared} bytes; the limit is ${limit})`, 'too_large');
  const text = await readLimited(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `request body is not valid JSON (${(err as Error).message})`, 'bad_json');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object', 'bad_json');
  return value as Record<string, unknown>;
}

/**
 * Collect the body up to `limit` bytes. Past the limit the rest is read and dropped (up to a hard
 * cap) so the client still gets the 413 answer instead of a reset connection.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 8) req.destroy();
    });
    req.on('end', () => {
      if (size > limit) reject(new HttpError(413, `request body too large (over the limit of ${limit} bytes)`, 'too_large'));
      else resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new HttpError(400, 'the request body was cut off', 'bad_request'));
    });
  });
}
