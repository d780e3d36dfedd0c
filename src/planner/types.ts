/**
 * The contracts inside the planner: what a proposer sees and what it may answer. The DFSDT
 * search (dfsdt.ts) drives any Proposer — the offline semantic parser or a tool-calling LLM —
 * through this one interface.
 */
import type { Catalog, Operation } from '../spec/types.js';
import type { PlanStep, SearchStats } from './plan.js';

/** A retrieved operation with its retrieval score (higher is better). */
export interface RetrievedOperation {
  operation: Operation;
  score: number;
}

/** A call the proposer suggests. Arguments may hold `{$from, path}` references to earlier steps. */
export interface CallCandidate {
  kind: 'call';
  operationId: string;
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  /** One line: why this call. Shown in the preview. */
  reason: string;
  /** Values the planner chose that the user did not say (default image, session name…). */
  assumptions?: string[];
  /** For session creation: wait for this status after the call. */
  wait?: PlanStep['wait'];
  /** Marks deletes of folders or multiple terminations: typed confirmation. */
  destructive?: boolean;
  /** Proposer-private bookkeeping (e.g. which parsed intent this serves). Not in the plan. */
  meta?: Record<string, unknown>;
}

/**
 * A whole plan at once (an LLM's `propose_plan`): the calls in order, later ones referring to
 * earlier results with `{$from, path}`. The search checks them one by one as if proposed one per
 * node, and goes back to the proposer only where one fails (dfsdt.ts).
 */
export interface PlanCandidate {
  kind: 'plan';
  steps: CallCandidate[];
  /** What the plan does, in one line: the finish reason once every step is accepted. */
  reason: string;
}

export type Candidate =
  | CallCandidate
  | PlanCandidate
  | { kind: 'finish'; reason: string }
  | { kind: 'clarify'; question: string }
  | { kind: 'refuse'; reason: string }
  | { kind: 'give_up'; reason: string };

/** A step accepted into the current search path, with what its read returned (if it ran). */
export interface AcceptedStep {
  step: PlanStep;
  candidate: CallCandidate;
  /** Response data of a read call executed during planning; writes have none (not run). */
  observation?: unknown;
}

export interface FailedSibling {
  candidate: CallCandidate;
  reason: string;
}

export interface ProposalContext {
  request: string;
  catalog: Catalog;
  retrieved: RetrievedOperation[];
  /** The path from the root to this node. */
  steps: AcceptedStep[];
  /** Candidates already tried at this node and why each failed (ToolLLM's diversity prompt). */
  failedSiblings: FailedSibling[];
  /** Connection defaults the plan may use (project, domain) and planner defaults. */
  defaults: PlannerDefaults;
  /** Up to this many candidates are wanted. */
  width: number;
  signal?: AbortSignal;
  /** Hybrid planning: what the offline planner made of the request, for the LLM (hybrid.ts). */
  hint?: OfflineHint;
}

/** What the offline planner understood of a request, passed to the LLM when it is asked. */
export interface OfflineHint {
  /** The intents the parser found, each with the slots it filled (as JSON-able data). */
  intents: Array<{ kind: string; slots: Record<string, unknown>; missing: string[] }>;
  /** Words of the request that no rule of the parser read (they may change what to do). */
  notUnderstood: string[];
  /** Why the offline plan was not used, in one line. */
  why: string;
  /** What the offline search tried that failed (up to a few), so the model does not repeat it. */
  failures: string[];
}

export interface PlannerDefaults {
  domain: string;
  group: string;
  /** Image for requests without GPU slots / with GPU slots, when the user names none. */
  cpuImage: string;
  gpuImage: string;
  /** Prefix for generated session names. */
  sessionNamePrefix: string;
}

export interface Proposal {
  candidates: Candidate[];
  usage?: { prompt: number; completion: number };
}

export interface Proposer {
  readonly kind: 'offline' | 'llm';
  readonly model: string | null;
  propose(ctx: ProposalContext): Promise<Proposal>;
  /** Words of the request this proposer could not read (empty: it accounted for every word). */
  understanding?(request: string): { notUnderstood: string[]; suggestions?: string[] };
}

/**
 * Offline first, the LLM for what the offline planner does not fully understand (hybrid.ts).
 * It runs whole searches rather than proposing per node, so planRequest hands it the request and
 * a way to run one search with a single proposer.
 */
export interface HybridPlanner {
  readonly kind: 'hybrid';
  /** The model asked when the offline plan is not used. */
  readonly model: string;
  /**
   * Plan `request`: run `search` with the offline proposer, decide, and run it again with the
   * LLM proposer (and the offline reading as a hint) only when the offline plan is not used.
   */
  plan<R extends HybridRun>(request: string, search: (proposer: Proposer, hint?: OfflineHint) => Promise<R>): Promise<{ chosen: R; offline: R; route: HybridRoute }>;
  /** The offline reading's unread words and suggestions (for a plan the offline planner made). */
  understanding?(request: string): { notUnderstood: string[]; suggestions?: string[] };
}

/** One search's result as the hybrid planner needs to see it (planner.ts fills it). */
export interface HybridRun {
  outcome: 'planned' | 'needs_clarification' | 'refused';
  question?: string;
  refusal?: string;
  stats: SearchStats;
}

/** Which planner the hybrid used, and why (reported in `plan.search.route`). */
export interface HybridRoute {
  planner: 'offline' | 'llm';
  why: string;
}

/** What plans a request: one proposer driven by the search, or the hybrid of both. */
export type PlannerChoice = Proposer | HybridPlanner;
