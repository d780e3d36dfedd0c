/**
 * Backend.AI keypair request signing (HMAC-SHA256), exactly as the manager verifies it
 * (shared/reference/backendai-facts.md §1):
 *
 *   string to sign = METHOD \n rel_url \n date \n host:<host> \n content-type:<ct> \n
 *                    x-backendai-version:<ver> \n hex(sha256(""))
 *   k1 = HMAC(secret, YYYYMMDD of the date) ; k2 = HMAC(k1, host) ; sig = hex HMAC(k2, sts)
 *
 * The body never enters the signature (API ≥ v4.20181215 hashes the empty string).
 * Pure functions only: the axios interceptor and the sandbox's verifier both build on these.
 */
import { createHash, createHmac } from 'node:crypto';

export const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex');
export const DEFAULT_API_VERSION = 'v9.20250722';

export interface SignatureInput {
  method: string;
  /** Path plus `?query`, byte for byte as sent on the wire. */
  relUrl: string;
  /** Exactly the `Date` header value. */
  date: string;
  /** `YYYYMMDD` used to derive the key (the date's own calendar day). */
  signDate: string;
  host: string;
  /** Media type, lowercased, without parameters. */
  contentType: string;
  apiVersion: string;
  secretKey: string;
  hashType?: 'sha256';
}

export function stringToSign(p: Omit<SignatureInput, 'secretKey' | 'signDate'>): string {
  return [
    p.method.toUpperCase(),
    p.relUrl,
    p.date,
    `host:${p.host}`,
    `content-type:${bareMediaType(p.contentType)}`,
    `x-backendai-version:${p.apiVersion}`,
    EMPTY_BODY_SHA256,
  ].join('\n');
}

export function computeSignature(p: SignatureInput): string {
  const hash = p.hashType ?? 'sha256';
  const k1 = createHmac(hash, p.secretKey).update(p.signDate, 'utf8').digest();
  const k2 = createHmac(hash, k1).update(p.host, 'utf8').digest();
  return createHmac(hash, k2).update(stringToSign(p), 'utf8').digest('hex');
}

export function authorizationHeader(accessKey: string, signature: string, hashType = 'sha256'): string {
  return `BackendAI signMethod=HMAC-${hashType.toUpperCase()}, credential=${accessKey}:${signature}`;
}

/** `application/json; charset=utf-8` → `application/json` (the manager strips parameters). */
export function bareMediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * The `Date` header the official client sends: Python's `datetime.now(UTC).isoformat()`,
 * e.g. `2026-08-23T01:23:45.678000+00:00`; the fraction is omitted when it is zero.
 */
export function formatSigningDate(d: Date): string {
  const iso = d.toISOString(); // 2026-08-23T01:23:45.678Z
  const base = iso.slice(0, 19);
  const ms = d.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`;
  return `${base}${fraction}+00:00`;
}

/** `YYYYMMDD` of a UTC date. */
export function utcSignDate(d: Date): string {
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * The host line: the endpoint's authority as the HTTP library writes the `Host` header —
 * lowercased host, `:port` only when it is not the scheme's default (WHATWG `URL.host`).
 */
export function signingHost(endpoint: string | URL): string {
  return (typeof endpoint === 'string' ? new URL(endpoint) : endpoint).host.toLowerCase();
}

export interface SignRequestInput {
  method: string;
  relUrl: string;
  host: string;
  contentType: string;
  apiVersion: string;
  accessKey: string;
  secretKey: string;
  now?: Date;
}

/** Headers to add to one request. */
export function signRequest(p: SignRequestInput): { Date: string; 'X-BackendAI-Version': string; Authorization: string } {
  const now = p.now ?? new Date();
  const date = formatSigningDate(now);
  const signature = computeSignature({
    method: p.method,
    relUrl: p.relUrl,
    date,
    signDate: utcSignDate(now),
    host: p.host,
    contentType: p.contentType,
    apiVersion: p.apiVersion,
    secretKey: p.secretKey,
  });
  return {
    Date: date,
    'X-BackendAI-Version': p.apiVersion,
    Authorization: authorizationHeader(p.accessKey, signature),
  };
}
