/**
 * The planner `bai-agent eval` builds (offline planner, a fresh sandbox of the contract world per
 * request), for tests that plan requests end to end without the CLI. HOME, state and cache go to
 * a temporary directory that is removed afterwards; call inside a describe block or at file level.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { evalPlannerFor, type EvalPlanner } from '../../src/cli/commands/eval.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import type { PlanDocument } from '../../src/planner/plan.js';

const ENV_KEYS = ['HOME', 'BAI_AGENT_STATE_DIR', 'BAI_AGENT_CACHE_DIR'] as const;

/** Registers the setup and teardown hooks; returns the function that plans one request. */
export function useSandboxPlanner(prefix: string): (query: string) => Promise<PlanDocument> {
  let dir = '';
  let planner: EvalPlanner | undefined;
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `bai-${prefix}-`));
    process.env.HOME = dir;
    process.env.BAI_AGENT_STATE_DIR = join(dir, 'state');
    process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
    const ctx: CommandContext = { globals: { json: true }, out: new Output({ json: true, stdout: new PassThrough(), stderr: new PassThrough() }) };
    const { catalog, index } = await loadCatalogAndIndex(ctx);
    planner = (await evalPlannerFor(ctx, catalog, index, 5))!;
  });

  afterAll(async () => {
    await planner?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  return async (query: string) => (await planner!.plan({ id: 't', query, tags: [], outcome: 'planned', writes: [] })).plan;
}
