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
import { renderExecution, renderPlan, sessionLogs } from '../render.js';
import { renderMarkdown } from '../markdown.js';
import { askTerminal, hasTerminal, typedConfirmation } from '../approve.js';
import type { AgentDeps, AgentStateT, ConfirmRequest, Decision } from '../../agent/graph.js';
import { auditLogPath, fileAuditSink } from '../../agent/audit.js';
import { buildProposerFactory } from '../proposer.js';
import { loadPolicyGate } from '../../agent/policy-gate.js';
import { revalidatePlan } from '../../agent/revalidate.js';
import { unrequestedWrites } from '../../agent/intent-gate.js';
import { ProgressReporter } from '../progress.js';
import { askClarification, withAnswer } from '../clarify.js';
import { derivedWrites } from '../step-nature.js';
import { safeText, style } from '../terminal-text.js';
import { nearestCommand } from '../command-typo.js';
import type { AuditEntry } from '../../agent/execute.js';
import { randomBytes } from 'node:crypto';
import { redactValue } from '../../redact.js';

export interface RunOptions {
  yes?: boolean;
  dryRun?: boolean;
  output?: string;
  detailedExitcode?: boolean;
  waitTimeout?: string;
  k?: string;
  /** print session logs exactly as received (control characters included) */
  rawLogs?: boolean;
  /** `plan` only: `text` (the preview, the default) or `markdown` (on stdout, for a PR comment). */
  format?: string;
  /** `plan` only: a file of requests, one per line, planned as one plan document. */
  requests?: string;
  /** After a failed step: undo the steps that succeeded, or keep them (default: ask at a terminal, else keep). */
  onFailure?: string;
}

/** Exit code of a run stopped with Ctrl-C (128 + SIGINT), as shells report it. */
const INTERRUPTED = 130;
/** The longest wait a flag may ask for: one day (a Node timer cannot hold much more). */
const MAX_WAIT_SECONDS = 86_400;
/** Clarifying questions asked at a terminal before giving up (exit 4). */
const MAX_CLARIFICATIONS = 3;

export interface Prepared {
  catalog: Catalog;
  conn: Connection;
  deps: AgentDeps;
  progress: ProgressReporter;
  interrupt: AbortController;
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

/** `--wait-timeout`: a positive number of seconds, at most a day. */
export function parseWaitTimeout(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(n > 0) || n > MAX_WAIT_SECONDS) {
    throw new BaiError(`--wait-timeout must be a number of seconds between 1 and ${MAX_WAIT_SECONDS} (got "${safeText(raw)}")`, 'bad_input');
  }
  return n;
}

function parseK(raw: string | undefined): number {
  const k = raw ? Number(raw) : 8;
  if (!Number.isInteger(k) || k < 1 || k > 50) throw new BaiError('--k must be an integer between 1 and 50', 'bad_input');
  return k;
}

export interface PrepareOptions {
  forApply?: boolean;
  /** where the preview goes: stdout when the plan is the result (`plan`), stderr when a run follows */
  previewTo: 'stdout' | 'stderr';
}

export async function prepare(ctx: CommandContext, opts: RunOptions, how: PrepareOptions): Promise<Prepared> {
  // flags first: a usage error must come before anything else is said or started
  const k = parseK(opts.k);
  const waitTimeoutSeconds = parseWaitTimeout(opts.waitTimeout);
  if (opts.onFailure !== undefined && opts.onFailure !== 'undo' && opts.onFailure !== 'keep') throw new BaiError('--on-failure must be undo or keep', 'bad_input');
  const catalog = await loadCommandCatalog(ctx);
  const conn = await connect(ctx, catalog);
  try {
    const policy = await loadPolicyGate(ctx, catalog);
    const { loadOperationIndex } = await import('../../retrieval/index.js');
    const index = how.forApply ? undefined : await loadOperationIndex(catalog);
    const makeProposer = await buildProposerFactory(ctx, conn);
    const audit = fileAuditSink<AuditEntry & { runId: string; endpoint: string }>(auditLogPath());
    const auditUnder = (runId: string, written: AuditEntry[]) => (entry: AuditEntry) => {
      const e = { ...entry, runId, endpoint: conn.endpointLabel };
      audit(e); // throws when the log cannot be written: the executor then does not send the write
      written.push(e);
    };
    const runId = newRunId();
    const written: AuditEntry[] = [];
    const progress = new ProgressReporter(ctx.out);
    const interrupt = new AbortController();
    const deps: AgentDeps = {
      catalog,
      retrieve: (q) => index?.search(q, { k }) ?? [],
      api: conn.client,
      makeProposer,
      policy,
      defaults: plannerDefaults(conn.config),
      endpoint: conn.endpointLabel,
      preview: (plan, info) => {
        if (ctx.out.json || opts.format === 'markdown') return;
        const toStdout = how.previewTo === 'stdout';
        // the question or refusal is said once, at the end (or asked at the prompt)
        const text = renderPlan(plan, { ...info, catalog, width: (toStdout ? ctx.out.stdoutColumns : ctx.out.stderrColumns) ?? 100, outcomeShownSeparately: true });
        if (toStdout) ctx.out.print(text);
        else ctx.out.info(text);
      },
      progress: (e) => progress.handle(e),
      audit: auditUnder(runId, written),
      execution: { signal: interrupt.signal },
      ...(waitTimeoutSeconds ? { waitTimeoutSeconds } : {}),
    };
    return { catalog, conn, deps, progress, interrupt, runId, written, depsForRun: (id, into) => ({ ...deps, audit: auditUnder(id, into) }) };
  } catch (err) {
    await conn.close();
    throw err;
  }
}

/** Ask at the terminal; without one (CI, pipes) nobody can approve, so nothing is written. */
export function approver(ctx: CommandContext, catalog: Catalog): (req: ConfirmRequest) => Promise<Decision> {
  return async (req) => {
    if (ctx.out.json) return 'unavailable'; // --json is for scripts: a prompt would corrupt stdout
    return askTerminal(req, {}, catalog);
  };
}

/**
 * Ctrl-C: while planning or at the prompt nothing has been written, so stop at once; while
 * executing, stop waiting (the run then says what it left on the manager); a second Ctrl-C stops
 * at once. Returns the function that removes the handler.
 */
function onInterrupt(ctx: CommandContext, prepared: Prepared): () => void {
  const handler = (): void => {
    if (!prepared.progress.executing) {
      void prepared.progress.close();
      ctx.out.error('interrupted: nothing was written');
      process.exit(INTERRUPTED);
    }
    if (prepared.interrupt.signal.aborted) process.exit(INTERRUPTED);
    prepared.interrupt.abort();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** What a report needs of a finished run (the agent's state, or a plan made from a requests file). */
export type RunState = Pick<AgentStateT, 'plan' | 'mode' | 'decision' | 'execution' | 'history'> & Partial<Pick<AgentStateT, 'compensating'>>;

export function exitCodeFor(state: RunState, opts: RunOptions): number {
  const plan = state.plan;
  if (!plan) return ExitCode.INTERNAL;
  if (plan.outcome === 'refused') return ExitCode.REFUSED;
  if (plan.outcome === 'needs_clarification') return ExitCode.NEEDS_CLARIFICATION;
  if (state.mode === 'plan') return opts.detailedExitcode && writeSteps(plan).length > 0 ? ExitCode.PLAN_HAS_WRITES : ExitCode.OK;
  if (state.decision === 'reject') return ExitCode.DECLINED;
  if (state.decision === 'unavailable') return ExitCode.CONFIRMATION_REQUIRED;
  // rejected credentials exit as the configuration problem they are (README: 2), as they do when planning
  if (state.execution && !state.execution.ok) return state.execution.credentialsRejected || state.execution.auditFailed ? ExitCode.BAD_INPUT : ExitCode.EXECUTION_FAILED;
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

/** What an interrupted run left on the manager, and how to undo it. */
function interruptedReport(ctx: CommandContext, state: AgentStateT, progress: ProgressReporter): void {
  const o = state.execution?.outputs;
  const lines = ['Interrupted.'];
  const sessions = o?.sessions ?? [];
  if (sessions.length) {
    lines.push('Created, and still on the manager (it goes on without bai-agent):');
    for (const s of sessions) {
      const seen = progress.sessions.get(s.name);
      const status = seen?.status ?? s.status ?? 'PENDING';
      lines.push(`  session ${safeText(s.name)}${s.id ? ` (${safeText(s.id)})` : ''}: ${safeText(status)}${seen?.statusInfo ? ` — ${safeText(seen.statusInfo)}` : ''}`);
    }
    for (const s of sessions) lines.push(`To terminate it: bai-agent "terminate the session ${safeText(s.name)}"`);
  }
  for (const f of o?.folders ?? []) lines.push(`Created folder ${safeText(f.name)} (delete it with: bai-agent "delete the folder ${safeText(f.name)}")`);
  for (const s of o?.services ?? []) lines.push(`Created model service ${safeText(s.name)} (delete it with: bai-agent "delete the model service ${safeText(s.name)}")`);
  const done = (state.execution?.results ?? []).filter((r) => r.status === 'ok').map((r) => r.id);
  if (lines.length === 1) lines.push(done.length ? `Steps ${done.join(', ')} ran before the interrupt; nothing else was sent.` : 'Nothing was written.');
  ctx.out.error(lines.join('\n'));
}

/**
 * Report a finished run and return its exit code. `run` adds the run id (when something was
 * written) and what the undo offered after a failed step did; `extra` goes into the JSON document.
 */
export function finish(ctx: CommandContext, state: RunState, opts: RunOptions, catalog: Catalog, run?: { id: string; wrote: boolean; extra?: Record<string, unknown> }): number {
  const code = exitCodeFor(state, opts);
  const outcome = outcomeWord(state, code);
  const plan = state.plan!;
  if (ctx.out.json) {
    // what a front end must have the user name before destructive writes run (MCP apply's `confirm`)
    const typed = plan.outcome === 'planned' ? typedConfirmation(derivedWrites(plan, catalog).filter((s) => s.policy.verdict === 'confirm'), plan, catalog) : undefined;
    ctx.out.emitJson({
      ok: code === ExitCode.OK || code === ExitCode.PLAN_HAS_WRITES,
      exitCode: code,
      outcome,
      ...(plan.question ? { question: plan.question } : {}),
      ...(plan.refusal ? { refusal: plan.refusal } : {}),
      ...(typed ? { typedConfirmation: { targets: typed.targets.map((t) => t.name), prompt: typed.prompt } } : {}),
      ...(run?.wrote ? { runId: run.id } : {}),
      ...run?.extra,
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
    if (opts.rawLogs) {
      for (const r of state.execution.results) {
        const logs = r.status === 'ok' ? sessionLogs(r.operationId, r.data) : undefined;
        if (logs !== undefined) ctx.out.printRaw(logs);
      }
    }
    const text = renderExecution(state.execution, plan, { verbose: ctx.out.verbose, catalog, skipLogs: Boolean(opts.rawLogs) });
    if (text) ctx.out.print(text);
  }
  switch (outcome) {
    case 'needs_clarification':
      ctx.out.print(safeText(plan.question ?? 'More information is needed.'));
      break;
    case 'refused':
      ctx.out.print(style('red', `Not done: ${safeText(plan.refusal ?? 'refused')}`));
      break;
    case 'declined':
      ctx.out.info('Declined: nothing was written.');
      break;
    case 'confirmation_required':
      ctx.out.error(
        !state.compensating && unrequestedWrites(plan).length > 0
          ? 'the plan has writes the request did not ask for (from a model misled by text the manager returned, or an edited plan file): only a person at a terminal can approve them, --yes and policies do not; nothing was written'
          : 'the plan has writes that need confirmation, and there is no terminal to ask: nothing was written (pass --yes to approve, or use a policy that allows them)',
      );
      break;
    case 'execution_failed': {
      const failed = plan.steps.find((s) => s.id === state.execution?.failedStep);
      ctx.out.error(`${failed ? `${failed.id} (${safeText(failed.reason)}) failed: ` : 'execution failed: '}${safeText(state.execution?.error ?? 'unknown error')}`);
      break;
    }
    case 'executed':
      if (run?.wrote && !plan.undoOf) ctx.out.info(`run ${run.id} (undo it with: bai-agent undo ${run.id})`);
      break;
    case 'planned':
      if (state.mode === 'plan' && !state.execution) {
        // reads ran during planning: show what they returned
        const reads = plan.steps.filter((s) => s.effect === 'read').length;
        if (reads > 0 && derivedWrites(plan, catalog).length === 0) ctx.out.info('(dry run: read calls ran, nothing was written)');
      }
      break;
  }
  return code;
}

async function writePlanFile(ctx: CommandContext, path: string, plan: PlanDocument): Promise<void> {
  try {
    // secrets never reach a plan file: a secret-looking variable's value is masked (apply then asks for it)
    await writeFile(path, `${JSON.stringify(redactValue(plan), null, 2)}\n`, { mode: 0o600 });
  } catch (err) {
    throw new BaiError(`could not write the plan to ${path}: ${(err as Error).message}`, 'bad_input');
  }
  if (plan.outcome === 'planned') {
    const quoted = /^[\w./@:+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
    ctx.out.print(`Saved the plan to ${safeText(path)}. To run exactly this plan: bai-agent apply ${safeText(quoted)}`);
  } else ctx.out.info(`Saved the plan to ${safeText(path)} (outcome ${plan.outcome}: there is nothing to apply).`);
}

/** `bai-agent run "<request>"` (and the default command). */
export async function run(ctx: CommandContext, requestWords: string[] | string, opts: RunOptions): Promise<number> {
  let request = Array.isArray(requestWords) ? requestWords.join(' ') : requestWords;
  if (!request.trim()) throw new BaiError('no request given: bai-agent "<what to do>" (see --help)', 'bad_input');
  // LangGraph is the largest import of a run: start loading it now, alongside the spec and connection
  const graphModule = import('../../agent/graph.js');
  graphModule.catch(() => undefined); // a load failure is reported where it is awaited
  const prepared = await prepare(ctx, opts, { previewTo: opts.dryRun ? 'stdout' : 'stderr' });
  const { conn, deps, catalog, progress } = prepared;
  const removeInterrupt = onInterrupt(ctx, prepared);
  // a question is asked at the terminal and planning goes on with the answer; scripts get exit 4
  const canAsk = !ctx.out.json && hasTerminal();
  try {
    const { runAgent } = await graphModule;
    let state: AgentStateT;
    for (let asked = 0; ; asked++) {
      state = await runAgent(deps, { request, mode: opts.dryRun ? 'plan' : 'run', autoApprove: Boolean(opts.yes ?? ctx.globals.yes) }, approver(ctx, catalog));
      const question = state.plan?.outcome === 'needs_clarification' ? state.plan.question : undefined;
      if (!question || !canAsk || asked >= MAX_CLARIFICATIONS) break;
      const answer = await askClarification(question);
      if (answer === undefined) break;
      request = withAnswer(request, question, answer);
    }
    await progress.close();
    typoCheck(requestWords, state);
    if (opts.output && state.plan) await writePlanFile(ctx, opts.output, state.plan);
    if (prepared.interrupt.signal.aborted && !ctx.out.json) {
      interruptedReport(ctx, state, progress);
      return INTERRUPTED;
    }
    const code = await finishRun(ctx, prepared, state, opts);
    return prepared.interrupt.signal.aborted ? INTERRUPTED : code;
  } finally {
    removeInterrupt();
    await progress.close();
    await conn.close();
  }
}

/**
 * `bai-agent aply plan.json`: the words were not quoted, the first is a near miss of a command
 * name, and the planner could not make sense of them — a mistyped command, not a request.
 */
function typoCheck(requestWords: string[] | string, state: AgentStateT): void {
  if (!Array.isArray(requestWords) || state.plan?.outcome === 'planned') return;
  // one argument with spaces in it was quoted on purpose: it is a request
  if (requestWords.length === 1 && /\s/.test(requestWords[0] ?? '')) return;
  const first = requestWords[0] ?? '';
  const command = nearestCommand(first);
  if (!command) return;
  throw new BaiError(
    `"${safeText(first)}" looks like the command name "${command}" mistyped (see bai-agent ${command} --help); to send it as a request, quote the whole sentence: bai-agent "${safeText(requestWords.join(' '))}"`,
    'bad_input',
  );
}

/** `bai-agent plan "<request>" | --requests FILE [-o FILE] [--format markdown] [--detailed-exitcode]`: preview only. */
export async function plan(ctx: CommandContext, requestWords: string[] | string | undefined, opts: RunOptions): Promise<number> {
  if (opts.format !== undefined && opts.format !== 'text' && opts.format !== 'markdown') throw new BaiError('--format must be text or markdown', 'bad_input');
  if (opts.format === 'markdown' && ctx.out.json) throw new BaiError('--format markdown and --json both choose what stdout carries: pick one', 'bad_input');
  const words = Array.isArray(requestWords) ? requestWords : (requestWords ?? '');
  if (opts.requests) {
    if ((Array.isArray(words) ? words.join(' ') : words).trim()) throw new BaiError('give either a request or --requests FILE, not both', 'bad_input');
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
    throw new BaiError(`cannot read the requests file ${safeText(file)}: ${code === 'ENOENT' ? 'no such file' : safeText((err as Error).message)}`, 'bad_input');
  }
  const { parseRequestsFile, planRequests } = await import('../../planner/batch.js');
  const requests = parseRequestsFile(text, `requests file ${file}`);
  const prepared = await prepare(ctx, opts, { previewTo: 'stdout' });
  const { conn, deps, catalog } = prepared;
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
    if (opts.output) await writePlanFile(ctx, opts.output, plan);
    return finish(ctx, { plan, mode: 'plan', history: [], decision: undefined, execution: undefined }, opts, catalog);
  } finally {
    await prepared.progress.close();
    await conn.close();
  }
}

/** Deeper than any plan the planner makes (a session body is about 6 levels): the rest is hostile input. */
const MAX_PLAN_DEPTH = 64;

/** Whether a JSON value nests deeper than `max` (iterative: a hostile document must not overflow the stack). */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, depth + 1]);
  }
  return false;
}

/** Validate a plan document (parsed JSON from a file, an MCP client or the web page). */
export function parsePlanDocument(raw: unknown, source: string): PlanDocument {
  if (nestedDeeperThan(raw, MAX_PLAN_DEPTH)) throw new BaiError(`${source} is nested more than ${MAX_PLAN_DEPTH} levels deep: not a plan bai-agent made`, 'bad_input');
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
export async function applyDocument(
  ctx: CommandContext,
  planDoc: PlanDocument,
  opts: RunOptions,
  source = 'the plan',
  decide?: (req: ConfirmRequest, catalog: Catalog) => Promise<Decision>,
): Promise<number> {
  if (planDoc.outcome !== 'planned') {
    throw new BaiError(`${source} has outcome "${planDoc.outcome}": there is nothing to apply`, 'bad_input');
  }
  const prepared = await prepare(ctx, opts, { forApply: true, previewTo: 'stderr' });
  const { catalog, conn, deps, progress } = prepared;
  const removeInterrupt = onInterrupt(ctx, prepared);
  try {
    // refuse if the spec or a grounded entity changed; re-evaluate the policy of every step
    const checked = await revalidatePlan(planDoc, { catalog, api: conn.client, policy: deps.policy, endpoint: conn.endpointLabel, defaultProject: conn.config.group });
    const { runAgent } = await import('../../agent/graph.js');
    const ask = decide ? (req: ConfirmRequest) => decide(req, catalog) : approver(ctx, catalog);
    const state = await runAgent(
      deps,
      { request: checked.plan.request, mode: 'run', autoApprove: Boolean(opts.yes ?? ctx.globals.yes), plan: checked.plan, accepted: checked.accepted },
      ask,
    );
    await progress.close();
    if (prepared.interrupt.signal.aborted && !ctx.out.json) {
      interruptedReport(ctx, state, progress);
      return INTERRUPTED;
    }
    return await finishRun(ctx, prepared, state, opts);
  } finally {
    removeInterrupt();
    await progress.close();
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
  if (!stoppedPartway) return finish(ctx, state, opts, prepared.catalog, run);
  const { undoAfterFailure } = await import('./undo.js');
  if (ctx.out.json) return finish(ctx, state, opts, prepared.catalog, { ...run, extra: { afterFailure: await undoAfterFailure(ctx, prepared, state, opts) } });
  // at a terminal the failure is reported first, then the undo is offered
  const code = finish(ctx, state, opts, prepared.catalog, run);
  await undoAfterFailure(ctx, prepared, state, opts);
  return code;
}
