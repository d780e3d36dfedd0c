/**
 * Load a spec from the bundled `specs/`, a file, a URL, or the live manager, and cache the
 * normalised catalog keyed by the document's sha256 so that a cold start skips parsing.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledSpecsDir, cacheDir } from '../paths.js';
import { SpecError } from './errors.js';
import { makeCatalog, normalizeDocument } from './normalize.js';
import { loadYaml } from './yaml.js';
import type { Catalog, CatalogInfo, JsonSchema, Operation, SpecSource } from './types.js';

export const BUNDLED_SPEC_FILE = 'backendai-manager.yaml';
/** Bump when the normalised shape changes, so stale caches are ignored. */
const CACHE_FORMAT = 4;

export interface LoadCatalogOptions {
  /** `bundled` (default), a file path, an http(s) URL, or `live`. */
  source?: string;
  /** Fetches the live manager's `/spec/openapi/spec.json` (signed); required for `live`. */
  fetchLive?: () => Promise<string>;
  /** Read/write the normalised-catalog cache (default true). */
  cache?: boolean;
  timeoutMs?: number;
}

export function bundledSpecPath(): string {
  return join(bundledSpecsDir(), BUNDLED_SPEC_FILE);
}

export async function loadCatalog(opts: LoadCatalogOptions = {}): Promise<Catalog> {
  const source = opts.source ?? 'bundled';
  const { text, origin } = await readSource(source, opts);
  return catalogFromText(text, origin, opts.cache !== false);
}

/** Parse + normalise a document's text (JSON or YAML), using the cache when allowed. */
export async function catalogFromText(text: string | Buffer, origin: SpecSource, useCache = false): Promise<Catalog> {
  const sha256 = createHash('sha256').update(text).digest('hex');
  const cached = useCache ? await readCache(sha256, origin) : undefined;
  if (cached) return cached;
  const doc = await parseDocument(typeof text === 'string' ? text : text.toString('utf8'), origin.location);
  let catalog: Catalog;
  try {
    catalog = normalizeDocument(doc, { info: { sha256, source: origin } });
  } catch (err) {
    // the normaliser knows what is wrong but not which file: name it, as parse errors do
    if (err instanceof SpecError && err.location === undefined) throw new SpecError(err.reason, origin.location);
    throw err;
  }
  if (useCache) await writeCache(catalog);
  return catalog;
}

async function readSource(source: string, opts: LoadCatalogOptions): Promise<{ text: Buffer | string; origin: SpecSource }> {
  if (source === 'bundled') {
    const path = bundledSpecPath();
    return { text: await readFileOrThrow(path), origin: { kind: 'bundled', location: path } };
  }
  if (source === 'live') {
    if (!opts.fetchLive) throw new SpecError('loading the live spec needs a configured manager connection');
    return { text: await opts.fetchLive(), origin: { kind: 'live', location: '/spec/openapi/spec.json' } };
  }
  if (/^https?:\/\//i.test(source)) {
    return { text: await fetchUrl(source, opts.timeoutMs ?? 15_000), origin: { kind: 'url', location: redactUrl(source) } };
  }
  return { text: await readFileOrThrow(source), origin: { kind: 'file', location: source } };
}

async function readFileOrThrow(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new SpecError(why, path);
  }
}

/** Drop userinfo and query (which could carry tokens) before a URL is recorded anywhere. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return '<url>';
  }
}

async function fetchUrl(url: string, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
    throw new SpecError(`could not fetch: ${why}`, redactUrl(url));
  }
  if (!res.ok) throw new SpecError(`HTTP ${res.status} ${res.statusText}`, redactUrl(url));
  return await res.text();
}

export async function parseDocument(text: string, location: string): Promise<unknown> {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed === '') throw new SpecError('the document is empty', location);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      throw new SpecError(`invalid JSON (${(err as Error).message})`, location);
    }
  }
  const { parse } = loadYaml();
  try {
    // maxAliasCount guards against "billion laughs"; logLevel error keeps YAML warnings (unknown tags) off stderr
    return parse(trimmed, { maxAliasCount: 100, logLevel: 'error' });
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new SpecError(`invalid YAML (${first})`, location);
  }
}

interface CacheFile {
  format: number;
  info: CatalogInfo;
  operations: Operation[];
  schemas: Record<string, JsonSchema>;
}

function cachePath(sha256: string): string {
  return join(cacheDir(), 'spec', `catalog-${sha256}.json`);
}

async function readCache(sha256: string, origin: SpecSource): Promise<Catalog | undefined> {
  try {
    const data = JSON.parse(await readFile(cachePath(sha256), 'utf8')) as CacheFile;
    if (data.format !== CACHE_FORMAT || data.info?.sha256 !== sha256 || !Array.isArray(data.operations)) return undefined;
    return makeCatalog({ ...data.info, source: origin }, data.operations, data.schemas ?? {});
  } catch {
    return undefined; // a missing or corrupt cache is just a miss
  }
}

async function writeCache(catalog: Catalog): Promise<void> {
  const file = cachePath(catalog.sha256);
  const data: CacheFile = {
    format: CACHE_FORMAT,
    info: { title: catalog.title, version: catalog.version, sha256: catalog.sha256, source: catalog.source },
    operations: catalog.operations,
    schemas: catalog.schemas,
  };
  try {
    await mkdir(join(cacheDir(), 'spec'), { recursive: true });
    // write-then-rename so a concurrent reader never sees half a file
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, file);
  } catch {
    // an unwritable cache only costs speed
  }
}
