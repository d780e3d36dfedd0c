/**
 * Execute an approved plan: steps in order through the signed client, later steps using earlier
 * results, session creation followed by a wait until RUNNING (server-sent events, polling when
 * events fail), progress reported through a port.
 *
 * Writes are never blindly retried. A write whose answer was lost (connection dropped, timeout,
 * 500/502/504) is recovered instead: a session create is looked up by its fixed name, and only
 * when it is not there is the *same* named request sent again (the manager's reuse semantics
 * return an existing session instead of a second one); other writes are re-checked with a read
 * before anything is sent again. A write refused with 429
 * was never handled (the manager rate-limits before any handler, facts §1.8), so it is sent again
 * after the wait the manager asks for, when that wait is short.
 *
 * The report says whether the failed step may have changed the manager (`failedStepEffect`): the
 * agent replans only after a failure that left nothing behind, so a lost create never turns into
 * a second session under a new name.
 */
import { BaiError, isCredentialRejection } from '../errors.js';
import type { PlanDocument, PlanStep, StepUndo } from '../planner/plan.js';
import { resolveUndo } from '../planner/undo.js';
import { getPath, resolveStepArgs } from '../planner/refs.js';
import { sameValue } from '../planner/ref-values.js';
import type { AcceptedStep } from '../planner/types.js';
import { callFacts, effectOfRequest, prepareCallFacts } from '../spec/call-facts.js';
import type { Catalog } from '../spec/types.js';

export interface ExecClient {
  call<T = unknown>(
    operationId: string,
    args?: { pathParams?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal },
  ): Promise<{ status: number; data: T }>;
  events?(query: Record<string, string>, opts: { signal: AbortSignal }): AsyncIterable<{ event: string; data: unknown }>;
}

export type ProgressEvent =
  | { kind: 'step-start'; step: PlanStep }
  | { kind: 'step-done'; step: PlanStep; summary: string }
  | { kind: 'step-failed'; step: PlanStep; error: string }
  | { kind: 'recover'; step: PlanStep; message: string }
  | { kind: 'wait'; step: PlanStep; session: string; status: string; elapsedMs: number; statusInfo?: string }
  /** Console output of code or a command running in a session, as it arrives. */
  | { kind: 'output'; step: PlanStep; stream: string; text: string };

export interface ProgressSink {
  (event: ProgressEvent): void;
}

/** One executed write, for the audit log (arguments carry no secrets: plans never do). */
export interface AuditEntry {
  time: string;
  request: string;
  stepId: string;
  operationId: string;
  method: string;
  path: string;
  pathParams: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /**
   * `started`: recorded before the write is sent (nothing is sent if it cannot be recorded);
   * then one of the others: `unknown` when the answer was lost and the outcome could not be verified.
   */
  outcome: 'started' | 'ok' | 'failed' | 'recovered' | 'unknown';
  httpStatus?: number;
  /** Code or a command run in a session: its exit code. */
  exitCode?: number;
  error?: string;
  /** For a write that took effect: how to undo it, with the ids the manager returned filled in. */
  undo?: StepUndo;
  /** Set by the front end: which run (one `run`/`apply`/`undo` invocation) wrote it. */
  runId?: string;
  /** For the writes of a compensating plan: the run it undoes. */
  undoOf?: string;
  /** Set by the front end: the manager it wrote to (URL without credentials, or `sandbox`). */
  endpoint?: string;
}

export interface StepResult {
  id: string;
  operationId: string;
  status: 'ok' | 'failed' | 'skipped';
  httpStatus?: number;
  data?: unknown;
  error?: string;
  summary: string;
  durationMs: number;
}

export interface ExecutionOutputs {
  sessions: Array<{ name: string; id: string; status: string; servicePorts?: unknown }>;
  folders: Array<{ name: string; id?: string }>;
  services: Array<{ name: string; id?: string; endpoint?: string | null }>;
}

/**
 * What the failed step did to the manager: `none` (refused or never sent: replanning is safe),
 * `unknown` (its answer was lost and could not be verified), `applied` (it took effect, e.g. a
 * session was created but did not start in time).
 */
export type FailedStepEffect = 'none' | 'unknown' | 'applied';

export interface ExecutionReport {
  ok: boolean;
  results: StepResult[];
  /** The step that failed (execution stopped there). */
  failedStep?: string;
  /** Set with failedStep. */
  failedStepEffect?: FailedStepEffect;
  error?: string;
  /** The manager rejected the credentials (or clock): a configuration problem, not a plan problem. */
  credentialsRejected?: boolean;
  /** The audit log could not be written, so the failed step's write was not sent (a configuration problem). */
  auditFailed?: boolean;
  outputs: ExecutionOutputs;
  /** Steps that completed, with their results as observations (for a replan). */
  completed: AcceptedStep[];
}

export interface ExecuteOptions {
  plan: PlanDocument;
  /** Accepted steps from planning (reads before the first write reuse their observations). */
  accepted?: AcceptedStep[];
  /** Steps that already ran (a replanned plan starts with them): skipped, their results reused. */
  alreadyDone?: AcceptedStep[];
  client: ExecClient;
  /**
   * The spec the plan's operations come from: each step's effect is derived from its operation and
   * the arguments as sent (spec/call-facts.ts). Without it, from the step's method, path and body.
   */
  catalog?: Catalog;
  progress?: ProgressSink;
  /**
   * Records every write: once before it is sent (`started`) and once with its outcome. It throws
   * when the record cannot be written: the write is then not sent (the audit log fails closed).
   */
  audit?: (entry: AuditEntry) => void;
  signal?: AbortSignal;
  /** Override the plan's wait timeouts (seconds). */
  waitTimeoutSeconds?: number;
  /** Poll interval when events are unavailable. */
  pollIntervalMs?: number;
  /** Attempts to recover a write whose answer was lost. */
  recoveryAttempts?: number;
  /** First pause before a recovery attempt, ms (doubles each attempt, at most 2 s). Default 250. */
  recoveryDelayMs?: number;
  /** A 429 on a write is re-sent only when the manager asks for at most this wait (ms). Default 30 s. */
  maxRateLimitWaitMs?: number;
  now?: () => number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
const SESSION_CREATE = new Set(['session.create_from_params', 'session.create_from_params.2']);
const TERMINAL = new Set(['TERMINATED', 'CANCELLED', 'ERROR']);

function errorKind(err: unknown): string | undefined {
  return err instanceof BaiError ? err.kind : undefined;
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The request may or may not have been handled: connection lost, timeout, gateway error, or a
 * 500 (the manager may have failed after the change was made).
 */
function outcomeUnknown(err: unknown): boolean {
  if (errorKind(err) === 'unavailable') return true;
  const status = statusOf(err);
  return status === 500 || status === 502 || status === 504;
}

/** Worth asking again later (nothing is wrong with the request itself). */
function transient(err: unknown): boolean {
  const status = statusOf(err);
  return outcomeUnknown(err) || status === 429 || status === 503;
}

/** An error carrying what the failed step did to the manager. */
class StepFailure extends BaiError {
  constructor(
    message: string,
    readonly effect: FailedStepEffect,
    cause: unknown,
  ) {
    super(message, cause instanceof BaiError ? cause.kind : 'execution', { cause });
  }
}

function effectOf(err: unknown, writes: boolean): FailedStepEffect {
  if (err instanceof StepFailure) return err.effect;
  return writes && outcomeUnknown(err) ? 'unknown' : 'none';
}

/**
 * Whether sending the step with these (resolved) arguments writes, by the one rule: from its
 * operation in the spec, else from its method, path and body. The step's own `effect` can only
 * add a write.
 */
function sendsWrite(step: PlanStep, args: { pathParams: Record<string, unknown>; query: Record<string, unknown>; body: unknown }, catalog?: Catalog): boolean {
  if (step.effect === 'write') return true;
  const op = catalog?.get(step.operationId);
  if (catalog && !op) throw new BaiError(`step ${step.id}: ${step.operationId} is not in the spec`, 'bad_input');
  return (op ? callFacts(op, args).effect : effectOfRequest(step.method, step.path, args.body)) === 'write';
}

/** A `$from` value shown before confirmation that resolves differently now: why the write must not be sent. */
function changedRefValue(step: PlanStep, data: ReadonlyMap<string, unknown>): string | undefined {
  for (const ref of step.refs) {
    if (ref.value === undefined) continue;
    const now = getPath(data.get(ref.from), ref.path);
    if (!sameValue(now, ref.value)) {
      return `step ${step.id}: ${ref.at} takes ${ref.from}.${ref.path}, which was ${JSON.stringify(ref.value)} when you confirmed and is now ${JSON.stringify(now)}: nothing was sent; make a new plan`;
    }
  }
  return undefined;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function summarize(step: PlanStep, data: unknown, status: number): string {
  const d = obj(data);
  if (step.operationId === 'session.execute') {
    const code = runExitCode(data);
    return `run ${String(obj(d.result).status ?? 'finished')}${code !== undefined ? ` (exit code ${code})` : ''}`;
  }
  if (SESSION_CREATE.has(step.operationId)) return `session ${String(d.sessionName ?? '')} ${String(d.sessionId ?? '')} ${String(d.status ?? '')}`.trim();
  if (step.operationId === 'folders.create') return `folder ${String(d.name ?? '')} created (${String(d.id ?? '')})`;
  if (status === 204 || data === null || data === undefined) return `done (HTTP ${status})`;
  if (Array.isArray(data)) return `${data.length} items`;
  if (Array.isArray(d.items)) return `${d.items.length} items`;
  return `done (HTTP ${status})`;
}

export async function executePlan(opts: ExecuteOptions): Promise<ExecutionReport> {
  const { plan, client } = opts;
  const progress = opts.progress ?? (() => {});
  const now = opts.now ?? (() => Date.now());
  const results: StepResult[] = [];
  const data = new Map<string, unknown>();
  const completed: AcceptedStep[] = [];
  const outputs: ExecutionOutputs = { sessions: [], folders: [], services: [] };
  const planned = new Map((opts.accepted ?? []).map((a) => [a.step.id, a]));
  const ran = new Map((opts.alreadyDone ?? []).map((a) => [a.step.id, a]));
  let wroteSomething = ran.size > 0 && [...ran.values()].some((a) => a.step.effect === 'write');

  if (plan.outcome !== 'planned') throw new BaiError(`this plan cannot run: outcome is ${plan.outcome}`, 'bad_input');
  await prepareCallFacts(plan.steps);

  // sessions this run terminated without waiting for the end (a plan from the LLM, or an older plan file)
  const endingNotAwaited = new Map<string, PlanStep>();
  for (const step of plan.steps) {
    if (opts.signal?.aborted) throw new BaiError('execution interrupted', 'execution');
    // defence in depth: whatever produced the plan, a denied step is never sent
    if (step.policy.verdict === 'deny') {
      const error = `step ${step.id} ${step.operationId} is denied by policy: ${step.policy.reason}`;
      results.push({ id: step.id, operationId: step.operationId, status: 'failed', error, summary: error, durationMs: 0 });
      return { ok: false, results, failedStep: step.id, failedStepEffect: 'none', error, outputs, completed };
    }
    const done = ran.get(step.id);
    if (done) {
      data.set(step.id, done.observation);
      completed.push(done);
      results.push({ id: step.id, operationId: step.operationId, status: 'skipped', data: done.observation, summary: 'already done before the replan', durationMs: 0 });
      continue;
    }
    const started = now();
    const prior = planned.get(step.id);
    // reads that ran during planning, before any write, are still valid observations
    if (step.effect === 'read' && !wroteSomething && prior?.observation !== undefined) {
      data.set(step.id, prior.observation);
      completed.push({ step, candidate: prior.candidate, observation: prior.observation });
      results.push({ id: step.id, operationId: step.operationId, status: 'ok', data: prior.observation, summary: step.observation ?? 'read during planning', durationMs: 0 });
      continue;
    }
    progress({ kind: 'step-start', step });
    let args: ReturnType<typeof resolveStepArgs>;
    let writes: boolean;
    try {
      args = resolveStepArgs(step, data);
      writes = sendsWrite(step, args, opts.catalog);
      // a step confirmed as a read never writes (its arguments resolved to, e.g., a GraphQL mutation)
      if (writes && step.effect !== 'write') throw new BaiError(`step ${step.id} ${step.operationId} would write, but it was planned and confirmed as a read: nothing was sent`, 'refused');
      const changed = writes ? changedRefValue(step, data) : undefined;
      if (changed) throw new BaiError(changed, 'execution');
    } catch (err) {
      const error = (err as Error).message;
      results.push({ id: step.id, operationId: step.operationId, status: 'failed', error, summary: error, durationMs: 0 });
      progress({ kind: 'step-failed', step, error });
      return { ok: false, results, failedStep: step.id, failedStepEffect: 'none', error, outputs, completed };
    }
    if (writes) {
      // the audit log fails closed: a write that cannot be recorded is not sent
      try {
        opts.audit?.(auditEntry(plan, step, args, 'started'));
      } catch (err) {
        const error = `${(err as Error).message}: step ${step.id} ${step.operationId} was not sent`;
        results.push({ id: step.id, operationId: step.operationId, status: 'failed', error, summary: error, durationMs: 0 });
        progress({ kind: 'step-failed', step, error });
        return { ok: false, results, failedStep: step.id, failedStepEffect: 'none', error, auditFailed: true, outputs, completed };
      }
    }
    let audited = false;
    try {
      // re-creating a name this plan just terminated: wait until the old one has ended, or a manager
      // that reuses a same-name live session would hand back the dying one
      const recreated = SESSION_CREATE.has(step.operationId) ? String(obj(args.body).session_name ?? obj(args.body).name ?? '') : '';
      const ending = recreated ? endingNotAwaited.get(recreated) : undefined;
      if (ending) {
        await waitForTermination({ ...ending, wait: { until: 'TERMINATED', timeoutSeconds: 300 } }, { pathParams: { session_name: recreated } }, opts, progress);
        endingNotAwaited.delete(recreated);
      }
      let res: { status: number; data: unknown; recovered?: boolean } =
        writes ? await runWrite(step, args, opts, progress) : await client.call(step.operationId, { ...args, signal: opts.signal });
      // a run that goes on is followed to its end: one step, audited once with its outcome
      if (step.operationId === 'session.execute') res = { ...res, data: await followRun(step, args, res.data, opts, progress) };
      if (writes) {
        wroteSomething = true;
        const exitCode = step.operationId === 'session.execute' ? runExitCode(res.data) : undefined;
        const undo = resolveUndo(step.undo, step, new Map(data).set(step.id, res.data));
        audited = true;
        recordOutcome(opts, { ...auditEntry(plan, step, args, res.recovered ? 'recovered' : 'ok', res.status), ...(exitCode !== undefined ? { exitCode } : {}), undo }, progress, step);
      }
      let finalData = res.data;
      if (step.wait?.until === 'TERMINATED' && step.operationId === 'session.destroy') {
        // a relaunch re-creates the same name: the old session must be gone first, or the manager reuses it
        await waitForTermination(step, args, opts, progress);
      } else if (step.operationId === 'session.destroy' && typeof args.pathParams.session_name === 'string') {
        endingNotAwaited.set(args.pathParams.session_name, step);
      }
      if (step.wait?.until === 'RUNNING' && SESSION_CREATE.has(step.operationId)) {
        try {
          finalData = await waitForSession(step, res.data, opts, progress);
        } catch (err) {
          // the session exists: report it, and never let a replan create a second one
          collectOutputs(step, args, res.data, outputs);
          throw new StepFailure((err as Error).message, 'applied', err);
        }
      }
      data.set(step.id, finalData);
      collectOutputs(step, args, finalData, outputs);
      const summary = summarize(step, finalData, res.status);
      results.push({ id: step.id, operationId: step.operationId, status: 'ok', httpStatus: res.status, data: finalData, summary, durationMs: now() - started });
      completed.push({
        step,
        candidate: prior?.candidate ?? { kind: 'call', operationId: step.operationId, pathParams: step.pathParams, query: step.query, body: step.body, reason: step.reason },
        observation: finalData,
      });
      progress({ kind: 'step-done', step, summary });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      const effect = effectOf(err, writes);
      if (writes && !audited) {
        recordOutcome(opts, auditEntry(plan, step, args, effect === 'unknown' ? 'unknown' : 'failed', statusOf(err), error), progress, step);
      }
      results.push({
        id: step.id,
        operationId: step.operationId,
        status: 'failed',
        httpStatus: (err as { status?: number }).status,
        error,
        summary: error,
        durationMs: now() - started,
      });
      progress({ kind: 'step-failed', step, error });
      const credentialsRejected = isCredentialRejection(err) || (err instanceof StepFailure && isCredentialRejection(err.cause));
      return { ok: false, results, failedStep: step.id, failedStepEffect: effect, error, ...(credentialsRejected ? { credentialsRejected } : {}), outputs, completed };
    }
  }
  return { ok: true, results, outputs, completed };
}

/**
 * The outcome of a write that was sent. It is recorded after the fact, so a failure to write it
 * cannot undo anything: it is said on the progress stream (the `started` record is in the log).
 */
function recordOutcome(opts: ExecuteOptions, entry: AuditEntry, progress: ProgressSink, step: PlanStep): void {
  try {
    opts.audit?.(entry);
  } catch (err) {
    progress({ kind: 'recover', step, message: `the outcome (${entry.outcome}) could not be added to the audit log: ${(err as Error).message}` });
  }
}

function auditEntry(
  plan: PlanDocument,
  step: PlanStep,
  args: ReturnType<typeof resolveStepArgs>,
  outcome: AuditEntry['outcome'],
  httpStatus?: number,
  error?: string,
): AuditEntry {
  return {
    time: new Date().toISOString(),
    request: plan.request,
    stepId: step.id,
    operationId: step.operationId,
    method: step.method,
    path: step.path,
    pathParams: args.pathParams,
    query: args.query,
    body: args.body,
    outcome,
    ...(httpStatus !== undefined ? { httpStatus } : {}),
    ...(error ? { error } : {}),
    ...(plan.undoOf ? { undoOf: plan.undoOf.runId } : {}),
  };
}

/**
 * Send a write once. A 429 is sent again after the manager's wait (it was never handled); a lost
 * answer is recovered without duplicating the write; anything else is the step's failure.
 */
async function runWrite(
  step: PlanStep,
  args: ReturnType<typeof resolveStepArgs>,
  opts: ExecuteOptions,
  progress: ProgressSink,
): Promise<{ status: number; data: unknown; recovered?: boolean }> {
  const attempts = opts.recoveryAttempts ?? 3;
  const send = () => opts.client.call(step.operationId, { ...args, signal: opts.signal });
  let lost: unknown;
  for (let limited = 0; lost === undefined; limited++) {
    try {
      return await send();
    } catch (err) {
      const wait = rateLimitWait(err, limited, opts);
      if (wait !== undefined && limited < attempts && !opts.signal?.aborted) {
        progress({ kind: 'recover', step, message: `rate limited (429): sending again in ${Math.ceil(wait / 1000)} s (attempt ${limited + 1}/${attempts})` });
        await sleep(wait, opts.signal);
        continue;
      }
      if (!outcomeUnknown(err)) throw err;
      lost = err;
    }
  }

  let lastErr: unknown = lost;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (opts.signal?.aborted) break;
    await sleep(Math.min((opts.recoveryDelayMs ?? 250) * 2 ** (attempt - 1), 2000), opts.signal);
    progress({ kind: 'recover', step, message: `answer lost (${(lastErr as Error).message}); checking before any retry (attempt ${attempt}/${attempts})` });
    try {
      const recovered = await recoverWrite(step, args, opts);
      if (recovered) return { ...recovered, recovered: true };
      // a read showed the write did not happen: sending it once more is safe
      return await send();
    } catch (e) {
      // still no reliable answer: check again (a definite refusal of the check or re-send ends it)
      if (!transient(e)) throw e instanceof StepFailure ? e : new StepFailure((e as Error).message, 'unknown', e);
      lastErr = e;
    }
  }
  throw new StepFailure(
    `${step.operationId}: the manager did not answer and the outcome could not be verified (${(lastErr as Error).message}); check before retrying`,
    'unknown',
    lastErr,
  );
}

/** Statuses of an execute answer after which the run goes on (facts §15.1; batch mode reports its clean and build steps). */
const RUN_GOES_ON = new Set(['continued', 'clean-finished', 'build-finished']);

function runExitCode(data: unknown): number | undefined {
  const code = obj(obj(data).result).exitCode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * Follow a run in a session to its end (the official client's execute loop,
 * `client/cli/session/execute.py`): while the manager answers `continued`, ask again with
 * `mode: continue` and the same `run_id`, streaming each piece of output as it comes. Returns
 * one answer holding the whole console. The run was started: a failure from here on leaves it
 * going on in the session.
 */
async function followRun(step: PlanStep, args: ReturnType<typeof resolveStepArgs>, first: unknown, opts: ExecuteOptions, progress: ProgressSink): Promise<unknown> {
  const output: unknown[] = [];
  let result = obj(obj(first).result);
  const runId = String(result.runId ?? obj(args.body).run_id ?? '');
  for (;;) {
    for (const item of Array.isArray(result.console) ? result.console : []) {
      output.push(item);
      if (Array.isArray(item) && typeof item[1] === 'string') progress({ kind: 'output', step, stream: String(item[0]), text: item[1] });
    }
    const status = String(result.status ?? 'finished');
    if (status === 'waiting-input') {
      throw new StepFailure(`the run in session ${String(args.pathParams.session_name)} waits for input, which bai-agent cannot type; interrupt it, or run it without a prompt`, 'applied', undefined);
    }
    if (!RUN_GOES_ON.has(status)) break;
    if (opts.signal?.aborted) throw new StepFailure(`stopped following run ${runId}: interrupted (it goes on in the session)`, 'applied', undefined);
    try {
      const next = await opts.client.call('session.execute', { pathParams: args.pathParams, body: { mode: 'continue', run_id: runId, code: '' }, signal: opts.signal });
      result = obj(obj(next.data).result);
    } catch (err) {
      throw new StepFailure(`lost track of run ${runId} (it may go on in the session): ${(err as Error).message}`, 'applied', err);
    }
  }
  return { result: { ...result, runId, console: output } };
}

/** How long to wait before re-sending a write refused with 429, or undefined when it should not be re-sent. */
function rateLimitWait(err: unknown, attempt: number, opts: ExecuteOptions): number | undefined {
  if (statusOf(err) !== 429) return undefined;
  const requested = (err as { retryAfterMs?: unknown }).retryAfterMs;
  const wait = typeof requested === 'number' ? requested : Math.min((opts.recoveryDelayMs ?? 250) * 2 ** attempt, 2000);
  return wait <= (opts.maxRateLimitWaitMs ?? 30_000) ? wait : undefined;
}

/**
 * Did the lost write happen? Returns its (reconstructed) response when it did, undefined when it
 * certainly did not. A session create is looked up by its fixed name first (a read, retried like
 * any read); when it is not there, the same named request is sent again — still idempotent: with
 * the manager's reuse semantics (facts §3.3) a late-landing original is returned, not doubled, and
 * without reuse the re-send is refused with `session-already-exists` naming it.
 */
async function recoverWrite(
  step: PlanStep,
  args: ReturnType<typeof resolveStepArgs>,
  opts: ExecuteOptions,
): Promise<{ status: number; data: unknown } | undefined> {
  const { client, signal } = opts;
  const body = obj(args.body);
  if (SESSION_CREATE.has(step.operationId) || step.operationId === 'v2/sessions.enqueue') {
    const name = String(body.session_name ?? body.name ?? body.clientSessionToken ?? '');
    const asCreated = async (id: string, status: unknown): Promise<{ status: number; data: unknown }> => {
      if (step.operationId === 'v2/sessions.enqueue') {
        return { status: 201, data: (await client.call('v2/sessions.get', { pathParams: { session_id: id }, signal })).data };
      }
      return { status: 201, data: { sessionId: id, sessionName: name, status, created: false } };
    };
    const found = name ? await liveSessionNamed(client, name, signal) : undefined;
    if (found) return asCreated(found.id, found.status);
    try {
      return await client.call(step.operationId, { ...args, signal });
    } catch (err) {
      const existing = existingSessionId(err);
      if (!existing) throw err;
      const info = obj((await client.call('session.get_info', { pathParams: { session_name: existing }, signal })).data);
      return asCreated(existing, info.status);
    }
  }
  switch (step.operationId) {
    case 'folders.create': {
      const info = await getOrUndefined(client, 'folders.get_info', { pathParams: { name: body.name }, signal });
      return info ? { status: 201, data: info } : undefined;
    }
    case 'folders.delete_by_name': {
      const info = await getOrUndefined(client, 'folders.get_info', { pathParams: { name: args.pathParams.name }, signal });
      return !info || String(obj(info).status ?? '').startsWith('delete-') ? { status: 204, data: null } : undefined;
    }
    case 'session.destroy': {
      const info = await getOrUndefined(client, 'session.get_info', { pathParams: args.pathParams, signal });
      const status = String(obj(info).status ?? '');
      return !info || TERMINAL.has(status) || status === 'TERMINATING' ? { status: 200, data: { stats: {} } } : undefined;
    }
    case 'v2/sessions.terminate': {
      // done when every named session is ending or ended; otherwise sending it again is safe
      // (sessions already ending are skipped by the manager)
      const ids = (Array.isArray(body.session_ids) ? body.session_ids : []).map(String);
      const statuses: string[] = [];
      for (const id of ids) {
        const got = await getOrUndefined(client, 'v2/sessions.get', { pathParams: { session_id: id }, signal });
        statuses.push(got === undefined ? 'TERMINATED' : String(obj(obj(obj(got).session).lifecycle).status ?? ''));
      }
      const ending = statuses.every((st) => TERMINAL.has(st) || st === 'TERMINATING');
      return ending ? { status: 200, data: { cancelled: [], terminating: ids, force_terminated: [], skipped: [] } } : undefined;
    }
    default:
      throw new StepFailure(
        `${step.operationId}: the manager did not answer; the outcome is unknown and this call is not safe to repeat blindly (check it before retrying)`,
        'unknown',
        undefined,
      );
  }
}

/** The caller's live session with exactly this name (`GET /session/_/match` matches prefixes). */
async function liveSessionNamed(client: ExecClient, name: string, signal?: AbortSignal): Promise<{ id: string; status: unknown } | undefined> {
  const res = await client.call('session.match_sessions', { query: { id: name }, signal });
  const matches = obj(res.data).matches;
  const hit = (Array.isArray(matches) ? matches : []).map(obj).find((m) => m.name === name && typeof m.id === 'string');
  return hit ? { id: String(hit.id), status: hit.status } : undefined;
}

/** `session-already-exists` names the session that holds the name (facts §3.3). */
function existingSessionId(err: unknown): string | undefined {
  const e = err as { status?: unknown; type?: unknown; data?: unknown };
  if (e?.status !== 400 || e.type !== 'session-already-exists') return undefined;
  const id = obj(e.data).existingSessionId;
  return typeof id === 'string' && id ? id : undefined;
}

async function getOrUndefined(client: ExecClient, operationId: string, args: Parameters<ExecClient['call']>[1]): Promise<unknown> {
  try {
    return (await client.call(operationId, args)).data;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
  }
}

/** Poll a terminated session until the manager reports it ended (or no longer finds it by name). */
async function waitForTermination(step: PlanStep, args: { pathParams: Record<string, unknown> }, opts: ExecuteOptions, progress: ProgressSink): Promise<void> {
  const name = String(args.pathParams.session_name ?? '');
  const timeoutMs = (step.wait?.timeoutSeconds ?? 120) * 1000;
  const pollMs = opts.pollIntervalMs ?? 1000;
  const now = opts.now ?? (() => Date.now());
  const started = now();
  let status = 'TERMINATING';
  progress({ kind: 'wait', step, session: name, status, elapsedMs: 0 });
  for (;;) {
    if (opts.signal?.aborted) throw new BaiError(`stopped waiting for session ${name} to end: interrupted (it is ${status}; termination goes on on the manager)`, 'execution');
    let info: unknown;
    try {
      info = await getOrUndefined(opts.client, 'session.get_info', { pathParams: { session_name: name }, signal: opts.signal });
    } catch (err) {
      if (!transient(err)) throw err;
      info = { status };
    }
    const s = info === undefined ? 'TERMINATED' : String(obj(info).status ?? status);
    if (s !== status) {
      status = s;
      progress({ kind: 'wait', step, session: name, status, elapsedMs: now() - started });
    }
    if (TERMINAL.has(status)) return;
    if (now() - started >= timeoutMs) {
      throw new BaiError(`session ${name} is still ${status} after ${timeoutMs / 1000} s; the next steps did not run`, 'execution');
    }
    await sleep(pollMs, opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Wait until the new session is RUNNING: server-sent events first (they name the session), with
 * polling of `GET /session/{id}` as the fallback and as a periodic check (events can be missed
 * between the create and the subscription).
 */
async function waitForSession(step: PlanStep, created: unknown, opts: ExecuteOptions, progress: ProgressSink): Promise<unknown> {
  const info = obj(created);
  const id = String(info.sessionId ?? '');
  const name = String(info.sessionName ?? obj(step.body).session_name ?? '');
  let status = String(info.status ?? 'PENDING');
  const timeoutMs = (opts.waitTimeoutSeconds ?? step.wait?.timeoutSeconds ?? 600) * 1000;
  const pollMs = opts.pollIntervalMs ?? 1000;
  const now = opts.now ?? (() => Date.now());
  const started = now();
  const done = (s: string): boolean => s === 'RUNNING' || TERMINAL.has(s);
  progress({ kind: 'wait', step, session: name, status, elapsedMs: 0 });
  if (done(status)) return finish();

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // a timer longer than 2^31-1 ms fires at once: never wait "forever" by accident
  const timer = setTimeout(() => controller.abort(), Math.min(timeoutMs, MAX_TIMER_MS));

  // the manager's reason for a wait (e.g. why it is still PENDING), shown with the status
  let reason: string | undefined;
  const poll = async (): Promise<{ status: string; info?: string }> => {
    const res = await opts.client.call('session.get_info', { pathParams: { session_name: id || name }, signal: controller.signal });
    const d = obj(res.data);
    const info = d.statusInfo ?? d.status_info;
    return { status: String(d.status ?? status), ...(typeof info === 'string' && info ? { info } : {}) };
  };
  const update = (s: string, info?: string): void => {
    if ((s && s !== status) || info !== reason) {
      status = s || status;
      reason = info;
      progress({ kind: 'wait', step, session: name, status, elapsedMs: now() - started, ...(reason ? { statusInfo: reason } : {}) });
    }
  };

  try {
    // events: consume until a terminal/running event for our session, or until they fail
    const viaEvents = (async () => {
      if (!opts.client.events) return;
      for await (const ev of opts.client.events({ sessionName: name, scope: 'session' }, { signal: controller.signal })) {
        const d = obj(ev.data);
        if (id && d.sessionId && d.sessionId !== id) continue; // sessionId does not filter server-side
        const s = eventStatus(ev.event);
        if (s) update(s, reason);
        if (done(status)) return;
      }
    })().catch(() => undefined);

    while (!done(status)) {
      if (controller.signal.aborted) break;
      const winner = await Promise.race([viaEvents.then(() => 'events' as const), sleep(pollMs, controller.signal).then(() => 'tick' as const)]);
      if (done(status)) break;
      if (controller.signal.aborted) break;
      try {
        const polled = await poll();
        update(polled.status, polled.info);
      } catch (err) {
        if (controller.signal.aborted) break;
        // a flaky manager (dropped, 5xx, rate limited) is asked again at the next tick, until the timeout
        if (!transient(err)) throw err;
      }
      if (winner === 'events' && !done(status)) await sleep(pollMs, controller.signal);
    }
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    controller.abort();
  }
  if (!done(status)) {
    if (opts.signal?.aborted) throw new BaiError(`stopped waiting for session ${name}: interrupted (it is ${status}; it keeps going on the manager)`, 'execution');
    const why = reason ?? (await statusInfo(opts, id || name));
    throw new BaiError(
      `session ${name} (${id}) is still ${status} after ${Math.round(timeoutMs / 1000)} s${why ? ` — the manager says: ${why}` : ''}; it stays queued on the manager — check it later or terminate it`,
      'execution',
    );
  }
  return finish();

  async function finish(): Promise<unknown> {
    if (status === 'ERROR' || status === 'CANCELLED') {
      const why = await statusInfo(opts, id || name);
      throw new BaiError(`session ${name} (${id}) ended ${status} instead of starting${why ? ` (${why})` : ''}`, 'execution');
    }
    return { ...info, status };
  }
}

/**
 * Why a session waits or ended, as the manager records it (`statusInfo`, facts §15.8: e.g. the
 * keypair's concurrent-session limit), on one line; undefined when it cannot be read.
 */
async function statusInfo(opts: ExecuteOptions, session: string): Promise<string | undefined> {
  if (!session) return undefined;
  try {
    const info = obj((await opts.client.call('session.get_info', { pathParams: { session_name: session } })).data);
    const text = typeof info.statusInfo === 'string' ? info.statusInfo : typeof info.status_info === 'string' ? info.status_info : undefined;
    return text?.replace(/\s*\n\s*/g, '; ').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `session_started` → RUNNING, `session_terminated` → TERMINATED, … (facts §9). */
export function eventStatus(event: string): string | undefined {
  if (event === 'session_started') return 'RUNNING';
  if (event === 'session_success' || event === 'session_failure') return 'TERMINATED';
  const m = /^session_(\w+)$/.exec(event);
  if (!m) return undefined;
  const s = m[1]!.toUpperCase();
  return ['ENQUEUED'].includes(s) ? 'PENDING' : s;
}

function collectOutputs(step: PlanStep, args: ReturnType<typeof resolveStepArgs>, data: unknown, out: ExecutionOutputs): void {
  const d = obj(data);
  if (SESSION_CREATE.has(step.operationId)) {
    out.sessions.push({
      name: String(d.sessionName ?? obj(args.body).session_name ?? ''),
      id: String(d.sessionId ?? ''),
      status: String(d.status ?? ''),
      ...(d.servicePorts !== undefined ? { servicePorts: d.servicePorts } : {}),
    });
  } else if (step.operationId === 'folders.create') {
    out.folders.push({ name: String(d.name ?? obj(args.body).name ?? ''), ...(d.id ? { id: String(d.id) } : {}) });
  } else if (step.operationId === 'services.create') {
    out.services.push({
      name: String(d.name ?? obj(args.body).name ?? ''),
      ...(d.endpoint_id ? { id: String(d.endpoint_id) } : {}),
      endpoint: (d.service_endpoint as string | null | undefined) ?? null,
    });
  }
}
