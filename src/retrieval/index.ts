/**
 * Retrieval: find the catalog operations a request is about.
 *
 * A MiniSearch (BM25+) index over one document per operation (documents.ts), queried with the
 * weighted terms of the request (query.ts: literal words, synonym/phrase expansions from
 * specs/domain/synonyms.yaml), then two data-driven priors: a verb prior (a request that says
 * "create" favours operations named create/enqueue) and a privilege prior (admin and superadmin
 * operations count less unless the request talks about admin scope).
 *
 * The built index is cached under `cacheDir()/retrieval`, keyed by the catalog's sha256, the
 * domain data's sha256 and INDEX_FORMAT, so a cold CLI start only deserialises it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MiniSearch, { type AsPlainObject, type Options, type SearchOptions as MiniSearchOptions, type SearchResult } from 'minisearch';
import { cacheDir } from '../paths.js';
import type { Catalog, Operation } from '../spec/types.js';
import type { RetrievedOperation } from '../planner/types.js';
import { loadRetrievalDomain, type RetrievalDomain } from './domain.js';
import { FIELD_BOOSTS, FIELDS, operationDocument, type OperationDocument } from './documents.js';
import { analyzeQuery, conceptCoverage, type AnalyzedQuery } from './query.js';
import { isHangul, terms } from './text.js';

export { loadRetrievalDomain } from './domain.js';
export type { RetrievalDomain } from './domain.js';
export type { RetrievedOperation } from '../planner/types.js';

/** Bump when documents, tokenisation or the cache layout change: old caches become misses. */
export const INDEX_FORMAT = 1;

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
/** Typo tolerance: one edit for literal words of five or more letters, counted at this weight. */
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

/** Per-operation data the priors need, computed once per index. */
interface OperationTraits {
  /** Stemmed words of the operation's own name (after the last `.`), for the verb prior. */
  nameTerms: Set<string>;
  /**
   * The operationId's content words, each with the words that count as saying it (itself and
   * its spelled-out catalog terms), for the coverage prior.
   */
  idWords: string[][];
  privilege: Operation['privilege'];
  deprecated: boolean;
  /** Indexes into domain.operationPriors that apply to this operation. */
  priors: number[];
}

export class OperationIndex {
  private readonly traits: OperationTraits[];

  constructor(
    readonly catalog: Catalog,
    readonly domain: RetrievalDomain,
    private readonly mini: MiniSearch<OperationDocument>,
    /** The operations in document-id order. */
    private readonly operations: readonly Operation[],
  ) {
    this.traits = operations.map((op) => ({
      nameTerms: new Set(terms(verbPart(op.operationId), domain.korean)),
      idWords: idWordsOf(op.operationId, domain),
      privilege: op.privilege,
      deprecated: op.deprecated === true,
      priors: domain.operationPriors.flatMap((p, i) =>
        (!p.path || p.path.test(op.path)) && (!p.operationId || p.operationId.test(op.operationId)) ? [i] : [],
      ),
    }));
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
    const hits = this.mini.search([...analyzed.weights.keys()].join(' '), options);
    // MiniSearch multiplies by the number of query terms matched; expansions would count as
    // much as the user's own words, so count matched concepts instead (query.ts)
    const top = new TopK<SearchResult>(k);
    for (const hit of hits) {
      const score = (hit.score / Math.max(1, hit.queryTerms.length)) * conceptCoverage(analyzed, hit.queryTerms);
      if (score > 0) top.offer(score, hit);
    }
    const results: Explanation['results'] = [];
    for (const { score, item: hit } of top.sorted()) {
      const operation = this.operations[hit.id as number];
      if (!operation) continue;
      results.push({ operation, score: round(score), prior: round(prior(hit.id as number)), matched: hit.match });
    }
    return { query: analyzed, results };
  }

  /** The serialisable index (for the cache). */
  toJSON(): AsPlainObject {
    return this.mini.toJSON();
  }

  /**
   * The multiplier for one operation given the request: verb prior × privilege prior ×
   * deprecation. Returns 0 to drop an operation (privileged ones when includePrivileged=false).
   */
  private priorFor(q: AnalyzedQuery, opts: SearchOptions): (id: number) => number {
    const rules = [...q.actions].map((a) => this.domain.actions.get(a)).filter((r) => r !== undefined);
    const privilegeNeutral = q.privileged || opts.includePrivileged === true;
    const f = this.domain.privilegeFactors;
    const priorOn = this.domain.operationPriors.map((p) => !p.unlessQuery?.test(q.text));
    const compute = (id: number): number => {
      const t = this.traits[id];
      const op = this.operations[id];
      if (!t || !op) return 0;
      let factor = t.deprecated ? f.deprecated : 1;
      for (const i of t.priors) if (priorOn[i]) factor *= this.domain.operationPriors[i]!.factor;
      if (t.privilege === 'admin' || t.privilege === 'superadmin') {
        if (opts.includePrivileged === false) return 0;
        if (!privilegeNeutral) factor *= f[t.privilege];
      }
      factor *= COVERAGE_FLOOR + (1 - COVERAGE_FLOOR) * coverage(t.idWords, q.weights);
      let verb = 1;
      for (const rule of rules) {
        if (rule.boost <= verb) continue;
        if (rule.methods.has(op.method) || [...rule.operationTerms].some((w) => t.nameTerms.has(w))) verb = rule.boost;
      }
      return factor * verb;
    };
    // MiniSearch asks once per (document, matching term): compute each document's prior once
    const memo = new Map<number, number>();
    return (id) => {
      let factor = memo.get(id);
      if (factor === undefined) {
        factor = compute(id);
        memo.set(id, factor);
      }
      return factor;
    };
  }
}

/**
 * An operation whose name says more than the request (delete_files, delete_invitation for
 * "delete the folder") is less likely the one meant than one whose name the request covers
 * (delete_by_name): the score is scaled between COVERAGE_FLOOR and 1 by the covered share.
 */
const COVERAGE_FLOOR = 0.6;

function idWordsOf(operationId: string, domain: RetrievalDomain): string[][] {
  const words = new Set(terms(operationId.replace(/\.\d+$/, ''), domain.korean));
  const out: string[][] = [];
  for (const w of words) {
    if (domain.genericNameWords.has(w)) continue;
    out.push([w, ...(domain.catalogTerms.get(w) ?? [])]);
  }
  return out;
}

function coverage(idWords: string[][], weights: Map<string, number>): number {
  if (idWords.length === 0) return 1;
  let covered = 0;
  for (const forms of idWords) if (forms.some((f) => weights.has(f))) covered++;
  return covered / idWords.length;
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
  mini.addAll(catalog.operations.map((op, i) => operationDocument(i, op, catalog, domain)));
  return new OperationIndex(catalog, domain, mini, catalog.operations);
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
  operationIds: string[];
  index: AsPlainObject;
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
    if (!Array.isArray(data.operationIds) || data.operationIds.length !== ops.length) return undefined;
    for (let i = 0; i < ops.length; i++) if (data.operationIds[i] !== ops[i]!.operationId) return undefined;
    const mini = MiniSearch.loadJS<OperationDocument>(data.index, MINISEARCH_OPTIONS);
    return new OperationIndex(catalog, domain, mini, ops);
  } catch {
    return undefined; // missing, unreadable or corrupt: rebuild
  }
}

async function writeIndexCache(file: string, index: OperationIndex): Promise<void> {
  const data: IndexCacheFile = {
    format: INDEX_FORMAT,
    catalogSha256: index.catalog.sha256,
    domainSha256: index.domain.sha256,
    operationIds: index.catalog.operations.map((o) => o.operationId),
    index: index.toJSON(),
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
