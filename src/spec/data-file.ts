/**
 * Domain data files under specs/ (synonyms, lexicon, defaults) are YAML for the people who edit
 * them. Parsing YAML costs start-up time, so the parsed value is cached as JSON under the cache
 * dir, keyed by the file's sha256: a cold CLI start with unchanged data only does JSON.parse.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { cacheDir } from '../paths.js';
import { SpecError } from './errors.js';
import { loadYaml } from './yaml.js';

export interface DataFile<T> {
  path: string;
  sha256: string;
  data: T;
}

/** Read and parse a YAML (or JSON) data file, using the JSON cache when it is fresh. */
export function loadDataFile<T = unknown>(path: string): DataFile<T> {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    throw new SpecError(`cannot read data file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, path);
  }
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const cacheFile = join(cacheDir(), 'data', `${basename(path)}-${sha256.slice(0, 16)}.json`);
  try {
    return { path, sha256, data: JSON.parse(readFileSync(cacheFile, 'utf8')) as T };
  } catch {
    // cache miss or corrupt: parse below
  }
  const text = raw.toString('utf8');
  let data: T;
  if (path.endsWith('.json')) {
    try {
      data = JSON.parse(text) as T;
    } catch (err) {
      throw new SpecError(`invalid JSON (${(err as Error).message})`, path);
    }
  } else {
    data = parseYamlSync<T>(text, path);
  }
  try {
    mkdirSync(join(cacheDir(), 'data'), { recursive: true });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(data));
    renameSync(tmp, cacheFile);
  } catch {
    // unwritable cache only costs speed
  }
  return { path, sha256, data };
}

function parseYamlSync<T>(text: string, path: string): T {
  const { parse } = loadYaml(); // only here: the common cached path never loads yaml
  try {
    return parse(text, { maxAliasCount: 100 }) as T;
  } catch (err) {
    throw new SpecError(`invalid YAML (${(err as Error).message.split('\n')[0]})`, path);
  }
}
