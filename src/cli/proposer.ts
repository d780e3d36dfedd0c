/**
 * Which proposer plans: the offline semantic parser (default), or an LLM chosen with --llm
 * (`openai:MODEL` on any OpenAI-compatible endpoint, `backendai:SERVICE` for a model service on
 * the connected Backend.AI cluster).
 */
import { BaiError } from '../errors.js';
import type { Proposer } from '../planner/types.js';
import type { WorldView } from '../planner/world.js';
import type { CommandContext } from './main.js';
import type { Connection } from './connect.js';
import { plannerDefaults } from './connect.js';

export async function buildProposerFactory(ctx: CommandContext, conn: Connection): Promise<(world: WorldView) => Proposer> {
  const spec = ctx.globals.llm ?? process.env.BAI_AGENT_LLM;
  if (!spec || spec === 'offline') {
    const { OfflineProposer } = await import('../planner/offline/proposer.js');
    const defaults = plannerDefaults(conn.config);
    return (world) => new OfflineProposer({ world, defaults });
  }
  const { createChatModel, LlmProposer } = await import('../planner/llm/index.js');
  let model;
  try {
    model = await createChatModel({
      spec,
      ...(ctx.globals.llmBaseUrl ? { baseUrl: ctx.globals.llmBaseUrl } : {}),
    });
  } catch (err) {
    if (err instanceof BaiError) throw err;
    throw new BaiError(`could not set up the LLM ${spec}: ${(err as Error).message}`, 'config');
  }
  return () => new LlmProposer(model);
}
