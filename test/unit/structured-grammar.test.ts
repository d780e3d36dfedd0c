/**
 * The structured grammar (src/planner/offline/grammar/structured): its corpus is its test, the
 * Duckling way. Each corpus line is {"text", "intents"?: [partial expected intents, with
 * "_missing" and "_rule"], "question"?: regex, "refusal"?: true, "calls"?: [exact resolved calls],
 * "callError"?: regex}. Every rule's own examples must be read by that rule, and every key and alias of the
 * vocabulary must be in the README.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import { API_RULES, COMMANDS, KEYS } from '../../src/planner/offline/grammar/structured/index.js';
import { tokenize, commands } from '../../src/planner/offline/grammar/structured/lexer.js';
import { unexpandedVariables } from '../../src/planner/offline/grammar/structured/variables.js';
import { resolveApiCall } from '../../src/planner/offline/api-call.js';
import type { ApiCallIntent } from '../../src/planner/offline/intents.js';
import type { Catalog } from '../../src/spec/types.js';
import { loadCatalog } from '../../src/spec/load.js';
import { parseBinarySize } from '../../src/units.js';
import { repoRoot } from '../support/shared.js';

interface Case {
  text: string;
  intents?: Array<Record<string, unknown>>;
  question?: string;
  calls?: Array<Record<string, unknown>>;
  callError?: string;
  refusal?: boolean;
  file: string;
}

const corpusDir = join(repoRoot, 'src', 'planner', 'offline', 'grammar', 'structured', 'corpus');
const files = readdirSync(corpusDir).filter((f) => f.endsWith('.jsonl'));
const cases: Case[] = files.flatMap((file) =>
  readFileSync(join(corpusDir, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('//'))
    .map((l) => ({ ...(JSON.parse(l) as Omit<Case, 'file'>), file })),
);

const SIZE_KEYS = new Set(['mem', 'shmem']);

/** Differences between an expected (partial) value and the actual one, as readable paths. */
function diff(expected: unknown, actual: unknown, path: string, out: string[]): void {
  if (typeof expected === 'string' && SIZE_KEYS.has(path.split('.').pop() ?? '')) expected = parseBinarySize(expected);
  if (expected === '$absent') {
    if (actual !== undefined) out.push(`${path}: expected absent, got ${JSON.stringify(actual)}`);
    return;
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
  for (const [k, v] of Object.entries(expected)) diff(v, (actual as Record<string, unknown>)[k], `${path}.${k}`, out);
}

let catalog: Catalog;
beforeAll(async () => {
  catalog = await loadCatalog({ cache: false });
});

function check(c: Case): string[] {
  const r = parseRequest(c.text);
  const problems: string[] = [];
  if (c.question) {
    if (!r.question) problems.push(`expected a question /${c.question}/, got ${JSON.stringify(r.intents.map((i) => i.intent))}`);
    else if (!new RegExp(c.question).test(r.question)) problems.push(`question ${JSON.stringify(r.question)} does not match /${c.question}/`);
    if (r.intents.length) problems.push('a question must come with no tasks');
    return problems;
  }
  if (r.question) return [`unexpected question: ${r.question}`];
  if (c.refusal) return r.refusal && r.intents.length === 0 ? [] : [`expected a refusal, got ${JSON.stringify(r.intents.map((i) => i.intent))}`];
  if (r.refusal) return [`unexpected refusal: ${r.refusal}`];
  if (c.intents) {
    if (r.intents.length !== c.intents.length) return [`expected ${c.intents.length} task(s), got ${JSON.stringify(r.intents.map((i) => i.intent))}`];
    c.intents.forEach((want, i) => {
      const { _missing, _rule, ...slots } = want;
      const got = r.intents[i]!;
      diff(slots, got.intent, `intents[${i}]`, problems);
      const missing = (_missing as string[] | undefined) ?? [];
      if (JSON.stringify([...got.missing].sort()) !== JSON.stringify([...missing].sort())) problems.push(`intents[${i}].missing: expected ${JSON.stringify(missing)}, got ${JSON.stringify(got.missing)}`);
      if (_rule !== undefined && got.rule !== _rule) problems.push(`intents[${i}] read by ${got.rule}, expected ${_rule}`);
    });
  }
  const apiIntents = r.intents.filter((p) => p.intent.kind === 'api.call').map((p) => p.intent as ApiCallIntent);
  if (c.calls) {
    if (apiIntents.length !== c.calls.length) return [...problems, `expected ${c.calls.length} API call(s), got ${apiIntents.length}`];
    c.calls.forEach((want, i) => {
      const got = resolveApiCall(apiIntents[i]!, catalog);
      if ('error' in got) problems.push(`call ${i}: ${got.error}`);
      else if (JSON.stringify(sorted(got)) !== JSON.stringify(sorted(want))) problems.push(`call ${i}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    });
  }
  if (c.callError) {
    const got = apiIntents[0] ? resolveApiCall(apiIntents[0], catalog) : undefined;
    if (!got || !('error' in got)) problems.push(`expected the call to fail with /${c.callError}/, got ${JSON.stringify(got)}`);
    else if (!new RegExp(c.callError).test(got.error)) problems.push(`call error ${JSON.stringify(got.error)} does not match /${c.callError}/`);
  }
  return problems;
}

/** JSON with object keys sorted, so two calls compare exactly whatever their key order. */
function sorted(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)]));
  return v;
}

describe('structured grammar corpus', () => {
  it('has at least 150 examples across its constructs', () => {
    expect(cases.length).toBeGreaterThanOrEqual(150);
    expect(files.sort()).toEqual(['api.jsonl', 'chains.jsonl', 'cli.jsonl', 'errors.jsonl', 'mixed.jsonl', 'pairs.jsonl', 'shell.jsonl']);
  });

  for (const file of files) {
    it(`passes every case of ${file}`, () => {
      const failures = cases.filter((c) => c.file === file).flatMap((c) => check(c).map((p) => `${c.text}\n    ${p}`));
      expect(failures, failures.join('\n')).toEqual([]);
    });
  }
});

describe('rules', () => {
  it('every command rule has a doc line and examples, and reads its own examples', () => {
    const failures: string[] = [];
    for (const rule of COMMANDS) {
      if (!rule.doc || rule.examples.length === 0) failures.push(`${rule.name}: no doc or examples`);
      for (const example of rule.examples) {
        const r = parseRequest(example);
        if (r.question || r.intents.length === 0 || !r.intents.every((p) => p.rule === rule.name)) {
          failures.push(`${rule.name}: "${example}" → ${r.question ?? JSON.stringify(r.intents.map((p) => p.rule))}`);
        }
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
  });

  it('every API rule reads its own examples', () => {
    for (const rule of API_RULES) {
      for (const example of rule.examples) expect(parseRequest(example).intents.map((p) => p.rule), example).toEqual([rule.name]);
    }
  });

  it('no two keys share a name or alias, and every key and alias is documented in the README', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Structured requests'));
    expect(section.length).toBeGreaterThan(100);
    const seen = new Set<string>();
    for (const k of KEYS) {
      for (const name of [k.key, ...k.aliases]) {
        expect(seen.has(name), `${name} twice`).toBe(false);
        seen.add(name);
        expect(section, `README lacks the key ${name}`).toContain(`\`${name}\``);
      }
      expect(k.doc.length).toBeGreaterThan(5);
    }
  });
});

describe('chains of commands and sentences', () => {
  it('keep what a sentence only asked about, or left unread, on the request', () => {
    const r = parseRequest('vfolder create exp1 && can I share it with bob@example.com?');
    expect(r.intents[0]!.intent).toMatchObject({ kind: 'folder.create', name: 'exp1' });
    expect(r.suggestions?.length).toBeGreaterThan(0);
  });
});

describe('lexer', () => {
  const kinds = (text: string): string[] => {
    const r = tokenize(text);
    if ('error' in r) return [r.error];
    return r.tokens.map((t) => `${t.kind}:${t.kind === 'pair' ? `${t.key}=${t.value}` : t.kind === 'flag' ? `${t.key}${t.inline ? `=${t.value}` : ''}` : t.value}`);
  };

  it('keeps quoted runs and bracketed values whole, and splits commands at && ; and newlines outside them', () => {
    expect(kinds('cmd="a && b; c" x=1')).toEqual(['pair:cmd=a && b; c', 'pair:x=1']);
    expect(kinds('emails=[a@b.io, c@d.io] y=2')).toEqual(['pair:emails=[a@b.io, c@d.io]', 'pair:y=2']);
    expect(kinds('a && b;c\nd')).toEqual(['word:a', 'sep:', 'word:b', 'sep:', 'word:c', 'sep:', 'word:d']);
    expect(commands((tokenize('a && && b') as { tokens: never[] }).tokens).length).toBe(2);
  });

  it('reads flags with and without values, and a trailing comma as a separator', () => {
    expect(kinds('--name=x -r --mem 4g')).toEqual(['flag:--name=x', 'flag:-r', 'flag:--mem', 'word:4g']);
    expect(kinds('image=pytorch, fgpu=2,')).toEqual(['pair:image=pytorch', 'pair:fgpu=2']);
    expect(kinds('-9 -- -')).toEqual(['flag:-9', 'word:--', 'word:-']);
  });

  it('reads "# …" after a blank as a comment to the end of the line, "#4411" as a word', () => {
    expect(kinds('a=1 # note x=2\nb=2 #4411')).toEqual(['pair:a=1', 'comment:note x=2', 'sep:', 'pair:b=2', 'word:#4411']);
  });

  it('reads " -- words" as a note to the end of the line, but not "--" before pairs or inside a word', () => {
    expect(kinds('GET /images -- which ones are new?')).toEqual(['word:GET', 'word:/images', 'comment:which ones are new?']);
    expect(kinds('run x -- a=1')).toEqual(['word:run', 'word:x', 'word:--', 'pair:a=1']);
    expect(kinds('a--b c')).toEqual(['word:a--b', 'word:c']);
  });

  it('reads ", then" as the end of a command, and "then" without a comma as a word', () => {
    expect(kinds('ls x, then ls y')).toEqual(['word:ls', 'word:x', 'sep:', 'word:ls', 'word:y']);
    expect(kinds('ls x then')).toEqual(['word:ls', 'word:x', 'word:then']);
  });

  it('reads parentheses around pairs as no part of a key or value', () => {
    expect(kinds('named x (cpu=2 mem=4g) please')).toEqual(['word:named', 'word:x', 'pair:cpu=2', 'pair:mem=4g', 'word:please']);
    expect(kinds('cmd=print(1)')).toEqual(['pair:cmd=print(1)']);
  });

  it("opens a single quote only at the start of a word or value (don't stays a word)", () => {
    expect(kinds("don't x='a b'")).toEqual(["word:don't", 'pair:x=a b']);
  });

  it('marks values written wholly in quotes, which stay strings', () => {
    const r = tokenize('a="3" b=3 c="x"y') as { tokens: Array<{ quoted: boolean }> };
    expect(r.tokens.map((t) => t.quoted)).toEqual([true, false, false]);
  });

  it('says where a quote or bracket is left open', () => {
    expect(kinds('cmd="python x.py')[0]).toMatch(/quote " opened at .*never closed/);
    expect(kinds('emails=[a@b.io')[0]).toMatch(/\[ opened at .*never closed/);
  });

  it('reads \\$ as a literal dollar sign', () => {
    expect(kinds('cmd="echo \\$HOME" x=\\$5')).toEqual(['pair:cmd=echo $HOME', 'pair:x=$5']);
  });
});

describe('unexpanded variables', () => {
  it('finds ${VAR}, $VAR and $(cmd), not \\$VAR, $5 or a lone $', () => {
    expect(unexpandedVariables('fgpu=${GPU_COUNT} name=$NAME-$(date +%s) x=\\$HOME cost $5 and $ 3')).toEqual(['${GPU_COUNT}', '$NAME', '$(date +%s)']);
    expect(unexpandedVariables('${}')).toEqual(['${}']);
  });

  it('makes any request a question, in a sentence too', () => {
    for (const text of ['create a session with ${GPU_COUNT} fGPU', 'delete the folder $FOLDER', '세션 만들어줘 fgpu=${N}']) {
      const r = parseRequest(text);
      expect(r.intents, text).toEqual([]);
      expect(r.question, text).toMatch(/not expanded/);
    }
  });
});
