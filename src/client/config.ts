/**
 * Where the manager connection comes from, the way Backend.AI users already have it
 * (backendai-facts.md §2): flags > env (`BACKEND_*`, then legacy `SORNA_*`) >
 * `~/.backend.ai/credentials.toml` > `~/.backend.ai/config.toml` (v2 CLI files).
 * No endpoint anywhere ⇒ `config: null` and the CLI falls back to the built-in sandbox.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { BaiError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { DEFAULT_API_VERSION } from './signing.js';

export interface ConnectionConfig {
  /** Absolute http(s) URL, no trailing slash; may carry a path prefix. */
  endpoint: string;
  endpointType: 'api';
  accessKey: string;
  secretKey: string;
  domain: string;
  group: string;
  apiVersion: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  skipSslVerification: boolean;
  /** Where each value came from (`flag`, `env`, `credentials.toml`, …) — never the values. */
  source: Record<string, string>;
}

/** Same names as `GlobalOptions` in src/cli/main.ts. */
export interface ConfigFlags {
  endpoint?: string | undefined;
  endpointType?: string | undefined;
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  domain?: string | undefined;
  group?: string | undefined;
  apiVersion?: string | undefined;
}

export type ResolvedConnection =
  | { config: ConnectionConfig; warnings: string[]; notes: string[] }
  | { config: null; reason: string; warnings: string[]; notes: string[] };

export class ConfigError extends BaiError {
  override name = 'ConfigError';
  constructor(message: string) {
    super(message, 'config');
  }
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** The v1 client's read timeout defaults to "none"; we always bound a request. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

type Key = 'endpoint' | 'endpointType' | 'accessKey' | 'secretKey' | 'domain' | 'group' | 'apiVersion' | 'connectTimeout' | 'readTimeout' | 'skipSsl';

/** Env suffix after `BACKEND_` / `SORNA_`, and the TOML key, for each setting. */
const NAMES: Record<Key, { env: string; toml: string; flag?: string }> = {
  endpoint: { env: 'ENDPOINT', toml: 'endpoint', flag: '--endpoint' },
  endpointType: { env: 'ENDPOINT_TYPE', toml: 'endpoint-type', flag: '--endpoint-type' },
  accessKey: { env: 'ACCESS_KEY', toml: 'access-key', flag: '--access-key' },
  secretKey: { env: 'SECRET_KEY', toml: 'secret-key', flag: '--secret-key' },
  domain: { env: 'DOMAIN', toml: 'domain', flag: '--domain' },
  group: { env: 'GROUP', toml: 'group', flag: '--group' },
  apiVersion: { env: 'API_VERSION', toml: 'api-version', flag: '--api-version' },
  connectTimeout: { env: 'CONNECTION_TIMEOUT', toml: 'connection-timeout' },
  readTimeout: { env: 'READ_TIMEOUT', toml: 'read-timeout' },
  skipSsl: { env: 'SKIP_SSLCERT_VALIDATION', toml: 'skip-sslcert-validation' },
};

interface Found {
  value: string;
  /** For --verbose: `flag`, `env`, `credentials.toml`, … */
  origin: string;
  /** The name to quote in an error: `--endpoint`, `BACKEND_ENDPOINT`, `~/.backend.ai/config.toml endpoint`. */
  label: string;
}

interface ConfigFile {
  name: string;
  path: string;
  values: Record<string, unknown>;
}

export function resolveConnection(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv = process.env,
  opts: { homeDir?: string } = {},
): ResolvedConnection {
  const warnings: string[] = [];
  const notes: string[] = [];
  const dir = join(opts.homeDir ?? homedir(), '.backend.ai');
  const files = [readConfigFile(join(dir, 'credentials.toml'), 'credentials.toml'), readConfigFile(join(dir, 'config.toml'), 'config.toml')].filter(
    (f): f is ConfigFile => f !== null,
  );

  const find = (key: Key): Found | undefined => {
    const names = NAMES[key];
    const flagValue = names.flag ? (flags as Record<string, string | undefined>)[key] : undefined;
    if (flagValue !== undefined && flagValue !== '') return { value: flagValue, origin: 'flag', label: names.flag ?? key };
    for (const prefix of ['BACKEND_', 'SORNA_']) {
      const v = env[prefix + names.env];
      if (v !== undefined && v.trim() !== '') return { value: v.trim(), origin: 'env', label: prefix + names.env };
    }
    for (const f of files) {
      const v = tomlValue(f.values, names.toml);
      if (v !== undefined) return { value: v, origin: f.name, label: `${f.path} ${names.toml}` };
    }
    return undefined;
  };

  const endpointFound = find('endpoint');
  if (!endpointFound) {
    return { config: null, reason: 'no manager configured (BACKEND_ENDPOINT, --endpoint or ~/.backend.ai/config.toml)', warnings, notes };
  }

  const source: Record<string, string> = {};
  const take = (key: Key): Found | undefined => {
    const f = find(key);
    if (f) source[key] = f.origin;
    return f;
  };
  take('endpoint');

  // Endpoint type first: a `session` endpoint makes every other check moot.
  const typeFound = take('endpointType');
  const endpointType = (typeFound?.value ?? 'api').trim().toLowerCase();
  if (endpointType === 'session') {
    throw new ConfigError(`session endpoint type is not supported yet; use an API keypair (BACKEND_ENDPOINT_TYPE=api) [from ${typeFound?.label}]`);
  }
  if (endpointType !== 'api') {
    throw new ConfigError(`unknown endpoint type '${endpointType}' in ${typeFound?.label}: expected 'api'`);
  }

  const endpoint = normalizeEndpoint(endpointFound, notes);

  const accessKey = take('accessKey');
  const secretKey = take('secretKey');
  if (!accessKey || !secretKey) {
    const missing = [!accessKey && 'access key (BACKEND_ACCESS_KEY or --access-key)', !secretKey && 'secret key (BACKEND_SECRET_KEY or --secret-key)']
      .filter(Boolean)
      .join(' and ');
    throw new ConfigError(`manager endpoint is set (${endpointFound.label}) but the ${missing} is missing`);
  }
  registerSecret(secretKey.value);

  const apiVersionFound = take('apiVersion');
  const apiVersion = apiVersionFound?.value ?? DEFAULT_API_VERSION;
  if (!/^v\d+\.\d{8}$/.test(apiVersion)) {
    throw new ConfigError(`${apiVersionFound?.label ?? 'API version'} must look like vN.YYYYMMDD (e.g. ${DEFAULT_API_VERSION}), got '${apiVersion}'`);
  }

  const connectTimeoutMs = seconds(take('connectTimeout'), DEFAULT_CONNECT_TIMEOUT_MS);
  const requestTimeoutMs = seconds(take('readTimeout'), DEFAULT_REQUEST_TIMEOUT_MS);
  const skipSsl = take('skipSsl');
  const skipSslVerification = skipSsl ? parseBool(skipSsl) : false;

  if (secretKey.origin === 'flag') {
    warnings.push('--secret-key puts the secret key on the command line, where other users of this machine can see it (ps, shell history); prefer BACKEND_SECRET_KEY or ~/.backend.ai/credentials.toml (mode 600)');
  }
  // Only files that actually supplied the secret key are a leak risk worth warning about.
  if (secretKey.origin.endsWith('.toml')) {
    const file = files.find((f) => f.name === secretKey.origin);
    if (file) {
      const warning = loosePermissionWarning(file.path);
      if (warning) warnings.push(warning);
    }
  }

  const config: ConnectionConfig = {
    endpoint,
    endpointType: 'api',
    accessKey: accessKey.value,
    secretKey: secretKey.value,
    domain: take('domain')?.value ?? 'default',
    group: take('group')?.value ?? 'default',
    apiVersion,
    connectTimeoutMs,
    requestTimeoutMs,
    skipSslVerification,
    source,
  };
  return { config, warnings, notes };
}

function normalizeEndpoint(found: Found, notes: string[]): string {
  const list = found.value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const first = list[0] ?? '';
  if (list.length > 1) notes.push(`${found.label} lists ${list.length} endpoints; using the first (${first}); failover is not implemented`);
  let url: URL;
  try {
    url = new URL(first);
  } catch {
    throw new ConfigError(`${found.label} must be an absolute http(s) URL such as https://api.example.com, got '${first}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${found.label} must be an http(s) URL, got scheme '${url.protocol.replace(/:$/, '')}'`);
  }
  if (url.search || url.hash) throw new ConfigError(`${found.label} must not contain a query or fragment`);
  // Keep the path prefix (signed as part of rel_url); drop the trailing slash.
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function seconds(found: Found | undefined, fallbackMs: number): number {
  if (!found) return fallbackMs;
  const n = Number(found.value);
  if (!Number.isFinite(n) || n < 0) throw new ConfigError(`${found.label} must be a number of seconds, got '${found.value}'`);
  // 0 means "no timeout" for the Python client; we keep a bound on every request instead.
  return n === 0 ? fallbackMs : Math.round(n * 1000);
}

function parseBool(found: Found): boolean {
  const v = found.value.trim().toLowerCase();
  if (['y', 'yes', 't', 'true', '1', 'on'].includes(v)) return true;
  if (['n', 'no', 'f', 'false', '0', 'off', ''].includes(v)) return false;
  throw new ConfigError(`${found.label} must be yes/no/true/false/1/0, got '${found.value}'`);
}

function readConfigFile(path: string, name: string): ConfigFile | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null; // absent or unreadable: not configured there
  }
  try {
    return { name, path, values: parseToml(text) as Record<string, unknown> };
  } catch (err) {
    const line = err instanceof Error ? (err.message.split('\n')[0] ?? '') : '';
    throw new ConfigError(`${path} is not valid TOML: ${line}`);
  }
}

/** `[backend-ai]` table first (v2 CLI), then top-level keys; `access-key` or `access_key`. */
function tomlValue(doc: Record<string, unknown>, key: string): string | undefined {
  const table = doc['backend-ai'];
  const scopes = [table && typeof table === 'object' ? (table as Record<string, unknown>) : undefined, doc];
  for (const scope of scopes) {
    if (!scope) continue;
    for (const k of [key, key.replace(/-/g, '_')]) {
      const v = scope[k];
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    }
  }
  return undefined;
}

/** A warning when a file holding a secret key can be read by group or others. */
export function loosePermissionWarning(path: string): string | null {
  if (process.platform === 'win32') return null;
  try {
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) === 0) return null;
    return `${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run chmod 600 ${path}`;
  } catch {
    return null;
  }
}
