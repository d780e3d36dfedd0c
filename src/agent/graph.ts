/**
 * The agent as a LangGraph graph:
 *
 *   retrieve → plan (DFSDT) → preview → confirm (interrupt) → execute → report
 *                 ▲                                            │
 *                 └──────── a failed step: replan from there ◄─┘  (new plan → preview → confirm again)
 *
 * Confirmation is a LangGraph `interrupt()`: the graph pauses with the plan as payload, its state
 * kept by the checkpointer, and resumes with `Command({ resume: decision })` from whichever front
 * end asked (terminal prompt, --yes/policy, web button, MCP argument). The graph never prints:
 * it talks to the outside only through the ports in `AgentDeps`.
 */
import { Annotation, Command, END, MemorySaver, START, StateGraph, interrupt } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph';
import { randomUUID } from 'node:crypto';
import type { Catalog } from '../spec/types.js';
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import { planRequest } from '../planner/planner.js';
import type { PolicyGate } from '../planner/check.js';
import type { SearchBudgets } from '../planner/dfsdt.js';
import type { AcceptedStep, FailedSibling, PlannerChoice, PlannerDefaults, RetrievedOperation } from '../planner/types.js';
import { WorldView, type ApiCaller } from '../planner/world.js';
import { BaiError } from '../errors.js';
import { withDerivedFacts } from '../planner/step-facts.js';
import { prepareCallFacts } from '../spec/call-facts.js';
import { registerSecretVariables } from '../redact.js';
import { unrequestedWrites } from './intent-gate.js';
import { executePlan, type AuditEntry, type ExecClient, type ExecuteOptions, type ExecutionReport, type ProgressSink } from './execute.js';

export type Decision = 'approve' | 'reject' | 'unavailable';

/** What a front end is asked to confirm. */
export interface ConfirmRequest {
  kind: 'confirm';
  plan: PlanDocument;
  /** write steps whose policy verdict is `confirm` */
  steps: PlanStep[];
  /** steps that need a typed confirmation (deleting folders, terminating several sessions) */
  destructive: PlanStep[];
  /**
   * writes the request did not ask for (./intent-gate.ts; any planner, any plan document): they
   * are in `steps` too, and neither --yes nor a policy `allow` approves them
   */
  unrequested?: PlanStep[];
  /** 1 for the first plan, 2+ after a replan */
  attempt: number;
}

export interface AgentDeps {
  catalog: Catalog;
  retrieve(request: string): RetrievedOperation[];
  api: ApiCaller & ExecClient;
  /** A proposer (or the hybrid planner) for one planning run (it may keep per-run state). */
  makeProposer(world: WorldView): PlannerChoice;
  policy: { gate: PolicyGate; name: string; sha256?: string };
  defaults: PlannerDefaults;
  endpoint: string;
  budgets?: Partial<SearchBudgets>;
  /** Shows a plan (terminal tree, JSON, web). Called once per plan, before confirmation. */
  preview?(plan: PlanDocument, info: { attempt: number; replanReason?: string }): void;
  progress?: ProgressSink;
  audit?(entry: AuditEntry): void;
  waitTimeoutSeconds?: number;
  /** Executor tuning (tests under injected faults use short pauses). */
  execution?: Pick<ExecuteOptions, 'recoveryAttempts' | 'recoveryDelayMs' | 'pollIntervalMs' | 'maxRateLimitWaitMs' | 'signal'>;
  checkpointer?: BaseCheckpointSaver;
}

export interface AgentInput {
  request: string;
  /** `plan`: stop after the preview (dry run). `run`: confirm and execute. */
  mode: 'run' | 'plan';
  /** `--yes`: approve `confirm` verdicts without asking. */
  autoApprove?: boolean;
  /** Execute exactly this plan (apply): no retrieval, no planning, no replanning. */
  plan?: PlanDocument;
  /** With `plan`: reads that already ran for it (revalidation), reused by the executor. */
  accepted?: AcceptedStep[];
  /**
   * With `plan`: it undoes an earlier run — built by the agent from the audit log, its writes are
   * exactly what `bai-agent undo` asks for. Set by code only (a plan document's `undoOf` is not
   * trusted for this): the check for writes the request never asked for is not applied.
   */
  compensating?: boolean;
  maxReplans?: number;
}

const keep = <T>(fallback: () => T) => Annotation<T>({ reducer: (_old: T, next: T) => next, default: fallback });

export const AgentState = Annotation.Root({
  request: keep<string>(() => ''),
  mode: keep<'run' | 'plan'>(() => 'run'),
  autoApprove: keep<boolean>(() => false),
  fixedPlan: keep<boolean>(() => false),
  compensating: keep<boolean>(() => false),
  maxReplans: keep<number>(() => 1),
  retrieved: keep<RetrievedOperation[]>(() => []),
  plan: keep<PlanDocument | undefined>(() => undefined),
  accepted: keep<AcceptedStep[]>(() => []),
  decision: keep<Decision | 'not_needed' | 'policy' | 'auto' | undefined>(() => undefined),
  execution: keep<ExecutionReport | undefined>(() => undefined),
  /** steps that already ran (kept across replans) */
  done: keep<AcceptedStep[]>(() => []),
  failures: keep<FailedSibling[]>(() => []),
  attempt: keep<number>(() => 1),
  replanReason: keep<string | undefined>(() => undefined),
  /** earlier plans, superseded by a replan */
  history: Annotation<PlanDocument[]>({ reducer: (a, b) => [...a, ...b], default: () => [] }),
});
export type AgentStateT = typeof AgentState.State;

/** Write steps that still need a human (or --yes): policy verdict `confirm`, not yet run. */
export function stepsNeedingConfirmation(plan: PlanDocument, done: AcceptedStep[] = []): PlanStep[] {
  const ran = new Set(done.map((a) => a.step.id));
  return plan.steps.filter((s) => s.effect === 'write' && s.policy.verdict === 'confirm' && !ran.has(s.id));
}

export function buildAgentGraph(deps: AgentDeps) {
  const graph = new StateGraph(AgentState)
    .addNode('retrieve', (s: AgentStateT) => ({ retrieved: deps.retrieve(s.request) }))
    // node names must differ from state keys (LangGraph rejects a node named like a channel)
    .addNode('planner', async (s: AgentStateT) => {
      const world = new WorldView(deps.api);
      const { plan, accepted } = await planRequest({
        request: s.request,
        catalog: deps.catalog,
        retrieved: s.retrieved,
        api: deps.api,
        world,
        proposer: deps.makeProposer(world),
        defaults: deps.defaults,
        policy: deps.policy,
        endpoint: deps.endpoint,
        budgets: deps.budgets,
        prefix: s.done,
        initialFailures: s.failures,
      });
      return { plan, accepted, decision: undefined, execution: undefined };
    })
    .addNode('preview', async (s: AgentStateT) => {
      if (!s.plan) return {};
      await prepareCallFacts(s.plan.steps);
      // whoever made the plan, what it does and what the policy says are derived here again: the
      // preview, the confirmation and the executor all work from these facts
      const plan = { ...s.plan, steps: withDerivedFacts(deps.catalog, s.plan.steps, deps.policy.gate) };
      const ran = new Set(s.done.map((d) => d.step.id));
      const denied = plan.outcome === 'planned' ? plan.steps.find((st) => st.policy.verdict === 'deny' && !ran.has(st.id)) : undefined;
      if (denied) throw new BaiError(`step ${denied.id} ${denied.operationId} is denied by policy ${deps.policy.name}: ${denied.policy.reason}`, 'refused');
      for (const st of plan.steps) registerSecretVariables((st.body as { config?: { environ?: unknown } } | undefined)?.config?.environ);
      deps.preview?.(plan, { attempt: s.attempt, ...(s.replanReason ? { replanReason: s.replanReason } : {}) });
      return { plan };
    })
    .addNode('confirm', (s: AgentStateT) => {
      const plan = s.plan!;
      const ran = new Set(s.done.map((d) => d.step.id));
      // writes the request never asked for need a person, whatever --yes or the policy say
      const unrequested = s.compensating ? [] : unrequestedWrites(plan).filter((st) => !ran.has(st.id));
      const byPolicy = stepsNeedingConfirmation(plan, s.done);
      const pending = plan.steps.filter((st) => byPolicy.includes(st) || unrequested.includes(st));
      const writes = plan.steps.filter((st) => st.effect === 'write' && !ran.has(st.id));
      if (writes.length === 0) return { decision: 'not_needed' as const };
      if (pending.length === 0) return { decision: 'policy' as const }; // every write explicitly allowed
      if (s.autoApprove && unrequested.length === 0) return { decision: 'auto' as const };
      // nothing above this line may have side effects: the node re-runs when resumed
      const request: ConfirmRequest = {
        kind: 'confirm',
        plan,
        steps: pending,
        destructive: pending.filter((st) => st.destructive),
        ...(unrequested.length ? { unrequested } : {}),
        attempt: s.attempt,
      };
      const answer = interrupt<ConfirmRequest, Decision>(request);
      return { decision: answer === 'approve' || answer === 'reject' || answer === 'unavailable' ? answer : 'reject' };
    })
    .addNode('execute', async (s: AgentStateT) => {
      const execution = await executePlan({
        plan: s.plan!,
        catalog: deps.catalog,
        accepted: s.accepted,
        alreadyDone: s.done,
        client: deps.api,
        ...(deps.progress ? { progress: deps.progress } : {}),
        ...(deps.audit ? { audit: deps.audit } : {}),
        ...(deps.waitTimeoutSeconds ? { waitTimeoutSeconds: deps.waitTimeoutSeconds } : {}),
        ...deps.execution,
      });
      return { execution, done: execution.completed };
    })
    .addNode('replan', (s: AgentStateT) => {
      const failed = s.plan!.steps.find((st) => st.id === s.execution?.failedStep);
      const reason = `execution failed: ${s.execution?.error ?? 'unknown error'}`;
      const failures: FailedSibling[] = failed
        ? [{ candidate: { kind: 'call', operationId: failed.operationId, pathParams: failed.pathParams, query: failed.query, body: failed.body, reason: failed.reason }, reason }]
        : [];
      return { failures, attempt: s.attempt + 1, replanReason: `step ${failed?.id ?? '?'} failed — ${s.execution?.error ?? ''}`, history: [s.plan!] };
    })
    .addNode('report', () => ({}))
    .addConditionalEdges(START, (s: AgentStateT) => (s.fixedPlan ? 'preview' : 'retrieve'), ['retrieve', 'preview'])
    .addEdge('retrieve', 'planner')
    .addEdge('planner', 'preview')
    .addConditionalEdges(
      'preview',
      (s: AgentStateT) => (s.mode === 'plan' || s.plan?.outcome !== 'planned' ? 'report' : 'confirm'),
      ['report', 'confirm'],
    )
    .addConditionalEdges(
      'confirm',
      (s: AgentStateT) => (s.decision === 'reject' || s.decision === 'unavailable' ? 'report' : 'execute'),
      ['report', 'execute'],
    )
    .addConditionalEdges(
      'execute',
      (s: AgentStateT) => {
        if (s.execution?.ok) return 'report';
        // interrupted by the user (Ctrl-C): stop here, never plan anew
        if (deps.execution?.signal?.aborted) return 'report';
        // a failed step sends the search back to work from there — not for `apply`, which runs exactly its plan,
        // and not when the step may have changed the manager (a lost create replanned under a new name would duplicate it)
        const leftNoTrace = (s.execution?.failedStepEffect ?? 'none') === 'none';
        const replannable = !s.fixedPlan && !s.execution?.auditFailed && s.attempt <= s.maxReplans && s.execution?.failedStep !== undefined && leftNoTrace;
        return replannable ? 'replan' : 'report';
      },
      ['report', 'replan'],
    )
    .addEdge('replan', 'planner')
    .addEdge('report', END);
  return graph.compile({ checkpointer: deps.checkpointer ?? new MemorySaver() });
}

export type AgentGraph = ReturnType<typeof buildAgentGraph>;

export interface AgentRun {
  graph: AgentGraph;
  threadId: string;
  /** The state when the graph stopped: finished, or paused for confirmation. */
  state: AgentStateT;
  /** Set while paused at the confirmation. */
  pending?: ConfirmRequest;
}

function pendingOf(result: Record<string, unknown>): ConfirmRequest | undefined {
  const interrupts = result.__interrupt__ as Array<{ value: unknown }> | undefined;
  const v = interrupts?.[0]?.value as ConfirmRequest | undefined;
  return v?.kind === 'confirm' ? v : undefined;
}

/** Start a run; it stops at the end or at the first confirmation. */
export async function startAgent(deps: AgentDeps, input: AgentInput, graph: AgentGraph = buildAgentGraph(deps)): Promise<AgentRun> {
  const threadId = randomUUID();
  const init: Partial<AgentStateT> = {
    request: input.plan?.request ?? input.request,
    mode: input.mode,
    autoApprove: Boolean(input.autoApprove),
    maxReplans: input.plan ? 0 : (input.maxReplans ?? 1),
    ...(input.plan ? { plan: input.plan, fixedPlan: true, accepted: input.accepted ?? [], compensating: Boolean(input.compensating) } : {}),
  };
  const result = (await graph.invoke(init, { configurable: { thread_id: threadId } })) as AgentStateT & Record<string, unknown>;
  const pending = pendingOf(result);
  return { graph, threadId, state: result, ...(pending ? { pending } : {}) };
}

/** Resume a paused run with the front end's decision. */
export async function resumeAgent(run: AgentRun, decision: Decision): Promise<AgentRun> {
  const result = (await run.graph.invoke(new Command({ resume: decision }), { configurable: { thread_id: run.threadId } })) as AgentStateT &
    Record<string, unknown>;
  const pending = pendingOf(result);
  return { graph: run.graph, threadId: run.threadId, state: result, ...(pending ? { pending } : {}) };
}

/** Run to the end, asking `approve` at every confirmation. */
export async function runAgent(
  deps: AgentDeps,
  input: AgentInput,
  approve: (req: ConfirmRequest) => Promise<Decision>,
): Promise<AgentStateT> {
  let run = await startAgent(deps, input);
  while (run.pending) run = await resumeAgent(run, await approve(run.pending));
  return run.state;
}
