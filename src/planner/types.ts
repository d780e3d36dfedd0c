/**
 * The contracts inside the planner: what a proposer sees and what it may answer. The DFSDT
 * search (dfsdt.ts) drives any Proposer — the offline semantic parser or a tool-calling LLM —
 * through this one interface.
 */
import type { Catalog, Operation } from '../spec/types.js';
import type { PlanStep } from './plan.js';

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

export type Candidate =
  | CallCandidate
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
