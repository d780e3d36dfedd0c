/**
 * Compiled validators saved as code (src/spec/validator-cache.ts): saved once (as the build does
 * for the bundled spec), a second SpecValidator reading that directory loads every validator
 * instead of compiling, and answers exactly as the compiled ones do, for the curated spec and the
 * upstream one. A damaged file or another spec never gives a wrong answer. The code is read only
 * from the package's own build output — never from the user's cache directory.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { SpecValidator, precompiledValidatorsRoot } from '../../src/spec/validator.js';

import { upstreamSpecPath } from '../support/shared.js';

const root = mkdtempSync(join(tmpdir(), 'bai-validators-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let curated: Catalog;
beforeAll(async () => {
  curated = await loadCatalog({ source: 'bundled' });
});

const createSession = (c: Catalog) => c.operations.find((o) => o.operationId === 'session.create_from_params')!;

/** Bodies that pass and fail in different ways: what the planner and the sandbox see. */
const bodies: unknown[] = [
  { session_name: 'exp-1', image: 'pytorch', enqueue_only: true, config: { resources: { 'cuda.shares': 5 }, scaling_group: 'default' } },
  { session_name: 'exp-1', image: 'pytorch', config: { resources: { cpu: 2 }, mounts: 'datasets' } },
  { image: 'python' },
  { session_name: 'exp-1', image: 'pytorch', enqueue_onyl: true },
  'not an object',
  null,
];

/** Every body and parameter validator of the catalog, run on a few inputs: a fingerprint of the answers. */
function answers(v: SpecValidator, catalog: Catalog): string[] {
  const out: string[] = [];
  for (const op of catalog.operations) {
    for (const body of op.requestBody ? [{}, { name: 'x' }, { unknown_field: 1 }] : [undefined]) out.push(JSON.stringify(v.validateBody(op, body)));
    const pathParams = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, 'abc']));
    const query = Object.fromEntries(op.parameters.filter((p) => p.in === 'query').map((p) => [p.name, '12']));
    out.push(JSON.stringify(v.validateParams(op, pathParams, query)));
  }
  for (const body of bodies) out.push(JSON.stringify(v.validateBody(createSession(catalog), body)));
  return out;
}

describe('validators cached between processes', () => {
  it('a second validator loads every validator from the cache and answers the same', () => {
    const dir = join(root, 'curated');
    const first = new SpecValidator(curated, { precompiledRoot: null, saveRoot: dir });
    const compiled = answers(first, curated);
    expect(first.stats.compiled).toBeGreaterThan(50);
    expect(first.stats.fromCache).toBe(0);

    const second = new SpecValidator(curated, { precompiledRoot: dir });
    expect(answers(second, curated)).toEqual(compiled);
    expect(second.stats.compiled).toBe(0);
    expect(second.stats.fromCache).toBe(first.stats.compiled);

    // and the answers are real ones: a missing name and a typo are reported, a good body passes
    const op = createSession(curated);
    expect(second.validateBody(op, bodies[0]).ok).toBe(true);
    expect(second.validateBody(op, bodies[2]).problems).toContainEqual({ at: 'body', message: 'missing required field "session_name"' });
    expect(second.validateBody(op, bodies[3]).problems.map((p) => p.message)).toContain('unknown field "enqueue_onyl"');
  });

  it('the build ships the bundled spec\'s validators: a default validator compiles nothing', () => {
    expect(existsSync(join(precompiledValidatorsRoot(), 'validators')), 'run npm run build first').toBe(true);
    const v = new SpecValidator(curated);
    answers(v, curated);
    expect(v.stats.compiled).toBe(0);
    expect(v.stats.fromCache).toBeGreaterThan(50);
  });

  it('code in the user\'s cache directory is never run, whatever it holds', () => {
    const cache = join(root, 'user-cache');
    const old = process.env.BAI_AGENT_CACHE_DIR;
    process.env.BAI_AGENT_CACHE_DIR = cache;
    try {
      // a poisoned cache, as an older version (or a shared CI cache) would have laid it out
      const probe = new SpecValidator(curated, { precompiledRoot: null, saveRoot: cache });
      probe.validateBody(createSession(curated), bodies[0]);
      const specDir = join(cache, 'validators', readdirSync(join(cache, 'validators'))[0]!);
      for (const file of readdirSync(specDir)) writeFileSync(join(specDir, file), 'globalThis.__poisoned = true; module.exports = () => true;');
      mkdirSync(specDir, { recursive: true });
      const v = new SpecValidator(curated, { precompiledRoot: null });
      expect(v.validateBody(createSession(curated), bodies[2]).ok).toBe(false);
      const byDefault = new SpecValidator(curated);
      expect(byDefault.validateBody(createSession(curated), bodies[2]).ok).toBe(false);
      expect((globalThis as { __poisoned?: boolean }).__poisoned).toBeUndefined();
    } finally {
      if (old === undefined) delete process.env.BAI_AGENT_CACHE_DIR;
      else process.env.BAI_AGENT_CACHE_DIR = old;
    }
  });

  it('keeps saved validators private to the user', () => {
    const dir = join(root, 'curated', 'validators');
    const [specDir] = readdirSync(dir);
    expect(statSync(join(dir, specDir!)).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(join(dir, specDir!));
    expect(statSync(join(dir, specDir!, file!)).mode & 0o777).toBe(0o600);
  });

  it('a cache file that does not load as a validator is compiled again', () => {
    const dir = join(root, 'damaged');
    const op = createSession(curated);
    new SpecValidator(curated, { precompiledRoot: null, saveRoot: dir }).validateBody(op, bodies[0]);
    const specDir = join(dir, 'validators', readdirSync(join(dir, 'validators'))[0]!);
    for (const [i, file] of readdirSync(specDir).entries()) {
      // one file truncated, one valid JS that exports no function
      writeFileSync(join(specDir, file), i % 2 ? 'module.exports = 42;' : 'module.exports = function validate(data) { return tru');
    }
    const again = new SpecValidator(curated, { precompiledRoot: dir });
    expect(again.validateBody(op, bodies[2]).ok).toBe(false);
    expect(again.validateBody(op, bodies[0]).ok).toBe(true);
    expect(again.stats).toEqual({ compiled: 1, fromCache: 0 });
  });

  it('another spec does not read this one’s validators; the upstream spec round-trips too', async () => {
    const upstream = await loadCatalog({ source: upstreamSpecPath() });
    expect(upstream.sha256).not.toBe(curated.sha256);
    const dir = join(root, 'curated'); // already holds the curated spec's validators
    const first = new SpecValidator(upstream, { precompiledRoot: dir, saveRoot: dir });
    const compiled = answers(first, upstream);
    expect(first.stats.fromCache).toBe(0);
    const second = new SpecValidator(upstream, { precompiledRoot: dir });
    expect(answers(second, upstream)).toEqual(compiled);
    expect(second.stats.compiled).toBe(0);
  }, 120_000); // compiles every validator of the 729-operation upstream spec

  it('without a cache directory nothing is written and validation still works', () => {
    const v = new SpecValidator(curated, { precompiledRoot: null });
    expect(v.validateBody(createSession(curated), bodies[0]).ok).toBe(true);
    expect(v.stats).toEqual({ compiled: 1, fromCache: 0 });
  });
});
