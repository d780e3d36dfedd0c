/**
 * Rules of the structured notation added for terse chat-ops and API lines (issue 13, round 2):
 * short command words, `A -> B` targets, `FOLDER: cmd && cmd`, `exec NAME: command`, API lines
 * with `on X:`, group words and joiners, notes after ` -- `, and sentences before an API line.
 * Planned end to end against a fresh sandbox; wordings differ from the blind items they came from.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalPlannerFor, type EvalPlanner } from '../../src/cli/commands/eval.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import type { PlanDocument } from '../../src/planner/plan.js';

let dir: string;
let planner: EvalPlanner;
const saved = { HOME: process.env.HOME, BAI_AGENT_STATE_DIR: process.env.BAI_AGENT_STATE_DIR, BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bai-structured-r2-'));
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

const plan = async (query: string): Promise<PlanDocument> => (await planner.plan({ id: 't', query, tags: [], outcome: 'planned', writes: [] })).plan;
const writes = (doc: PlanDocument): Array<[string, unknown, unknown, unknown]> =>
  doc.steps.filter((s) => s.effect === 'write').map((s) => [s.operationId, s.pathParams, s.query, s.body]);


const questionOf = (doc: PlanDocument): string => (doc as unknown as { question?: string }).question ?? '';

describe('the API’s own words, tersely', () => {
  it('OPERATION on NAME: fills the one path parameter; exec= is the shell command (options.exec)', async () => {
    const doc = await plan("session.execute on notebook-old: exec='df -h /home/work' mode=batch");
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['session.execute', { session_name: 'notebook-old' }, {}, { mode: 'batch', options: { exec: 'df -h /home/work' } }]]);
  });

  it('a word before pairs groups them; a field one level down is found by its name; the manager’s alias replicas', async () => {
    const doc = await plan('services.create replicas=3 model=models resources cuda.shares=1 name=tiny-svc scalingGroup=default');
    expect(doc.outcome).toBe('planned');
    const [w] = writes(doc);
    expect(w![0]).toBe('services.create');
    expect(w![3]).toMatchObject({ name: 'tiny-svc', desired_session_count: 3, config: { model: 'models', resources: { 'cuda.shares': 1 } } });
  });

  it('sentences before an API line are its reason; "with" only joins the arguments', async () => {
    const doc = await plan('train-job-1 refuses to stop and the UI shows an error! DELETE /session/train-job-1 with forced=true');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['session.destroy', { session_name: 'train-job-1' }, { forced: true }, undefined]]);
  });

  it('a sentence before an API line that asks for something else is a question', async () => {
    const doc = await plan('create a folder named tmp-notes. DELETE /session/train-job-1');
    expect(doc.outcome).toBe('needs_clarification');
    expect(writes(doc)).toEqual([]);
  });

  it('a note after " -- " is read: a question there plans the read only', async () => {
    const doc = await plan('GET /folders -- which of these can I still write to?');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([]);
    expect(doc.steps.map((s) => s.operationId)).toContain('folders.list_folders');
  });

  it('a note asking for no changes keeps a read-only POST, and makes a write a question', async () => {
    const read = await plan('resource.check_presets group=default -- just want the numbers, do not change anything');
    expect(read.outcome).toBe('planned');
    expect(writes(read)).toEqual([]);
    const write = await plan('POST /folders name=probe-9 -- just checking, no changes');
    expect(write.outcome).toBe('needs_clarification');
    expect(writes(write)).toEqual([]);
  });
});
