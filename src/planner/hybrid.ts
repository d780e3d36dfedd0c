/**
 * Hybrid planning: the offline planner first, the LLM only for what it does not fully understand.
 *
 * The offline search always runs (it is instant, free and deterministic). Its plan is used, with
 * no model call, when the parser read every word of the request and the plan validates, when it
 * asks for a value only the user can give, and when it refuses for safety. Otherwise the request
 * goes to the LLM, with what the offline reading did understand as a hint. Whoever plans, every
 * step passes the same checks (schema, grounding, policy, preflight) in the same search.
 *
 *   reading / offline outcome                              planner   why
 *   refused for safety, or input that is not a request     offline   never re-asked
 *   "not a Backend.AI task: …" (no domain word it knows)   llm       it may just not know the words
 *   refused as off-topic ("… (the weather)")               offline   unless words were not understood
 *   asks for a variable's value                            offline   only the user knows it
 *   words not understood                                   llm       they may change what to do
 *   no intent recognised                                   llm
 *   planned                                                offline   fully understood, validated
 *   asks which folder / session / name …                   offline   only the user knows it
 *   no valid plan found                                    llm       with what failed as a hint
 *   denied by policy                                       offline   the model would be denied too
 */
import type { ParsedRequest } from './offline/intents.js';
import type { HybridPlanner, HybridRoute, HybridRun, OfflineHint, Proposal, ProposalContext, Proposer } from './types.js';

/** How the offline parser read a request. `notUnderstood`: absent or empty means every word was read. */
export type OfflineReading = Pick<ParsedRequest, 'intents' | 'refusal' | 'notUnderstood'>;

/** The offline side: a proposer that can also say how it read the request. */
export interface OfflineSide extends Proposer {
  readonly kind: 'offline';
  parse(request: string): OfflineReading;
}

/** Refusals the LLM may revisit: the parser found no task and no Backend.AI word it knows. */
const UNRECOGNISED = /^not a Backend\.AI task:/;
/** Refusals of a recognised off-topic ask ("not a Backend.AI task (the weather)"). */
const OFF_TOPIC = /^not a Backend\.AI task\b/;
/** Failures of the offline search shown to the model. */
const HINT_FAILURES = 3;

export class Hybrid implements HybridPlanner {
  readonly kind = 'hybrid' as const;
  readonly model: string;

  constructor(
    private readonly offline: OfflineSide,
    private readonly llm: Proposer,
  ) {
    this.model = llm.model ?? 'llm';
  }

  understanding(request: string): { notUnderstood: string[]; suggestions?: string[] } {
    return this.offline.understanding?.(request) ?? { notUnderstood: this.offline.parse(request).notUnderstood ?? [] };
  }

  async plan<R extends HybridRun>(request: string, search: (proposer: Proposer, hint?: OfflineHint) => Promise<R>): Promise<{ chosen: R; offline: R; route: HybridRoute }> {
    const reading = this.offline.parse(request);
    // what the offline proposer itself asked, to tell its questions from a search that found nothing
    const asked = new Set<string>();
    const recorder: Proposer = {
      kind: 'offline',
      model: null,
      propose: async (ctx: ProposalContext): Promise<Proposal> => {
        const proposal = await this.offline.propose(ctx);
        for (const c of proposal.candidates) if (c.kind === 'clarify') asked.add(c.question);
        return proposal;
      },
    };
    const offline = await search(recorder);
    const route = routeOf(reading, offline, offline.question !== undefined && asked.has(offline.question));
    if (route.planner === 'offline') return { chosen: offline, offline, route };
    const chosen = await search(this.llm, hintOf(reading, offline, route));
    return { chosen, offline, route };
  }
}

/** The table at the top of this file. `proposerAsked`: the offline question came from the proposer. */
export function routeOf(reading: OfflineReading, offline: HybridRun, proposerAsked: boolean): HybridRoute {
  const words = reading.notUnderstood ?? [];
  const unread = words.length > 0 ? `words not understood: ${words.map((w) => JSON.stringify(w)).join(', ')}` : '';
  const toOffline = (why: string): HybridRoute => ({ planner: 'offline', why });
  const toLlm = (why: string): HybridRoute => ({ planner: 'llm', why });

  if (reading.refusal !== undefined) {
    if (UNRECOGNISED.test(reading.refusal)) return toLlm(unread || 'no Backend.AI task recognised');
    if (OFF_TOPIC.test(reading.refusal) && unread) return toLlm(unread);
    return toOffline(`refused offline, not re-asked: ${reading.refusal}`);
  }
  const asksForValue = reading.intents.some((p) => p.missing.some((m) => m.startsWith('environ:')));
  if (offline.outcome === 'needs_clarification' && proposerAsked && asksForValue) {
    return toOffline('asks the user for a value only they know');
  }
  if (unread) return toLlm(unread);
  if (reading.intents.length === 0) return toLlm('no task recognised');
  switch (offline.outcome) {
    case 'planned':
      return toOffline('every word understood and the plan validates');
    case 'needs_clarification':
      return proposerAsked ? toOffline('asks the user for a value only they know') : toLlm('no valid offline plan');
    case 'refused':
      return toOffline(`refused offline, not re-asked: ${offline.refusal ?? 'denied'}`);
  }
}

/** What the model is told about the offline reading: a hint, never a constraint. */
export function hintOf(reading: OfflineReading, offline: HybridRun, route: HybridRoute): OfflineHint {
  return {
    intents: reading.intents.map((p) => {
      const { kind, ...slots } = p.intent as unknown as { kind: string } & Record<string, unknown>;
      return { kind, slots: meaningful(slots), missing: p.missing };
    }),
    notUnderstood: reading.notUnderstood ?? [],
    why: route.why,
    failures: [...new Set(offline.stats.failures.map((f) => `${f.candidate}: ${f.reason}`))].slice(0, HINT_FAILURES),
  };
}

/** Slots that say something: no empty lists, empty objects, `false` flags or undefined. */
function meaningful(slots: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(slots)) {
    if (v === undefined || v === false || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out;
}
