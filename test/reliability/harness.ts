/**
 * Shared set-up for the reliability suites: the agent wired as the CLI wires it (offline or LLM
 * proposer, policy gate, retrieval, signed client), in-process, against a sandbox started by the
 * test — so hundreds of runs cost milliseconds each instead of a process start each.
 */
import type { AgentDeps } from '../../src/agent/graph.js';
import { loadPolicyGate } from '../../src/agent/policy-gate.js';
import { BackendClient, type ConnectionConfig } from '../../src/client/index.js';
import type { RetryOptions } from '../../src/client/retry.js';
import { plannerDefaults } from '../../src/cli/connect.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import type { Proposer } from '../../src/planner/types.js';
import type { WorldView } from '../../src/planner/world.js';
import { loadOperationIndex, type OperationIndex } from '../../src/retrieval/index.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';

export interface Shared {
  catalog: Catalog;
  index: OperationIndex;
}

let shared: Promise<Shared> | undefined;

/** The bundled catalog and its retrieval index, loaded once per test file. */
export function loadShared(): Promise<Shared> {
  shared ??= (async () => {
    const catalog = await loadCatalog({ source: 'bundled' });
    return { catalog, index: await loadOperationIndex(catalog) };
  })();
  return shared;
}

export function sandboxConfig(sb: SandboxHandle, opts: { requestTimeoutMs?: number; secretKey?: string } = {}): ConnectionConfig {
  return {
    endpoint: sb.url,
    endpointType: 'api',
    accessKey: sb.credentials.user.accessKey,
    secretKey: opts.secretKey ?? sb.credentials.user.secretKey,
    domain: 'default',
    group: 'default',
    apiVersion: 'v9.20250722',
    connectTimeoutMs: 1_000,
    requestTimeoutMs: opts.requestTimeoutMs ?? 3_000,
    skipSslVerification: false,
    source: { endpoint: 'test' },
  };
}

/** Short, bounded pauses: the sandbox answers in milliseconds, so the backoff can too. */
export const FAST_RETRY: Partial<RetryOptions> = { retries: 4, baseDelayMs: 2, maxDelayMs: 25, maxRetryAfterMs: 1_000 };

export interface AgentSetup {
  deps: AgentDeps;
  client: BackendClient;
}

export async function agentFor(
  sb: SandboxHandle,
  opts: { policy?: string; makeProposer?: (world: WorldView) => Proposer; requestTimeoutMs?: number; waitTimeoutSeconds?: number } = {},
): Promise<AgentSetup> {
  const { catalog, index } = await loadShared();
  const config = sandboxConfig(sb, opts.requestTimeoutMs ? { requestTimeoutMs: opts.requestTimeoutMs } : {});
  const client = BackendClient.create(config, catalog, { retry: FAST_RETRY });
  const defaults = plannerDefaults(config, {});
  const deps: AgentDeps = {
    catalog,
    retrieve: (q) => index.search(q, { k: 8 }),
    api: client,
    makeProposer: opts.makeProposer ?? ((world) => new OfflineProposer({ world, defaults })),
    policy: await loadPolicyGate({ globals: opts.policy ? { policy: opts.policy } : {} }),
    defaults,
    endpoint: 'sandbox',
    waitTimeoutSeconds: opts.waitTimeoutSeconds ?? 5,
    execution: { recoveryAttempts: 4, recoveryDelayMs: 2, pollIntervalMs: 5, maxRateLimitWaitMs: 1_000 },
  };
  return { deps, client };
}
