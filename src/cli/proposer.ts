/**
 * Which planner plans (`--planner` / BAI_AGENT_PLANNER):
 *  - `offline`: the offline semantic parser only (the default when no LLM is configured);
 *  - `llm`: the model chosen with --llm proposes every call;
 *  - `hybrid`: the offline planner first, the model only for what it does not fully understand
 *    (the default when an LLM is configured; planner/hybrid.ts).
 * The LLM is `openai:MODEL` on any OpenAI-compatible endpoint or `backendai:SERVICE` for a model
 * service on the connected cluster (llm.ts). The LLM code is imported only when it is used.
 */
import { BaiError } from '../errors.js';
import type { PlannerChoice } from '../planner/types.js';
import type { WorldView } from '../planner/world.js';
import type { CommandContext } from './main.js';
import type { Connection } from './connect.js';
import { plannerDefaults } from './connect.js';
import { chatModelFor, llmSpecOf } from './llm.js';

export type PlannerMode = 'offline' | 'llm' | 'hybrid';
const MODES: readonly PlannerMode[] = ['offline', 'llm', 'hybrid'];

/** The planner in effect: --planner, then BAI_AGENT_PLANNER, then hybrid with an LLM and offline without. */
export function plannerModeOf(ctx: CommandContext, env: NodeJS.ProcessEnv = process.env): PlannerMode {
  const [raw, from] = ctx.globals.planner !== undefined ? [ctx.globals.planner, '--planner'] : [env.BAI_AGENT_PLANNER, 'BAI_AGENT_PLANNER'];
  const given = raw?.trim().toLowerCase();
  const llm = llmSpecOf(ctx, env);
  if (!given) return llm ? 'hybrid' : 'offline';
  if (!MODES.includes(given as PlannerMode)) {
    throw new BaiError(`bad ${from} value ${JSON.stringify(raw!.slice(0, 40))}: use offline, llm or hybrid`, 'bad_input');
  }
  if (given !== 'offline' && !llm) {
    throw new BaiError(`${from} ${given} needs a model: pass --llm (e.g. --llm openai:gpt-4o-mini) or set BAI_AGENT_LLM`, 'config');
  }
  return given as PlannerMode;
}

export async function buildProposerFactory(ctx: CommandContext, conn: Connection): Promise<(world: WorldView) => PlannerChoice> {
  const mode = plannerModeOf(ctx);
  const defaults = plannerDefaults(conn.config);
  if (mode === 'offline') {
    const { OfflineProposer } = await import('../planner/offline/proposer.js');
    return (world) => new OfflineProposer({ world, defaults });
  }
  // the model service (backendai:*) is looked up on the manager this command plans against
  const model = await chatModelFor(ctx, llmSpecOf(ctx)!, async () => conn);
  const { LlmProposer } = await import('../planner/llm/index.js');
  // BAI_AGENT_LLM_STREAM=1: streamed answers, for gateways that drop a connection silent for long
  const options = { stream: /^(1|true|yes|on)$/i.test(process.env.BAI_AGENT_LLM_STREAM?.trim() ?? '') };
  if (mode === 'llm') return () => new LlmProposer(model, options);
  const [{ OfflineProposer }, { Hybrid }] = await Promise.all([import('../planner/offline/proposer.js'), import('../planner/hybrid.js')]);
  return (world) => new Hybrid(new OfflineProposer({ world, defaults }), new LlmProposer(model, options));
}
