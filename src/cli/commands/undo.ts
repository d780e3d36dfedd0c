/**
 * `bai-agent undo [RUN_ID]`: undo the writes of a run (default: the last one) from the audit log's
 * record of it — checked against the manager, previewed and confirmed like any plan — and the undo
 * offered when a step fails after others succeeded (a saga: `--on-failure undo|keep`).
 */
import { BaiError, ExitCode } from '../../errors.js';
import type { AgentStateT } from '../../agent/graph.js';
import type { AuditEntry } from '../../agent/execute.js';
import { auditLogPath } from '../../agent/audit.js';
import { buildUndoPlan, pickRun, readRuns, runFromEntries, type RunRecord } from '../../agent/undo.js';
import type { PlanDocument } from '../../planner/plan.js';
import { hasTerminal } from '../approve.js';
import type { CommandContext } from '../main.js';
import { approver, finish, newRunId, outcomeWord, exitCodeFor, prepare, type Prepared, type RunOptions } from './run.js';

export interface UndoOptions extends RunOptions {
  list?: boolean;
}

/** `bai-agent undo [RUN_ID] [--yes] [--list]` */
export async function run(ctx: CommandContext, runId: string | undefined, opts: UndoOptions): Promise<number> {
  const { runs, skipped } = readRuns(auditLogPath());
  if (skipped > 0) ctx.out.debug(`audit log: ${skipped} line(s) without a run id or unreadable, skipped`);
  if (opts.list) return listRuns(ctx, runs);
  const target = pickRun(runs, runId);
  const prepared = await prepare(ctx, opts, { forApply: true, previewTo: 'stderr' });
  try {
    const { plan, notes } = await buildUndoPlan(target, undoDeps(prepared));
    if (!ctx.out.json) ctx.out.info(`Undo run ${target.runId} (${target.time}): "${target.request}"`);
    return await runUndo(ctx, prepared, target, plan, notes, { ...opts, yes: Boolean(opts.yes ?? ctx.globals.yes) });
  } finally {
    await prepared.conn.close();
  }
}

function undoDeps(p: Prepared) {
  return { catalog: p.catalog, api: p.conn.client, policy: p.deps.policy, endpoint: p.conn.endpointLabel, defaultProject: p.conn.config.group };
}

/** What the undo offered after a failed step did, for the run's JSON document. */
export interface AfterFailure {
  /** `kept`, `nothing_to_undo`, `refused` (could not be built), or the undo run's outcome (`executed`, `declined`, …). */
  outcome: string;
  runId?: string;
  notes?: string[];
  error?: string;
  plan?: PlanDocument;
  execution?: unknown;
}

/**
 * A step failed after others had written: undo those (confirmed like any plan), or keep them.
 * `--on-failure undo` undoes (`--yes` or the policy approving), `keep` keeps; without it a
 * terminal is asked and anything else keeps them.
 */
export async function undoAfterFailure(ctx: CommandContext, prepared: Prepared, state: AgentStateT, opts: RunOptions): Promise<AfterFailure> {
  const mode = opts.onFailure ?? (!ctx.out.json && hasTerminal() ? 'ask' : 'keep');
  const succeeded = prepared.written.filter((e) => e.outcome === 'ok' || e.outcome === 'recovered');
  const hint = `the ${succeeded.length} write${succeeded.length === 1 ? '' : 's'} that succeeded before the failure ${succeeded.length === 1 ? 'is' : 'are'} kept; undo ${succeeded.length === 1 ? 'it' : 'them'} with: bai-agent undo ${prepared.runId}`;
  if (mode === 'keep') {
    ctx.out.info(hint);
    return { outcome: 'kept', runId: prepared.runId };
  }
  const failedRun = runFromEntries(prepared.runId, state.plan!.request, prepared.conn.endpointLabel, prepared.written);
  let built;
  try {
    built = await buildUndoPlan(failedRun, undoDeps(prepared));
  } catch (err) {
    if (!(err instanceof BaiError)) throw err;
    ctx.out.error(`the steps that succeeded cannot be undone automatically: ${err.message}`);
    return { outcome: 'refused', error: err.message };
  }
  if (!ctx.out.json) ctx.out.info(`\nStep ${state.execution?.failedStep ?? '?'} failed. Undo the ${succeeded.length === 1 ? 'write' : `${succeeded.length} writes`} that succeeded before it?`);
  // at a terminal the person is asked (their --yes approved the plan, not its undo)
  const autoApprove = mode === 'undo' && Boolean(opts.yes ?? ctx.globals.yes);
  const result = await runUndoQuietly(ctx, prepared, built.plan, built.notes, autoApprove);
  if (result.outcome === 'declined' || result.outcome === 'confirmation_required') ctx.out.info(hint);
  return result;
}

/** Run an undo plan inside another run's report: its JSON goes into that run's document. */
async function runUndoQuietly(ctx: CommandContext, prepared: Prepared, plan: PlanDocument | undefined, notes: string[], autoApprove: boolean): Promise<AfterFailure> {
  printNotes(ctx, notes);
  if (!plan) {
    if (!ctx.out.json) ctx.out.info('Nothing to undo.');
    return { outcome: 'nothing_to_undo', notes };
  }
  const undoRunId = newRunId();
  const written: AuditEntry[] = [];
  const { runAgent } = await import('../../agent/graph.js');
  const state = await runAgent(prepared.depsForRun(undoRunId, written), { request: plan.request, mode: 'run', autoApprove, plan, compensating: true }, approver(ctx, prepared.catalog));
  const code = exitCodeFor(state, {});
  if (!ctx.out.json) finish(ctx, state, {}, prepared.catalog, { id: undoRunId, wrote: written.length > 0 });
  return {
    outcome: outcomeWord(state, code),
    runId: undoRunId,
    notes,
    ...(state.plan ? { plan: state.plan } : {}),
    ...(state.execution ? { execution: { ok: state.execution.ok, ...(state.execution.error ? { error: state.execution.error } : {}), results: state.execution.results } } : {}),
  };
}

async function runUndo(ctx: CommandContext, prepared: Prepared, target: RunRecord, plan: PlanDocument | undefined, notes: string[], opts: RunOptions): Promise<number> {
  if (!plan) {
    if (ctx.out.json) ctx.out.emitJson({ ok: true, exitCode: ExitCode.OK, outcome: 'nothing_to_undo', undoOf: target.runId, notes });
    else {
      printNotes(ctx, notes);
      ctx.out.print(`Nothing to undo for run ${target.runId}.`);
    }
    return ExitCode.OK;
  }
  printNotes(ctx, notes);
  const undoRunId = newRunId();
  const written: AuditEntry[] = [];
  const { runAgent } = await import('../../agent/graph.js');
  const state = await runAgent(prepared.depsForRun(undoRunId, written), { request: plan.request, mode: 'run', autoApprove: Boolean(opts.yes), plan, compensating: true }, approver(ctx, prepared.catalog));
  return finish(ctx, state, opts, prepared.catalog, { id: undoRunId, wrote: written.length > 0, extra: { undoOf: target.runId, notes } });
}

function printNotes(ctx: CommandContext, notes: string[]): void {
  if (ctx.out.json) return;
  for (const n of notes) ctx.out.info(`  not undone: ${n}`);
}

function listRuns(ctx: CommandContext, runs: RunRecord[]): number {
  const recent = runs.slice(-20).reverse();
  const undoneBy = new Map(runs.filter((r) => r.undoOf).map((r) => [r.undoOf!, r.runId]));
  const rows = recent.map((r) => ({
    runId: r.runId,
    time: r.time,
    request: r.request,
    writes: r.writes.filter((w) => w.outcome === 'ok' || w.outcome === 'recovered').length,
    ...(r.undoOf ? { undoOf: r.undoOf } : {}),
    ...(undoneBy.has(r.runId) ? { undoneBy: undoneBy.get(r.runId) } : {}),
  }));
  if (ctx.out.json) {
    ctx.out.emitJson({ ok: true, exitCode: ExitCode.OK, runs: rows });
    return ExitCode.OK;
  }
  if (rows.length === 0) {
    ctx.out.print(`No runs with writes in ${auditLogPath()}.`);
    return ExitCode.OK;
  }
  for (const r of rows) {
    const mark = r.undoOf ? ` (undoes ${r.undoOf})` : r.undoneBy ? ` (undone by ${r.undoneBy})` : '';
    ctx.out.print(`${r.runId}  ${r.time}  ${r.writes} write${r.writes === 1 ? '' : 's'}  ${r.request}${mark}`);
  }
  return ExitCode.OK;
}
