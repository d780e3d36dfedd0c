/**
 * Which proposer plans: the offline semantic parser (default), or an LLM chosen with --llm
 * (`openai:MODEL` on any OpenAI-compatible endpoint, `backendai:SERVICE` for a model service on
 * the connected Backend.AI cluster; see llm.ts).
 */
import type { Proposer } from '../planner/types.js';
import type { WorldView } from '../planner/world.js';
import type { CommandContext } from './main.js';
import type { Connection } from './connect.js';
import { plannerDefaults } from './connect.js';
import { chatModelFor, llmSpecOf } from './llm.js';

export async function buildProposerFactory(ctx: CommandContext, conn: Connection): Promise<(world: WorldView) => Proposer> {
  const spec = llmSpecOf(ctx);
  if (!spec) {
    const { OfflineProposer } = await import('../planner/offline/proposer.js');
    const defaults = plannerDefaults(conn.config);
    return (world) => new OfflineProposer({ world, defaults });
  }
  // the model service (backendai:*) is looked up on the manager this command plans against
  const model = await chatModelFor(ctx, spec, async () => conn);
  const { LlmProposer } = await import('../planner/llm/index.js');
  return () => new LlmProposer(model);
}
