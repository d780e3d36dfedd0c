/**
 * Property-based fuzzing (fast-check) of everything that reads outside input: the request parser,
 * the plan-file loader, the policy loader and the spec loader. Thousands of generated inputs —
 * random bytes, random JSON, structure-aware documents and mutations of real ones. Each input must
 * give a result or a clear error (a BaiError of the expected kind, a bounded message, no stack),
 * never a crash, and within a time bound (no hang). Inputs a loader accepts are also pushed one
 * step further (policy evaluation, schema validation, plan re-validation and execution against a
 * fake manager), because a loader that accepts what the next stage chokes on is a crash later.
 *
 * Figures (cases, crashes, slowest case) are printed for the issue note.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executePlan, type ExecClient } from '../../src/agent/execute.js';
import { revalidatePlan } from '../../src/agent/revalidate.js';
import { parsePlanDocument, readPlanFile } from '../../src/cli/commands/run.js';
import { BaiError } from '../../src/errors.js';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { parsePolicy } from '../../src/policy/load.js';
import { catalogFromText } from '../../src/spec/load.js';
import { SpecValidator } from '../../src/spec/validator.js';
import { repoRoot } from '../support/shared.js';
import { readFileSync } from 'node:fs';
import { createAndDestroyPlan, loadShared } from './harness.js';

/** A single input taking longer than this counts as a hang (generous: the machine may be busy). */
const SLOW_MS = 5_000;
const SCALE = Number(process.env.BAI_FUZZ_SCALE ?? 1);
const runs = (n: number) => Math.max(10, Math.round(n * SCALE));
// a failure prints its seed; BAI_FUZZ_SEED=<seed> replays it
if (process.env.BAI_FUZZ_SEED) fc.configureGlobal({ seed: Number(process.env.BAI_FUZZ_SEED) });

const figures = { cases: 0, crashes: 0, clearErrors: 0, accepted: 0, slowestMs: 0, byTarget: {} as Record<string, number>, acceptedBy: {} as Record<string, number> };

function accepted(target: string): void {
  figures.accepted++;
  figures.acceptedBy[target] = (figures.acceptedBy[target] ?? 0) + 1;
}

/** A clear error: ours, of an expected kind, every line bounded, no stack frames. */
function assertClear(err: unknown, kinds: string[], what: string): void {
  if (!(err instanceof BaiError) || !kinds.includes(err.kind)) {
    figures.crashes++;
    throw new Error(`${what}: crashed with ${(err as Error)?.constructor?.name}: ${(err as Error)?.stack ?? String(err)}`);
  }
  const lines = err.message.split('\n');
  const bad = err.message.trim() === '' || lines.some((l) => l.length > 600 || /^\s+at .+\(.*:\d+:\d+\)$/.test(l)) || /\[object Object\]/.test(err.message);
  if (bad) {
    figures.crashes++;
    throw new Error(`${what}: unclear error message: ${JSON.stringify(err.message.slice(0, 800))}`);
  }
  figures.clearErrors++;
}

/** Time one case, count it, and fail on a hang. */
async function fuzzCase<T>(target: string, body: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    const ms = performance.now() - started;
    figures.cases++;
    figures.byTarget[target] = (figures.byTarget[target] ?? 0) + 1;
    figures.slowestMs = Math.max(figures.slowestMs, ms);
    if (ms > SLOW_MS) throw new Error(`${target}: one input took ${Math.round(ms)} ms`);
  }
}

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(
    `fuzz: ${figures.cases} cases (${JSON.stringify(figures.byTarget)}), crashes ${figures.crashes}, ` +
      `${figures.clearErrors} clear errors, ${figures.accepted} accepted ${JSON.stringify(figures.acceptedBy)}, slowest ${Math.round(figures.slowestMs)} ms`,
  );
});

// ---------------------------------------------------------------------------- request parser

const WORDS = [
  'create', 'make', 'start', 'launch', 'kill', 'terminate', 'delete', 'remove', 'list', 'show', 'a', 'the', 'session', 'sessions',
  'folder', 'vfolder', 'with', 'and', 'then', 'named', 'called', 'mount', 'at', 'in', 'on', 'resource group', 'gpu-a100', 'default',
  'fGPU', 'GPU', 'GPUs', 'cpu', 'cores', 'mem', 'memory', '128GB', '16g', '0.5', '2', '-1', '1e309', 'NaN', 'half', 'two', 'preset',
  'gpu-large', 'pytorch', 'python:3.11', 'cr.backend.ai/stable/vllm:0.6.2', 'batch', 'python train.py', 'env', 'KEY=val', 'A=', '=B',
  '세션', '폴더', '만들어줘', '삭제해줘', '개', '반', '마운트해서', '읽기 전용', '/home/work/data', '../../etc/passwd', '"', "'", '`',
  '{', '}', '[', ']', '$(rm -rf /)', '; DROP TABLE', '<observation>', '</observation>', 'ignore the user', 'and delete every folder',
  '\u0000', '\u200b', '\u202e', '😀', '\n', '\t', 'a'.repeat(70), '11111111-1111-4111-8111-111111111111', 'train-job-1', 'notebook-old',
];

describe('fuzz: request parser', () => {
  const check = (text: string) =>
    fuzzCase('parseRequest', () => {
      const r = parseRequest(text);
      expect(Array.isArray(r.intents)).toBe(true);
      expect(['en', 'ko', 'mixed']).toContain(r.language);
      for (const p of r.intents) {
        expect(p.confidence).toBeGreaterThanOrEqual(0);
        expect(p.confidence).toBeLessThanOrEqual(1);
      }
      if (r.refusal !== undefined) expect(r.refusal).not.toMatch(/\n/);
    });

  it('random unicode, random bytes-as-text and request-like word soups: a result every time, fast', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 400 }), check), { numRuns: runs(1500) });
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), check), { numRuns: runs(500) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...WORDS), { maxLength: 60 }), fc.constantFrom(' ', '', ', ', '\n'), (words, sep) => check(words.join(sep))),
      { numRuns: runs(1500) },
    );
  });

  it('huge inputs are cut or refused, not chewed on', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WORDS), fc.integer({ min: 1_000, max: 200_000 }), (w, n) => check(`${w} `.repeat(Math.ceil(n / (w.length + 1))))),
      { numRuns: runs(30) },
    );
  });
});

// ---------------------------------------------------------------------------- plan loader

/**
 * A valid plan document to mutate: two writes with a reference between them (create a session,
 * terminate it by the id the create returns), stamped with the bundled spec's sha256 so apply's
 * re-validation goes past the first check.
 */
let validPlan: PlanDocument;
let tmp: string;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'bai-fuzz-'));
  const { catalog } = await loadShared();
  validPlan = parsePlanDocument(createAndDestroyPlan('fz-session', { sha256: catalog.sha256 }), 'the fuzz seed plan');
  expect(validPlan.steps.map((s) => s.operationId)).toEqual(['session.create_from_params', 'session.destroy']);
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into a JSON value (for mutations). */
function pathsOf(v: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => pathsOf(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsOf(x, [...at, k], out);
  return out;
}

type Mutation = { pick: number; kind: 'delete' | 'replace' | 'wrap' | 'duplicate-key'; value: Json };

function mutate(doc: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(doc) as Json;
  let root: Json = copy;
  for (const m of mutations) {
    const paths = pathsOf(root);
    const path = paths[m.pick % paths.length]!;
    // a copy each time: fast-check hands out shared constants, and inserting one inside itself makes a cycle
    const value = structuredClone(m.value);
    if (path.length === 0) {
      root = m.kind === 'wrap' ? [root] : value;
      continue;
    }
    const parent = path.slice(0, -1).reduce<Json>((n, k) => (n as Record<string | number, Json>)[k]!, root) as Record<string | number, Json>;
    const key = path[path.length - 1]!;
    if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.kind === 'wrap') parent[key] = { nested: parent[key]! };
    else if (m.kind === 'duplicate-key' && !Array.isArray(parent)) parent[`${String(key)}_`] = parent[key]!;
    else parent[key] = value;
  }
  return root;
}

const mutationArb = fc.record({
  pick: fc.nat(),
  kind: fc.constantFrom<Mutation['kind']>('delete', 'replace', 'replace', 'wrap', 'duplicate-key'),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
    fc.constantFrom<Json>('', 'write', 'read', 'deny', 'allow', 's0', 's99', '/session', 'DELETE', -1, 1e308, { $from: 's9', path: 'x' }, { $from: 's1', path: '' }),
  ),
});

/** A fake manager for executing accepted plans: answers everything, or refuses everything. */
function fakeClient(mode: 'ok' | 'fail'): ExecClient {
  return {
    call: async <T,>() => {
      if (mode === 'fail') throw new BaiError('fake manager: 404 object-not-found', 'api');
      return { status: 200, data: { sessionId: '00000000-0000-4000-8000-000000000001', status: 'RUNNING', id: 'f1', items: [] } as T };
    },
  };
}

describe('fuzz: plan-file loader', () => {
  const loadThenUse = async (raw: unknown, mode: 'ok' | 'fail') => {
    let plan: PlanDocument;
    try {
      plan = parsePlanDocument(raw, 'plan file fuzz.json');
    } catch (err) {
      assertClear(err, ['bad_input'], 'parsePlanDocument');
      return;
    }
    accepted('plan loader');
    // what apply does next: re-validate against the spec, policy and manager, then execute
    const { catalog } = await loadShared();
    const api = fakeClient(mode);
    try {
      const checked = await revalidatePlan(plan, {
        catalog,
        api,
        policy: { name: 'fuzz', gate: (s) => ({ verdict: s.effect === 'read' ? 'allow' : 'confirm', reason: 'fuzz' }) },
        endpoint: plan.endpoint,
      });
      const report = await executePlan({ plan: checked.plan, accepted: checked.accepted, catalog, client: api, pollIntervalMs: 1, waitTimeoutSeconds: 0.05, recoveryAttempts: 1, recoveryDelayMs: 0 });
      expect(typeof report.ok).toBe('boolean');
      if (!report.ok) expect(report.error).toBeTruthy();
    } catch (err) {
      assertClear(err, ['bad_input', 'refused', 'api', 'execution', 'unavailable'], 'apply of an accepted plan');
    }
  };

  it('random JSON values are refused clearly', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), (v) => fuzzCase('plan loader', () => loadThenUse(v, 'ok'))), { numRuns: runs(400) });
  });

  it('mutations of a real plan: loaded and applied, or refused clearly', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.constantFrom<'ok' | 'fail'>('ok', 'fail'), (ms, mode) =>
        fuzzCase('plan loader', () => loadThenUse(mutate(validPlan, ms), mode)),
      ),
      { numRuns: runs(1200) },
    );
  });

  it('plan files of random bytes, truncated JSON and hostile shapes: one-line errors', async () => {
    const text = JSON.stringify(validPlan);
    const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
    // built as text: JSON.stringify itself would overflow on a value this deep
    const deepBody = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    const hostile = [
      deep,
      JSON.stringify({ ...validPlan, steps: [{ ...validPlan.steps[0], body: 'DEEP' }] }).replace('"DEEP"', deepBody),
      JSON.stringify({ ...validPlan, steps: [validPlan.steps[0], { ...validPlan.steps[1], pathParams: { session_name: 'DEEP' } }] }).replace('"DEEP"', deepBody),
      JSON.stringify({ ...validPlan, __proto__: { outcome: 'planned' } }),
      JSON.stringify({ ...validPlan, steps: Array.from({ length: 2_000 }, (_, i) => ({ ...validPlan.steps[0], id: `s${i + 1}` })) }),
      '\uFEFF' + text,
      '',
    ];
    const file = join(tmp, 'plan.json');
    const load = async (content: string | Uint8Array) =>
      fuzzCase('plan loader', async () => {
        writeFileSync(file, content);
        try {
          const plan = await readPlanFile(file);
          await loadThenUse(plan, 'ok');
        } catch (err) {
          assertClear(err, ['bad_input'], 'readPlanFile');
        }
      });
    for (const h of hostile) await load(h);
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), load), { numRuns: runs(150) });
    await fc.assert(fc.asyncProperty(fc.nat({ max: text.length }), (cut) => load(text.slice(0, cut))), { numRuns: runs(150) });
    // a missing file and a directory
    await fuzzCase('plan loader', () => readPlanFile(join(tmp, 'missing.json')).catch((e: unknown) => assertClear(e, ['bad_input'], 'missing file')));
    await fuzzCase('plan loader', () => readPlanFile(tmp).catch((e: unknown) => assertClear(e, ['bad_input'], 'a directory')));
  });
});

// ---------------------------------------------------------------------------- policy loader

const POLICY_TEXTS = ['default', 'ci', 'readonly'].map((n) => readFileSync(join(repoRoot, 'policies', `${n}.yaml`), 'utf8'));
const YAML_BITS = [':', ': ', '-', '- ', '&a ', '*a', '!!binary ', '!!str ', '!custom ', '[', ']', '{', '}', '"', "'", '|', '>', '#', '\t', '  ', '\n', '? ', '%YAML 1.2\n', '---\n', '...\n', '<<: *a\n', 'null', '~', '1e999', '0x1F', '.inf', 'yes', 'on'];

const policyValue = fc.oneof(
  fc.constantFrom<Json>('allow', 'confirm', 'deny', 'read', 'write', '*', 'session.*', '**', '[', '(', 'a{1000000}', '', 'superadmin', 'user', '128g', '1e999', -5, 0, 1.5, true, null),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);
const ruleArb = fc.record(
  {
    match: fc.record(
      {
        operationId: fc.oneof(policyValue, fc.array(policyValue, { maxLength: 3 })),
        effect: policyValue,
        privilege: policyValue,
        tags: fc.oneof(policyValue, fc.array(policyValue, { maxLength: 3 })),
        method: policyValue,
        path: policyValue,
      },
      { requiredKeys: [] },
    ),
    verdict: policyValue,
    allowAdmin: policyValue,
    reason: policyValue,
  },
  { requiredKeys: [] },
);
const policyArb = fc.record(
  {
    name: policyValue,
    description: policyValue,
    defaults: fc.oneof(fc.record({ read: policyValue, write: policyValue }, { requiredKeys: [] }), policyValue),
    rules: fc.oneof(fc.array(ruleArb, { maxLength: 4 }), policyValue),
    caps: fc.oneof(
      fc.record(
        { resources: fc.dictionary(fc.constantFrom('cpu', 'mem', 'cuda.shares', 'cuda.device', 'x'), policyValue, { maxKeys: 3 }), clusterSize: policyValue, sessionsPerRun: policyValue, callsPerRun: policyValue },
        { requiredKeys: [] },
      ),
      policyValue,
    ),
    extra: policyValue,
  },
  { requiredKeys: [] },
);

describe('fuzz: policy loader', () => {
  const steps = [
    { operationId: 'session.create_from_params', method: 'POST', path: '/session', tags: ['session'], effect: 'write' as const, privilege: 'user' as const, pathParams: {}, query: {}, body: { session_name: 'x', image: 'python', config: { resources: { 'cuda.shares': 4, mem: '128g' } }, cluster_size: 2 } },
    { operationId: 'folders.list_folders', method: 'GET', path: '/folders', tags: ['folders'], effect: 'read' as const, privilege: 'user' as const, pathParams: {}, query: {}, body: undefined },
    { operationId: 'admin/images.rescan', method: 'POST', path: '/x', tags: [], effect: 'write' as const, privilege: 'superadmin' as const, pathParams: {}, query: {}, body: null },
  ];
  const check = (text: string | Uint8Array, allowAdmin = false) =>
    fuzzCase('policy loader', async () => {
      let loaded;
      try {
        loaded = await parsePolicy(typeof text === 'string' ? text : Buffer.from(text), 'fuzz.yaml', { allowAdmin });
      } catch (err) {
        assertClear(err, ['bad_input'], 'parsePolicy');
        return;
      }
      accepted('policy loader');
      // an accepted policy must evaluate: globs, caps and per-run counters included
      for (const d of loaded.evaluatePlan(steps)) expect(['allow', 'confirm', 'deny']).toContain(d.verdict);
    });

  it('the shipped policies still load (the fuzzer starts from valid documents)', async () => {
    for (const t of POLICY_TEXTS) await check(t);
    expect(figures.acceptedBy['policy loader']).toBe(POLICY_TEXTS.length);
  });

  it('mutations of the shipped policies: loaded and evaluated, or refused with line:col problems', async () => {
    const edit = fc.record({ at: fc.nat(), kind: fc.constantFrom('insert', 'delete', 'replace', 'dropLine', 'dupLine'), bit: fc.constantFrom(...YAML_BITS), len: fc.integer({ min: 1, max: 8 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POLICY_TEXTS), fc.array(edit, { minLength: 1, maxLength: 5 }), fc.boolean(), (base, edits, allowAdmin) => {
        let t = base;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          if (e.kind === 'insert') t = t.slice(0, at) + e.bit + t.slice(at);
          else if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.len);
          else if (e.kind === 'replace') t = t.slice(0, at) + e.bit + t.slice(at + e.len);
          else {
            const lines = t.split('\n');
            const i = e.at % lines.length;
            if (e.kind === 'dropLine') lines.splice(i, 1);
            else lines.splice(i, 0, lines[i]!);
            t = lines.join('\n');
          }
        }
        return check(t, allowAdmin);
      }),
      { numRuns: runs(900) },
    );
  });

  it('generated policy-shaped documents and random bytes', async () => {
    await fc.assert(fc.asyncProperty(policyArb, (p) => check(toYaml(p))), { numRuns: runs(700) });
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), (b) => check(b)), { numRuns: runs(150) });
  });

  it('YAML resource-exhaustion documents are refused, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    bomb.push('name: bomb');
    await check(bomb.join('\n'));
    await check('name: &x\n  - *x\n');
    await check(`name: x\ndefaults: {read: allow, write: deny}\nrules:\n${'  - match: {operationId: "*"}\n    verdict: deny\n    reason: r\n'.repeat(2_000)}`);
  });
});

// ---------------------------------------------------------------------------- spec loader

const opArb = fc.record(
  {
    operationId: fc.oneof(fc.constantFrom('a.b', 'x', '', 'dup', 'session.create_from_params'), fc.string({ maxLength: 12 }), fc.constant(undefined as unknown as string)),
    summary: fc.oneof(fc.string({ maxLength: 30 }), fc.integer()),
    description: fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom('**Preconditions:**\n* Superadmin privilege required.\n* Manager status required: RUNNING', 'User privilege required.')),
    tags: fc.oneof(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), fc.string()),
    parameters: fc.oneof(
      fc.array(
        fc.record(
          {
            name: fc.oneof(fc.constantFrom('id', 'session_name', ''), fc.string({ maxLength: 8 })),
            in: fc.constantFrom('path', 'query', 'header', 'cookie', 'body', 42),
            required: fc.oneof(fc.boolean(), fc.constant('yes')),
            schema: fc.oneof(fc.constantFrom({ type: 'string' }, { type: 'integer', minimum: 0 }, { $ref: '#/components/schemas/A' }, { $ref: '#/nope' }, { type: 'wat' }, {}), fc.jsonValue({ maxDepth: 2 })),
            $ref: fc.constantFrom('#/components/parameters/P', '#/components/parameters/missing', 'http://x/y'),
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    requestBody: fc.oneof(
      fc.record({ required: fc.boolean(), content: fc.record({ 'application/json': fc.record({ schema: fc.oneof(fc.constantFrom({ $ref: '#/components/schemas/A' }, { $ref: '#/components/schemas/Loop' }, { type: 'object', properties: { a: { type: 'string', pattern: '(' } } }, { type: 'object', additionalProperties: { $ref: '#/components/schemas/B' } }), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      fc.constantFrom({ $ref: '#/components/requestBodies/R' }, null, 'body'),
    ),
    'x-bai-effect': fc.constantFrom('read', 'write', 'both', undefined),
    'x-bai-examples': fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 2 }), fc.string()),
    deprecated: fc.boolean(),
  },
  { requiredKeys: [] },
);
const specArb = fc.record(
  {
    openapi: fc.constantFrom('3.1.0', '3.0.3', 3.1, '2.0', '', 3),
    swagger: fc.constantFrom('2.0', undefined),
    info: fc.oneof(fc.record({ title: fc.string({ maxLength: 10 }), version: fc.oneof(fc.string({ maxLength: 5 }), fc.double()) }, { requiredKeys: [] }), fc.string()),
    paths: fc.oneof(
      fc.dictionary(
        fc.oneof(fc.constantFrom('/session', '/session/{session_name}', '/folders/{name}/files', '/a/{b}/{c}', 'nope', '/', '/x/{}'), fc.string({ maxLength: 12 }).map((s) => `/${s}`)),
        fc.oneof(fc.dictionary(fc.constantFrom('get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace', 'parameters', 'x-foo'), opArb, { maxKeys: 3 }), fc.jsonValue({ maxDepth: 1 })),
        { maxKeys: 5 },
      ),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    components: fc.record(
      {
        schemas: fc.constantFrom(
          { A: { type: 'object', properties: { a: { $ref: '#/components/schemas/B' } } }, B: { type: 'string' }, Loop: { type: 'object', properties: { next: { $ref: '#/components/schemas/Loop' } } } },
          { A: { $ref: '#/components/schemas/A' } },
          { A: 'not a schema', B: null },
          {},
        ),
        parameters: fc.constantFrom({ P: { name: 'p', in: 'query', schema: { type: 'string' } } }, { P: { $ref: '#/components/parameters/P' } }, {}),
        requestBodies: fc.constantFrom({ R: { content: { 'application/json': { schema: { type: 'object' } } } } }, { R: { $ref: '#/components/requestBodies/R' } }, {}),
      },
      { requiredKeys: [] },
    ),
    security: fc.constantFrom([{ TokenAuth: [] }], [], 'x', undefined),
  },
  { requiredKeys: [] },
);

/** Mostly valid documents (right version, "/" paths, unique operationIds) with random insides, so the accept path is exercised too. */
const validishSpecArb = fc
  .record({
    ops: fc.array(
      fc.record({
        path: fc.constantFrom('/session', '/session/{session_name}', '/folders/{name}/files', '/a/{b}/{c}', '/x', '/y/{id}'),
        method: fc.constantFrom('get', 'post', 'put', 'patch', 'delete'),
        op: opArb,
      }),
      { minLength: 1, maxLength: 6 },
    ),
    components: specArb.map((d) => d.components),
  })
  .map(({ ops, components }) => {
    const paths: Record<string, Record<string, unknown>> = {};
    ops.forEach(({ path, method, op }, i) => {
      // parameters keep their random schemas but get a name and a location, or the loader stops at them
      const parameters = Array.isArray(op.parameters)
        ? (op.parameters as unknown[]).map((p, j) =>
            p && typeof p === 'object' && !Array.isArray(p)
              ? { ...p, name: (p as { name?: unknown }).name || `p${j}`, in: typeof (p as { in?: unknown }).in === 'string' ? (p as { in: string }).in : 'query', $ref: undefined }
              : p,
          )
        : op.parameters;
      (paths[path] ??= {})[method] = { ...op, parameters, operationId: `op${i}` };
    });
    return { openapi: '3.1.0', info: { title: 'fuzz', version: '1' }, paths, components };
  });

describe('fuzz: spec loader', () => {
  const load = (text: string) =>
    fuzzCase('spec loader', async () => {
      let catalog;
      try {
        catalog = await catalogFromText(text, { kind: 'file', location: 'fuzz-spec.json' }, false);
      } catch (err) {
        if (process.env.BAI_FUZZ_DEBUG) console.log('REJ', (err as Error).message.slice(0, 160));
        assertClear(err, ['bad_input'], 'catalogFromText');
        return;
      }
      accepted('spec loader');
      // an accepted spec must be usable: every operation's arguments validate without throwing
      const validator = new SpecValidator(catalog);
      for (const op of catalog.operations) {
        const params = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, 'x']));
        expect(typeof validator.validateParams(op, params, { q: 1 }).ok).toBe('boolean');
        expect(typeof validator.validateBody(op, { a: 'x', next: { next: {} } }).ok).toBe('boolean');
      }
    });

  it('generated OpenAPI-shaped documents, as JSON and as YAML', async () => {
    await fc.assert(fc.asyncProperty(specArb, fc.boolean(), (doc, yaml) => load(yaml ? toYaml(doc) : JSON.stringify(doc))), { numRuns: runs(500) });
    await fc.assert(fc.asyncProperty(validishSpecArb, fc.boolean(), (doc, yaml) => load(yaml ? toYaml(doc) : JSON.stringify(doc))), { numRuns: runs(600) });
  });

  it('random JSON, random text and YAML fragments', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), (v) => load(JSON.stringify(v) ?? 'null')), { numRuns: runs(300) });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.constantFrom(...YAML_BITS, 'openapi: 3.1.0\n', 'paths:\n', '  /x:\n', '    get:\n', '      operationId: x\n'), fc.string({ maxLength: 10 })), { maxLength: 30 }), (bits) => load(bits.join(''))),
      { numRuns: runs(500) },
    );
  });

  it('hostile documents: alias bombs, deep nesting, huge strings', async () => {
    const bomb = ['openapi: 3.1.0', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    bomb.push('paths: {}');
    await load(bomb.join('\n'));
    const deepSchema = `${'{"type":"object","properties":{"a":'.repeat(20_000)}{"type":"string"}${'}}'.repeat(20_000)}`;
    await load(JSON.stringify({ openapi: '3.1.0', paths: { '/x': { post: { operationId: 'x', requestBody: { content: { 'application/json': { schema: 'DEEP' } } } } } } }).replace('"DEEP"', deepSchema));
    await load(`openapi: 3.1.0\npaths:\n  /x:\n    get:\n      operationId: x\n      x-deep: ${'['.repeat(5_000)}${']'.repeat(5_000)}\n`);
    await load(JSON.stringify({ openapi: '3.1.0', paths: { '/x': { get: { operationId: 'x'.repeat(1_000_000) } } } }));
    await load(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
  });
});
