/**
 * Finding, parsing and validating a policy file. Problems are reported like a compiler does —
 * `policies/x.yaml:12:5: rules[2].verdict: must be one of allow, confirm, deny (got "alow")` —
 * one line per problem, every problem at once, so a typo never turns into an ignored rule.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { z } from 'zod';
import { BaiError } from '../errors.js';
import { bundledPoliciesDir } from '../paths.js';
import { loadYaml } from '../spec/yaml.js';
import type { PolicyDecision } from '../planner/plan.js';
import { evaluatePlan, evaluateStep, NO_RUN, globToRegExp, type RunCounters, type StepFacts } from './evaluate.js';
import { KNOWN_KEYS, Policy, slotQuantity, isBytesSlot } from './schema.js';

export const DEFAULT_POLICY = 'default';

export interface PolicyProblem {
  line: number;
  col: number;
  /** `rules[2].verdict`; empty for the document as a whole. */
  path: string;
  message: string;
}

/** A policy file that cannot be used: every problem with its line and column. */
export class PolicyError extends BaiError {
  override name = 'PolicyError';
  constructor(
    readonly source: string,
    readonly problems: PolicyProblem[],
  ) {
    super(formatProblems(source, problems), 'bad_input');
  }
}

/** Problems shown for one file: the first few say where to look; the rest is noise after a syntax error. */
const MAX_PROBLEMS_SHOWN = 5;
/** A YAML parser message can quote a whole token (pages of text after a stray character). */
const MAX_MESSAGE_CHARS = 200;

export function formatProblem(source: string, p: PolicyProblem): string {
  const message = p.message.replace(/\s+/g, ' ');
  const short = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS - 1)}…` : message;
  return `${source}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${short}`;
}

function formatProblems(source: string, problems: PolicyProblem[]): string {
  const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => formatProblem(source, p));
  if (problems.length > MAX_PROBLEMS_SHOWN) shown.push(`${source}: … and ${problems.length - MAX_PROBLEMS_SHOWN} more problems`);
  return shown.join('\n');
}

export interface LoadedPolicy {
  name: string;
  /** Where it came from: `policies/ci.yaml` for a bundled one, else the path as given. */
  source: string;
  /** sha256 (hex) of the file's bytes; plans record it. */
  sha256: string;
  /** The effective policy (`allowAdmin` verdicts already applied when the flag was given). */
  policy: Policy;
  allowAdmin: boolean;
  evaluate(step: StepFacts, run?: RunCounters): PolicyDecision;
  evaluatePlan(steps: StepFacts[]): PolicyDecision[];
}

export interface LoadPolicyOptions {
  /** `--allow-admin`: rules with an `allowAdmin` verdict use it instead of their `verdict`. */
  allowAdmin?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Bundled policy names (`default`, `ci`, `readonly`, …), from the package's policies/ folder. */
export async function bundledPolicyNames(): Promise<string[]> {
  try {
    const files = await readdir(bundledPoliciesDir());
    return files.filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -'.yaml'.length)).sort();
  } catch {
    return [];
  }
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.ya?ml$/i.test(s) || isAbsolute(s);
}

/**
 * `undefined` → `$BAI_AGENT_POLICY` → `default`; a bare name → the bundled `policies/<name>.yaml`;
 * anything that looks like a path (has a slash or a .yaml/.yml ending) → that file.
 */
export async function loadPolicy(nameOrPath: string | undefined, opts: LoadPolicyOptions = {}): Promise<LoadedPolicy> {
  const env = opts.env ?? process.env;
  const chosen = nameOrPath?.trim() || env.BAI_AGENT_POLICY?.trim() || DEFAULT_POLICY;

  let file: string;
  let source: string;
  if (looksLikePath(chosen)) {
    file = chosen;
    source = chosen;
  } else {
    const names = await bundledPolicyNames();
    if (!names.includes(chosen)) {
      throw new BaiError(
        `unknown policy "${chosen}": bundled policies are ${names.join(', ') || '(none found)'}; or give a YAML file path`,
        'bad_input',
      );
    }
    file = join(bundledPoliciesDir(), `${chosen}.yaml`);
    source = `policies/${chosen}.yaml`;
  }

  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'not readable (permission denied)' : `cannot be read (${code ?? 'error'})`;
    const names = await bundledPolicyNames();
    throw new BaiError(`policy file ${source} ${why} (bundled policies: ${names.join(', ')})`, 'bad_input');
  }
  return parsePolicy(bytes, source, opts);
}

/** Parse and validate policy text; throws PolicyError listing every problem. */
export async function parsePolicy(bytes: Buffer | string, source: string, opts: { allowAdmin?: boolean } = {}): Promise<LoadedPolicy> {
  const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const sha256 = createHash('sha256').update(buffer).digest('hex');
  const text = decodeText(buffer, source);
  const policy = await validatePolicyText(text, source);
  const allowAdmin = Boolean(opts.allowAdmin);
  const effective = allowAdmin ? applyAllowAdmin(policy) : policy;
  return {
    name: effective.name,
    source,
    sha256,
    policy: effective,
    allowAdmin,
    evaluate: (step, run = NO_RUN) => evaluateStep(effective, step, run),
    evaluatePlan: (steps) => evaluatePlan(effective, steps),
  };
}

/** `--allow-admin`: each rule with an `allowAdmin` verdict uses it, and says so in its reason. */
export function applyAllowAdmin(policy: Policy): Policy {
  return {
    ...policy,
    rules: policy.rules.map((r) =>
      r.allowAdmin ? { ...r, verdict: r.allowAdmin, reason: `${r.reason} (--allow-admin: ${r.allowAdmin})` } : r,
    ),
  };
}

function decodeText(buffer: Buffer, source: string): string {
  const problem = (message: string): never => {
    throw new PolicyError(source, [{ line: 1, col: 1, path: '', message }]);
  };
  if (buffer.includes(0)) problem('not a text file (binary content): a policy is a YAML document');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    return problem('not UTF-8 text: a policy is a YAML document');
  }
}

type Segment = string | number;

async function validatePolicyText(text: string, source: string): Promise<Policy> {
  const { parseDocument, LineCounter, isMap, isSeq, isPair, isScalar } = loadYaml();
  const lineCounter = new LineCounter();
  // logLevel error: problems land in doc.errors and are reported here, not as process warnings on stderr
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  const pos = (offset: number | undefined): { line: number; col: number } =>
    offset === undefined ? { line: 1, col: 1 } : lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new PolicyError(
      source,
      doc.errors.map((e) => ({ ...pos(e.pos[0]), path: '', message: `YAML syntax: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` })),
    );
  }
  if (doc.contents === null || (isScalar(doc.contents) && (doc.contents.value === null || doc.contents.value === ''))) {
    throw new PolicyError(source, [{ line: 1, col: 1, path: '', message: 'the file is empty: a policy needs at least `name` and `defaults`' }]);
  }
  if (!isMap(doc.contents)) {
    throw new PolicyError(source, [{ ...pos(doc.contents.range?.[0]), path: '', message: 'must be a mapping of policy keys (name, defaults, rules, caps, allow)' }]);
  }

  /** The YAML node at a path (the value node, or the key node with `key: true`), or the deepest one that exists. */
  const locate = (path: readonly Segment[], key = false): { line: number; col: number } => {
    let node: unknown = doc.contents;
    let offset = (doc.contents as { range?: [number, number, number] }).range?.[0];
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      let next: unknown;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        if (key && i === path.length - 1) return pos((pair.key as { range?: [number, number, number] }).range?.[0]);
        next = pair.value;
        // `key:` with nothing after it: point at the key
        offset = (pair.value as { range?: [number, number, number] } | null)?.range?.[0] ?? (pair.key as { range?: [number, number, number] }).range?.[0];
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
        if (next === undefined) break;
        offset = (next as { range?: [number, number, number] }).range?.[0];
      } else break;
      node = next;
    }
    return pos(offset);
  };

  let data: unknown;
  try {
    // aliases expanding into huge documents ("billion laughs") are refused by the YAML library
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyError(source, [{ line: 1, col: 1, path: '', message: `YAML cannot be read: ${(err as Error).message.split('\n')[0]}` }]);
  }
  const problems: PolicyProblem[] = [];
  const result = Policy.safeParse(data);
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(...describeIssue(issue, [], data, locate));
  } else {
    problems.push(...semanticProblems(result.data, locate));
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new PolicyError(source, problems);
  }
  return result.data!;
}

type Locate = (path: readonly Segment[], key?: boolean) => { line: number; col: number };

export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

function valueAt(data: unknown, path: readonly Segment[]): { found: boolean; value: unknown } {
  let cur: unknown = data;
  for (const seg of path) {
    if (typeof cur !== 'object' || cur === null || !(seg in (cur as object))) return { found: false, value: undefined };
    cur = (cur as Record<string, unknown>)[seg as string];
  }
  return { found: true, value: cur };
}

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function describeIssue(issue: z.core.$ZodIssue, prefix: readonly Segment[], data: unknown, locate: Locate): PolicyProblem[] {
  const path = [...prefix, ...(issue.path as Segment[])];
  const at = (p: readonly Segment[], message: string, key = false): PolicyProblem => ({ ...locate(p, key), path: formatPath(p), message });
  const { found, value } = valueAt(data, path);

  if (issue.code === 'unrecognized_keys') {
    const known = KNOWN_KEYS[path.map((s) => (typeof s === 'number' ? '*' : s)).join('.')] ?? [];
    return issue.keys.map((k) => {
      const guess = didYouMean(k, known);
      const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (expected one of: ${known.join(', ')})` : '';
      return at([...path, k], `unknown key "${k}"${hint}`, true);
    });
  }
  if (!found) {
    const parent = path.slice(0, -1);
    const missing = String(path.at(-1));
    return [at(parent, `missing required key "${missing}"`)];
  }
  switch (issue.code) {
    case 'invalid_value':
      return [at(path, `must be one of ${issue.values.map(String).join(', ')} (got ${shown(value)})`)];
    case 'invalid_type':
      return [at(path, `must be ${TYPE_WORDS[issue.expected] ?? issue.expected} (got ${shown(value)})`)];
    case 'invalid_union': {
      // a value that has the right shape for one branch is explained by that branch's problems
      // (all problems inside the value > a wrong value of the right type > a wrong type)
      const score = (branch: z.core.$ZodIssue[]) =>
        branch.every((i) => i.path.length > 0) ? 2 : branch.some((i) => i.code === 'invalid_type' && i.path.length === 0) ? 0 : 1;
      const best = [...issue.errors].sort((a, b) => score(b) - score(a))[0];
      if (best && score(best) > 0) return best.flatMap((i) => describeIssue(i, path, data, locate));
      const expected = issue.errors.map((b) => b[0]).filter((i) => i?.code === 'invalid_type').map((i) => TYPE_WORDS[(i as { expected: string }).expected] ?? 'a value');
      return [at(path, `must be ${[...new Set(expected)].join(' or ')} (got ${shown(value)})`)];
    }
    case 'too_small':
      return [
        at(
          path,
          issue.origin === 'array'
            ? `must have at least ${issue.minimum} item${Number(issue.minimum) === 1 ? '' : 's'}`
            : issue.origin === 'string'
              ? 'must not be empty'
              : `must be ${issue.inclusive ? 'at least' : 'more than'} ${issue.minimum} (got ${shown(value)})`,
        ),
      ];
    default:
      return [at(path, `${issue.message.replace(/^Invalid input: /, '')} (got ${shown(value)})`)];
  }
}

/** Checks zod cannot express: cap quantities that parse, globs that compile. */
function semanticProblems(policy: Policy, locate: Locate): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  for (const [slot, cap] of Object.entries(policy.caps?.resources ?? {})) {
    if (slotQuantity(slot, cap) === undefined) {
      const p = ['caps', 'resources', slot];
      const want = isBytesSlot(slot) ? 'a byte size like 256g or a byte count' : 'a number';
      problems.push({ ...locate(p), path: formatPath(p), message: `must be ${want} (got ${shown(cap)})` });
    }
  }
  policy.rules.forEach((rule, i) => {
    for (const key of ['operationId', 'tag', 'path'] as const) {
      const globs = rule.match[key];
      for (const g of globs === undefined ? [] : Array.isArray(globs) ? globs : [globs]) {
        try {
          globToRegExp(g);
        } catch {
          const p = ['rules', i, 'match', key];
          problems.push({ ...locate(p), path: formatPath(p), message: `not a valid glob: ${JSON.stringify(g)}` });
        }
      }
    }
  });
  return problems;
}

/** The closest known key within a small edit distance (or differing only in case/separators). */
export function didYouMean(word: string, known: string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    if (norm(k) === norm(word)) return k;
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): a swapped pair of letters is one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
