import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, resolveConnection, type ConnectionConfig } from '../../src/client/config.js';
import { redact } from '../../src/redact.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'bai-client-config-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const env = (e: Record<string, string>) => e as NodeJS.ProcessEnv;
const KEYS = { BACKEND_ACCESS_KEY: 'AKIAENVACCESS', BACKEND_SECRET_KEY: 'env-secret-key-value-1234' };

function writeFile(name: string, text: string, mode = 0o600): string {
  mkdirSync(join(home, '.backend.ai'), { recursive: true });
  const p = join(home, '.backend.ai', name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

function ok(r: ReturnType<typeof resolveConnection>): ConnectionConfig {
  if (!r.config) throw new Error(`expected a config, got: ${r.reason}`);
  return r.config;
}

describe('resolveConnection', () => {
  it('no endpoint anywhere → config null with a reason (sandbox)', () => {
    const r = resolveConnection({}, env({}), { homeDir: home });
    expect(r.config).toBeNull();
    expect('reason' in r && r.reason).toMatch(/no manager configured/);
  });

  it('env gives a full config with defaults', () => {
    const c = ok(resolveConnection({}, env({ BACKEND_ENDPOINT: 'https://api.example.com/', ...KEYS }), { homeDir: home }));
    expect(c).toMatchObject({
      endpoint: 'https://api.example.com',
      endpointType: 'api',
      accessKey: 'AKIAENVACCESS',
      domain: 'default',
      group: 'default',
      apiVersion: 'v9.20250722',
      connectTimeoutMs: 10_000,
      skipSslVerification: false,
    });
    expect(c.requestTimeoutMs).toBeGreaterThan(0);
    expect(c.source).toMatchObject({ endpoint: 'env', accessKey: 'env', secretKey: 'env' });
    expect(JSON.stringify(c.source)).not.toContain('env-secret');
  });

  it('precedence: flags > BACKEND_* > SORNA_* > credentials.toml > config.toml', () => {
    writeFile('config.toml', '[backend-ai]\nendpoint = "http://from-config:8081"\ndomain = "cfgdom"\ngroup = "cfggroup"\napi-version = "v8.20240915"\n');
    writeFile('credentials.toml', 'access-key = "AKIACREDS"\nsecret-key = "creds-secret-key-000"\ngroup = "credgroup"\n');
    let c = ok(resolveConnection({}, env({}), { homeDir: home }));
    expect(c).toMatchObject({ endpoint: 'http://from-config:8081', accessKey: 'AKIACREDS', domain: 'cfgdom', group: 'credgroup', apiVersion: 'v8.20240915' });
    expect(c.source).toMatchObject({ endpoint: 'config.toml', accessKey: 'credentials.toml', group: 'credentials.toml' });

    c = ok(resolveConnection({}, env({ SORNA_ENDPOINT: 'http://sorna:1', SORNA_GROUP: 'sornagroup' }), { homeDir: home }));
    expect(c).toMatchObject({ endpoint: 'http://sorna:1', group: 'sornagroup' });

    c = ok(resolveConnection({}, env({ SORNA_ENDPOINT: 'http://sorna:1', BACKEND_ENDPOINT: 'http://backend:2', BACKEND_GROUP: 'envgroup' }), { homeDir: home }));
    expect(c).toMatchObject({ endpoint: 'http://backend:2', group: 'envgroup' });

    c = ok(
      resolveConnection({ endpoint: 'http://flag:3', group: 'flaggroup', accessKey: 'AKIAFLAG', secretKey: 'flag-secret-key-000', apiVersion: 'v9.20250722' }, env({ BACKEND_ENDPOINT: 'http://backend:2' }), {
        homeDir: home,
      }),
    );
    expect(c).toMatchObject({ endpoint: 'http://flag:3', group: 'flaggroup', accessKey: 'AKIAFLAG', apiVersion: 'v9.20250722' });
    expect(c.source).toMatchObject({ endpoint: 'flag', group: 'flag', accessKey: 'flag' });
  });

  it('timeouts, SSL switch, API version from env', () => {
    const c = ok(
      resolveConnection(
        {},
        env({ BACKEND_ENDPOINT: 'http://h:1', ...KEYS, BACKEND_CONNECTION_TIMEOUT: '2.5', BACKEND_READ_TIMEOUT: '30', BACKEND_SKIP_SSLCERT_VALIDATION: 'yes', BACKEND_API_VERSION: 'v8.20240315' }),
        { homeDir: home },
      ),
    );
    expect(c).toMatchObject({ connectTimeoutMs: 2500, requestTimeoutMs: 30_000, skipSslVerification: true, apiVersion: 'v8.20240315' });
  });

  it('a comma-separated endpoint list uses the first and says so', () => {
    const r = resolveConnection({}, env({ BACKEND_ENDPOINT: 'http://a:1, http://b:2', ...KEYS }), { homeDir: home });
    expect(ok(r).endpoint).toBe('http://a:1');
    expect(r.notes.join(' ')).toMatch(/using the first \(http:\/\/a:1\)/);
  });

  it('keeps a path prefix, drops the trailing slash', () => {
    expect(ok(resolveConnection({ endpoint: 'https://x.example.com/manager/' }, env(KEYS), { homeDir: home })).endpoint).toBe('https://x.example.com/manager');
  });

  it.each([
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_ACCESS_KEY: 'AKIA' }, /BACKEND_SECRET_KEY/],
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_SECRET_KEY: 'secret-only-0000' }, /BACKEND_ACCESS_KEY/],
    [{ BACKEND_ENDPOINT: 'api.example.com', ...KEYS }, /BACKEND_ENDPOINT must be an absolute http\(s\) URL/],
    [{ BACKEND_ENDPOINT: 'ftp://h', ...KEYS }, /BACKEND_ENDPOINT must be an http\(s\) URL/],
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_ENDPOINT_TYPE: 'session', ...KEYS }, /session endpoint type is not supported yet; use an API keypair \(BACKEND_ENDPOINT_TYPE=api\)/],
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_ENDPOINT_TYPE: 'grpc', ...KEYS }, /unknown endpoint type 'grpc' in BACKEND_ENDPOINT_TYPE/],
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_API_VERSION: '9.2025', ...KEYS }, /BACKEND_API_VERSION must look like vN\.YYYYMMDD/],
    [{ BACKEND_ENDPOINT: 'http://h:1', BACKEND_READ_TIMEOUT: 'soon', ...KEYS }, /BACKEND_READ_TIMEOUT must be a number of seconds/],
  ])('config error %#', (e, pattern) => {
    let err: unknown;
    try {
      resolveConnection({}, env(e as Record<string, string>), { homeDir: home });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).kind).toBe('config');
    expect((err as Error).message).toMatch(pattern);
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toContain('secret-only-0000');
  });

  it('flag names appear in flag errors', () => {
    expect(() => resolveConnection({ endpoint: 'http://h:1', endpointType: 'session' }, env(KEYS), { homeDir: home })).toThrow(/--endpoint-type/);
    expect(() => resolveConnection({ endpoint: 'nope' }, env(KEYS), { homeDir: home })).toThrow(/--endpoint must be/);
  });

  it('invalid TOML is a one-line config error naming the file', () => {
    writeFile('config.toml', '[backend-ai\nendpoint = ');
    expect(() => resolveConnection({}, env({}), { homeDir: home })).toThrow(ConfigError);
    expect(() => resolveConnection({}, env({}), { homeDir: home })).toThrow(/config\.toml is not valid TOML/);
  });

  it('registers the secret key for redaction (not the access key)', () => {
    ok(resolveConnection({}, env({ BACKEND_ENDPOINT: 'http://h:1', BACKEND_ACCESS_KEY: 'AKIAVISIBLEKEY', BACKEND_SECRET_KEY: 'super-secret-to-hide-42' }), { homeDir: home }));
    expect(redact('k=super-secret-to-hide-42 a=AKIAVISIBLEKEY')).toBe('k=*** a=AKIAVISIBLEKEY');
  });

  it('warns when a file holding the secret key is readable by others', () => {
    const path = writeFile('credentials.toml', '[backend-ai]\nendpoint = "http://h:1"\naccess-key = "AKIAFILE"\nsecret-key = "file-secret-key-0000"\n', 0o644);
    const loose = resolveConnection({}, env({}), { homeDir: home });
    expect(loose.warnings).toEqual([`${path} is readable by others (mode 0644); run chmod 600 ${path}`]);
    chmodSync(path, 0o600);
    expect(resolveConnection({}, env({}), { homeDir: home }).warnings).toEqual([]);
    // the secret from the environment: the loose file is not the one in use
    chmodSync(path, 0o644);
    expect(resolveConnection({}, env(KEYS), { homeDir: home }).warnings).toEqual([]);
  });
});
