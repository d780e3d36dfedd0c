/**
 * The retrieval domain data (specs/domain/synonyms.yaml): validated and compiled into lookup
 * tables over *terms* (the output of text.ts), so that data authors write natural words and
 * the matcher compares like with like.
 *
 * Validation is hand-written rather than zod: this runs on every CLI start and zod's import
 * alone costs more than the whole retrieval path.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { clientIndexText, loadClientCommands } from './client-terms.js';
import { loadDataFile } from '../spec/data-file.js';
import { bundledSpecsDir } from '../paths.js';
import { BaiError } from '../errors.js';
import { KoreanStripper, isHangul, stem, terms, words } from './text.js';

export const SYNONYMS_FILE = 'synonyms.yaml';

/** The data file as written (after YAML parsing). */
export interface RetrievalDomainData {
  version: 1;
  stopwords: string[];
  korean: { particles: string[]; endings: string[] };
  catalogTerms: Record<string, string[]>;
  genericNameWords?: string[];
  synonyms: { says: string[]; means: string[]; weight?: number; exact?: boolean }[];
  patterns: { regex: string; means: string[]; weight?: number }[];
  actions: Record<string, { says: string[]; operations: string[]; methods?: string[]; boost: number }>;
  operationPriors?: { path?: string; operationId?: string; factor: number; unlessQuery?: string }[];
  privilege: { says: string[]; factors: { admin: number; superadmin: number }; deprecated?: number };
}

/** In a phrase, `...` lets up to MAX_GAP other words stand between its neighbours. */
export const GAP = '...';
const MAX_GAP = 4;

/** A phrase (sequence of terms, or of exact word forms) and what it stands for. */
interface PhraseEntry<T> {
  terms: string[];
  /** Compare with the words as written (`sessions`), not their stems (`session`). */
  exact: boolean;
  payload: T;
  /** Ranking among matches at one position: more words first, then longer keys (내려받 > 내려). */
  rank: number;
}

/** The piece of the query sequence a phrase table looks at. */
export interface PhraseToken {
  term: string;
  raw: string;
}

export interface PhraseMatch<T> {
  payload: T;
  /** Positions in the sequence the phrase covered. */
  positions: number[];
}

/**
 * Longest-match phrase lookup over a token sequence. Hangul phrase words of two or more
 * syllables also match query words that start with them (만들 matches 만들어, 만들고), because
 * Korean verbs conjugate at the end and no particle list is complete.
 */
export class PhraseTable<T> {
  private readonly byFirst = new Map<string, PhraseEntry<T>[]>();
  private readonly hangulFirst: PhraseEntry<T>[] = [];

  /** `korean` decides whether what follows a one-syllable Hangul key is just a particle (앱을). */
  constructor(private readonly korean?: KoreanStripper) {}

  add(phraseTerms: string[], payload: T, exact = false): void {
    const cleaned = phraseTerms.filter((t, i) => t !== GAP || (i > 0 && i < phraseTerms.length - 1));
    if (cleaned.length === 0) return;
    const content = cleaned.filter((t) => t !== GAP);
    const entry = { terms: cleaned, exact, payload, rank: content.length * 1000 + content.join('').length };
    const first = cleaned[0]!;
    if (isHangul(first)) this.hangulFirst.push(entry);
    else {
      const list = this.byFirst.get(first) ?? [];
      list.push(entry);
      this.byFirst.set(first, list);
    }
  }

  /** Every match of the longest phrases, scanning left to right; a position is used once. */
  match(seq: readonly PhraseToken[]): PhraseMatch<T>[] {
    const out: PhraseMatch<T>[] = [];
    const used = new Set<number>();
    for (let i = 0; i < seq.length; i++) {
      if (used.has(i)) continue;
      const best = this.longestAt(seq, i, used);
      for (const m of best) {
        out.push(m);
        for (const p of m.positions) used.add(p);
      }
    }
    return out;
  }

  /** All matches of maximal rank that start at position i. */
  private longestAt(seq: readonly PhraseToken[], i: number, used: Set<number>): PhraseMatch<T>[] {
    const t = seq[i]!;
    const candidates = [...(this.byFirst.get(t.term) ?? []), ...(t.raw !== t.term ? this.byFirst.get(t.raw) ?? [] : []), ...this.hangulFirst];
    let best: PhraseMatch<T>[] = [];
    let bestRank = -1;
    for (const e of candidates) {
      if (e.rank < bestRank) continue;
      const positions = this.matchAt(e, seq, i, 0, used);
      if (!positions) continue;
      if (e.rank > bestRank) {
        best = [];
        bestRank = e.rank;
      }
      best.push({ payload: e.payload, positions });
    }
    return best;
  }

  /** Positions matched by `entry.terms[j..]` starting at sequence position i, or undefined. */
  private matchAt(entry: PhraseEntry<T>, seq: readonly PhraseToken[], i: number, j: number, used: Set<number>): number[] | undefined {
    if (j === entry.terms.length) return [];
    const want = entry.terms[j]!;
    if (want === GAP) {
      for (let skip = 0; skip <= MAX_GAP && i + skip < seq.length; skip++) {
        const rest = this.matchAt(entry, seq, i + skip, j + 1, used);
        if (rest) return rest;
      }
      return undefined;
    }
    const token = seq[i];
    if (!token || used.has(i) || !this.wordMatches(want, token, entry.exact)) return undefined;
    const rest = this.matchAt(entry, seq, i + 1, j + 1, used);
    return rest ? [i, ...rest] : undefined;
  }

  private wordMatches(want: string, token: PhraseToken, exact: boolean): boolean {
    const got = exact ? token.raw : token.term;
    if (got === want) return true;
    if (!isHangul(want) || !got.startsWith(want)) return false;
    if (want.length >= 2) return true;
    // a one-syllable key only with a particle/ending after it (앱을 → 앱; not 내 in 내려)
    return this.korean?.isSuffix(got.slice(want.length)) === true;
  }
}

export interface Expansion {
  terms: string[];
  weight: number;
}

export interface OperationPrior {
  path?: RegExp;
  operationId?: RegExp;
  factor: number;
  /** The prior does not apply to requests matching this. */
  unlessQuery?: RegExp;
}

export interface ActionRule {
  name: string;
  /** Stemmed words that, in an operation's name, mark it as doing this action. */
  operationTerms: Set<string>;
  methods: Set<string>;
  boost: number;
}

/** The compiled domain: what the index and the query analyser use. */
export interface RetrievalDomain {
  /** sha256 of the data file; part of the index cache key. */
  sha256: string;
  korean: KoreanStripper;
  stopwords: Set<string>;
  /** Stopwords that no expansion produces: no query can look them up, so documents drop them. */
  unsearchable: Set<string>;
  /** Catalog-side abbreviation → spelled-out terms. */
  catalogTerms: Map<string, string[]>;
  /** operationId words that say nothing about what an operation does (by, from, params, v2). */
  genericNameWords: Set<string>;
  synonyms: PhraseTable<Expansion>;
  patterns: { regex: RegExp; expansion: Expansion }[];
  actionPhrases: PhraseTable<string>;
  actions: Map<string, ActionRule>;
  privilegePhrases: PhraseTable<true>;
  privilegeFactors: { admin: number; superadmin: number; deprecated: number };
  /** Multipliers by path/operationId (e.g. UUID-addressed routes slightly below name-addressed ones). */
  operationPriors: OperationPrior[];
  /** operationId → the official client's command and SDK names for it (./client-terms.ts), indexed as words. */
  clientText?: ReadonlyMap<string, { own: string; via: string }>;
}

const DEFAULT_SYNONYM_WEIGHT = 0.5;
const SIMPLE_WORD = /^[a-z]{2,}$/;
const HANGUL_WORD = /^[\uAC00-\uD7A3]+$/;
const GAP_RE = /(\.\.\.|…)/;

export function bundledSynonymsPath(): string {
  return join(bundledSpecsDir(), 'domain', SYNONYMS_FILE);
}

/** Load and compile the synonyms data file (default: the bundled one). */
export function loadRetrievalDomain(path: string = bundledSynonymsPath()): RetrievalDomain {
  const file = loadDataFile<unknown>(path);
  const domain = compileRetrievalDomain(validateDomainData(file.data, path), file.sha256);
  // the client's names are retrieval data too: both files key the index cache
  const client = loadClientCommands();
  const clientText = new Map([...client.operations].map(([id, t]) => [id, clientIndexText(t)]));
  return { ...domain, clientText, sha256: createHash('sha256').update(`${file.sha256}:${client.sha256}`).digest('hex') };
}

export function compileRetrievalDomain(data: RetrievalDomainData, sha256: string): RetrievalDomain {
  const korean = new KoreanStripper(data.korean.particles, data.korean.endings);
  const t = (text: string): string[] => (SIMPLE_WORD.test(text) ? [stem(text)] : terms(text, korean));
  // phrases users say are written as stems already: stripping would eat 들 of 만들; `...` is
  // a gap marker, kept as a token of its own. Most entries are one plain word: the fast path
  // keeps start-up cheap (this runs on every CLI start).
  const says = (text: string): string[] => {
    if (SIMPLE_WORD.test(text)) return [stem(text)];
    if (HANGUL_WORD.test(text)) return [text];
    // phrases are plain lowercase words (no identifiers): split simply, as words() would
    return text.split(GAP_RE).flatMap((part) =>
      part === '...' || part === '…'
        ? [GAP]
        : part
            .toLowerCase()
            .split(/[^a-z0-9\uAC00-\uD7A3]+/)
            .filter(Boolean)
            .map((w) => (isHangul(w) ? w : stem(w))),
    );
  };
  const exactWords = (text: string): string[] =>
    SIMPLE_WORD.test(text) ? [text] : text.split(GAP_RE).flatMap((part) => (part === '...' || part === '…' ? [GAP] : words(part)));
  const unique = (list: string[]) => [...new Set(list)];

  const stopwords = new Set(data.stopwords.flatMap(says));
  const catalogTerms = new Map<string, string[]>();
  for (const [abbr, spelled] of Object.entries(data.catalogTerms)) {
    for (const key of t(abbr)) catalogTerms.set(key, spelled.flatMap(t));
  }

  const genericNameWords = new Set((data.genericNameWords ?? []).flatMap(t));
  const synonyms = new PhraseTable<Expansion>(korean);
  for (const entry of data.synonyms) {
    const expansion = { terms: unique(entry.means.flatMap(t)), weight: entry.weight ?? DEFAULT_SYNONYM_WEIGHT };
    for (const phrase of entry.says) {
      if (entry.exact) synonyms.add(exactWords(phrase), expansion, true);
      else synonyms.add(says(phrase), expansion);
    }
  }

  const patterns = data.patterns.map((p) => ({
    regex: new RegExp(p.regex, 'iu'),
    expansion: { terms: unique(p.means.flatMap(t)), weight: p.weight ?? DEFAULT_SYNONYM_WEIGHT },
  }));

  const actionPhrases = new PhraseTable<string>(korean);
  const actions = new Map<string, ActionRule>();
  for (const [name, rule] of Object.entries(data.actions)) {
    for (const phrase of rule.says) actionPhrases.add(says(phrase), name);
    actions.set(name, {
      name,
      operationTerms: new Set(rule.operations.flatMap(t)),
      methods: new Set((rule.methods ?? []).map((m) => m.toUpperCase())),
      boost: rule.boost,
    });
  }

  const expanded = new Set<string>([
    ...data.synonyms.flatMap((e) => e.means.flatMap(t)),
    ...data.patterns.flatMap((p) => p.means.flatMap(t)),
  ]);
  const unsearchable = new Set([...stopwords].filter((w) => !expanded.has(w)));

  const privilegePhrases = new PhraseTable<true>(korean);
  for (const phrase of data.privilege.says) privilegePhrases.add(says(phrase), true);

  return {
    sha256,
    korean,
    stopwords,
    unsearchable,
    catalogTerms,
    genericNameWords,
    synonyms,
    patterns,
    actionPhrases,
    actions,
    privilegePhrases,
    privilegeFactors: { ...data.privilege.factors, deprecated: data.privilege.deprecated ?? 1 },
    operationPriors: (data.operationPriors ?? []).map((p) => ({
      ...(p.path ? { path: new RegExp(p.path) } : {}),
      ...(p.operationId ? { operationId: new RegExp(p.operationId) } : {}),
      ...(p.unlessQuery ? { unlessQuery: new RegExp(p.unlessQuery, 'iu') } : {}),
      factor: p.factor,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// validation: one clear line naming the file and the bad key

function fail(path: string, where: string, what: string): never {
  throw new BaiError(`${path}: ${where}: ${what}`, 'bad_input');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown, path: string, where: string, nonEmpty = true): string[] {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.trim() === '')) {
    fail(path, where, 'must be a list of non-empty strings');
  }
  if (nonEmpty && v.length === 0) fail(path, where, 'must not be empty');
  return v as string[];
}

function positive(v: unknown, path: string, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) fail(path, where, 'must be a positive number');
  return v;
}

export function validateDomainData(raw: unknown, path: string): RetrievalDomainData {
  if (!isRecord(raw)) fail(path, 'top level', 'must be a mapping');
  if (raw.version !== 1) fail(path, 'version', 'must be 1');
  const korean = raw.korean;
  if (!isRecord(korean)) fail(path, 'korean', 'must be a mapping with particles and endings');
  const catalogTerms = raw.catalogTerms ?? {};
  if (!isRecord(catalogTerms)) fail(path, 'catalogTerms', 'must be a mapping');
  const synonyms = raw.synonyms;
  if (!Array.isArray(synonyms)) fail(path, 'synonyms', 'must be a list');
  const patterns = raw.patterns ?? [];
  if (!Array.isArray(patterns)) fail(path, 'patterns', 'must be a list');
  const actions = raw.actions ?? {};
  if (!isRecord(actions)) fail(path, 'actions', 'must be a mapping');
  const operationPriors = raw.operationPriors ?? [];
  if (!Array.isArray(operationPriors)) fail(path, 'operationPriors', 'must be a list');
  const privilege = raw.privilege;
  if (!isRecord(privilege) || !isRecord(privilege.factors)) fail(path, 'privilege', 'must have says and factors');

  return {
    version: 1,
    stopwords: stringList(raw.stopwords ?? [], path, 'stopwords', false),
    korean: {
      particles: stringList(korean.particles, path, 'korean.particles'),
      endings: stringList(korean.endings, path, 'korean.endings'),
    },
    genericNameWords: stringList(raw.genericNameWords ?? [], path, 'genericNameWords', false),
    catalogTerms: Object.fromEntries(
      Object.entries(catalogTerms).map(([k, v]) => [k, stringList(v, path, `catalogTerms.${k}`)]),
    ),
    synonyms: synonyms.map((e: unknown, i) => {
      if (!isRecord(e)) fail(path, `synonyms[${i}]`, 'must be a mapping with says and means');
      return {
        says: stringList(e.says, path, `synonyms[${i}].says`),
        means: stringList(e.means, path, `synonyms[${i}].means`),
        ...(e.weight !== undefined ? { weight: positive(e.weight, path, `synonyms[${i}].weight`) } : {}),
        ...(e.exact !== undefined ? { exact: e.exact === true } : {}),
      };
    }),
    patterns: patterns.map((p: unknown, i) => {
      if (!isRecord(p) || typeof p.regex !== 'string') fail(path, `patterns[${i}]`, 'needs a regex string');
      try {
        new RegExp(p.regex, 'iu');
      } catch (err) {
        fail(path, `patterns[${i}].regex`, (err as Error).message);
      }
      return {
        regex: p.regex,
        means: stringList(p.means, path, `patterns[${i}].means`),
        ...(p.weight !== undefined ? { weight: positive(p.weight, path, `patterns[${i}].weight`) } : {}),
      };
    }),
    actions: Object.fromEntries(
      Object.entries(actions).map(([name, a]) => {
        if (!isRecord(a)) fail(path, `actions.${name}`, 'must be a mapping');
        return [
          name,
          {
            says: stringList(a.says, path, `actions.${name}.says`),
            operations: stringList(a.operations, path, `actions.${name}.operations`),
            ...(a.methods !== undefined ? { methods: stringList(a.methods, path, `actions.${name}.methods`) } : {}),
            boost: positive(a.boost, path, `actions.${name}.boost`),
          },
        ];
      }),
    ),
    operationPriors: operationPriors.map((p: unknown, i) => {
      const where = `operationPriors[${i}]`;
      if (!isRecord(p) || (typeof p.path !== 'string' && typeof p.operationId !== 'string')) {
        fail(path, where, 'needs a path or operationId regex string');
      }
      const regex = (key: 'path' | 'operationId' | 'unlessQuery'): string | undefined => {
        const v = p[key];
        if (v === undefined) return undefined;
        if (typeof v !== 'string') fail(path, `${where}.${key}`, 'must be a regex string');
        try {
          new RegExp(v, 'u');
        } catch (err) {
          fail(path, `${where}.${key}`, (err as Error).message);
        }
        return v;
      };
      const pathRe = regex('path');
      const idRe = regex('operationId');
      const unless = regex('unlessQuery');
      return {
        ...(pathRe ? { path: pathRe } : {}),
        ...(idRe ? { operationId: idRe } : {}),
        ...(unless ? { unlessQuery: unless } : {}),
        factor: positive(p.factor, path, `${where}.factor`),
      };
    }),
    privilege: {
      says: stringList(privilege.says, path, 'privilege.says'),
      factors: {
        admin: positive(privilege.factors.admin, path, 'privilege.factors.admin'),
        superadmin: positive(privilege.factors.superadmin, path, 'privilege.factors.superadmin'),
      },
      ...(privilege.deprecated !== undefined ? { deprecated: positive(privilege.deprecated, path, 'privilege.deprecated') } : {}),
    },
  };
}
