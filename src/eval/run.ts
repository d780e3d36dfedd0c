/**
 * Score a dataset: retrieval (recall@k, MRR@k) and, when a planner is plugged in, plans
 * (outcome + writes per the contract), hallucinations and latency. The report's shape is the
 * contract's `--json` document (shared/eval/README.md), key for key.
 */
import type { PlanDocument } from '../planner/plan.js';
import type { RetrievedOperation } from '../planner/types.js';
import type { EvalItem } from './dataset.js';
import { loadGraphqlParser } from '../spec/call-facts.js';
import { hasWrongWrite, isWriteCall, matchWrites, type MatchResult } from './match.js';

export interface EvalResult {
  id: string;
  ok: boolean;
  /** The planned outcome (`null` when no planner ran). */
  outcome: string | null;
  why: string;
  /** The plan held a write the expectation does not accept (contract, "Additions, 2026-12"). */
  wrong_write: boolean;
  /** LLM calls made while planning this item. */
  llm_calls: number;
}

/** What planning cost in LLM calls and tokens (contract, "LLM use"). */
export interface LlmUse {
  calls: number;
  items_without_calls: number;
  calls_p50: number;
  calls_max: number;
  tokens: { prompt: number; completion: number };
}

/** The contract's `--json` document. */
export interface EvalReport {
  dataset: string;
  items: number;
  k: number;
  retrieval: { items: number; recall_at_k: number; mrr: number };
  plan: { items: number; passed: number; accuracy: number; by_tag: Record<string, number>; wrong_writes: number };
  hallucinations: { operations: number; entities: number };
  latency_ms: { p50: number; p95: number };
  llm: LlmUse;
  results: EvalResult[];
}

/** A planned item; `after` is the result of its state checks when the item has any. */
export interface PlannedItem {
  plan: PlanDocument;
  after?: MatchResult;
}

export interface RunEvalOptions {
  /** Dataset name for the report (the file's base name). */
  dataset: string;
  k: number;
  retrieve: (query: string) => RetrievedOperation[] | Promise<RetrievedOperation[]>;
  /**
   * Plans one request (dry run: reads against the sandbox, writes captured). Absent until a
   * planner is plugged in: then only retrieval is scored and every result says so.
   */
  plan?: (item: EvalItem) => Promise<PlanDocument | PlannedItem>;
  /** Whether an operationId exists in the spec (for hallucinated operations). */
  hasOperation?: (operationId: string) => boolean;
  /**
   * Planned writes that name an entity that does not exist and is not created earlier in the
   * plan. Default: derived from `plan.grounding` (see countUngroundedEntities).
   */
  countHallucinatedEntities?: (plan: PlanDocument) => number;
  /** Called after each item (progress display). */
  onItem?: (result: EvalResult, index: number, total: number) => void;
}

export const PLANNER_UNAVAILABLE = 'planner not available';

export async function runEval(items: readonly EvalItem[], opts: RunEvalOptions): Promise<EvalReport> {
  // which planned calls write is decided by the agent's own rule, GraphQL documents included
  await loadGraphqlParser();
  let retrievalItems = 0;
  let hits = 0;
  let reciprocalRanks = 0;
  let passed = 0;
  let hallucinatedOps = 0;
  let hallucinatedEntities = 0;
  let wrongWrites = 0;
  const llmCalls: number[] = [];
  const tokens = { prompt: 0, completion: 0 };
  const latencies: number[] = [];
  const tagTotals = new Map<string, { n: number; passed: number }>();
  const results: EvalResult[] = [];

  for (const [index, item] of items.entries()) {
    const started = process.hrtime.bigint();
    const why: string[] = [];

    const retrieved = await opts.retrieve(item.query);
    if (item.retrieval && item.retrieval.length > 0) {
      retrievalItems++;
      const rank = retrievalRank(retrieved, item.retrieval, opts.k);
      if (rank > 0) {
        hits++;
        reciprocalRanks += 1 / rank;
      } else {
        why.push(`retrieval: none of ${item.retrieval.join(', ')} in the top ${opts.k}`);
      }
    }

    let ok = false;
    let outcome: string | null = null;
    let wrongWrite = false;
    let calls = 0;
    if (opts.plan) {
      try {
        const answer = await opts.plan(item);
        const { plan, after } = 'steps' in answer ? { plan: answer, after: undefined } : answer;
        outcome = plan.outcome;
        calls = plan.search?.llmCalls ?? 0;
        tokens.prompt += plan.search?.tokens.prompt ?? 0;
        tokens.completion += plan.search?.tokens.completion ?? 0;
        const verdict = judgePlan(item, plan, after);
        ok = verdict.ok;
        if (!verdict.ok) why.unshift(verdict.why);
        wrongWrite = hasWrongWrite(item, ok, plan.steps);
        if (wrongWrite) wrongWrites++;
        if (opts.hasOperation) hallucinatedOps += plan.steps.filter((s) => !opts.hasOperation!(s.operationId)).length;
        hallucinatedEntities += (opts.countHallucinatedEntities ?? countUngroundedEntities)(plan);
      } catch (err) {
        why.unshift(`planning failed: ${(err as Error).message.split('\n')[0]}`);
      }
    } else {
      why.unshift(PLANNER_UNAVAILABLE);
    }
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
    llmCalls.push(calls);

    if (ok) passed++;
    for (const tag of item.tags) {
      const t = tagTotals.get(tag) ?? { n: 0, passed: 0 };
      t.n++;
      if (ok) t.passed++;
      tagTotals.set(tag, t);
    }
    const result: EvalResult = { id: item.id, ok, outcome, why: why.join('; '), wrong_write: wrongWrite, llm_calls: calls };
    results.push(result);
    opts.onItem?.(result, index, items.length);
  }

  const planned = Boolean(opts.plan);
  return {
    dataset: opts.dataset,
    items: items.length,
    k: opts.k,
    retrieval: {
      items: retrievalItems,
      recall_at_k: ratio(hits, retrievalItems),
      mrr: ratio(reciprocalRanks, retrievalItems),
    },
    plan: {
      items: items.length,
      passed,
      accuracy: ratio(passed, items.length),
      by_tag: planned ? Object.fromEntries([...tagTotals].sort(([a], [b]) => a.localeCompare(b)).map(([tag, t]) => [tag, ratio(t.passed, t.n)])) : {},
      wrong_writes: wrongWrites,
    },
    hallucinations: { operations: hallucinatedOps, entities: hallucinatedEntities },
    latency_ms: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
    llm: {
      calls: llmCalls.reduce((a, b) => a + b, 0),
      items_without_calls: llmCalls.filter((c) => c === 0).length,
      calls_p50: percentile(llmCalls, 0.5),
      calls_max: Math.max(0, ...llmCalls),
      tokens,
    },
    results,
  };
}

/** 1-based rank of the first expected operation within the top k, or 0. */
export function retrievalRank(retrieved: readonly RetrievedOperation[], expected: readonly string[], k: number): number {
  const want = new Set(expected);
  const top = retrieved.slice(0, k);
  const i = top.findIndex((r) => want.has(r.operation.operationId));
  return i >= 0 ? i + 1 : 0;
}

/**
 * An item passes when the outcome is equal and, for `planned`, the writes match (match.ts) when
 * given, and its `after` state checks (run by the planner side, which owns the sandbox) matched.
 */
export function judgePlan(item: EvalItem, plan: Pick<PlanDocument, 'outcome' | 'steps'>, after?: MatchResult): { ok: boolean; why: string } {
  if (plan.outcome !== item.outcome) return { ok: false, why: `outcome ${plan.outcome}, expected ${item.outcome}` };
  if (item.writes) {
    const writes = item.outcome === 'planned' ? matchWrites(item.writes, plan.steps) : { ok: true, why: '' };
    if (!writes.ok) return writes;
  }
  if (item.after) {
    if (!after) return { ok: false, why: 'after: the state checks did not run' };
    if (!after.ok) return after;
  }
  return { ok: true, why: '' };
}

/**
 * Default entity-hallucination count: write steps whose grounding says an entity was not found.
 * The planner records every entity it names in `plan.grounding` (from the manager, the plan, or
 * config); a write naming something not grounded there counts once per write step. Planners
 * that track this better inject `countHallucinatedEntities`.
 */
export function countUngroundedEntities(plan: Pick<PlanDocument, 'steps' | 'grounding'>): number {
  const grounded = new Set(plan.grounding.map((g) => g.name));
  let count = 0;
  for (const step of plan.steps) {
    if (!isWriteCall(step)) continue;
    const named = namedEntities(step);
    if (named.some((name) => !grounded.has(name))) count++;
  }
  return count;
}

/** Names a write step refers to that must already exist: path parameters and mounts. */
function namedEntities(step: PlanDocument['steps'][number]): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(step.pathParams ?? {})) {
    if (typeof value === 'string' && /name|id/.test(key)) names.push(value);
  }
  const body = step.body as Record<string, unknown> | undefined;
  const config = body && typeof body.config === 'object' && body.config !== null ? (body.config as Record<string, unknown>) : undefined;
  if (config && Array.isArray(config.mounts)) for (const m of config.mounts) if (typeof m === 'string') names.push(m);
  if (body && typeof body.image === 'string') names.push(body.image);
  return names;
}

function ratio(a: number, b: number): number {
  return b === 0 ? 0 : Math.round((a / b) * 1000) / 1000;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[i]! * 10) / 10;
}
