/**
 * The sandbox manager: a simulated Backend.AI manager over real HTTP, seeded with the world of
 * SANDBOX-WORLD.md. Used by `bai-agent sandbox`, the CLI's `--sandbox` mode, tests and eval.
 *
 *   const sb = await startSandbox({ clock: 'fast' });
 *   // sign requests for sb.url with sb.credentials.user …
 *   await sb.close();
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { BaiError } from '../errors.js';
import { KNOWN_API_VERSIONS, LATEST_API_VERSION } from '../client/api-version.js';
import type { Catalog } from '../spec/types.js';
import { FaultInjector, parseFaultSpec, type FaultSpec } from './faults.js';
import { handlers } from './handlers/index.js';
import type { SandboxClock } from './scheduler.js';
import { createSandboxServer, type RequestRecord } from './server.js';
import { WorldStore } from './state.js';
import { assertWorld, SANDBOX_ADMIN_KEYS, SANDBOX_USER_KEYS, seedWorld, type SandboxWorld } from './world.js';

export { defaultSandboxStatePath } from './state.js';
export type { SandboxWorld } from './world.js';
export type { FaultSpec } from './faults.js';
export type { RequestRecord } from './server.js';
export { parseFaultSpec } from './faults.js';
export { SANDBOX_USER_KEYS, SANDBOX_ADMIN_KEYS } from './world.js';

export interface SandboxOptions {
  /** 0 = an ephemeral port (default). */
  port?: number;
  host?: string;
  /** Default: the bundled curated spec. */
  catalog?: Catalog;
  /** Persist the world to this JSON file; reloaded when another process changed it. */
  statePath?: string;
  /** A world, or the path of a world JSON file (default: SANDBOX-WORLD.md). */
  seed?: SandboxWorld | string;
  /** `fast`: sessions reach RUNNING at once (tests); `real`: within about 2 s. */
  clock?: 'real' | 'fast';
  faults?: FaultSpec | string;
  /** Injectable clock (epoch ms) for tests. */
  now?: () => number;
  log?: (line: string) => void;
  /**
   * An OpenAI-compatible server (e.g. `startOpenAIStub().url`, or a local vLLM/Ollama) that
   * answers for every model service: `<service_endpoint>/v1/...` is forwarded there once the
   * service token is verified. Without it a service endpoint answers 503.
   */
  inferenceUpstream?: string;
  /**
   * Act as an older manager (facts §1.5, §15.6): `GET /` reports this API version and signed
   * requests with a newer `X-BackendAI-Version` answer 400 "Unsupported API version.".
   * Default: the newest, `v9.20250722`.
   */
  apiVersion?: string;
  /**
   * Append every request the sandbox receives (method, path, operationId, status; a GraphQL
   * call's document) to this file as JSON lines: what reached the manager, for tests that drive
   * the CLI, the MCP server or the web page in another process. Set by BAI_AGENT_SANDBOX_REQUEST_LOG
   * for the CLI's built-in sandbox.
   */
  requestLog?: string;
}

export interface KeyPair {
  accessKey: string;
  secretKey: string;
}

export interface SandboxHandle {
  /** `http://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The public sandbox test keys of SANDBOX-WORLD.md. */
  credentials: { user: KeyPair; admin: KeyPair };
  /** A deep copy of the current world (for tests). */
  world(): SandboxWorld;
  /** Recent requests (bounded), for tests. */
  requests: RequestRecord[];
  setFaults(f: FaultSpec | null): void;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<SandboxHandle> {
  const log = opts.log ?? (() => {});
  const catalog = opts.catalog ?? (await bundledCatalog());
  const now = opts.now ?? Date.now;
  const clock: SandboxClock = { now, fast: opts.clock === 'fast' };
  const store = new WorldStore(resolveSeed(opts.seed, now()), opts.statePath, log);
  let injector = toInjector(opts.faults);
  const requests: RequestRecord[] = [];
  const manager = managerVersion(opts.apiVersion);
  const server = createSandboxServer({
    catalog,
    store,
    clock,
    handlers,
    faults: () => injector,
    requests,
    log,
    manager,
    ...(opts.inferenceUpstream ? { inferenceUpstream: opts.inferenceUpstream } : {}),
    ...(opts.requestLog ? { requestLog: opts.requestLog } : {}),
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new BaiError(`the sandbox cannot listen on ${host}:${opts.port ?? 0}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`, 'config'));
    };
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closed = false;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    credentials: { user: { ...SANDBOX_USER_KEYS }, admin: { ...SANDBOX_ADMIN_KEYS } },
    world: () => structuredClone(store.current()),
    requests,
    setFaults(f) {
      injector = toInjector(f ?? undefined);
    },
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Release series a manager of each API version shipped as (what `GET /` reports in `manager`). */
const RELEASES: Record<string, string> = {
  'v9.20250722': '26.8.0rc1',
  'v8.20240915': '24.09.0',
  'v8.20240315': '24.03.0',
  'v7.20230615': '23.09.0',
  'v6.20230315': '23.03.0',
};

function managerVersion(apiVersion: string | undefined): { version: string; manager: string } {
  const version = apiVersion ?? LATEST_API_VERSION;
  if (!(KNOWN_API_VERSIONS as readonly string[]).includes(version)) {
    throw new BaiError(`the sandbox cannot act as API version "${version}": known versions are ${KNOWN_API_VERSIONS.join(', ')}`, 'bad_input');
  }
  return { version, manager: RELEASES[version] ?? `${version.slice(1, 2)}.x` };
}

let bundled: Promise<Catalog> | undefined;

/** The bundled curated spec, loaded once per process (tests and eval start many sandboxes). */
function bundledCatalog(): Promise<Catalog> {
  bundled ??= import('../spec/load.js').then((m) => m.loadCatalog()).catch((err: unknown) => {
    bundled = undefined;
    throw err;
  });
  return bundled;
}

function toInjector(f: FaultSpec | string | undefined): FaultInjector | null {
  if (f === undefined) return null;
  return new FaultInjector(typeof f === 'string' ? parseFaultSpec(f) : f);
}

function resolveSeed(seed: SandboxWorld | string | undefined, now: number): SandboxWorld {
  if (seed === undefined) return seedWorld(now);
  if (typeof seed !== 'string') return structuredClone(assertWorld(seed, 'the seed world'));
  let text: string;
  try {
    text = readFileSync(seed, 'utf8');
  } catch (err) {
    throw new BaiError(`cannot read the seed file ${seed}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'bad_input');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BaiError(`the seed file ${seed} is not valid JSON`, 'bad_input');
  }
  return assertWorld(parsed, `the seed file ${seed}`);
}
