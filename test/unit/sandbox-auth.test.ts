import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { parseRequestDate } from '../../src/sandbox/auth.js';
import { signedFetch } from '../support/signed-fetch.js';

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ clock: 'fast' });
});
afterAll(() => sb.close());

describe('sandbox auth (facts §1.3–1.5)', () => {
  it('accepts a correctly signed request', async () => {
    const r = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ cpu: 'count', mem: 'bytes', 'cuda.shares': 'count' });
    expect(r.headers.get('x-ratelimit-window')).toBe('900');
    expect(r.headers.get('x-ratelimit-limit')).toBe('30000');
  });

  it('rejects a wrong secret with 401 auth-failed "HMAC signature mismatch"', async () => {
    const r = await signedFetch(sb.url, sb.credentials.user, {
      path: '/config/resource-slots',
      keys: { accessKey: sb.credentials.user.accessKey, secretKey: 'not-the-secret-key-00000000000000' },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body.type).toBe('https://api.backend.ai/probs/auth-failed');
    expect(r.body.msg).toBe('HMAC signature mismatch');
    expect(r.body).not.toHaveProperty('detail');
  });

  it('rejects an unknown access key with 401', async () => {
    const r = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', keys: { accessKey: 'AKIANOSUCHKEY0000000', secretKey: 'x'.repeat(40) } });
    expect(r.status).toBe(401);
    expect(r.body.msg).toBe('Access key not found in HMAC');
  });

  it('rejects a date 16 minutes off with 400 invalid-auth-params', async () => {
    const r = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', now: new Date(Date.now() - 16 * 60_000) });
    expect(r.status).toBe(400);
    expect(r.body.type).toBe('https://api.backend.ai/probs/invalid-auth-params');
    expect(r.body.msg).toBe('Date/time sync error');
  });

  it('accepts a date 14 minutes off', async () => {
    const r = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', now: new Date(Date.now() + 14 * 60_000) });
    expect(r.status).toBe(200);
  });

  it('requires the version header (400) and a supported version (400 generic-bad-request)', async () => {
    const missing = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', headers: { 'X-BackendAI-Version': undefined } });
    expect(missing.status).toBe(400);
    expect(missing.body.msg).toBe('API version missing in request headers');
    const unsupported = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', apiVersion: 'v9.20990101' });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.type).toBe('https://api.backend.ai/probs/generic-bad-request');
    expect(unsupported.body.msg).toBe('Unsupported API version.');
    const old = await signedFetch(sb.url, sb.credentials.user, { path: '/config/resource-slots', apiVersion: 'v4.20181215' });
    expect(old.status).toBe(200);
  });

  it('answers 401 "Unauthorized access" without credentials, and GET / without auth', async () => {
    const r = await fetch(`${sb.url}/config/resource-slots`);
    expect(r.status).toBe(401);
    expect(((await r.json()) as { msg: string }).msg).toBe('Unauthorized access');
    const root = await fetch(`${sb.url}/`);
    expect(await root.json()).toEqual({ version: 'v9.20250722', manager: '26.8.0rc1' });
    expect(root.headers.get('x-ratelimit-remaining')).toBe('1000');
  });

  it('signs the raw path with its query: a tampered query fails', async () => {
    const good = await signedFetch(sb.url, sb.credentials.user, { path: '/scaling-groups?group=default' });
    expect(good.status).toBe(200);
    expect(good.body).toEqual({ scaling_groups: [{ name: 'default' }] });
    const research = await signedFetch(sb.url, sb.credentials.user, { path: '/scaling-groups?group=research' });
    expect(research.body.scaling_groups.map((g: { name: string }) => g.name)).toEqual(['default', 'gpu-a100']);
    const tampered = await signedFetch(sb.url, sb.credentials.user, { path: '/scaling-groups?group=default', sendPath: '/scaling-groups?group=research' });
    expect(tampered.status).toBe(401);
    expect(tampered.body.msg).toBe('HMAC signature mismatch');
  });

  it('parses ISO 8601 and RFC 1123 dates, taking the key date in the header offset', () => {
    expect(parseRequestDate('2026-08-23T01:23:45.678901+00:00')?.ms).toBe(Date.UTC(2026, 7, 23, 1, 23, 45, 678));
    expect(parseRequestDate('2026-08-23T01:00:00+09:00')).toEqual({ ms: Date.UTC(2026, 7, 22, 16), signDate: '20260823' });
    expect(parseRequestDate('2026-08-23T01:00:00')?.ms).toBe(Date.UTC(2026, 7, 23, 1));
    expect(parseRequestDate('Sun, 23 Aug 2026 01:00:00 GMT')).toEqual({ ms: Date.UTC(2026, 7, 23, 1), signDate: '20260823' });
    expect(parseRequestDate('yesterday')).toBeUndefined();
  });

  it('verifies against X-Forwarded-URL (path without query, its netloc) when a proxy sets it', async () => {
    const { signRequest } = await import('../../src/client/signing.js');
    const headers = signRequest({ method: 'GET', relUrl: '/manager/config/resource-slots', host: 'api.example.com', contentType: 'application/octet-stream', apiVersion: 'v9.20250722', ...sb.credentials.user });
    const ok = await fetch(`${sb.url}/config/resource-slots`, { headers: { ...headers, 'X-Forwarded-URL': 'https://api.example.com/manager/config/resource-slots' } });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${sb.url}/config/resource-slots`, { headers: { ...headers, 'X-Forwarded-URL': 'https://evil.example.com/manager/config/resource-slots' } });
    expect(bad.status).toBe(401);
  });

  it('rejects a malformed Authorization header and an unsupported hash with 400 invalid-auth-params', async () => {
    const r1 = await fetch(`${sb.url}/config/resource-slots`, { headers: { Authorization: 'Bearer abc', Date: new Date().toISOString(), 'X-BackendAI-Version': 'v9.20250722' } });
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as { msg: string }).msg).toBe('Invalid authorization type name');
    const r2 = await fetch(`${sb.url}/config/resource-slots`, { headers: { Authorization: 'BackendAI signMethod=HMAC-WHIRLPOOL, credential=AKIASANDBOXUSER00001:abc', Date: new Date().toISOString(), 'X-BackendAI-Version': 'v9.20250722' } });
    expect(r2.status).toBe(400);
    expect(((await r2.json()) as { msg: string }).msg).toMatch(/^Unsupported request signing method/);
  });
});
