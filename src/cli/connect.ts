/**
 * The runtime a command works with: the spec catalog, a signed client for the manager — a real
 * one from BACKEND_* / flags, or the built-in sandbox when none is configured (said on stderr) —
 * and the planner defaults. Heavy modules (client, sandbox) are imported only here, only when a
 * command needs a connection.
 */
import { existsSync } from 'node:fs';
import { BaiError } from '../errors.js';
import { loadCatalog } from '../spec/load.js';
import type { Catalog } from '../spec/types.js';
import type { PlannerDefaults } from '../planner/types.js';
import type { CommandContext } from './main.js';
import type { BackendClient, ConnectionConfig } from '../client/index.js';

export interface Connection {
  client: BackendClient;
  config: ConnectionConfig;
  /** URL without credentials, or `sandbox` */
  endpointLabel: string;
  isSandbox: boolean;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** A throw-away sandbox (no persisted state), e.g. for eval. */
  ephemeralSandbox?: boolean;
  /** Sandbox clock; the CLI default is the real one (sessions take a few seconds). */
  sandboxClock?: 'real' | 'fast';
}

export async function loadCommandCatalog(ctx: CommandContext, fetchLive?: () => Promise<string>): Promise<Catalog> {
  return loadCatalog({ source: ctx.globals.spec ?? 'bundled', ...(fetchLive ? { fetchLive } : {}) });
}

export async function connect(ctx: CommandContext, catalog: Catalog, opts: ConnectOptions = {}): Promise<Connection> {
  const { resolveConnection, BackendClient } = await import('../client/index.js');
  const resolved = ctx.globals.sandbox ? { config: null, reason: '--sandbox given' } : resolveConnection(ctx.globals, process.env);
  for (const w of ('warnings' in resolved && Array.isArray(resolved.warnings) ? resolved.warnings : []) as string[]) ctx.out.warn(w);
  for (const n of ('notes' in resolved && Array.isArray(resolved.notes) ? resolved.notes : []) as string[]) ctx.out.debug(n);
  if (resolved.config) ctx.out.debug(`connection settings from: ${Object.entries(resolved.config.source).map(([k, v]) => `${k}=${v}`).join(', ')}`);

  if (resolved.config) {
    const client = BackendClient.create(resolved.config, catalog);
    const url = new URL(resolved.config.endpoint);
    url.username = '';
    url.password = '';
    return { client, config: resolved.config, endpointLabel: url.toString().replace(/\/$/, ''), isSandbox: false, close: async () => {} };
  }

  const { startSandbox, defaultSandboxStatePath } = await import('../sandbox/index.js');
  const statePath = opts.ephemeralSandbox ? undefined : defaultSandboxStatePath();
  // the note is for the first run on a state file (or -v): after that the preview says "sandbox manager"
  const firstUse = statePath !== undefined && !existsSync(statePath);
  const sandbox = await startSandbox({
    catalog,
    port: 0,
    ...(statePath ? { statePath } : {}),
    clock: opts.sandboxClock ?? 'real',
    ...(process.env.BAI_AGENT_SANDBOX_REQUEST_LOG ? { requestLog: process.env.BAI_AGENT_SANDBOX_REQUEST_LOG } : {}),
  });
  const reason = 'reason' in resolved && resolved.reason ? resolved.reason : 'no manager configured';
  if (!opts.ephemeralSandbox) {
    const note = `note: ${reason}: using the built-in sandbox manager (simulated, ${sandbox.url}${statePath ? `, state in ${statePath}` : ''})`;
    if (firstUse) ctx.out.info(note);
    else ctx.out.debug(note);
  }
  const config: ConnectionConfig = {
    ...sandboxConfig(sandbox.url, sandbox.credentials.user),
    domain: ctx.globals.domain ?? process.env.BACKEND_DOMAIN ?? 'default',
    group: ctx.globals.group ?? process.env.BACKEND_GROUP ?? 'default',
  };
  const client = BackendClient.create(config, catalog);
  return { client, config, endpointLabel: 'sandbox', isSandbox: true, close: () => sandbox.close() };
}

function sandboxConfig(url: string, keys: { accessKey: string; secretKey: string }): ConnectionConfig {
  return {
    endpoint: url,
    endpointType: 'api',
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    domain: 'default',
    group: 'default',
    apiVersion: 'v9.20250722',
    connectTimeoutMs: 5_000,
    requestTimeoutMs: 30_000,
    skipSslVerification: false,
    source: { endpoint: 'sandbox' },
  };
}

/** Planner defaults from the connection and the environment (shown as assumptions when used). */
export function plannerDefaults(config: Pick<ConnectionConfig, 'domain' | 'group'>, env: NodeJS.ProcessEnv = process.env): PlannerDefaults {
  const prefix = env.BAI_AGENT_SESSION_PREFIX ?? 'bai';
  if (!/^[a-zA-Z][a-zA-Z0-9-]{0,15}$/.test(prefix)) {
    throw new BaiError('BAI_AGENT_SESSION_PREFIX must be 1–16 letters, digits or "-", starting with a letter', 'config');
  }
  return {
    domain: config.domain,
    group: config.group,
    cpuImage: env.BAI_AGENT_CPU_IMAGE || 'python',
    gpuImage: env.BAI_AGENT_GPU_IMAGE || 'pytorch',
    sessionNamePrefix: prefix,
  };
}
