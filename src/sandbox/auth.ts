/**
 * Keypair signature verification exactly as the manager does it (facts §1.3–1.5): the raw path
 * with its query as received, the `Host` header, the bare lowercased content type
 * (`application/octet-stream` when absent), the raw `Date` (or `X-BackendAI-Date`) string, the
 * key date in the header's own offset, a ±15 minute window, and the exact error table of §1.4.
 */
import { timingSafeEqual } from 'node:crypto';
import { bareMediaType, computeSignature } from '../client/signing.js';
import { Problem } from './problem.js';
import { KNOWN_API_VERSIONS } from '../client/api-version.js';
import type { SandboxUser, SandboxWorld } from './world.js';

export const VALID_VERSIONS: ReadonlySet<string> = new Set(KNOWN_API_VERSIONS);

const DATE_WINDOW_MS = 15 * 60 * 1000;
const SUPPORTED_HASHES = new Set(['sha256', 'sha1', 'sha224', 'sha384', 'sha512', 'md5']);

export interface AuthRequest {
  method: string;
  /** Path plus query, exactly as received. */
  rawPath: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface Caller {
  user: SandboxUser;
  accessKey: string;
}

const header = (h: AuthRequest['headers'], name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const invalidAuth = (msg: string): Problem => new Problem(400, 'invalid-auth-params', msg);
const authFailed = (msg: string): Problem => new Problem(401, 'auth-failed', msg);

/** Parsed `Date` header: epoch ms and the `YYYYMMDD` of the date in its own offset. */
export function parseRequestDate(value: string): { ms: number; signDate: string } | undefined {
  const v = value.trim();
  // ISO 8601 (extended or basic), optional fraction of any length, optional offset; naive = UTC
  const iso = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(v);
  if (iso) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = iso;
    const ms = Number(`0.${frac || '0'}`) * 1000;
    let offsetMin = 0;
    if (zone.toUpperCase() !== 'Z') {
      const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
      offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
    }
    const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) + Math.floor(ms) - offsetMin * 60_000;
    if (!Number.isFinite(utc)) return undefined;
    return { ms: utc, signDate: `${y}${mo}${d}` };
  }
  // RFC 1123 / RFC 850 / asctime: always GMT
  if (/^[A-Za-z]{3},?\s/.test(v) || /GMT$/i.test(v)) {
    const ms = Date.parse(v);
    if (Number.isNaN(ms)) return undefined;
    return { ms, signDate: new Date(ms).toISOString().slice(0, 10).replace(/-/g, '') };
  }
  return undefined;
}

/**
 * Identify the caller of an auth-required route, or throw the manager's Problem.
 * `now` is the server clock in epoch ms.
 */
export function authenticate(req: AuthRequest, world: SandboxWorld, now: number, validVersions: ReadonlySet<string> = VALID_VERSIONS): Caller {
  const authorization = header(req.headers, 'authorization');
  if (!authorization) throw authFailed('Unauthorized access');
  const m = /^(BackendAI|Sorna)\s+(.*)$/.exec(authorization.trim());
  if (!m) throw invalidAuth('Invalid authorization type name');
  const params = new Map<string, string>();
  for (const part of m[2]!.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) params.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const signMethod = params.get('signMethod');
  const credential = params.get('credential');
  if (!signMethod || !credential) throw invalidAuth('Malformed authorization parameters');
  const [mac, hash] = signMethod.split('-', 2).map((s) => s.toLowerCase());
  if (mac !== 'hmac' || !hash || !SUPPORTED_HASHES.has(hash)) throw invalidAuth(`Unsupported request signing method: ${signMethod}`);
  const colon = credential.indexOf(':');
  if (colon <= 0) throw invalidAuth('Malformed authorization parameters');
  const accessKey = credential.slice(0, colon);
  const signature = credential.slice(colon + 1);

  const rawDate = header(req.headers, 'date') ?? header(req.headers, 'x-backendai-date') ?? header(req.headers, 'x-sorna-date');
  const date = rawDate ? parseRequestDate(rawDate) : undefined;
  if (!rawDate || !date || Math.abs(now - date.ms) >= DATE_WINDOW_MS) throw invalidAuth('Date/time sync error');

  const version = header(req.headers, 'x-backendai-version') ?? header(req.headers, 'x-sorna-version');
  if (!version) throw invalidAuth('API version missing in request headers');

  const user = world.users.find((u) => u.accessKey === accessKey);
  if (!user || !user.secretKey) throw authFailed('Access key not found in HMAC');
  if (hash !== 'sha256') throw invalidAuth(`Unsupported request signing method: ${signMethod}`);

  const contentType = header(req.headers, 'content-type');
  // behind a proxy the manager verifies against X-Forwarded-URL: its path (no query!) and netloc
  const forwarded = header(req.headers, 'x-forwarded-url');
  let relUrl = req.rawPath;
  let host = header(req.headers, 'host') ?? '';
  if (forwarded) {
    try {
      const u = new URL(forwarded);
      relUrl = u.pathname;
      host = u.host;
    } catch {
      throw invalidAuth('Malformed X-Forwarded-URL header');
    }
  }
  const expected = computeSignature({
    method: req.method,
    relUrl,
    date: rawDate,
    signDate: date.signDate,
    host,
    contentType: contentType ? bareMediaType(contentType) : 'application/octet-stream',
    apiVersion: version,
    secretKey: user.secretKey,
  });
  if (!constantTimeEqual(expected, signature)) throw authFailed('HMAC signature mismatch');
  if (!validVersions.has(version)) throw new Problem(400, 'generic-bad-request', 'Unsupported API version.');
  return { user, accessKey };
}

function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab); // same work either way
    return false;
  }
  return timingSafeEqual(ab, bb);
}
