/**
 * Questions never write (issue 13): each pair is a question about a change and a request for
 * it, in English and Korean. The question plans reads only (the change is offered as a
 * suggestion); the request plans its write.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalPlannerFor, type EvalPlanner } from '../../src/cli/commands/eval.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import { READ_INTENTS } from '../../src/planner/offline/intents.js';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import type { PlanDocument } from '../../src/planner/plan.js';

interface Pair {
  question: string;
  request: string;
  kind: string;
}

const pairs: Pair[] = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'question-request-pairs.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Pair);

/** The same change can be planned under a sibling intent (a bare name that is a folder, not a session). */
const SAME_CHANGE: Record<string, string[]> = { 'folder.rename': ['session.rename'] };

let planner: EvalPlanner;
const dir = mkdtempSync(join(tmpdir(), 'bai-qr-'));
const saved = { BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR, BACKEND_ENDPOINT: process.env.BACKEND_ENDPOINT };

beforeAll(async () => {
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
  delete process.env.BACKEND_ENDPOINT;
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

const plan = async (query: string): Promise<PlanDocument> => (await planner.plan({ id: 'qr', query, tags: [], outcome: 'planned', writes: [] })).plan;
const writes = (doc: PlanDocument) => doc.steps.filter((s) => s.effect === 'write');

describe('questions never write', () => {
  it('has at least 60 pairs, in English and Korean', () => {
    expect(pairs.length).toBeGreaterThanOrEqual(60);
    expect(pairs.filter((p) => /[\uAC00-\uD7A3]/.test(p.question)).length).toBeGreaterThanOrEqual(15);
  });

  it('the parser reads each question as reads only, and each request as its change', () => {
    const wrong: string[] = [];
    for (const p of pairs) {
      const q = parseRequest(p.question);
      const asked = q.intents.filter((i) => !READ_INTENTS.has(i.intent.kind)).map((i) => i.intent.kind);
      if (asked.length > 0 || q.refusal) wrong.push(`question "${p.question}" → ${asked.join(', ') || q.refusal}`);
      const r = parseRequest(p.request);
      const kinds = r.intents.map((i) => i.intent.kind as string);
      if (!kinds.includes(p.kind) && !(SAME_CHANGE[p.kind] ?? []).some((k) => kinds.includes(k))) wrong.push(`request "${p.request}" → ${kinds.join(', ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('planned against the sandbox: a question plans no write (a change it read is suggested); the request plans it', async () => {
    const wrong: string[] = [];
    for (const p of pairs) {
      const q = await plan(p.question);
      if (q.outcome !== 'planned' || writes(q).length > 0) wrong.push(`question "${p.question}" → ${q.outcome} ${q.question ?? ''} ${writes(q).map((s) => s.operationId).join(', ')}`);
      // a change the parser read and turned into a question is offered as a suggestion
      const converted = parseRequest(p.question).intents.some((i) => i.asked);
      if (converted && !q.suggestions?.length && !/^\s*(?:dry|what|how)/i.test(p.question)) wrong.push(`question "${p.question}" → no suggestion`);
      const r = await plan(p.request);
      if (writes(r).length === 0) wrong.push(`request "${p.request}" → ${r.outcome} ${r.question ?? r.refusal ?? 'no write'}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
