/**
 * The bench's hybrid-planning section on a tiny dataset: a request the offline planner fully
 * understands costs no model call and is the offline plan; one it does not reaches the stub model
 * and costs one call (the stub answers with the offline answer as a model would say it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hybridFigures, measureHybrid, planShape } from '../../src/bench/hybrid.js';
import type { PlanDocument } from '../../src/planner/plan.js';

const dir = mkdtempSync(join(tmpdir(), 'bai-bench-hybrid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench: hybrid planning', () => {
  it('counts 0-call plans, compares them with the offline plans, and counts calls per request that reached the model', async () => {
    const path = join(dir, 'tiny.jsonl');
    writeFileSync(
      path,
      [
        { id: 't-1', query: 'create a folder called bench-data', outcome: 'planned', writes: [{ operationId: 'folders.create', body: { name: 'bench-data' } }] },
        { id: 't-2', query: 'list my sessions', outcome: 'planned', writes: [] },
        { id: 't-3', query: 'frobnicate the quux', outcome: 'refused' },
      ]
        .map((i) => JSON.stringify(i))
        .join('\n'),
    );
    const f = await measureHybrid({ name: 'tiny', path });
    expect(f).toMatchObject({ items: 3, withoutCalls: 2, sameAsOffline: 2, llmPlanned: 1, llmCalls: 1, llmCallsMax: 1, passedOffline: 3, passedHybrid: 3 });
    expect(f.tokens).toBeGreaterThan(0);
    // the eval report's contract block says the same
    expect(f.llm).toMatchObject({ calls: 1, items_without_calls: 2, calls_p50: 0, calls_max: 1 });
    expect(f.llm.tokens.prompt + f.llm.tokens.completion).toBe(f.tokens);
    const figures = hybridFigures(f, 'hybrid planning');
    expect(figures[0]).toMatchObject({ metric: 'planned with 0 LLM calls', value: 0.667, ok: false });
    expect(figures.find((x) => x.metric === 'LLM calls per LLM-planned request (mean)')!.value).toBe(1);
  }, 60_000);

  it('plan shapes ignore the random suffix of generated names, not the names themselves', () => {
    const plan = (name: string) => ({ outcome: 'planned', steps: [{ operationId: 'session.create_from_params', pathParams: {}, query: {}, body: { session_name: name } }] }) as unknown as PlanDocument;
    expect(planShape(plan('bai-pytorch-f93b'))).toBe(planShape(plan('bai-pytorch-0a1c')));
    expect(planShape(plan('bai-pytorch-f93b'))).not.toBe(planShape(plan('bai-python-f93b')));
  });
});
