/**
 * Retrieval: find the catalog operations a request is about.
 *
 * A MiniSearch (BM25+) index over one document per operation (documents.ts), queried with the
 * weighted terms of the request (query.ts: literal words, synonym/phrase expansions from
 * specs/domain/synonyms.yaml), ranked by matched *concepts* rather than matched terms, and
 * multiplied by priors that are all data-driven (synonyms.yaml): a verb prior (a request that
 * says "create" favours operations named create/enqueue), a privilege prior (admin and
 * superadmin operations count less unless the request talks about admin scope), name coverage
 * (delete_by_name over delete_files for "delete the folder"), and path priors (name-addressed
 * routes over UUID-addressed ones).
 *
 * The built index is cached under `cacheDir()/retrieval`, keyed by the catalog's sha256, the
 * domain data's sha256 and INDEX_FORMAT, so a cold CLI start only deserialises it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch, { type AsPlainObject, type Options, type Query, type SearchOptions as MiniSearchOptions, type SearchResult } from 'minisearch';
import { cacheDir } from '../paths.js';
import type { Catalog, Operation } from '../spec/types.js';
import type { RetrievedOperation } from '../planner/types.js';
import { loadRetrievalDomain, type OperationPrior, type RetrievalDomain } from './domain.js';
import { FIELD_BOOSTS, FIELDS, operationDocument, type OperationDocument } from './documents.js';
import { analyzeQuery, conceptCoverage, type AnalyzedQuery } from './query.js';
import { isHangul, terms } from './text.js';

export { loadRetrievalDomain } from './domain.js';
export type { RetrievalDomain } from './domain.js';
export type { RetrievedOperation } from '../planner/types.js';

/** Bump when documents, tokenisation or the cache layout change: old caches become misses. */
export const INDEX_FORMAT = 7;

export interface SearchOptions {
  /** How many operations to return (default 8). */
  k?: number;
  /**
   * `undefined` (default): admin/superadmin operations are down-weighted unless the request
   * talks about admin scope. `true`: no down-weighting (the caller may use them). `false`:
   * they are left out entirely.
   */
  includePrivileged?: boolean;
}

export interface Explanation {
  query: AnalyzedQuery;
  results: (RetrievedOperation & { prior: number; matched: Record<string, string[]> })[];
}

const DEFAULT_K = 8;
const MAX_K = 200;
/** Typo matches (see fuzziness) count at this weight. */
const FUZZY_WEIGHT = 0.3;

// Documents are pre-tokenised (space-separated terms), so MiniSearch must not re-process them.
const splitTerms = (text: string): string[] => (text ? text.split(' ') : []);
const keepTerm = (term: string): string => term;

const MINISEARCH_OPTIONS: Options<OperationDocument> = {
  idField: 'id',
  fields: FIELDS,
  storeFields: [],
  tokenize: splitTerms,
  processTerm: keepTerm,
};

/**
 * What the priors need to know about each operation, computed once when the index is built and
 * stored in the cache with it (recomputing it costs a cold start more than loading it).
 */
export interface OperationTraits {
  /** Request-independent multiplier: deprecation and unconditional path/operationId priors. */
  baseFactor: number[];
  /** 0 user/anonymous, 1 admin, 2 superadmin. */
  privilegeLevel: number[];
  /** For each prior with `unlessQuery` (in data-file order), the operations it applies to. */
  conditional: number[][];
  /** For each action rule, the operations that do that action (by name or method). */
  actions: Record<string, number[]>;
  /**
   * Per operation, the content words of its operationId — [resource part, action part] (for
   * `folders.delete_files`: [[folders], [delete, files]]) — each with the forms that count as
   * saying it.
   */
  idWords: [string[][], string[][]][];
}

export function computeTraits(operations: readonly Operation[], domain: RetrievalDomain): OperationTraits {
  const conditionalPriors = domain.operationPriors.filter((p) => p.unlessQuery);
  const traits: OperationTraits = {
    baseFactor: [],
    privilegeLevel: [],
    conditional: conditionalPriors.map(() => []),
    actions: Object.fromEntries([...domain.actions.keys()].map((name) => [name, [] as number[]])),
    idWords: [],
  };
  operations.forEach((op, i) => {
    let base = op.deprecated ? domain.privilegeFactors.deprecated : 1;
    for (const p of domain.operationPriors) {
      if (!appliesTo(p, op)) continue;
      if (p.unlessQuery) traits.conditional[conditionalPriors.indexOf(p)]!.push(i);
      else base *= p.factor;
    }
    traits.baseFactor.push(base);
    traits.privilegeLevel.push(op.privilege === 'superadmin' ? 2 : op.privilege === 'admin' ? 1 : 0);
    const nameTerms = new Set(terms(verbPart(op.operationId), domain.korean));
    for (const [name, rule] of domain.actions) {
      if (rule.methods.has(op.method) || [...rule.operationTerms].some((w) => nameTerms.has(w))) traits.actions[name]!.push(i);
    }
    traits.idWords.push(idWordsOf(op.operationId, domain));
  });
  return traits;
}

export class OperationIndex {
  private readonly baseFactor: Float64Array;
  private readonly privilegeLevel: Uint8Array;
  /** Priors switched off by some requests (`unlessQuery`): which operations each applies to. */
  private readonly conditionalPriors: { prior: OperationPrior; applies: Uint8Array }[];
  private readonly actionMembers: Map<string, Uint8Array>;
  private readonly idWords: [string[][], string[][]][];

  constructor(
    readonly catalog: Catalog,
    readonly domain: RetrievalDomain,
    private readonly mini: MiniSearch<OperationDocument>,
    /** The operations in document-id order. */
    private readonly operations: readonly Operation[],
    /** term → number of operations whose document contains it (any field). */
    private readonly docFreq: Map<string, number>,
    private readonly traits: OperationTraits = computeTraits(operations, domain),
  ) {
    const n = operations.length;
    const members = (ids: readonly number[]) => {
      const set = new Uint8Array(n);
      for (const i of ids) set[i] = 1;
      return set;
    };
    this.baseFactor = Float64Array.from(traits.baseFactor);
    this.privilegeLevel = Uint8Array.from(traits.privilegeLevel);
    this.conditionalPriors = domain.operationPriors
      .filter((p) => p.unlessQuery)
      .map((prior, i) => ({ prior, applies: members(traits.conditional[i] ?? []) }));
    this.actionMembers = new Map([...domain.actions.keys()].map((name) => [name, members(traits.actions[name] ?? [])]));
    this.idWords = traits.idWords;
  }

  get size(): number {
    return this.operations.length;
  }

  /** The best operations for a request, best first. Never throws on odd input. */
  search(query: string, opts: SearchOptions = {}): RetrievedOperation[] {
    return this.explain(query, opts).results.map(({ operation, score }) => ({ operation, score }));
  }

  /** `search` plus why: the analysed query and, per result, which terms matched in which fields. */
  explain(query: string, opts: SearchOptions = {}): Explanation {
    const k = clampK(opts.k);
    const analyzed = analyzeQuery(typeof query === 'string' ? query : '', this.domain);
    if (analyzed.weights.size === 0) return { query: analyzed, results: [] };
    const prior = this.priorFor(analyzed, opts);
    const options: MiniSearchOptions = {
      tokenize: splitTerms,
      processTerm: keepTerm,
      boost: FIELD_BOOSTS,
      boostTerm: (term) => analyzed.weights.get(term) ?? 1,
      fuzzy: (term) => fuzziness(term, analyzed),
      weights: { fuzzy: FUZZY_WEIGHT, prefix: 0 },
      prefix: false,
      boostDocument: (id: number) => prior(id),
    };
    const matches = this.match([...analyzed.weights.keys()], options, prior, analyzed.weights);
    const top = new TopK<Match>(k);
    for (const m of matches.values()) {
      // rank by matched *concepts*, not matched terms: expansions must not count as much as
      // the user's own words (query.ts)
      const score = m.raw * conceptCoverage(analyzed, [...m.terms]);
      if (score > 0) top.offer(score, m);
    }
    const results: Explanation['results'] = [];
    for (const { score, item } of top.sorted()) {
      const operation = this.operations[item.id];
      if (!operation) continue;
      results.push({ operation, score: round(score), prior: round(prior(item.id)), matched: item.match });
    }
    return { query: analyzed, results };
  }

  /**
   * BM25 scores (with priors) of the operations matching the terms. On a small catalog this is
   * one MiniSearch query. On a large one, where a common word (create, get, session) is in
   * thousands of operations, materialising every match costs more than everything else, so a
   * first pass only *counts*: MiniSearch walks the postings of the name and summary fields and
   * boostDocument tallies an idf-weighted overlap per operation while answering 0 (skip). The
   * best CANDIDATES operations are then scored in full by a second pass that skips the rest.
   */
  private match(queryTerms: string[], options: MiniSearchOptions, prior: (id: number) => number, weights: Map<string, number>): Map<number, Match> {
    const total = queryTerms.reduce((sum, t) => sum + (this.docFreq.get(t) ?? 0), 0);
    const query = queryTerms.join(' ');
    if (total <= POSTING_BUDGET) return collect(this.mini.search(query, options));

    const n = this.operations.length;
    const tally = new Float64Array(n);
    const idf = new Map(queryTerms.map((t) => [t, Math.log(1 + n / (1 + (this.docFreq.get(t) ?? 0)))]));
    this.mini.search(query, {
      ...options,
      fields: ['name', 'summary'],
      fuzzy: false,
      boostDocument: (id: number, term: string) => {
        tally[id] = tally[id]! + (weights.get(term) ?? 0) * (idf.get(term) ?? 0);
        return 0;
      },
    });
    const candidates = topIndexes(tally, CANDIDATES);
    for (const t of queryTerms) {
      // rare terms anywhere (a field name, a word of the description) also nominate candidates
      if ((this.docFreq.get(t) ?? 0) <= RARE_TERM_DF) {
        // boostDocument sees every operation containing t: note it, and skip the scoring
        this.mini.search(t, { ...options, fuzzy: false, boostDocument: (id: number) => (candidates.add(id), 0) });
      }
    }
    // Scoring pass over the candidates only. A common term's postings in the long fields are
    // the bulk of the work and, at its low idf and field weight, hardly move a score: common
    // terms are scored on name and summary.
    const isCommon = (t: string) => (this.docFreq.get(t) ?? 0) > CANDIDATES;
    const rare = queryTerms.filter((t) => !isCommon(t));
    const common = queryTerms.filter(isCommon);
    const queries: Query[] = [];
    if (rare.length) queries.push(rare.join(' '));
    if (common.length) queries.push({ queries: [common.join(' ')], fields: ['name', 'summary'] });
    return collect(this.mini.search({ combineWith: 'OR', queries }, { ...options, boostDocument: (id: number) => (candidates.has(id) ? prior(id) : 0) }));
  }

  /** The serialisable index (for the cache). */
  toJSON(): { index: AsPlainObject; docFreq: [string, number][]; traits: OperationTraits } {
    return { index: this.mini.toJSON(), docFreq: [...this.docFreq], traits: this.traits };
  }

  /**
   * The multiplier for one operation given the request: verb prior × privilege prior × name
   * coverage × static priors. 0 drops an operation (privileged ones when includePrivileged=false).
   */
  private priorFor(q: AnalyzedQuery, opts: SearchOptions): (id: number) => number {
    const actions = [...q.actions]
      .map((name) => ({ boost: this.domain.actions.get(name)?.boost ?? 1, members: this.actionMembers.get(name) }))
      .filter((a): a is { boost: number; members: Uint8Array } => a.members !== undefined)
      .sort((a, b) => b.boost - a.boost);
    const privilegeNeutral = q.privileged || opts.includePrivileged === true;
    const { admin, superadmin } = this.domain.privilegeFactors;
    const privilegeFactor = [1, privilegeNeutral ? 1 : admin, privilegeNeutral ? 1 : superadmin];
    const activeConditional = this.conditionalPriors.filter((c) => !c.prior.unlessQuery!.test(q.text));
    // MiniSearch asks once per (document, term, field): compute each document's prior once
    const memo = new Float64Array(this.operations.length).fill(-1);
    return (id) => {
      const cached = memo[id];
      if (cached === undefined) return 0;
      if (cached >= 0) return cached;
      let factor = 0;
      const level = this.privilegeLevel[id]!;
      if (!(level > 0 && opts.includePrivileged === false)) {
        factor = this.baseFactor[id]! * privilegeFactor[level]!;
        for (const c of activeConditional) if (c.applies[id]) factor *= c.prior.factor;
        const [resourceWords, actionWords] = this.idWords[id]!;
        factor *= ACTION_COVERAGE_FLOOR + (1 - ACTION_COVERAGE_FLOOR) * coverage(actionWords, q.weights);
        factor *= RESOURCE_COVERAGE_FLOOR + (1 - RESOURCE_COVERAGE_FLOOR) * coverage(resourceWords, q.weights);
        const action = actions.find((a) => a.members[id]);
        if (action) factor *= action.boost;
      }
      memo[id] = factor;
      return factor;
    };
  }
}

function appliesTo(p: OperationPrior, op: Operation): boolean {
  return (!p.path || p.path.test(op.path)) && (!p.operationId || p.operationId.test(op.operationId));
}

/**
 * An operation whose name says more than the request (delete_files, delete_invitation for
 * "delete the folder") is less likely the one meant than one whose name the request covers
 * (delete_by_name). The action part of the name (after the last dot) weighs more than the
 * resource part (`login-sessions` vs `sessions` for "list my sessions"): the score is scaled
 * between the floor and 1 by the covered share of each.
 */
const ACTION_COVERAGE_FLOOR = 0.5;
const RESOURCE_COVERAGE_FLOOR = 0.7;

function idWordsOf(operationId: string, domain: RetrievalDomain): [string[][], string[][]] {
  const id = operationId.replace(/\.\d+$/, '');
  const action = verbPart(id);
  const resource = id.slice(0, Math.max(0, id.length - action.length));
  const content = (text: string, skip: Set<string>) => {
    const out: string[][] = [];
    for (const w of new Set(terms(text, domain.korean))) {
      if (domain.genericNameWords.has(w) || skip.has(w)) continue;
      out.push([w, ...(domain.catalogTerms.get(w) ?? [])]);
    }
    return out;
  };
  const actionWords = content(action, new Set());
  // a word the action part already says (sessions.match_sessions) is judged there
  const resourceWords = content(resource, new Set(actionWords.map((f) => f[0]!)));
  return [resourceWords, actionWords];
}

function coverage(idWords: string[][], weights: Map<string, number>): number {
  if (idWords.length === 0) return 1;
  let covered = 0;
  for (const forms of idWords) if (forms.some((f) => weights.has(f))) covered++;
  return covered / idWords.length;
}

interface Match {
  id: number;
  /** BM25 × priors, without MiniSearch's matched-term-count multiplier. */
  raw: number;
  terms: Set<string>;
  match: Record<string, string[]>;
}

function collect(hits: SearchResult[]): Map<number, Match> {
  const out = new Map<number, Match>();
  for (const hit of hits) {
    // MiniSearch multiplies by the number of matched query terms; undo it (see conceptCoverage)
    out.set(hit.id as number, { id: hit.id as number, raw: hit.score / Math.max(1, hit.queryTerms.length), terms: new Set(hit.queryTerms), match: hit.match });
  }
  return out;
}

/**
 * Above this many postings (sum of the query terms' document frequencies) a query runs in two
 * passes (see OperationIndex.match), scoring only the CANDIDATES best by term overlap plus the
 * operations containing a rare query term.
 */
const POSTING_BUDGET = 6000;
const CANDIDATES = 400;
const RARE_TERM_DF = 50;

/** Indexes of the k largest positive values. */
function topIndexes(values: Float64Array, k: number): Set<number> {
  const nonZero: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]! > 0) nonZero.push(i);
  if (nonZero.length > k) nonZero.sort((a, b) => values[b]! - values[a]!);
  return new Set(nonZero.slice(0, k));
}

/** Typo tolerance for words the user wrote: one edit from 4 letters, two from 8. */
function fuzziness(term: string, q: AnalyzedQuery): number | false {
  if (!q.literal.has(term) || isHangul(term) || /\d/.test(term)) return false;
  if (term.length >= 8) return 2;
  return term.length >= 4 ? 1 : false;
}

/** The k best of a stream, without sorting all of it (a catalog may have 16,000 hits). */
class TopK<T> {
  private readonly items: { score: number; item: T }[] = [];
  constructor(private readonly k: number) {}

  offer(score: number, item: T): void {
    const items = this.items;
    if (items.length === this.k && score <= items[items.length - 1]!.score) return;
    let i = items.length;
    while (i > 0 && items[i - 1]!.score < score) i--;
    items.splice(i, 0, { score, item });
    if (items.length > this.k) items.pop();
  }

  sorted(): { score: number; item: T }[] {
    return this.items;
  }
}

/** `v2/sessions.my_search` → `my_search`; `session.create_from_params.2` → `create_from_params`. */
function verbPart(operationId: string): string {
  const id = operationId.replace(/\.\d+$/, '');
  const dot = id.lastIndexOf('.');
  return dot >= 0 ? id.slice(dot + 1) : id.slice(id.lastIndexOf('/') + 1);
}

function clampK(k: number | undefined): number {
  if (k === undefined || !Number.isFinite(k)) return DEFAULT_K;
  return Math.max(1, Math.min(MAX_K, Math.floor(k)));
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}

/** Build the index in memory (no cache). */
export function buildOperationIndex(catalog: Catalog, domain: RetrievalDomain = loadRetrievalDomain()): OperationIndex {
  const mini = new MiniSearch<OperationDocument>(MINISEARCH_OPTIONS);
  const docs = catalog.operations.map((op, i) => operationDocument(i, op, catalog, domain));
  mini.addAll(docs);
  const docFreq = new Map<string, number>();
  for (const doc of docs) {
    const seen = new Set<string>();
    for (const field of FIELDS) for (const t of splitTerms(doc[field])) seen.add(t);
    for (const t of seen) docFreq.set(t, (docFreq.get(t) ?? 0) + 1);
  }
  return new OperationIndex(catalog, domain, mini, catalog.operations, docFreq);
}

export interface LoadIndexOptions {
  /** Read and write the on-disk cache (default true). */
  cache?: boolean;
  /** Domain data (default: the bundled synonyms file). */
  domain?: RetrievalDomain;
}

/** The index for a catalog: from the cache when the spec and domain data are unchanged, else built. */
export async function loadOperationIndex(catalog: Catalog, opts: LoadIndexOptions = {}): Promise<OperationIndex> {
  const domain = opts.domain ?? loadRetrievalDomain();
  if (opts.cache === false) return buildOperationIndex(catalog, domain);
  const file = indexCachePath(catalog, domain);
  const cached = await readIndexCache(file, catalog, domain);
  if (cached) return cached;
  const index = buildOperationIndex(catalog, domain);
  await writeIndexCache(file, index);
  return index;
}

interface IndexCacheFile {
  format: number;
  catalogSha256: string;
  domainSha256: string;
  /** sha256 of the operationIds in document order: the documents must line up with the catalog. */
  operationIdsDigest: string;
  index: AsPlainObject;
  docFreq: [string, number][];
  traits: OperationTraits;
}

export function indexCachePath(catalog: Catalog, domain: RetrievalDomain): string {
  const key = createHash('sha256').update(`${INDEX_FORMAT}\n${catalog.sha256}\n${domain.sha256}`).digest('hex').slice(0, 32);
  return join(cacheDir(), 'retrieval', `index-${key}.json`);
}

async function readIndexCache(file: string, catalog: Catalog, domain: RetrievalDomain): Promise<OperationIndex | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as IndexCacheFile;
    if (data.format !== INDEX_FORMAT || data.catalogSha256 !== catalog.sha256 || data.domainSha256 !== domain.sha256) return undefined;
    // the cached documents must line up with this catalog's operations, one for one
    const ops = catalog.operations;
    if (data.operationIdsDigest !== operationIdsDigest(ops)) return undefined;
    const mini = MiniSearch.loadJS<OperationDocument>(data.index, MINISEARCH_OPTIONS);
    if (!data.traits || data.traits.baseFactor?.length !== ops.length) return undefined;
    return new OperationIndex(catalog, domain, mini, ops, new Map(data.docFreq), data.traits);
  } catch {
    return undefined; // missing, unreadable or corrupt: rebuild
  }
}

function operationIdsDigest(ops: readonly Operation[]): string {
  const hash = createHash('sha256');
  for (const op of ops) hash.update(`${op.operationId}\n`);
  return hash.digest('hex');
}

async function writeIndexCache(file: string, index: OperationIndex): Promise<void> {
  const data: IndexCacheFile = {
    format: INDEX_FORMAT,
    catalogSha256: index.catalog.sha256,
    domainSha256: index.domain.sha256,
    operationIdsDigest: operationIdsDigest(index.catalog.operations),
    ...index.toJSON(),
  };
  try {
    await mkdir(join(cacheDir(), 'retrieval'), { recursive: true });
    // write-then-rename: a concurrent reader sees the old file or the new one, never half
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, file);
  } catch {
    // an unwritable cache only costs speed
  }
}
