/**
 * `bai-agent "<request>"` / `run`, `plan`, `apply`: a sentence (or a saved plan) through the agent
 * graph, with the terminal (or --yes / policy) answering the confirmation.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { BaiError, ExitCode } from '../../errors.js';
import { PlanDocument, writeSteps } from '../../planner/plan.js';
import type { Catalog } from '../../spec/types.js';
import type { CommandContext } from '../main.js';
import { connect, loadCommandCatalog, plannerDefaults, type Connection } from '../connect.js';
import { renderExecution, renderPlan, renderProgress } from '../render.js';
import { renderMarkdown } from '../markdown.js';
import { askTerminal } from '../approve.js';
import type { AgentDeps, AgentStateT, ConfirmRequest, Decision } from '../../agent/graph.js';
import type { AuditEntry } from '../../agent/execute.js';
import { randomBytes } from 'node:crypto';
import { auditLogPath, fileAuditSink } from '../../agent/audit.js';
import { buildProposerFactory } from '../proposer.js';
import { loadPolicyGate } from '../../agent/policy-gate.js';
import { revalidatePlan } from '../../agent/revalidate.js';
import { unrequestedWrites } from '../../agent/intent-gate.js';

export interface RunOptions {
  yes?: boolean;
  /** `plan` only: `text` (the preview on stderr, the default) or `markdown` (on stdout, for a PR comment). */
  format?: string;
  /** `plan` only: a file of requests, one per line, planned as one plan document. */
  requests?: string;
  /** After a failed step: undo the steps that succeeded, or keep them (default: ask at a terminal, else keep). */
  onFailure?: string;
  dryRun?: boolean;
  output?: string;
  detailedExitcode?: boolean;
  waitTimeout?: string;
  k?: string;
}

export interface Prepared {
  catalog: Catalog;
  conn: Connection;
  deps: AgentDeps;
  /** This invocation's run id: every write it makes is audited under it (`bai-agent undo RUN_ID`). */
  runId: string;
  /** The audit entries of this run's writes, as written to the log. */
  written: AuditEntry[];
  /** The same dependencies, auditing under another run id (an undo run). */
  depsForRun(runId: string, written: AuditEntry[]): AgentDeps;
}

/** A short id for one invocation's writes (hex; a unique prefix is enough to name it). */
export function newRunId(): string {
  return randomBytes(5).toString('hex');
}

export async function prepare(ctx: CommandContext, opts: RunOptions, forApply = false): Promise<Prepared> {
  const catalog = await loadCommandCatalog(ctx);
  const conn = await connect(ctx, catalog);
  try {
    const policy = await loadPolicyGate(ctx, catalog);
    const { loadOperationIndex } = await import('../../retrieval/index.js');
    const index = forApply ? undefined : await loadOperationIndex(catalog);
    const k = opts.k ? Number(opts.k) : 8;
    if (!Number.isInteger(k) || k < 1 || k > 50) throw new BaiError('--k must be an integer between 1 and 50', 'bad_input');
    const makeProposer = await buildProposerFactory(ctx, conn);
    if (opts.onFailure !== undefined && opts.onFailure !== 'undo' && opts.onFailure !== 'keep') throw new BaiError('--on-failure must be undo or keep', 'bad_input');
    const waitTimeoutSeconds = opts.waitTimeout ? Number(opts.waitTimeout) : undefined;
    if (waitTimeoutSeconds !== undefined && !(waitTimeoutSeconds > 0)) throw new BaiError('--wait-timeout must be a positive number of seconds', 'bad_input');
    const audit = fileAuditSink(auditLogPath(), (m) => ctx.out.warn(m));
    const auditUnder = (runId: string, written: AuditEntry[]) => (entry: AuditEntry) => {
      const e = { ...entry, runId, endpoint: conn.endpointLabel };
      written.push(e);
      audit(e);
    };
    const runId = newRunId();
    const written: AuditEntry[] = [];
    const deps: AgentDeps = {
      catalog,
      retrieve: (q) => index?.search(q, { k }) ?? [],
      api: conn.client,
      makeProposer,
      policy,
      defaults: plannerDefaults(conn.config),
      endpoint: conn.endpointLabel,
      preview: (plan, info) => {
        if (!ctx.out.json && opts.format !== 'markdown') ctx.out.info(renderPlan(plan, info));
      },
      progress: (e) => {
        const line = renderProgress(e);
        if (line) ctx.out.progress(line);
      },
      audit: auditUnder(runId, written),
      ...(waitTimeoutSeconds ? { waitTimeoutSeconds } : {}),
    };
    return { catalog, conn, deps, runId, written, depsForRun: (id, into) => ({ ...deps, audit: auditUnder(id, into) }) };
  } catch (err) {
    await conn.close();
    throw err;
  }
}

/** Ask at the terminal; without one (CI, pipes) nobody can approve, so nothing is written. */
export function approver(ctx: CommandContext): (req: ConfirmRequest) => Promise<Decision> {
  return async (req) => {
    if (ctx.out.json) return 'unavailable'; // --json is for scripts: a prompt would corrupt stdout
    return askTerminal(req);
  };
}

/** What a report needs of a finished run (the agent's state, or a plan made from a requests file). */
export type RunState = Pick<AgentStateT, 'plan' | 'mode' | 'decision' | 'execution' | 'history'>;

export function exitCodeFor(state: RunState, opts: RunOptions): number {
  const plan = state.plan;
  if (!plan) return ExitCode.INTERNAL;
  if (plan.outcome === 'refused') return ExitCode.REFUSED;
  if (plan.outcome === 'needs_clarification') return ExitCode.NEEDS_CLARIFICATION;
  if (state.mode === 'plan') return opts.detailedExitcode && writeSteps(plan).length > 0 ? ExitCode.PLAN_HAS_WRITES : ExitCode.OK;
  if (state.decision === 'reject') return ExitCode.DECLINED;
  if (state.decision === 'unavailable') return ExitCode.CONFIRMATION_REQUIRED;
  // rejected credentials exit as the configuration problem they are (README: 2), as they do when planning
  if (state.execution && !state.execution.ok) return state.execution.credentialsRejected ? ExitCode.BAD_INPUT : ExitCode.EXECUTION_FAILED;
  return ExitCode.OK;
}

export function outcomeWord(state: RunState, code: number): string {
  const plan = state.plan;
  if (plan?.outcome === 'refused') return 'refused';
  if (plan?.outcome === 'needs_clarification') return 'needs_clarification';
  if (state.mode === 'plan') return 'planned';
  switch (code) {
    case ExitCode.DECLINED:
      return 'declined';
    case ExitCode.CONFIRMATION_REQUIRED:
      return 'confirmation_required';
    default:
      return state.execution && !state.execution.ok ? 'execution_failed' : 'executed';
  }
}

/**
 * Report a finished run and return its exit code. `run` adds the run id (when something was
 * written) and what the undo offered after a failed step did; `extra` goes into the JSON document.
 */
export function finish(ctx: CommandContext, state: RunState, opts: RunOptions, run?: { id: string; wrote: boolean; extra?: Record<string, unknown> }): number {
  const code = exitCodeFor(state, opts);
  const outcome = outcomeWord(state, code);
  const plan = state.plan!;
  if (ctx.out.json) {
    ctx.out.emitJson({
      ok: code === ExitCode.OK || code === ExitCode.PLAN_HAS_WRITES,
      exitCode: code,
      outcome,
      ...(run?.wrote ? { runId: run.id } : {}),
      ...run?.extra,
      ...(plan.question ? { question: plan.question } : {}),
      ...(plan.refusal ? { refusal: plan.refusal } : {}),
      plan,
      ...(state.history.length ? { previousPlans: state.history } : {}),
      ...(state.execution
        ? {
            execution: {
              ok: state.execution.ok,
              ...(state.execution.error ? { error: state.execution.error } : {}),
              results: state.execution.results,
              outputs: state.execution.outputs,
            },
          }
        : {}),
    });
    return code;
  }
  if (opts.format === 'markdown' && state.mode === 'plan') {
    // for a pull-request comment: the whole plan, its question or refusal included, and nothing else
    ctx.out.print(renderMarkdown(plan));
    return code;
  }
  if (state.execution) {
    const text = renderExecution(state.execution);
    if (text) ctx.out.print(text);
  }
  switch (outcome) {
    case 'needs_clarification':
      ctx.out.print(plan.question ?? 'More information is needed.');
      break;
    case 'refused':
      ctx.out.print(`Not done: ${plan.refusal ?? 'refused'}`);
      break;
    case 'declined':
      ctx.out.info('Declined: nothing was written.');
      break;
    case 'confirmation_required':
      ctx.out.error(
        unrequestedWrites(plan).length > 0
          ? 'the request asks for no change, but the model planned writes (possibly from text the manager returned): only a person at a terminal can approve them, --yes and policies do not; nothing was written'
          : 'the plan has writes that need confirmation, and there is no terminal to ask: nothing was written (pass --yes to approve, or use a policy that allows them)',
      );
      break;
    case 'execution_failed':
      ctx.out.error(`execution failed: ${state.execution?.error ?? 'unknown error'}`);
      break;
    case 'executed':
      if (run?.wrote && !plan.undoOf) ctx.out.info(`run ${run.id} (undo it with: bai-agent undo ${run.id})`);
      break;
    case 'planned':
      if (state.mode === 'plan' && !state.execution) {
        // reads ran during planning: show what they returned
        const reads = plan.steps.filter((s) => s.effect === 'read').length;
        if (reads > 0 && writeSteps(plan).length === 0) ctx.out.info('(dry run: read calls ran, nothing was written)');
      }
      break;
  }
  return code;
}

async function writePlanFile(path: string, plan: PlanDocument): Promise<void> {
  try {
    await writeFile(path, `${JSON.stringify(plan, null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new BaiError(`could not write the plan to ${path}: ${(err as Error).message}`, 'bad_input');
  }
}

/** `bai-agent run "<request>"` (and the default command). */
export async function run(ctx: CommandContext, requestWords: string[] | string, opts: RunOptions): Promise<number> {
  const request = Array.isArray(requestWords) ? requestWords.join(' ') : requestWords;
  if (!request.trim()) throw new BaiError('no request given: bai-agent "<what to do>" (see --help)', 'bad_input');
  // LangGraph is the largest import of a run: start loading it now, alongside the spec and connection
  const graphModule = import('../../agent/graph.js');
  graphModule.catch(() => undefined); // a load failure is reported where it is awaited
  const prepared = await prepare(ctx, opts);
  const { conn, deps } = prepared;
  try {
    const { runAgent } = await graphModule;
    const state = await runAgent(deps, { request, mode: opts.dryRun ? 'plan' : 'run', autoApprove: Boolean(opts.yes ?? ctx.globals.yes) }, approver(ctx));
    if (opts.output && state.plan) await writePlanFile(opts.output, state.plan);
    return await finishRun(ctx, prepared, state, opts);
  } finally {
    await conn.close();
  }
}

/** `bai-agent plan "<request>" | --requests FILE [-o FILE] [--format markdown] [--detailed-exitcode]`: preview only. */
export async function plan(ctx: CommandContext, requestWords: string[] | string | undefined, opts: RunOptions): Promise<number> {
  if (opts.format !== undefined && opts.format !== 'text' && opts.format !== 'markdown') throw new BaiError('--format must be text or markdown', 'bad_input');
  if (opts.format === 'markdown' && ctx.out.json) throw new BaiError('--format markdown and --json both choose what stdout carries: pick one', 'bad_input');
  const words = Array.isArray(requestWords) ? requestWords.join(' ') : (requestWords ?? '');
  if (opts.requests) {
    if (words.trim()) throw new BaiError('give either a request or --requests FILE, not both', 'bad_input');
    return planRequestsFile(ctx, opts.requests, { ...opts, dryRun: true, yes: false });
  }
  return run(ctx, words, { ...opts, dryRun: true, yes: false });
}

/** Plan every request of a file (one per line) as one plan document (src/planner/batch.ts). */
async function planRequestsFile(ctx: CommandContext, file: string, opts: RunOptions): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaiError(`cannot read the requests file ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'bad_input');
  }
  const { parseRequestsFile, planRequests } = await import('../../planner/batch.js');
  const requests = parseRequestsFile(text, `requests file ${file}`);
  const { conn, deps } = await prepare(ctx, opts);
  try {
    const { WorldView } = await import('../../planner/world.js');
    const world = new WorldView(conn.client);
    const { plan } = await planRequests(requests, {
      catalog: deps.catalog,
      retrieve: deps.retrieve,
      api: conn.client,
      world,
      makeProposer: () => deps.makeProposer(world),
      defaults: deps.defaults,
      policy: deps.policy,
      endpoint: deps.endpoint,
    });
    deps.preview?.(plan, { attempt: 1 });
    if (opts.output) await writePlanFile(opts.output, plan);
    return finish(ctx, { plan, mode: 'plan', history: [], decision: undefined, execution: undefined }, opts);
  } finally {
    await conn.close();
  }
}

/** Validate a plan document (parsed JSON from a file, an MCP client or the web page). */
export function parsePlanDocument(raw: unknown, source: string): PlanDocument {
  const parsed = PlanDocument.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length ? issue.path.join('.') : '(root)';
    throw new BaiError(`${source} is not a bai-agent plan: ${at}: ${issue.message}${parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : ''}`, 'bad_input');
  }
  return parsed.data;
}

/** Load and validate a plan file: a malformed one is a one-line error, never a stack trace. */
export async function readPlanFile(path: string): Promise<PlanDocument> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BaiError(`cannot read plan file ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, 'bad_input');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new BaiError(`plan file ${path} is not valid JSON (${(err as Error).message})`, 'bad_input');
  }
  return parsePlanDocument(raw, `plan file ${path}`);
}

/** `bai-agent apply FILE [--yes]`: execute exactly that plan, after checking it still holds. */
export async function apply(ctx: CommandContext, file: string, opts: RunOptions): Promise<number> {
  return applyDocument(ctx, await readPlanFile(file), opts, `plan ${file}`);
}

/**
 * Execute exactly `planDoc` (already validated with parsePlanDocument). Shared by `apply`, the
 * MCP server and `serve`: the spec and grounded entities are re-checked, the policy re-evaluated,
 * and writes still need `opts.yes` (or a policy that allows them).
 */
export async function applyDocument(ctx: CommandContext, planDoc: PlanDocument, opts: RunOptions, source = 'the plan'): Promise<number> {
  if (planDoc.outcome !== 'planned') {
    throw new BaiError(`${source} has outcome "${planDoc.outcome}": there is nothing to apply`, 'bad_input');
  }
  const prepared = await prepare(ctx, opts, true);
  const { catalog, conn, deps } = prepared;
  try {
    // refuse if the spec or a grounded entity changed; re-evaluate the policy of every step
    const checked = await revalidatePlan(planDoc, { catalog, api: conn.client, policy: deps.policy, endpoint: conn.endpointLabel });
    const { runAgent } = await import('../../agent/graph.js');
    const state = await runAgent(deps, { request: checked.request, mode: 'run', autoApprove: Boolean(opts.yes ?? ctx.globals.yes), plan: checked }, approver(ctx));
    return await finishRun(ctx, prepared, state, opts);
  } finally {
    await conn.close();
  }
}

/**
 * The end of a run that may have written: when a step failed after others succeeded, offer to undo
 * those (a saga; ./undo.ts), then report. The exit code stays the failed run's.
 */
async function finishRun(ctx: CommandContext, prepared: Prepared, state: AgentStateT, opts: RunOptions): Promise<number> {
  const wrote = prepared.written.some((e) => e.outcome === 'ok' || e.outcome === 'recovered');
  const run = { id: prepared.runId, wrote };
  // the run stopped part-way (a step failed, or its replan asked or refused) after writing something
  const stoppedPartway = wrote && state.mode === 'run' && !state.execution?.ok && state.plan !== undefined;
  if (!stoppedPartway) return finish(ctx, state, opts, run);
  const { undoAfterFailure } = await import('./undo.js');
  if (ctx.out.json) return finish(ctx, state, opts, { ...run, extra: { afterFailure: await undoAfterFailure(ctx, prepared, state, opts) } });
  // at a terminal the failure is reported first, then the undo is offered
  const code = finish(ctx, state, opts, run);
  await undoAfterFailure(ctx, prepared, state, opts);
  return code;
}
