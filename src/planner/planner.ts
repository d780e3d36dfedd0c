/**
 * planRequest: one sentence in, one plan document out. Wires the proposer (offline or LLM), the
 * candidate checker (schema, grounding, policy, preflight) and the DFSDT search, runs read calls
 * for real, and assembles the versioned plan document. Never writes to the manager.
 */
import { BaiError } from '../errors.js';
import type { Catalog } from '../spec/types.js';
import { callFacts } from '../spec/call-facts.js';
import { validatorFor, type SpecValidator } from '../spec/validator.js';
import { PlanChecker, allowAllPolicy, type PolicyGate } from './check.js';
import { DEFAULT_BUDGETS, dfsdtSearch, type SearchBudgets, type SearchOutcome } from './dfsdt.js';
import { recordingValidation, userFixableProblem, type RejectedCandidate } from './plain-reasons.js';
import { PLAN_VERSION, type GroundedEntity, type PlanDocument, type SearchStats } from './plan.js';
import { dependsOn, resolveStepArgs } from './refs.js';
import { withPlanFacts } from './step-facts.js';
import { withUndo } from './undo.js';
import type { AcceptedStep, FailedSibling, OfflineHint, PlannerChoice, PlannerDefaults, Proposer, RetrievedOperation } from './types.js';
import type { ApiCaller, WorldView } from './world.js';

export const MAX_REQUEST_CHARS = 4000;

export interface PlanRequestOptions {
  request: string;
  catalog: Catalog;
  /** Operations retrieved for the request, best first. */
  retrieved: RetrievedOperation[];
  api: ApiCaller;
  world: WorldView;
  /** One proposer, or the hybrid planner (offline first, the LLM for the rest). */
  proposer: PlannerChoice;
  defaults: PlannerDefaults;
  policy?: { gate: PolicyGate; name: string; sha256?: string };
  /** Manager URL without credentials, or `sandbox`. */
  endpoint: string;
  budgets?: Partial<SearchBudgets>;
  /** A replan after an execution failure continues from the steps that already ran. */
  prefix?: AcceptedStep[];
  initialFailures?: FailedSibling[];
  signal?: AbortSignal;
  validator?: SpecValidator;
}

export interface PlanResult {
  plan: PlanDocument;
  /** Accepted steps with the observations of the reads that ran during planning. */
  accepted: AcceptedStep[];
}

/** Reject input no planner should see: empty, huge, or binary. */
export function checkRequestText(request: unknown): string {
  if (typeof request !== 'string') throw new BaiError('the request must be text', 'bad_input');
  const text = request.trim();
  if (text === '') throw new BaiError('the request is empty: say what to do, e.g. "create a session with 2 fGPU"', 'bad_input');
  if (text.length > MAX_REQUEST_CHARS) {
    throw new BaiError(`the request is too long (${text.length} characters; at most ${MAX_REQUEST_CHARS})`, 'bad_input');
  }
  // control characters other than whitespace mean binary data, not a sentence
  const control = text.match(/[\u0000-\u0008\u000e-\u001f\u007f]/g)?.length ?? 0;
  if (control > 0) throw new BaiError('the request contains binary/control characters', 'bad_input');
  return text;
}

/** One line describing what a read returned, for the preview and the plan file. */
export function summarizeObservation(data: unknown): string {
  if (data === null || data === undefined) return 'no content';
  if (Array.isArray(data)) return `${data.length} item${data.length === 1 ? '' : 's'}`;
  if (typeof data === 'object') {
    const o = data as Record<string, unknown>;
    for (const key of ['items', 'presets', 'scaling_groups', 'matches', 'sessions']) {
      if (Array.isArray(o[key])) return `${(o[key] as unknown[]).length} ${key.replace(/_/g, ' ')}`;
    }
    const gql = o.data as Record<string, unknown> | undefined;
    if (gql && typeof gql === 'object') {
      const first = Object.entries(gql)[0];
      if (first && Array.isArray(first[1])) return `${first[1].length} ${first[0]}`;
    }
    if (typeof o.status === 'string') return `status ${o.status}`;
    const logs = (o.result as Record<string, unknown> | undefined)?.logs ?? o.logs;
    if (typeof logs === 'string') return `${logs.split('\n').filter(Boolean).length} log lines`;
    return `${Object.keys(o).length} fields`;
  }
  return String(data).slice(0, 60);
}

export async function planRequest(opts: PlanRequestOptions): Promise<PlanResult> {
  const request = checkRequestText(opts.request);
  const validator = opts.validator ?? validatorFor(opts.catalog);
  const policy = opts.policy ?? { gate: allowAllPolicy, name: 'none' };
  const makeChecker = (queueWhenFull: boolean) =>
    new PlanChecker({ catalog: opts.catalog, validator, world: opts.world, policy: policy.gate, defaultProject: opts.defaults.group, queueWhenFull });
  const started = performance.now();
  const timeMs = opts.budgets?.timeMs ?? DEFAULT_BUDGETS.timeMs;

  // reads run for real while planning; a read that needs the result of a step that has not run
  // (a write, or a read the policy wants confirmed) waits for execution
  const runRead = async (step: AcceptedStep['step'], path: AcceptedStep[]): Promise<unknown> => {
    const notRun = new Set(path.filter((a) => a.observation === undefined).map((a) => a.step.id));
    if (dependsOn(step, notRun)) return undefined;
    const results = new Map(path.map((a) => [a.step.id, a.observation]));
    const args = resolveStepArgs(step, results);
    // the last word before anything is sent while planning: what goes out must read, as the one rule sees it
    const op = opts.catalog.get(step.operationId);
    if (!op || callFacts(op, args).effect !== 'read' || step.policy.verdict !== 'allow') {
      throw new BaiError(`${step.operationId} is not a read the policy allows: it does not run while planning`, 'refused');
    }
    const res = await opts.api.call(step.operationId, { ...args, signal: opts.signal });
    step.observation = summarizeObservation(res.data);
    return res.data;
  };

  /**
   * One DFSDT search with one proposer; a second search (hybrid) gets the time that is left. When
   * nowhere fits now, a second pass plans it where it was asked for, queued, with a warning.
   */
  const search = async (proposer: Proposer, hint?: OfflineHint): Promise<SearchRun> => {
    const rejected: RejectedCandidate[] = [];
    const once = (checker: PlanChecker) => {
      const left = Math.max(1, timeMs - (performance.now() - started));
      return dfsdtSearch({
        proposer,
        checker: recordingValidation(checker, rejected),
        runRead,
        context: { request, catalog: opts.catalog, retrieved: opts.retrieved, defaults: opts.defaults, ...(hint ? { hint } : {}) },
        budgets: { ...opts.budgets, timeMs: left },
        prefix: opts.prefix,
        initialFailures: opts.initialFailures,
        signal: opts.signal,
      });
    };
    let checker = makeChecker(false);
    let outcome = await once(checker);
    if (outcome.outcome !== 'planned' && checker.capacityShortfalls > 0) {
      // nowhere fits now: plan it where it was asked for (or the default), queued, with a warning
      const first = outcome.stats;
      checker = makeChecker(true);
      rejected.length = 0;
      outcome = await once(checker);
      outcome.stats.nodesExpanded += first.nodesExpanded;
      outcome.stats.backtracks += first.backtracks;
      outcome.stats.elapsedMs += first.elapsedMs;
      outcome.stats.llmCalls += first.llmCalls;
      outcome.stats.tokens = { prompt: outcome.stats.tokens.prompt + first.tokens.prompt, completion: outcome.stats.tokens.completion + first.tokens.completion };
      // it could never start as asked: ask how much (or where), in the user's terms
      if (outcome.outcome !== 'planned' && checker.neverFits) {
        outcome = { outcome: 'needs_clarification', steps: outcome.steps, stats: outcome.stats, question: checker.neverFits };
      }
    }
    // the search found nothing valid: when every candidate failed on a value the user gave, say
    // what is wrong with it in plain words (bad input, exit 2) rather than ask to rephrase
    const plainProblem =
      outcome.outcome === 'needs_clarification' && outcome.noValidPlan ? userFixableProblem(request, rejected, outcome.stats.failures, opts.catalog) : undefined;
    const prefixIds = new Set((opts.prefix ?? []).map((a) => a.step.id));
    for (const a of outcome.steps) if (!prefixIds.has(a.step.id)) a.step.planner = proposer.kind;
    return {
      ...outcome,
      checker,
      ...(plainProblem ? { plainProblem } : {}),
      ...(outcome.outcome === 'needs_clarification' ? { question: outcome.question } : {}),
      ...(outcome.outcome === 'refused' ? { refusal: outcome.refusal } : {}),
    };
  };

  let run: SearchRun;
  let stats: SearchStats;
  if (opts.proposer.kind === 'hybrid') {
    const { chosen, offline, route } = await opts.proposer.plan(request, search);
    run = chosen;
    stats = chosen === offline ? { ...chosen.stats, route } : { ...combineStats(offline.stats, chosen.stats), route };
  } else {
    run = await search(opts.proposer);
    stats = run.stats;
  }
  budgetsWithin(stats, opts.budgets);
  if (run.plainProblem) throw new BaiError(run.plainProblem, 'bad_input');

  // a plan that asks or refuses runs nothing: it keeps the reads it made, never a write (a partial plan is no plan)
  const accepted = run.outcome === 'planned' ? run.steps : run.steps.filter((a) => a.step.effect === 'read');
  // what each step does, by the one rule over the whole plan (several terminations are destructive)
  const derived = withPlanFacts(opts.catalog, accepted.map((a) => a.step));
  // every write says how it would be undone, from what the planning reads saw (./undo.ts)
  const keep = new Set((opts.prefix ?? []).map((a) => a.step.id));
  const steps = run.outcome === 'planned' ? await withUndo(derived, { world: opts.world, api: opts.api }, keep) : derived;
  accepted.forEach((a, i) => (a.step = steps[i]!));
  const grounding: GroundedEntity[] = [];
  const seen = new Set<string>();
  for (const s of steps) {
    for (const e of run.checker.grounding.get(s.id) ?? []) {
      const key = `${e.kind}:${e.name}:${e.source}`;
      if (!seen.has(key)) {
        seen.add(key);
        grounding.push(e);
      }
    }
  }
  const assumptions = [...new Set(steps.flatMap((s) => s.assumptions))];
  // what the offline reading missed describes an offline plan; a plan the model made read the words itself
  const understood = opts.proposer.kind === 'hybrid' && stats.route?.planner === 'llm' ? undefined : opts.proposer.understanding?.(request);
  const notUnderstood = understood?.notUnderstood ?? [];
  const suggestions = understood?.suggestions ?? [];
  const plan: PlanDocument = {
    version: PLAN_VERSION,
    request,
    createdAt: new Date().toISOString(),
    spec: { title: opts.catalog.title, version: opts.catalog.version, sha256: opts.catalog.sha256 },
    endpoint: opts.endpoint,
    planner: { kind: opts.proposer.kind, model: opts.proposer.model },
    policy: { name: policy.name, ...(policy.sha256 ? { sha256: policy.sha256 } : {}) },
    outcome: run.outcome,
    ...(run.outcome === 'needs_clarification' ? { question: run.question } : {}),
    ...(run.outcome === 'refused' ? { refusal: run.refusal } : {}),
    steps,
    assumptions,
    ...(notUnderstood.length > 0 ? { notUnderstood } : {}),
    ...(suggestions.length > 0 ? { suggestions } : {}),
    grounding,
    search: stats,
  };
  return { plan, accepted };
}

/** A search's outcome with the checker that holds its grounding. */
type SearchRun = SearchOutcome & { checker: PlanChecker; question?: string; refusal?: string; plainProblem?: string };

/**
 * The stats of a hybrid plan made by the LLM after the offline search: both searches' work and
 * time, the LLM's calls and tokens, and the offline failures marked as such before the LLM's.
 */
function combineStats(offline: SearchStats, llm: SearchStats): SearchStats {
  return {
    ...llm,
    nodesExpanded: offline.nodesExpanded + llm.nodesExpanded,
    backtracks: offline.backtracks + llm.backtracks,
    maxDepthReached: Math.max(offline.maxDepthReached, llm.maxDepthReached),
    elapsedMs: offline.elapsedMs + llm.elapsedMs,
    failures: [...offline.failures.map((f) => ({ ...f, candidate: `offline: ${f.candidate}` })), ...llm.failures],
  };
}

/** The plan reports the budgets the caller set (a second search ran with the time left of them). */
function budgetsWithin(stats: SearchStats, budgets: Partial<SearchBudgets> | undefined): void {
  stats.budgets = { ...DEFAULT_BUDGETS, ...budgets };
}
