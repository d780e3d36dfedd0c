/**
 * DFSDT — depth-first search over candidate calls with backtracking (ToolLLM, Qin et al. 2023).
 *
 * A node is a partial plan (the accepted steps from the root) plus what its read calls returned.
 * At each node the proposer suggests up to `width` ranked candidates (or finish / clarify /
 * refuse / give up). The search takes the best untried candidate, checks it (operation exists,
 * schema, grounding, policy, preflight), runs it if it is a read (its result becomes an
 * observation), and descends. A failed candidate is recorded and the next sibling is tried; the
 * proposer is told which siblings failed and why, so it can diversify. When every candidate of a
 * node fails, the search backtracks to the parent's next sibling. Budgets bound depth, width,
 * nodes, LLM calls and wall time, and are reported in the plan.
 *
 * A proposer may also answer with a whole plan (an LLM's `propose_plan`): its steps are checked
 * one per node exactly as single proposals are, each next step taken without asking again; only
 * where one fails is the proposer asked, with the valid prefix kept as the path and the failed
 * step and its reason as a failed sibling. A plan whose every step holds costs one call.
 */
import { isConnectionFailure } from '../client/errors.js';
import type { PlanStep, SearchStats } from './plan.js';
import type { AcceptedStep, CallCandidate, Candidate, FailedSibling, PlanCandidate, ProposalContext, Proposer } from './types.js';

export interface SearchBudgets {
  maxDepth: number;
  width: number;
  maxNodes: number;
  maxLlmCalls: number;
  timeMs: number;
}

export const DEFAULT_BUDGETS: SearchBudgets = { maxDepth: 12, width: 4, maxNodes: 80, maxLlmCalls: 16, timeMs: 60_000 };

export type CheckResult =
  | { ok: true; step: PlanStep }
  | {
      ok: false;
      reason: string;
      /** The policy denied it: if nothing else works, the outcome is `refused`. */
      deniedByPolicy?: boolean;
    };

/** Validates a candidate in the context of the path so far and turns it into a plan step. */
export interface CandidateChecker {
  check(candidate: CallCandidate, path: AcceptedStep[], stepId: string): Promise<CheckResult>;
}

/** Executes a read step during planning; a thrown error fails the candidate. */
export type ReadRunner = (step: PlanStep, path: AcceptedStep[]) => Promise<unknown>;

export interface SearchInput {
  proposer: Proposer;
  checker: CandidateChecker;
  runRead: ReadRunner;
  /** Everything the proposer sees except the per-node fields. */
  context: Omit<ProposalContext, 'steps' | 'failedSiblings' | 'width' | 'signal'>;
  budgets?: Partial<SearchBudgets>;
  /** Steps already executed (a replan after a failure continues from them). */
  prefix?: AcceptedStep[];
  /** Failures to tell the proposer at the first node (e.g. the step that failed at execution). */
  initialFailures?: FailedSibling[];
  signal?: AbortSignal;
  now?: () => number;
}

export type SearchOutcome =
  | { outcome: 'planned'; steps: AcceptedStep[]; stats: SearchStats; finish: string }
  | {
      outcome: 'needs_clarification';
      steps: AcceptedStep[];
      stats: SearchStats;
      question: string;
      /** No candidate held up (rather than the proposer asking a question). */
      noValidPlan?: boolean;
    }
  | { outcome: 'refused'; steps: AcceptedStep[]; stats: SearchStats; refusal: string };

class BudgetExhausted extends Error {
  constructor(readonly budget: string) {
    super(budget);
  }
}

/** The steps of a whole-plan proposal not yet checked, and its finish reason. */
interface Continuation {
  steps: CallCandidate[];
  finish: string;
}

type Terminal =
  | { kind: 'planned'; steps: AcceptedStep[]; finish: string }
  | { kind: 'clarify'; steps: AcceptedStep[]; question: string }
  | { kind: 'refuse'; steps: AcceptedStep[]; reason: string };

export function describeCandidate(c: CallCandidate): string {
  const args: string[] = [];
  for (const [k, v] of Object.entries(c.pathParams ?? {})) args.push(`${k}=${JSON.stringify(v)}`);
  return `${c.operationId}(${args.join(', ')})`;
}

export async function dfsdtSearch(input: SearchInput): Promise<SearchOutcome> {
  const budgets: SearchBudgets = { ...DEFAULT_BUDGETS, ...input.budgets };
  const now = input.now ?? (() => performance.now());
  const started = now();
  const stats: SearchStats = {
    algorithm: 'dfsdt',
    nodesExpanded: 0,
    backtracks: 0,
    maxDepthReached: 0,
    llmCalls: 0,
    tokens: { prompt: 0, completion: 0 },
    elapsedMs: 0,
    budgets,
    failures: [],
  };
  let deniedReasons: string[] = [];
  let stepCounter = (input.prefix ?? []).length;
  const prefix = input.prefix ?? [];

  const checkBudgets = (): void => {
    if (input.signal?.aborted) throw new BudgetExhausted('aborted');
    if (now() - started > budgets.timeMs) throw new BudgetExhausted('timeMs');
    if (stats.nodesExpanded >= budgets.maxNodes) throw new BudgetExhausted('maxNodes');
  };

  const propose = async (path: AcceptedStep[], failed: FailedSibling[]): Promise<Candidate[]> => {
    if (input.proposer.kind === 'llm' && stats.llmCalls >= budgets.maxLlmCalls) throw new BudgetExhausted('maxLlmCalls');
    const proposal = await input.proposer.propose({
      ...input.context,
      steps: path,
      failedSiblings: failed,
      width: budgets.width,
      signal: input.signal,
    });
    if (input.proposer.kind === 'llm') stats.llmCalls++;
    if (proposal.usage) {
      stats.tokens.prompt += proposal.usage.prompt;
      stats.tokens.completion += proposal.usage.completion;
    }
    // keep at most `width` calls; finish/clarify/refuse entries stay where the proposer put them
    let calls = 0;
    return proposal.candidates.filter((c) => c.kind !== 'call' || ++calls <= budgets.width);
  };

  /** A candidate call, and for the first step of a whole plan, the rest of that plan. */
  type Entry = { cand: CallCandidate; rest?: Continuation } | Exclude<Candidate, CallCandidate | PlanCandidate>;

  /** A proposal as entries: a whole plan becomes its first call with the rest to follow. */
  const entries = (candidates: Candidate[], path: AcceptedStep[]): Entry[] =>
    candidates.map((c): Entry => {
      if (c.kind === 'call') return { cand: c };
      if (c.kind !== 'plan') return c;
      const [first, ...rest] = c.steps;
      if (!first) return path.length > 0 ? { kind: 'finish', reason: c.reason } : { kind: 'give_up', reason: 'the proposed plan has no steps' };
      return { cand: first, rest: { steps: rest, finish: c.reason } };
    });

  const signature = (c: CallCandidate): string => JSON.stringify([c.operationId, c.pathParams ?? {}, c.query ?? {}, c.body ?? null, c.meta?.argumentError ?? null]);

  const expand = async (path: AcceptedStep[], depth: number, initialFailed: FailedSibling[], queued?: Continuation): Promise<Terminal | null> => {
    checkBudgets();
    // every step of a whole-plan proposal was accepted: it is planned, with no further call
    if (queued && queued.steps.length === 0) return { kind: 'planned', steps: path, finish: queued.finish };
    stats.nodesExpanded++;
    stats.maxDepthReached = Math.max(stats.maxDepthReached, depth);
    const failed: FailedSibling[] = [...initialFailed];
    let tried = 0;
    let lastGiveUp: string | undefined;
    // An LLM is re-asked with the failed siblings (diversity prompt) until `width` candidates
    // have been tried; the offline proposer ranks all its alternatives in one go. The next step
    // of a whole plan is tried first, without asking; only if it fails is the proposer asked.
    for (let round = 0; tried < budgets.width; round++) {
      const proposed: Entry[] =
        round === 0 && queued ? [{ cand: queued.steps[0]!, rest: { steps: queued.steps.slice(1), finish: queued.finish } }] : entries(await propose(path, failed), path);
      if (proposed.length === 0) break;
      let progressed = false;
      for (const entry of proposed) {
        if (tried >= budgets.width) break;
        if (!('cand' in entry)) {
          switch (entry.kind) {
            case 'finish':
              return { kind: 'planned', steps: path, finish: entry.reason };
            case 'clarify':
              return { kind: 'clarify', steps: path, question: entry.question };
            case 'refuse':
              return { kind: 'refuse', steps: path, reason: entry.reason };
            case 'give_up':
              lastGiveUp = entry.reason;
              continue;
          }
        }
        const { cand, rest } = entry;
        // a call that already failed its check here fails again: a model that keeps proposing it
        // is stuck (failures passed in — a step that failed at execution — may be retried)
        const before = failed.slice(initialFailed.length).find((f) => signature(f.candidate) === signature(cand));
        if (before) {
          stats.failures.push({ depth, candidate: describeCandidate(cand), reason: `proposed again after it failed (${before.reason})` });
          continue;
        }
        tried++;
        progressed = true;
        if (depth >= budgets.maxDepth) {
          failed.push({ candidate: cand, reason: `depth budget (${budgets.maxDepth}) reached` });
          stats.failures.push({ depth, candidate: describeCandidate(cand), reason: 'depth budget reached' });
          continue;
        }
        const stepId = `s${stepCounter + 1}`;
        const checked = await input.checker.check(cand, path, stepId);
        if (!checked.ok) {
          failed.push({ candidate: cand, reason: checked.reason });
          stats.failures.push({ depth, candidate: describeCandidate(cand), reason: checked.reason });
          if (checked.deniedByPolicy) deniedReasons.push(checked.reason);
          continue;
        }
        const accepted: AcceptedStep = { step: checked.step, candidate: cand };
        // only reads the policy allows outright run while planning; one it wants confirmed waits for the prompt
        if (checked.step.effect === 'read' && checked.step.policy.verdict === 'allow') {
          try {
            accepted.observation = await input.runRead(checked.step, path);
          } catch (err) {
            if (isConnectionFailure(err)) throw err;
            const reason = `read failed: ${(err as Error).message}`;
            failed.push({ candidate: cand, reason });
            stats.failures.push({ depth, candidate: describeCandidate(cand), reason });
            continue;
          }
        }
        stepCounter++;
        const below = await expand([...path, accepted], depth + 1, [], rest);
        if (below) return below;
        // every continuation below this candidate failed: backtrack and try the next sibling
        stepCounter--;
        stats.backtracks++;
        failed.push({ candidate: cand, reason: 'no valid continuation after this call' });
      }
      if (!progressed || input.proposer.kind === 'offline') break;
    }
    if (lastGiveUp && failed.length === 0) {
      stats.failures.push({ depth, candidate: 'give_up', reason: lastGiveUp });
    }
    return null;
  };

  let terminal: Terminal | null = null;
  try {
    terminal = await expand(prefix, prefix.length, input.initialFailures ?? []);
  } catch (err) {
    if (!(err instanceof BudgetExhausted)) throw err;
    stats.exhausted = err.budget;
  }
  stats.elapsedMs = Math.round(now() - started);

  if (terminal?.kind === 'planned') return { outcome: 'planned', steps: terminal.steps, stats, finish: terminal.finish };
  if (terminal?.kind === 'clarify') return { outcome: 'needs_clarification', steps: terminal.steps, stats, question: terminal.question };
  if (terminal?.kind === 'refuse') return { outcome: 'refused', steps: terminal.steps, stats, refusal: terminal.reason };

  // No plan was found. If the policy blocked what would have worked, that is a refusal;
  // otherwise tell the user what failed so they can change the request.
  deniedReasons = [...new Set(deniedReasons)];
  if (deniedReasons.length > 0) {
    return { outcome: 'refused', steps: prefix, stats, refusal: `denied by policy: ${deniedReasons.join('; ')}` };
  }
  // each reason once (the same call on two routes fails the same way), in the user's terms: no operation ids
  const reasons = [...new Set(stats.failures.map((f) => f.reason))].slice(0, 4);
  const why = stats.exhausted
    ? `the search ran out of its ${stats.exhausted} budget`
    : reasons.length > 0
      ? reasons.join('; ')
      : 'no operation matched the request';
  return {
    outcome: 'needs_clarification',
    steps: prefix,
    stats,
    question: `I could not build a valid plan (${why}). Could you rephrase or add details?`,
    noValidPlan: true,
  };
}
