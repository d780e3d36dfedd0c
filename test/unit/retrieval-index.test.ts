/**
 * Retrieval over the operation catalog: our own queries (other phrasings, names, numbers,
 * Korean — never the eval items) find the right operation in the top 5; privileged operations
 * are preferred less unless asked for; odd input never crashes; the on-disk cache round-trips.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog, bundledSpecPath } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import {
  buildOperationIndex,
  indexCachePath,
  loadOperationIndex,
  loadRetrievalDomain,
  type OperationIndex,
} from '../../src/retrieval/index.js';
import { repoRoot, upstreamSpecPath } from '../support/shared.js';

interface Query {
  query: string;
  expected: string[];
  lang: 'en' | 'ko';
}

const queries: Query[] = readFileSync(join(repoRoot, 'test/fixtures/retrieval-queries.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as Query);

let cacheDir: string;
let upstream: Catalog;
let index: OperationIndex;

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'bai-retrieval-'));
  process.env.BAI_AGENT_CACHE_DIR = cacheDir;
  upstream = await loadCatalog({ source: upstreamSpecPath(), cache: false });
  index = buildOperationIndex(upstream, loadRetrievalDomain());
});

afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

const top = (q: string, k = 5, idx = index) => idx.search(q, { k }).map((r) => r.operation.operationId);

function recallAt5(idx: OperationIndex, catalog: Catalog, items: Query[]) {
  let n = 0;
  let hits = 0;
  const misses: string[] = [];
  for (const item of items) {
    const expected = item.expected.filter((id) => catalog.has(id));
    if (expected.length === 0) continue; // the curated spec leaves some operations out
    n++;
    if (top(item.query, 5, idx).some((id) => expected.includes(id))) hits++;
    else misses.push(item.query);
  }
  return { n, recall: hits / n, misses };
}

describe('retrieval on our own queries (full upstream spec, 730 operations)', () => {
  it('finds the expected operation in the top 5 for at least 93% of them', () => {
    const { n, recall, misses } = recallAt5(index, upstream, queries);
    expect(n).toBeGreaterThan(140);
    expect(recall, `misses:\n${misses.join('\n')}`).toBeGreaterThanOrEqual(0.93);
  });

  it('understands Korean requests as well as English ones', () => {
    const ko = queries.filter((q) => q.lang === 'ko');
    expect(ko.length).toBeGreaterThan(30);
    const { recall, misses } = recallAt5(index, upstream, ko);
    expect(recall, `misses:\n${misses.join('\n')}`).toBeGreaterThanOrEqual(0.9);
  });

  it.each([
    ['spin up a notebook with 2 GPUs', ['session.create_from_params', 'session.create_from_params.2', 'v2/sessions.enqueue']],
    ['tear down the training container', ['session.destroy', 'v2/sessions.terminate']],
    ['세션 삭제해 주세요', ['session.destroy', 'v2/sessions.terminate']],
    ['make a subdirectory logs in the runs folder', ['folders.mkdir']],
    ['give bob@example.com read access to my datasets folder', ['folders.invite', 'folders.share']],
    ['scale chat-svc to 3 replicas', ['services.scale']],
    ['which scaling groups can I use', ['scaling-groups.list_available_sgroups']],
    ['결과 폴더를 지워줘', ['folders.delete_by_name', 'folders.delete_by_id']],
  ])('must hit: %s', (q, expected) => {
    expect(top(q).some((id) => expected.includes(id)), top(q).join(', ')).toBe(true);
  });

  it('tolerates typos in the words the user typed', () => {
    expect(top('sesion logs for my-lab')).toEqual(expect.arrayContaining(['session.get_container_logs']));
    expect(top('termiante session my-lab').some((id) => ['session.destroy', 'v2/sessions.terminate'].includes(id))).toBe(true);
  });

  it('returns results best first with positive scores, at most k', () => {
    const results = index.search('list my folders', { k: 7 });
    expect(results.length).toBe(7);
    for (let i = 1; i < results.length; i++) expect(results[i - 1]!.score).toBeGreaterThanOrEqual(results[i]!.score);
    expect(results.every((r) => r.score > 0)).toBe(true);
  });
});

describe('privilege preference', () => {
  it('prefers what a normal user may call when the request does not say admin', () => {
    const ids = top('list sessions', 3);
    expect(ids).not.toContain('v2/sessions.admin_search_sessions');
    const all = index.search('search sessions', { k: 20 }).map((r) => r.operation);
    const firstPrivileged = all.findIndex((o) => o.privilege === 'superadmin');
    const firstUser = all.findIndex((o) => o.privilege === 'user');
    expect(firstUser).toBeLessThan(firstPrivileged);
  });

  it('lets admin operations compete when the request talks about admin scope', () => {
    expect(top('as an admin, search the sessions of all users', 3)).toContain('v2/sessions.admin_search_sessions');
    expect(top('관리자로 모든 사용자의 세션 검색', 5)).toContain('v2/sessions.admin_search_sessions');
  });

  it('drops them entirely with includePrivileged: false, and keeps them level with true', () => {
    const none = index.search('as an admin, search the sessions of all users', { k: 30, includePrivileged: false });
    expect(none.every((r) => r.operation.privilege !== 'superadmin' && r.operation.privilege !== 'admin')).toBe(true);
    const rank = (includePrivileged?: boolean) =>
      index
        .search('search sessions', { k: 50, ...(includePrivileged === undefined ? {} : { includePrivileged }) })
        .findIndex((r) => r.operation.operationId === 'v2/sessions.admin_search_sessions');
    expect(rank(true)).toBeGreaterThanOrEqual(0);
    expect(rank(true)).toBeLessThan(rank());
  });
});

describe('odd input', () => {
  it.each([
    ['empty', ''],
    ['blank', '   \n\t '],
    ['punctuation', '?!?!... ---'],
    ['only stopwords', 'the a of to please'],
  ])('%s → no results', (_label, q) => {
    expect(index.search(q)).toEqual([]);
  });

  it('nonsense words give no results or low-confidence ones', () => {
    const results = index.search('qwzxv plokmijn zzyzx');
    const typical = index.search('create a folder')[0]!.score;
    expect(results.length === 0 || results[0]!.score < typical / 5).toBe(true);
  });

  it('a 1 MB query returns quickly without crashing', () => {
    const huge = 'create a session with 2 GPUs '.repeat(40_000).slice(0, 1_000_000);
    const started = Date.now();
    const results = index.search(huge);
    expect(Date.now() - started).toBeLessThan(500);
    expect(results[0]?.operation.operationId).toBeDefined();
  });

  it('binary garbage returns quickly without crashing', () => {
    let seed = 7;
    const bytes = Buffer.alloc(200_000);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) & 0xff);
    for (const text of [bytes.toString('latin1'), bytes.toString('utf8'), '\u0000\u0001\ufffd\ud800']) {
      expect(() => index.search(text)).not.toThrow();
    }
  });

  it('non-string input from JavaScript callers is treated as empty', () => {
    expect(index.search(undefined as unknown as string)).toEqual([]);
    expect(index.search(42 as unknown as string)).toEqual([]);
  });

  it('clamps k to a sane range', () => {
    expect(index.search('folder', { k: 0 }).length).toBe(1);
    expect(index.search('folder', { k: Number.NaN }).length).toBe(8);
  });
});

describe('the index cache', () => {
  const probes = ['create a session with 4 fGPU', '내 폴더 목록', 'kill train-job-1', 'how much GPU do I have left?'];

  it('round-trips: a second load comes from the cache and ranks identically', async () => {
    const domain = loadRetrievalDomain();
    const built = await loadOperationIndex(upstream, { domain });
    const file = indexCachePath(upstream, domain);
    expect(existsSync(file)).toBe(true);
    const loaded = await loadOperationIndex(upstream, { domain });
    for (const q of probes) expect(loaded.search(q, { k: 8 })).toEqual(built.search(q, { k: 8 }));
  });

  it('ignores a corrupt cache file and rewrites it', async () => {
    const domain = loadRetrievalDomain();
    await loadOperationIndex(upstream, { domain });
    const file = indexCachePath(upstream, domain);
    for (const garbage of ['{"format": 2, "index": ', '\u0000\u0001 not json', JSON.stringify({ format: 2, catalogSha256: upstream.sha256 })]) {
      writeFileSync(file, garbage);
      const index2 = await loadOperationIndex(upstream, { domain });
      for (const q of probes) expect(index2.search(q, { k: 5 })).toEqual(index.search(q, { k: 5 }));
      expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
    }
  });

  it('is keyed by the spec: another catalog gets its own file', async () => {
    const domain = loadRetrievalDomain();
    const small = await loadCatalog({ source: upstreamSpecPath(), cache: false });
    const other = { ...small, sha256: 'f'.repeat(64), operations: small.operations.slice(0, 50) } as Catalog;
    expect(indexCachePath(other, domain)).not.toBe(indexCachePath(upstream, domain));
    const idx = await loadOperationIndex(other, { domain });
    expect(idx.size).toBe(50);
    expect(readdirSync(join(cacheDir, 'retrieval')).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(2);
  });

  it('cache: false never touches the disk', async () => {
    const before = existsSync(join(cacheDir, 'retrieval')) ? readdirSync(join(cacheDir, 'retrieval')).length : 0;
    const other = { ...upstream, sha256: 'e'.repeat(64) } as Catalog;
    await loadOperationIndex(other, { cache: false });
    const after = existsSync(join(cacheDir, 'retrieval')) ? readdirSync(join(cacheDir, 'retrieval')).length : 0;
    expect(after).toBe(before);
  });
});

describe.skipIf(!existsSync(bundledSpecPath()))('retrieval on the bundled curated spec', () => {
  it('finds the expected operation in the top 5 for at least 95% of our queries', async () => {
    const curated = await loadCatalog({ source: 'bundled', cache: false });
    const idx = buildOperationIndex(curated, loadRetrievalDomain());
    const { n, recall, misses } = recallAt5(idx, curated, queries);
    expect(n).toBeGreaterThan(100);
    expect(recall, `misses:\n${misses.join('\n')}`).toBeGreaterThanOrEqual(0.95);
  });
});
