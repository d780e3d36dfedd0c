/**
 * Several requests, one plan document (`plan --requests FILE`, one request per line). The requests
 * are planned in order, each continuing from the steps planned for the ones before it — as a
 * replan continues from executed steps — so a later line may use what an earlier one creates
 * ("create a folder called data" / "make a directory raw in data"), and the policy's per-run caps
 * count every step. Step ids run on across requests; `requests[]` says which steps serve which line.
 * The first request that needs clarification or is refused decides the outcome (its question or
 * refusal names the line), and planning stops there: a partial plan is never `planned`.
 */
import { BaiError } from '../errors.js';
import { DEFAULT_BUDGETS } from './dfsdt.js';
import type { PlanDocument, SearchStats } from './plan.js';
import { planRequest, type PlanRequestOptions } from './planner.js';
import type { AcceptedStep, PlannerChoice, RetrievedOperation } from './types.js';

export const MAX_REQUESTS = 50;

/** Requests in a file: one per line; blank lines and lines starting with `#` are skipped. */
export function parseRequestsFile(text: string, source: string): string[] {
  const requests = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  if (requests.length === 0) throw new BaiError(`${source} has no requests (one per line; # starts a comment)`, 'bad_input');
  if (requests.length > MAX_REQUESTS) throw new BaiError(`${source} has ${requests.length} requests; at most ${MAX_REQUESTS} make one plan`, 'bad_input');
  return requests;
}

export interface PlanRequestsOptions extends Omit<PlanRequestOptions, 'request' | 'retrieved' | 'proposer' | 'prefix' | 'initialFailures'> {
  retrieve(request: string): RetrievedOperation[];
  /** A proposer for each request (it may keep per-request state). */
  makeProposer(): PlannerChoice;
}

function addStats(a: SearchStats, b: SearchStats): SearchStats {
  return {
    ...b,
    nodesExpanded: a.nodesExpanded + b.nodesExpanded,
    backtracks: a.backtracks + b.backtracks,
    maxDepthReached: Math.max(a.maxDepthReached, b.maxDepthReached),
    llmCalls: a.llmCalls + b.llmCalls,
    tokens: { prompt: a.tokens.prompt + b.tokens.prompt, completion: a.tokens.completion + b.tokens.completion },
    elapsedMs: a.elapsedMs + b.elapsedMs,
    failures: [...a.failures, ...b.failures],
    ...(b.exhausted ?? a.exhausted ? { exhausted: b.exhausted ?? a.exhausted } : {}),
  };
}

export async function planRequests(requests: string[], opts: PlanRequestsOptions): Promise<{ plan: PlanDocument; accepted: AcceptedStep[] }> {
  let accepted: AcceptedStep[] = [];
  let combined: PlanDocument | undefined;
  const served: Array<{ request: string; steps: string[] }> = [];
  for (const [i, request] of requests.entries()) {
    // the proposer's bookkeeping (which intent a step serves) belongs to the request that made it
    const prefix = accepted.map((a) => ({ ...a, candidate: { ...a.candidate, meta: undefined } }));
    const { plan, accepted: now } = await planRequest({
      ...opts,
      request,
      retrieved: opts.retrieve(request),
      proposer: opts.makeProposer(),
      prefix,
      budgets: { ...opts.budgets, maxDepth: prefix.length + (opts.budgets?.maxDepth ?? DEFAULT_BUDGETS.maxDepth) },
    });
    const known = new Set(prefix.map((a) => a.step.id));
    served.push({ request: plan.request, steps: plan.steps.filter((s) => !known.has(s.id)).map((s) => s.id) });
    const grounding = [...(combined?.grounding ?? [])];
    for (const e of plan.grounding) if (!grounding.some((g) => g.kind === e.kind && g.name === e.name && g.source === e.source)) grounding.push(e);
    const line = requests.length > 1 ? `request ${i + 1} ("${plan.request}"): ` : '';
    const previous = combined;
    combined = {
      ...plan,
      request: served.map((r) => r.request).join('\n'),
      assumptions: [...new Set(plan.steps.flatMap((s) => s.assumptions))],
      grounding,
      search: combined ? addStats(combined.search, plan.search) : plan.search,
      ...(plan.question ? { question: `${line}${plan.question}` } : {}),
      ...(plan.refusal ? { refusal: `${line}${plan.refusal}` } : {}),
      requests: served.map((r) => ({ ...r })),
    };
    // what earlier lines left unread or only suggested stays in the document
    for (const key of ['notUnderstood', 'suggestions'] as const) {
      const all = [...(previous?.[key] ?? []), ...(plan[key] ?? [])];
      if (all.length > 0) combined[key] = [...new Set(all)];
      else delete combined[key];
    }
    accepted = now;
    if (plan.outcome !== 'planned') break;
  }
  return { plan: combined!, accepted };
}
