/**
 * Execute an approved plan: steps in order through the signed client, later steps using earlier
 * results, session creation followed by a wait until RUNNING (server-sent events, polling when
 * events fail), progress reported through a port.
 *
 * Writes are never blindly retried. A write whose answer was lost (connection dropped, timeout)
 * is recovered instead: session creation re-sends the *same* request — fixed session name, the
 * manager's reuse semantics return the existing session instead of a second one — and other
 * writes are re-checked with a read before anything is sent again.
 */
import { BaiError } from '../errors.js';
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import { resolveStepArgs } from '../planner/refs.js';
import type { AcceptedStep } from '../planner/types.js';

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
  | { kind: 'wait'; step: PlanStep; session: string; status: string; elapsedMs: number };

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
  outcome: 'ok' | 'failed' | 'recovered';
  httpStatus?: number;
  error?: string;
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

export interface ExecutionReport {
  ok: boolean;
  results: StepResult[];
  /** The step that failed (execution stopped there). */
  failedStep?: string;
  error?: string;
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
  progress?: ProgressSink;
  audit?: (entry: AuditEntry) => void;
  signal?: AbortSignal;
  /** Override the plan's wait timeouts (seconds). */
  waitTimeoutSeconds?: number;
  /** Poll interval when events are unavailable. */
  pollIntervalMs?: number;
  /** Attempts to recover a write whose answer was lost. */
  recoveryAttempts?: number;
  now?: () => number;
}

const SESSION_CREATE = new Set(['session.create_from_params', 'session.create_from_params.2']);
const TERMINAL = new Set(['TERMINATED', 'CANCELLED', 'ERROR']);

function errorKind(err: unknown): string | undefined {
  return err instanceof BaiError ? err.kind : undefined;
}

/** The request may or may not have reached the manager: connection lost, timeout, gateway error. */
function outcomeUnknown(err: unknown): boolean {
  if (errorKind(err) === 'unavailable') return true;
  const status = (err as { status?: number }).status;
  return status === 502 || status === 504;
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function summarize(step: PlanStep, data: unknown, status: number): string {
  const d = obj(data);
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

  for (const step of plan.steps) {
    if (opts.signal?.aborted) throw new BaiError('execution interrupted', 'execution');
    // defence in depth: whatever produced the plan, a denied step is never sent
    if (step.policy.verdict === 'deny') {
      const error = `step ${step.id} ${step.operationId} is denied by policy: ${step.policy.reason}`;
      results.push({ id: step.id, operationId: step.operationId, status: 'failed', error, summary: error, durationMs: 0 });
      return { ok: false, results, failedStep: step.id, error, outputs, completed };
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
    try {
      args = resolveStepArgs(step, data);
    } catch (err) {
      const error = (err as Error).message;
      results.push({ id: step.id, operationId: step.operationId, status: 'failed', error, summary: error, durationMs: 0 });
      progress({ kind: 'step-failed', step, error });
      return { ok: false, results, failedStep: step.id, error, outputs, completed };
    }
    try {
      const res: { status: number; data: unknown; recovered?: boolean } =
        step.effect === 'write' ? await runWrite(step, args, opts, progress) : await client.call(step.operationId, { ...args, signal: opts.signal });
      if (step.effect === 'write') {
        wroteSomething = true;
        opts.audit?.(auditEntry(plan, step, args, res.recovered ? 'recovered' : 'ok', res.status));
      }
      let finalData = res.data;
      if (step.wait && SESSION_CREATE.has(step.operationId)) {
        finalData = await waitForSession(step, res.data, opts, progress);
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
      if (step.effect === 'write') opts.audit?.(auditEntry(plan, step, args, 'failed', (err as { status?: number }).status, error));
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
      return { ok: false, results, failedStep: step.id, error, outputs, completed };
    }
  }
  return { ok: true, results, outputs, completed };
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
  };
}

/** Send a write once; if its answer is lost, recover without duplicating it. */
async function runWrite(
  step: PlanStep,
  args: ReturnType<typeof resolveStepArgs>,
  opts: ExecuteOptions,
  progress: ProgressSink,
): Promise<{ status: number; data: unknown; recovered?: boolean }> {
  const attempts = opts.recoveryAttempts ?? 3;
  try {
    return await opts.client.call(step.operationId, { ...args, signal: opts.signal });
  } catch (err) {
    if (!outcomeUnknown(err)) throw err;
    let lastErr: unknown = err;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (opts.signal?.aborted) break;
      await sleep(Math.min(250 * 2 ** (attempt - 1), 2000), opts.signal);
      progress({ kind: 'recover', step, message: `answer lost (${(lastErr as Error).message}); checking before any retry (attempt ${attempt}/${attempts})` });
      try {
        const recovered = await recoverWrite(step, args, opts);
        if (recovered) return { ...recovered, recovered: true };
        // the write did not happen: sending it once more is safe
        return await opts.client.call(step.operationId, { ...args, signal: opts.signal });
      } catch (e) {
        if (!outcomeUnknown(e)) throw e;
        lastErr = e;
      }
    }
    throw new BaiError(
      `${step.operationId}: the manager did not answer and the outcome could not be verified (${(lastErr as Error).message}); check before retrying`,
      'execution',
      { cause: lastErr },
    );
  }
}

/**
 * Did the lost write happen? Returns its (reconstructed) response when it did, undefined when it
 * certainly did not. Session creation needs no read: re-sending the same named request is
 * idempotent thanks to the manager's reuse semantics (facts §3.3).
 */
async function recoverWrite(
  step: PlanStep,
  args: ReturnType<typeof resolveStepArgs>,
  opts: ExecuteOptions,
): Promise<{ status: number; data: unknown } | undefined> {
  const { client, signal } = opts;
  const body = obj(args.body);
  if (SESSION_CREATE.has(step.operationId)) {
    if (body.reuse === false || body.reuseIfExists === false) {
      // reuse disabled: look the session up by its fixed name instead of re-sending
      const name = String(body.session_name ?? body.name ?? '');
      const info = await getOrUndefined(client, 'session.get_info', { pathParams: { session_name: name }, signal });
      return info ? { status: 201, data: { sessionId: obj(info).sessionId ?? obj(info).id, sessionName: name, status: obj(info).status, created: false } } : undefined;
    }
    return await client.call(step.operationId, { ...args, signal }); // same name + image → created:false
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
    default:
      throw new BaiError(`${step.operationId}: the manager did not answer; the outcome is unknown and this call is not safe to repeat blindly`, 'execution');
  }
}

async function getOrUndefined(client: ExecClient, operationId: string, args: Parameters<ExecClient['call']>[1]): Promise<unknown> {
  try {
    return (await client.call(operationId, args)).data;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return undefined;
    throw err;
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
  const timer = setTimeout(() => controller.abort(), timeoutMs);

  const poll = async (): Promise<string> => {
    const res = await opts.client.call('session.get_info', { pathParams: { session_name: id || name }, signal: controller.signal });
    return String(obj(res.data).status ?? status);
  };
  const update = (s: string): void => {
    if (s && s !== status) {
      status = s;
      progress({ kind: 'wait', step, session: name, status, elapsedMs: now() - started });
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
        if (s) update(s);
        if (done(status)) return;
      }
    })().catch(() => undefined);

    while (!done(status)) {
      if (controller.signal.aborted) break;
      const winner = await Promise.race([viaEvents.then(() => 'events' as const), sleep(pollMs, controller.signal).then(() => 'tick' as const)]);
      if (done(status)) break;
      if (controller.signal.aborted) break;
      try {
        update(await poll());
      } catch (err) {
        if (controller.signal.aborted) break;
        if (errorKind(err) !== 'unavailable') throw err;
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
    throw new BaiError(
      `session ${name} (${id}) is still ${status} after ${Math.round(timeoutMs / 1000)} s; it stays queued on the manager — check it later or terminate it`,
      'execution',
    );
  }
  return finish();

  function finish(): unknown {
    if (status === 'ERROR' || status === 'CANCELLED') {
      throw new BaiError(`session ${name} (${id}) ended ${status} instead of starting`, 'execution');
    }
    return { ...info, status };
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
