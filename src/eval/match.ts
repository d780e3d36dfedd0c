/**
 * The matching rules of the eval contract (shared/eval/README.md), all of them:
 *  - object: every expected key present and matching, extra keys allowed;
 *  - array: same length, each expected element matches a distinct actual element (any order);
 *  - number vs number or numeric string: numerically equal; string: equal;
 *  - operators `$bytes`, `$regex`, `$exists`, `$absent`, `$oneOf`;
 *  - body keys compared after mapping the manager's aliases to field names (aliases.ts);
 *  - planned writes match the expected writes one to one, in order, and no others.
 */
import { effectOfRequest } from '../spec/call-facts.js';
import type { HttpMethod } from '../spec/types.js';
import { parseBinarySize, parseDecimal } from '../units.js';
import { canonicalBody } from './aliases.js';
import { alternativesOf, type ExpectedCall, type ExpectedWrite } from './dataset.js';

/** A call as a plan holds it (a PlanStep has these fields). */
export interface PlannedCall {
  operationId: string;
  method: HttpMethod | string;
  path: string;
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface MatchResult {
  ok: boolean;
  /** Empty when ok; otherwise the first difference found, in one line. */
  why: string;
}

const OK: MatchResult = { ok: true, why: '' };
const fail = (why: string): MatchResult => ({ ok: false, why });

const OPERATORS = new Set(['$bytes', '$regex', '$exists', '$absent', '$oneOf', '$some', '$none']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{"$bytes": …}` and friends: an object whose only key is a known operator. */
function operatorOf(v: unknown): string | undefined {
  if (!isObject(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && OPERATORS.has(keys[0]!) ? keys[0] : undefined;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Whether `actual` matches `expected` (the value at `at`, for messages). */
export function matchValue(expected: unknown, actual: unknown, at = ''): MatchResult {
  const op = operatorOf(expected);
  if (op) return matchOperator(op, (expected as Record<string, unknown>)[op], actual, at);

  if (typeof expected === 'number') {
    const n = parseDecimal(actual);
    return n !== undefined && Math.abs(n - expected) <= 1e-9 * Math.max(1, Math.abs(expected))
      ? OK
      : fail(`${at || 'value'}: expected ${expected}, got ${show(actual)}`);
  }
  if (typeof expected === 'string' || typeof expected === 'boolean' || expected === null) {
    return actual === expected ? OK : fail(`${at || 'value'}: expected ${show(expected)}, got ${show(actual)}`);
  }
  if (Array.isArray(expected)) return matchArray(expected, actual, at);
  if (isObject(expected)) {
    if (!isObject(actual)) return fail(`${at || 'value'}: expected an object, got ${show(actual)}`);
    for (const [key, want] of Object.entries(expected)) {
      const where = at ? `${at}.${key}` : key;
      const keyOp = operatorOf(want);
      if (keyOp === '$absent' || keyOp === '$exists') {
        const r = matchPresence(keyOp, (want as Record<string, unknown>)[keyOp], key in actual, where);
        if (!r.ok) return r;
        continue;
      }
      if (!(key in actual)) return fail(`${where}: missing`);
      const r = matchValue(want, actual[key], where);
      if (!r.ok) return r;
    }
    return OK;
  }
  return fail(`${at || 'value'}: unsupported expectation ${show(expected)}`);
}

function matchPresence(op: '$absent' | '$exists', flag: unknown, present: boolean, at: string): MatchResult {
  const wantPresent = op === '$exists' ? flag !== false : flag === false;
  if (present === wantPresent) return OK;
  return fail(`${at}: ${wantPresent ? 'missing' : 'should be absent'}`);
}

function matchOperator(op: string, arg: unknown, actual: unknown, at: string): MatchResult {
  const where = at || 'value';
  switch (op) {
    case '$bytes': {
      const want = parseBinarySize(arg);
      if (want === undefined) return fail(`${where}: bad $bytes expectation ${show(arg)}`);
      const got = parseBinarySize(actual);
      return got === want ? OK : fail(`${where}: expected ${show(arg)} (${want} bytes), got ${show(actual)}`);
    }
    case '$regex': {
      if (typeof arg !== 'string') return fail(`${where}: bad $regex expectation`);
      let re: RegExp;
      try {
        re = new RegExp(arg);
      } catch {
        return fail(`${where}: bad $regex ${show(arg)}`);
      }
      return typeof actual === 'string' && re.test(actual) ? OK : fail(`${where}: ${show(actual)} does not match /${arg}/`);
    }
    case '$oneOf': {
      if (!Array.isArray(arg)) return fail(`${where}: bad $oneOf expectation`);
      return arg.some((alt) => matchValue(alt, actual, at).ok) ? OK : fail(`${where}: ${show(actual)} is none of ${show(arg)}`);
    }
    case '$some': {
      if (!Array.isArray(actual)) return fail(`${where}: expected an array, got ${show(actual)}`);
      return actual.some((a) => matchValue(arg, a).ok) ? OK : fail(`${where}: no element matches ${show(arg)}`);
    }
    case '$none': {
      if (!Array.isArray(actual)) return fail(`${where}: expected an array, got ${show(actual)}`);
      const i = actual.findIndex((a) => matchValue(arg, a).ok);
      return i < 0 ? OK : fail(`${where}: element ${i} matches ${show(arg)}`);
    }
    // outside an object (e.g. an array element) the value itself is there
    case '$exists':
      return arg !== false ? OK : fail(`${where}: should be absent`);
    case '$absent':
      return arg === false ? OK : fail(`${where}: should be absent`);
    default:
      return fail(`${where}: unknown operator ${op}`);
  }
}

/** Same length; each expected element matched to a distinct actual element (bipartite matching). */
function matchArray(expected: unknown[], actual: unknown, at: string): MatchResult {
  const where = at || 'value';
  if (!Array.isArray(actual)) return fail(`${where}: expected an array, got ${show(actual)}`);
  if (actual.length !== expected.length) return fail(`${where}: expected ${expected.length} elements, got ${actual.length}`);
  const fits = expected.map((e) => actual.map((a) => matchValue(e, a).ok));
  const ownerOf: (number | undefined)[] = actual.map(() => undefined);
  // augmenting paths (Kuhn): arrays here are short, this is exact and cheap
  const assign = (e: number, seen: boolean[]): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (!fits[e]![a] || seen[a]) continue;
      seen[a] = true;
      const owner = ownerOf[a];
      if (owner === undefined || assign(owner, seen)) {
        ownerOf[a] = e;
        return true;
      }
    }
    return false;
  };
  for (let e = 0; e < expected.length; e++) {
    if (!assign(e, actual.map(() => false))) return fail(`${where}: no element matches ${show(expected[e])}`);
  }
  return OK;
}

/** One expected call against one planned call (aliases mapped on both sides). */
export function matchCall(expected: ExpectedCall, actual: PlannedCall): MatchResult {
  if (expected.operationId !== actual.operationId) {
    return fail(`expected ${expected.operationId}, planned ${actual.operationId}`);
  }
  for (const part of ['pathParams', 'query'] as const) {
    if (expected[part] === undefined) continue;
    const r = matchValue(expected[part], actual[part] ?? {}, part);
    if (!r.ok) return fail(`${actual.operationId}: ${r.why}`);
  }
  if (expected.body !== undefined) {
    const want = canonicalBody(expected.operationId, expected.body);
    const got = canonicalBody(actual.operationId, actual.body ?? {});
    const r = matchValue(want, got, 'body');
    if (!r.ok) return fail(`${actual.operationId}: ${r.why}`);
  }
  return OK;
}

/** One expected write (with its alternatives) against one planned call. */
export function matchWrite(expected: ExpectedWrite, actual: PlannedCall): MatchResult {
  const alternatives = alternativesOf(expected);
  let first: MatchResult | undefined;
  for (const alt of alternatives) {
    const r = matchCall(alt, actual);
    if (r.ok) return OK;
    // report the alternative with the same operationId if there is one: its reason is the useful one
    if (!first || alt.operationId === actual.operationId) first = r;
  }
  return first ?? fail('no alternatives');
}

/**
 * Whether a planned call writes, by the contract's rule — anything but GET/HEAD, except POSTs
 * that only search, check or preview, and GraphQL queries — as the agent itself decides it
 * (spec/call-facts.ts: a GraphQL document with a mutation, or one that does not parse, writes).
 */
export function isWriteCall(call: Pick<PlannedCall, 'method' | 'path' | 'body'>): boolean {
  return effectOfRequest(String(call.method), call.path, call.body) === 'write';
}

/**
 * A wrong write (contract, "Additions, 2026-12"): the item failed and the plan holds a write the
 * expectation does not accept — any write when no write is expected (outcome not `planned`,
 * `writes` empty, or only `after` given), else a write that matches none of the expected ones.
 */
export function hasWrongWrite(
  item: { outcome: string; writes?: readonly ExpectedWrite[] | undefined },
  ok: boolean,
  planned: readonly PlannedCall[],
): boolean {
  if (ok) return false;
  const writes = planned.filter(isWriteCall);
  if (writes.length === 0) return false;
  if (item.outcome !== 'planned' || !item.writes || item.writes.length === 0) return true;
  const expected = item.writes;
  return writes.some((w) => !expected.some((e) => matchWrite(e, w).ok));
}

/** The planned write calls match the expected ones one to one, in order, and no others. */
export function matchWrites(expected: readonly ExpectedWrite[], planned: readonly PlannedCall[]): MatchResult {
  const writes = planned.filter(isWriteCall);
  const n = Math.min(expected.length, writes.length);
  for (let i = 0; i < n; i++) {
    const r = matchWrite(expected[i]!, writes[i]!);
    if (!r.ok) return fail(`write ${i + 1}: ${r.why}`);
  }
  if (writes.length > expected.length) {
    return fail(`unexpected write ${expected.length + 1}: ${writes[expected.length]!.operationId}`);
  }
  if (writes.length < expected.length) {
    const missing = alternativesOf(expected[writes.length]!).map((c) => c.operationId);
    return fail(`missing write ${writes.length + 1}: ${[...new Set(missing)].join(' | ')}`);
  }
  return OK;
}
