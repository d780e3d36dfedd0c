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
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';
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

/** A fixed plan: create a named CPU session, wait until RUNNING, terminate it by the id the create returned. */
export function createAndDestroyPlan(name: string, opts: { sha256?: string; endpoint?: string } = {}): PlanDocument {
  const base = { query: {}, assumptions: [], destructive: false, policy: { verdict: 'confirm' as const, reason: 'writes need confirmation' } };
  const steps: PlanStep[] = [
    {
      ...base,
      id: 's1',
      operationId: 'session.create_from_params',
      method: 'POST',
      path: '/session',
      pathParams: {},
      body: { session_name: name, image: 'python', session_type: 'interactive', group: 'default', domain: 'default', enqueue_only: true, config: { resources: { cpu: 1, mem: '1g' } } },
      effect: 'write',
      reason: `create ${name}`,
      refs: [],
      wait: { until: 'RUNNING', timeoutSeconds: 5 },
    },
    {
      ...base,
      id: 's2',
      operationId: 'session.destroy',
      method: 'DELETE',
      path: '/session/{session_name}',
      pathParams: { session_name: { $from: 's1', path: 'sessionId' } },
      effect: 'write',
      reason: `terminate ${name}`,
      refs: [{ at: 'pathParams.session_name', from: 's1', path: 'sessionId' }],
    },
  ];
  return {
    version: 1,
    request: `create and terminate ${name}`,
    createdAt: new Date().toISOString(),
    spec: { title: 't', version: '1', sha256: opts.sha256 ?? 'a'.repeat(64) },
    endpoint: opts.endpoint ?? 'sandbox',
    planner: { kind: 'offline', model: null },
    policy: { name: 'default' },
    outcome: 'planned',
    steps,
    assumptions: [],
    grounding: [],
    search: {
      algorithm: 'dfsdt', nodesExpanded: 1, backtracks: 0, maxDepthReached: 1, llmCalls: 0, tokens: { prompt: 0, completion: 0 }, elapsedMs: 1,
      budgets: { maxDepth: 1, width: 1, maxNodes: 1, maxLlmCalls: 0, timeMs: 1 }, failures: [],
    },
  };
}

