/**
 * The parser's own corpus (test/fixtures/parse-cases*.jsonl): every case must pass. Each line:
 * {"text", "lang": "en"|"ko", "intents": [{kind, …expected slots, "_missing"?: [...]}]} or
 * {"text", "lang", "refusal": true}. Expected slots are partial: only the keys given are checked;
 * sizes may be written as strings ("4g") and are compared in bytes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import { parseBinarySize } from '../../src/units.js';
import { repoRoot } from '../support/shared.js';

interface Case {
  text: string;
  lang: 'en' | 'ko';
  intents?: Array<Record<string, unknown>>;
  refusal?: boolean;
}

const dir = join(repoRoot, 'test', 'fixtures');
const cases: Case[] = readdirSync(dir)
  .filter((f) => /^parse-cases.*\.jsonl$/.test(f))
  .flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('//'))
      .map((l) => JSON.parse(l) as Case),
  );

const SIZE_KEYS = new Set(['mem', 'shmem']);

/** Differences between the expected (partial) and actual values, as readable paths. */
function diff(expected: unknown, actual: unknown, path: string, out: string[]): void {
  if (typeof expected === 'string' && SIZE_KEYS.has(path.split('.').pop() ?? '')) {
    expected = parseBinarySize(expected);
  }
  if (expected === null || typeof expected !== 'object') {
    if (expected !== actual) out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
      return;
    }
    expected.forEach((e, i) => diff(e, actual[i], `${path}[${i}]`, out));
    return;
  }
  if (actual === null || typeof actual !== 'object') {
    out.push(`${path}: expected an object, got ${JSON.stringify(actual)}`);
    return;
  }
  for (const [k, v] of Object.entries(expected)) {
    if (v === '$absent') {
      if ((actual as Record<string, unknown>)[k] !== undefined) out.push(`${path}.${k}: expected absent, got ${JSON.stringify((actual as Record<string, unknown>)[k])}`);
      continue;
    }
    diff(v, (actual as Record<string, unknown>)[k], `${path}.${k}`, out);
  }
}

export function checkCase(c: Case): string[] {
  const r = parseRequest(c.text);
  const problems: string[] = [];
  if (c.refusal) {
    if (!r.refusal) problems.push(`expected a refusal, got ${JSON.stringify(r.intents.map((i) => i.intent.kind))}`);
    return problems;
  }
  if (r.refusal) problems.push(`unexpected refusal: ${r.refusal}`);
  const want = c.intents ?? [];
  if (r.intents.length !== want.length) {
    problems.push(`expected ${want.length} intent(s) ${JSON.stringify(want.map((w) => w.kind))}, got ${JSON.stringify(r.intents.map((i) => i.intent))}`);
    return problems;
  }
  want.forEach((w, i) => {
    const { _missing, ...slots } = w;
    const got = r.intents[i]!;
    diff(slots, got.intent, `intents[${i}]`, problems);
    const missing = (_missing as string[] | undefined) ?? [];
    diff(missing, got.missing, `intents[${i}].missing`, problems);
  });
  return problems;
}

describe('parser corpus', () => {
  it('has several hundred cases in English and Korean', () => {
    expect(cases.length).toBeGreaterThan(0);
    expect(cases.some((c) => c.lang === 'ko')).toBe(true);
  });

  it('passes every case (pass rate reported)', () => {
    const failures: string[] = [];
    const byLang: Record<string, { pass: number; total: number }> = { en: { pass: 0, total: 0 }, ko: { pass: 0, total: 0 } };
    for (const c of cases) {
      const problems = checkCase(c);
      const bucket = (byLang[c.lang] ??= { pass: 0, total: 0 });
      bucket.total++;
      if (problems.length === 0) bucket.pass++;
      else failures.push(`${c.text}\n    ${problems.join('\n    ')}`);
    }
    const pass = cases.length - failures.length;
    console.info(
      `parse corpus: ${pass}/${cases.length} (${((100 * pass) / cases.length).toFixed(1)}%); ` +
        Object.entries(byLang).map(([l, b]) => `${l} ${b.pass}/${b.total}`).join(', '),
    );
    expect(failures, failures.join('\n')).toEqual([]);
  });
});
