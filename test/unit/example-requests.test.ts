/**
 * `ask` shows the sentence that would do it (issue 16 §7). Each sentence it can show is checked
 * here: the offline planner, given it against a fresh sandbox of the contract world, plans a call
 * to the operation the sentence stands for — so what `ask` suggests works as written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalPlannerFor, type EvalPlanner } from '../../src/cli/commands/eval.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import * as ask from '../../src/cli/commands/ask.js';
import { EXAMPLE_REQUESTS } from '../../src/cli/example-requests.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';

let dir: string;
let planner: EvalPlanner;
const saved = { HOME: process.env.HOME, BAI_AGENT_STATE_DIR: process.env.BAI_AGENT_STATE_DIR, BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR, BAI_AGENT_LLM: process.env.BAI_AGENT_LLM };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bai-examples-'));
  process.env.HOME = dir;
  process.env.BAI_AGENT_STATE_DIR = join(dir, 'state');
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
  delete process.env.BAI_AGENT_LLM;
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

describe('the sentences ask suggests', () => {
  it.each(Object.entries(EXAMPLE_REQUESTS))('%s: "%s" plans that call', async (operationId, sentence) => {
    const { plan } = await planner.plan({ id: 't', query: sentence, tags: [], outcome: 'planned', writes: [] });
    expect(plan.outcome, plan.question ?? plan.refusal).toBe('planned');
    expect(plan.steps.map((s) => s.operationId)).toContain(operationId);
  });

  it('ask prints the sentence next to the HTTP example', async () => {
    let text = '';
    const stdout = new Writable({ write(c, _e, cb) { text += String(c); cb(); } });
    const ctx: CommandContext = { globals: {}, out: new Output({ stdout, stderr: new PassThrough() }) };
    expect(await ask.run(ctx, ['how do I share a folder with a colleague?'], { k: '3' })).toBe(0);
    expect(text).toContain('to do it: bai-agent "share the folder datasets with colleague@sandbox.local read-only"');
    expect(text).toContain('HTTP example:');
  });
});
