/**
 * The eval harness: dataset parsing (a bad line names the line), the scores and the exact
 * `--json` keys of the contract, the `eval` command end to end, and the retrieval targets on
 * shared/eval/dev.jsonl (curated spec: recall@5 ≥ 0.98, MRR ≥ 0.85; upstream: recall@5 ≥ 0.95).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BaiError } from '../../src/errors.js';
import { loadDataset, parseDataset, type EvalItem } from '../../src/eval/dataset.js';
import { countUngroundedEntities, retrievalRank, runEval } from '../../src/eval/run.js';
import { renderEvalReport } from '../../src/eval/report.js';
import { buildOperationIndex, loadRetrievalDomain } from '../../src/retrieval/index.js';
import { bundledSpecPath, loadCatalog } from '../../src/spec/load.js';
import type { Operation } from '../../src/spec/types.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { Output } from '../../src/cli/output.js';
import { run as evalCommand } from '../../src/cli/commands/eval.js';
import { devSetPath, upstreamSpecPath } from '../support/shared.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bai-eval-'));
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

const line = (o: unknown) => JSON.stringify(o);
const op = (operationId: string) => ({ operation: { operationId } as Operation, score: 1 });

describe('datasets', () => {
  it('loads the dev set', async () => {
    const items = await loadDataset(devSetPath());
    expect(items.length).toBeGreaterThanOrEqual(30);
    expect(items.every((i) => i.id && typeof i.query === 'string')).toBe(true);
  });

  it.each([
    ['not JSON', '{"id": "a", ', /data\.jsonl:2: not valid JSON/],
    ['missing outcome', line({ id: 'a', query: 'q' }), /data\.jsonl:2: outcome: /],
    ['bad outcome', line({ id: 'a', query: 'q', outcome: 'done' }), /data\.jsonl:2: outcome/],
    ['bad writes', line({ id: 'a', query: 'q', outcome: 'planned', writes: [{ body: {} }] }), /data\.jsonl:2: writes/],
    ['duplicate id', line({ id: 'x', query: 'q', outcome: 'refused' }), /data\.jsonl:2: duplicate id "x"/],
  ])('a malformed line is a one-line error naming the line (%s)', (_label, bad, message) => {
    const text = `${line({ id: 'x', query: 'ok', outcome: 'refused' })}\n${bad}\n`;
    expect(() => parseDataset(text, 'data.jsonl')).toThrow(BaiError);
    expect(() => parseDataset(text, 'data.jsonl')).toThrow(message);
  });

  it('an empty file, a missing file and a binary file are clear errors', async () => {
    expect(() => parseDataset('\n\n', 'e.jsonl')).toThrow(/no items/);
    await expect(loadDataset(join(dir, 'nope.jsonl'))).rejects.toThrow(/file not found/);
    const bin = join(dir, 'bin.jsonl');
    writeFileSync(bin, Buffer.from([0, 1, 2, 0xff]));
    await expect(loadDataset(bin)).rejects.toThrow(/not a text file/);
  });
});

describe('runEval', () => {
  const items: EvalItem[] = parseDataset(
    [
      line({ id: 'i1', query: 'make folder', tags: ['folder'], retrieval: ['folders.create'], outcome: 'planned', writes: [{ operationId: 'folders.create', body: { name: 'a' } }] }),
      line({ id: 'i2', query: 'kill it', tags: ['session'], retrieval: ['session.destroy'], outcome: 'needs_clarification' }),
      line({ id: 'i3', query: 'pizza', tags: ['refuse'], outcome: 'refused' }),
    ].join('\n'),
    'mini.jsonl',
  );
  const retrieve = (q: string) =>
    q === 'make folder' ? [op('folders.list_folders'), op('folders.create')] : q === 'kill it' ? [op('x'), op('y'), op('z'), op('w'), op('v'), op('session.destroy')] : [];

  function plan(outcome: PlanDocument['outcome'], steps: Partial<PlanDocument['steps'][number]>[] = [], grounding: PlanDocument['grounding'] = []): PlanDocument {
    return { outcome, steps, grounding } as unknown as PlanDocument;
  }

  it('scores retrieval (recall@k, MRR@k) over items that have a retrieval list', async () => {
    const r = await runEval(items, { dataset: 'mini.jsonl', k: 5, retrieve });
    expect(r.retrieval).toEqual({ items: 2, recall_at_k: 0.5, mrr: 0.25 });
    expect(retrievalRank([op('a'), op('b')], ['b'], 5)).toBe(2);
    expect(retrievalRank([op('a'), op('b')], ['b'], 1)).toBe(0);
  });

  it('has exactly the contract keys, and says when no planner ran', async () => {
    const r = await runEval(items, { dataset: 'mini.jsonl', k: 5, retrieve });
    expect(Object.keys(r)).toEqual(['dataset', 'items', 'k', 'retrieval', 'plan', 'hallucinations', 'latency_ms', 'llm', 'results']);
    expect(Object.keys(r.retrieval)).toEqual(['items', 'recall_at_k', 'mrr']);
    expect(Object.keys(r.plan)).toEqual(['items', 'passed', 'accuracy', 'by_tag', 'wrong_writes']);
    expect(Object.keys(r.hallucinations)).toEqual(['operations', 'entities']);
    expect(Object.keys(r.latency_ms)).toEqual(['p50', 'p95']);
    expect(Object.keys(r.llm)).toEqual(['calls', 'items_without_calls', 'calls_p50', 'calls_max', 'tokens']);
    expect(Object.keys(r.results[0]!)).toEqual(['id', 'ok', 'outcome', 'why', 'wrong_write', 'llm_calls']);
    expect(r.plan).toEqual({ items: 3, passed: 0, accuracy: 0, by_tag: {}, wrong_writes: 0 });
    expect(r.llm).toEqual({ calls: 0, items_without_calls: 3, calls_p50: 0, calls_max: 0, tokens: { prompt: 0, completion: 0 } });
    expect(r.results.every((x) => x.why.startsWith('planner not available'))).toBe(true);
    expect(renderEvalReport(r)).toContain('not scored');
  });

  it('with a planner: outcome + writes per item, accuracy by tag, hallucinations', async () => {
    const plans: Record<string, PlanDocument> = {
      i1: plan('planned', [
        { operationId: 'folders.list_folders', method: 'GET', path: '/folders', pathParams: {}, query: {} },
        { operationId: 'folders.create', method: 'POST', path: '/folders', pathParams: {}, query: {}, body: { name: 'a' } },
        { operationId: 'folders.made_up', method: 'GET', path: '/x', pathParams: {}, query: {} },
      ]),
      i2: plan('planned', [{ operationId: 'session.destroy', method: 'DELETE', path: '/session/{session_name}', pathParams: { session_name: 'ghost' }, query: {} }]),
      i3: plan('refused'),
    };
    const r = await runEval(items, {
      dataset: 'mini.jsonl',
      k: 5,
      retrieve,
      plan: async (item) => plans[item.id]!,
      hasOperation: (id) => id !== 'folders.made_up',
    });
    expect(r.results.map((x) => [x.id, x.ok, x.outcome])).toEqual([
      ['i1', true, 'planned'],
      ['i2', false, 'planned'],
      ['i3', true, 'refused'],
    ]);
    expect(r.results[1]!.why).toContain('outcome planned, expected needs_clarification');
    expect(r.plan).toEqual({ items: 3, passed: 2, accuracy: 0.667, by_tag: { folder: 1, refuse: 1, session: 0 }, wrong_writes: 1 });
    expect(r.results.map((x) => x.wrong_write)).toEqual([false, true, false]); // a terminate planned where a question was due
    expect(r.hallucinations).toEqual({ operations: 1, entities: 1 }); // made_up op; the ghost session
    expect(r.latency_ms.p95).toBeGreaterThanOrEqual(r.latency_ms.p50);
  });

  it('wrong writes: a write no expected write accepts, on a failed item only', async () => {
    const ds = parseDataset(
      [
        line({ id: 'q', query: 'can I?', outcome: 'planned', writes: [] }),
        line({ id: 'a', query: 'make a', outcome: 'planned', writes: [{ operationId: 'folders.create', body: { name: 'a' } }, { operationId: 'folders.mkdir' }] }),
        line({ id: 'b', query: 'make b', outcome: 'planned', writes: [{ operationId: 'folders.create', body: { name: 'b' } }] }),
        line({ id: 'c', query: 'make c', outcome: 'planned', after: [{ operationId: 'folders.list_folders', expect: { $some: { name: 'c' } } }] }),
        line({ id: 'r', query: 'read only', outcome: 'planned', writes: [] }),
      ].join('\n'),
      'ww.jsonl',
    );
    const create = (name: string) => ({ operationId: 'folders.create', method: 'POST' as const, path: '/folders', pathParams: {}, query: {}, body: { name } });
    const plans: Record<string, PlanDocument> = {
      q: plan('planned', [create('x')]), // a question that creates: wrong
      a: plan('planned', [create('a')]), // a missing step only: failed, but not wrong
      b: plan('planned', [create('vLLM')]), // the wrong name: wrong
      c: plan('planned', [create('c')]), // after-only item, its check failed below: wrong
      r: plan('planned', [{ operationId: 'folders.list_folders', method: 'GET', path: '/folders', pathParams: {}, query: {} }]),
    };
    const r = await runEval(ds, {
      dataset: 'ww.jsonl',
      k: 5,
      retrieve: () => [],
      plan: async (item) => (item.id === 'c' ? { plan: plans.c!, after: { ok: false, why: 'after[0] folders.list_folders: response: no element matches' } } : plans[item.id]!),
    });
    expect(r.results.map((x) => [x.id, x.ok, x.wrong_write])).toEqual([
      ['q', false, true],
      ['a', false, false],
      ['b', false, true],
      ['c', false, true],
      ['r', true, false],
    ]);
    expect(r.plan.wrong_writes).toBe(3);
    expect(r.results[3]!.why).toContain('after[0]');
    expect(renderEvalReport(r)).toMatch(/wrong writes 3/);
  });

  it('after: an item without writes passes on its state checks alone; LLM calls are summed', async () => {
    const ds = parseDataset(line({ id: 'c', query: 'make c cloneable', outcome: 'planned', after: [{ operationId: 'folders.list_folders', expect: {} }] }), 'a.jsonl');
    expect(ds[0]!.writes).toBeUndefined();
    const doc = { ...plan('planned', []), search: { llmCalls: 2, tokens: { prompt: 100, completion: 20 } } } as unknown as PlanDocument;
    const ok = await runEval(ds, { dataset: 'a', k: 5, retrieve: () => [], plan: async () => ({ plan: doc, after: { ok: true, why: '' } }) });
    expect(ok.results[0]).toMatchObject({ ok: true, llm_calls: 2 });
    expect(ok.llm).toEqual({ calls: 2, items_without_calls: 0, calls_p50: 2, calls_max: 2, tokens: { prompt: 100, completion: 20 } });
    const notRun = await runEval(ds, { dataset: 'a', k: 5, retrieve: () => [], plan: async () => doc });
    expect(notRun.results[0]!.why).toContain('state checks did not run');
  });

  it('a planner that throws fails that item with the reason, not the run', async () => {
    const r = await runEval(items.slice(0, 1), { dataset: 'd', k: 5, retrieve, plan: async () => Promise.reject(new Error('boom\nstack')) });
    expect(r.results[0]).toMatchObject({ ok: false, outcome: null });
    expect(r.results[0]!.why).toBe('planning failed: boom');
  });

  it('entities grounded on the manager or created earlier in the plan are not hallucinations', () => {
    const steps = [
      { operationId: 'folders.create', method: 'POST', path: '/folders', pathParams: {}, query: {}, body: { name: 'exp-7' } },
      { operationId: 'session.create_from_params', method: 'POST', path: '/session', pathParams: {}, query: {}, body: { image: 'pytorch', config: { mounts: ['exp-7', 'datasets'] } } },
    ];
    const grounded = [
      { kind: 'folder', name: 'exp-7', source: 'plan' },
      { kind: 'folder', name: 'datasets', source: 'manager' },
      { kind: 'image', name: 'pytorch', source: 'manager' },
    ];
    expect(countUngroundedEntities({ steps, grounding: grounded } as never)).toBe(0);
    expect(countUngroundedEntities({ steps, grounding: grounded.slice(0, 2) } as never)).toBe(1);
  });
});

function capture(json: boolean) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  return { out: new Output({ json, stdout, stderr }), text: () => out, errors: () => err };
}

describe('the eval command', () => {
  it('prints the contract JSON for the dev set: retrieval and plans scored, progress on stderr', async () => {
    const c = capture(true);
    const code = await evalCommand({ globals: { json: true, spec: upstreamSpecPath() }, out: c.out }, devSetPath(), { k: '5' });
    expect(code).toBe(0);
    const report = JSON.parse(c.text());
    expect(report.dataset).toBe('dev.jsonl');
    expect(report.k).toBe(5);
    expect(report.retrieval.items).toBeGreaterThan(30);
    expect(report.plan.items).toBe(36);
    expect(report.plan.passed).toBeGreaterThanOrEqual(34);
    expect(report.hallucinations).toEqual({ operations: 0, entities: 0 });
    expect(c.errors()).toMatch(/\[36\/36\] dev-036 (ok|FAIL)/);
  });

  it('prints a human report, and rejects a bad --k', async () => {
    const c = capture(false);
    await evalCommand({ globals: { spec: upstreamSpecPath() }, out: c.out }, devSetPath(), { k: '3' });
    expect(c.text()).toMatch(/recall@3 \d\.\d{3}/);
    await expect(evalCommand({ globals: { spec: upstreamSpecPath() }, out: capture(false).out }, devSetPath(), { k: 'x' })).rejects.toThrow(/--k must be/);
  });
});

describe('retrieval targets on the dev set', () => {
  async function devScores(source: string) {
    const catalog = await loadCatalog({ source, cache: false });
    const index = buildOperationIndex(catalog, loadRetrievalDomain());
    const items = await loadDataset(devSetPath());
    return (await runEval(items, { dataset: 'dev.jsonl', k: 5, retrieve: (q) => index.search(q, { k: 5 }) })).retrieval;
  }

  it('full upstream spec: recall@5 ≥ 0.95', async () => {
    const r = await devScores(upstreamSpecPath());
    expect(r.recall_at_k).toBeGreaterThanOrEqual(0.95);
  });

  it.skipIf(!existsSync(bundledSpecPath()))('bundled curated spec: recall@5 ≥ 0.98 and MRR ≥ 0.85', async () => {
    const r = await devScores('bundled');
    expect(r.recall_at_k).toBeGreaterThanOrEqual(0.98);
    expect(r.mrr).toBeGreaterThanOrEqual(0.85);
  });
});
