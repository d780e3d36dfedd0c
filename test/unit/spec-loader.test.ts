/**
 * The spec loader: the full upstream spec normalises completely, bad input of every kind is a
 * one-line SpecError (never a crash or a stack trace), and the normalised-catalog cache serves
 * repeat loads and shrugs off corrupt files.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BaiError } from '../../src/errors.js';
import { loadCatalog, SpecError } from '../../src/spec/index.js';
import type { Catalog } from '../../src/spec/index.js';
import { upstreamSpecPath } from '../support/shared.js';

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'bai-spec-loader-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Write a spec file into the temp dir and return its path. */
function specFile(name: string, content: string | Buffer): string {
  const path = join(work, name);
  writeFileSync(path, content);
  return path;
}

const minimal = (paths: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths, ...extra });

async function loadError(source: string): Promise<SpecError> {
  try {
    await loadCatalog({ source, cache: false });
  } catch (err) {
    return err as SpecError;
  }
  throw new Error(`loading ${source} did not fail`);
}

describe('the full upstream spec', () => {
  let upstream: Catalog;
  beforeAll(async () => {
    upstream = await loadCatalog({ source: upstreamSpecPath(), cache: false });
  });

  it('normalises all 730 operations, one of them HEAD', () => {
    expect(upstream.operations).toHaveLength(730);
    expect(upstream.operations.filter((o) => o.method === 'HEAD').map((o) => o.operationId)).toEqual(['session.get_task_logs']);
    expect(upstream.title).toBe('Backend.AI Manager API');
    expect(upstream.version).toBe('26.8.0rc1');
    expect(upstream.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(upstream.source).toEqual({ kind: 'file', location: upstreamSpecPath() });
  });

  it('reads privileges from the prose: 349 user, 361 superadmin, 9 admin, 11 anonymous', () => {
    const count: Record<string, number> = {};
    for (const o of upstream.operations) count[o.privilege] = (count[o.privilege] ?? 0) + 1;
    expect(count).toEqual({ user: 349, superadmin: 361, admin: 9, anonymous: 11 });
    expect(upstream.get('auth.authorize')!.privilege).toBe('anonymous');
  });

  it('keeps parameters, the GET body quirk, manager status and effects', () => {
    const destroy = upstream.get('session.destroy')!;
    expect(destroy.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['path:session_name', 'query:forced', 'query:recursive', 'query:owner_access_key']);
    expect(destroy.managerStatus).toEqual(['FROZEN', 'RUNNING']);
    expect(destroy.effect).toBe('write');
    const getId = upstream.get('folders.get_vfolder_id')!;
    expect(getId.method).toBe('GET');
    expect(getId.requestBody).toEqual({ $ref: '#/components/schemas/GetVFolderIDReq' });
    expect(getId.effect).toBe('read');
    expect(upstream.get('v2/sessions.my_search')!.effect).toBe('read');
    expect(upstream.get('resource.check_presets')!.effect).toBe('read');
    expect(upstream.get('session.get_task_logs')!.effect).toBe('read');
    expect(upstream.schemas.CreateFromParamsRequest).toBeDefined();
  });
});

describe('bad input is a one-line SpecError', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['an empty file', () => specFile('empty.yaml', ''), /document is empty/],
    ['only whitespace and a BOM', () => specFile('blank.json', '\uFEFF  \n\t\n'), /document is empty/],
    ['binary garbage', () => specFile('garbage.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x00, 0x13, 0x37])), /invalid YAML|not a JSON\/YAML object|no "openapi/],
    ['invalid JSON', () => specFile('bad.json', '{"openapi": "3.1.0", "paths": {'), /invalid JSON/],
    ['invalid YAML', () => specFile('bad.yaml', 'openapi: 3.1.0\npaths:\n  /a:\n    get: [unclosed\n'), /invalid YAML/],
    ['a YAML scalar', () => specFile('scalar.yaml', 'just some words\n'), /not a JSON\/YAML object/],
    ['a JSON array', () => specFile('array.json', '[1, 2, 3]'), /not a JSON\/YAML object/],
    ['Swagger 2.0', () => specFile('swagger.json', JSON.stringify({ swagger: '2.0', info: {}, paths: {} })), /Swagger 2\.0 documents are not supported/],
    ['no openapi field', () => specFile('noversion.json', JSON.stringify({ info: {}, paths: {} })), /no "openapi: 3\.x" field/],
    ['no paths', () => specFile('nopaths.json', JSON.stringify({ openapi: '3.1.0', info: {} })), /no "paths" object/],
    ['paths without operations', () => specFile('noops.json', minimal({})), /defines no operations/],
    ['an operation without operationId', () => specFile('noid.json', minimal({ '/a': { get: { responses: {} } } })), /GET \/a: operation has no operationId/],
    [
      'a duplicate operationId',
      () => specFile('dup.json', minimal({ '/a': { get: { operationId: 'x' } }, '/b': { post: { operationId: 'x' } } })),
      /POST \/b: duplicate operationId "x"/,
    ],
    ['a parameter without a name', () => specFile('param.json', minimal({ '/a': { get: { operationId: 'a', parameters: [{ in: 'query' }] } } })), /lacks "name" or "in"/],
    ['a path that is not an object', () => specFile('nullpath.yaml', 'openapi: 3.1.0\npaths:\n  /a:\n'), /path "\/a" is not an object/],
    ['a missing file', () => join(work, 'does-not-exist.yaml'), /file not found/],
    ['a directory', () => work, /is a directory/],
  ];

  it.each(cases)('%s', async (_what, source, message) => {
    const err = await loadError(source());
    expect(err).toBeInstanceOf(SpecError);
    expect(err).toBeInstanceOf(BaiError);
    expect(err.kind).toBe('bad_input');
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^spec /);
    expect(err.message).not.toContain('\n');
  });

  it('names the file in the message', async () => {
    const path = specFile('named.json', '{nope');
    expect((await loadError(path)).message).toContain(path);
  });

  it('an alias bomb is refused, not expanded', async () => {
    const lines = ['openapi: 3.1.0', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`);
    lines.push('paths: {}');
    const err = await loadError(specFile('bomb.yaml', lines.join('\n')));
    expect(err.message).toMatch(/invalid YAML/);
  });
});

describe('lenient where the document is still usable', () => {
  it('reads an unquoted numeric openapi/info version from YAML', async () => {
    const path = specFile('numeric.yaml', 'openapi: 3.0\ninfo: {title: numbers, version: 1.5}\npaths:\n  /a:\n    get: {operationId: a}\n');
    const catalog = await loadCatalog({ source: path, cache: false });
    expect(catalog.version).toBe('1.5');
    expect(catalog.has('a')).toBe(true);
  });

  it('ignores malformed x-bai-examples entries instead of passing them on', async () => {
    const path = specFile(
      'examples.json',
      minimal({ '/a': { post: { operationId: 'a', 'x-bai-examples': ['oops', { summary: 'fine', body: { x: 1 } }, null] } } }),
    );
    const catalog = await loadCatalog({ source: path, cache: false });
    expect(catalog.get('a')!.examples).toEqual([{ summary: 'fine', body: { x: 1 } }]);
  });
});

describe('the catalog cache', () => {
  let cacheRoot: string;
  const saved = process.env.BAI_AGENT_CACHE_DIR;
  beforeEach(() => {
    cacheRoot = mkdtempSync(join(work, 'cache-'));
    process.env.BAI_AGENT_CACHE_DIR = cacheRoot;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.BAI_AGENT_CACHE_DIR;
    else process.env.BAI_AGENT_CACHE_DIR = saved;
  });

  const cacheFiles = () => readdirSync(join(cacheRoot, 'spec')).filter((f) => f.endsWith('.json'));
  const doc = () => minimal({ '/a': { get: { operationId: 'a', summary: 'from the document' } } });

  it('serves a second load of the same file from the cache', async () => {
    const path = specFile('cached.json', doc());
    const first = await loadCatalog({ source: path });
    expect(cacheFiles()).toEqual([`catalog-${first.sha256}.json`]);
    // change the cached copy: if the second load reads it, we see the change
    const file = join(cacheRoot, 'spec', cacheFiles()[0]!);
    writeFileSync(file, readFileSync(file, 'utf8').replace('from the document', 'from the cache'));
    const second = await loadCatalog({ source: path });
    expect(second.get('a')!.summary).toBe('from the cache');
    expect(second.sha256).toBe(first.sha256);
    expect(second.source).toEqual({ kind: 'file', location: path });
  });

  it('ignores a corrupt cache file and rewrites it', async () => {
    const path = specFile('corrupt.json', doc());
    const first = await loadCatalog({ source: path });
    const file = join(cacheRoot, 'spec', `catalog-${first.sha256}.json`);
    for (const junk of ['{"format": 3, "info": ', 'null', '\u0000\u0001binary', JSON.stringify({ format: 3, info: { sha256: 'other' }, operations: [] })]) {
      writeFileSync(file, junk);
      const again = await loadCatalog({ source: path });
      expect(again.get('a')!.summary).toBe('from the document');
      expect(JSON.parse(readFileSync(file, 'utf8')).info.sha256).toBe(first.sha256);
    }
  });

  it('a changed file is a new cache entry, and cache: false neither reads nor writes', async () => {
    const path = specFile('changing.json', doc());
    await loadCatalog({ source: path });
    writeFileSync(path, doc().replace('from the document', 'edited'));
    expect((await loadCatalog({ source: path })).get('a')!.summary).toBe('edited');
    expect(cacheFiles()).toHaveLength(2);
    const other = specFile('nocache.json', minimal({ '/b': { get: { operationId: 'b' } } }));
    await loadCatalog({ source: other, cache: false });
    expect(cacheFiles()).toHaveLength(2);
  });

  it('an unwritable cache dir only costs speed', async () => {
    const blocker = join(cacheRoot, 'blocked');
    writeFileSync(blocker, 'a file where a directory should be');
    process.env.BAI_AGENT_CACHE_DIR = blocker;
    const path = specFile('unwritable.json', doc());
    expect((await loadCatalog({ source: path })).has('a')).toBe(true);
  });

  it('the bundled spec loads through the cache too', async () => {
    const first = await loadCatalog();
    const second = await loadCatalog();
    expect(second.operations.length).toBe(first.operations.length);
    expect(second.source.kind).toBe('bundled');
    mkdirSync(join(cacheRoot, 'spec'), { recursive: true });
    expect(cacheFiles()).toEqual([`catalog-${first.sha256}.json`]);
  });
});
