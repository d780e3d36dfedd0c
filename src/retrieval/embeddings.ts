/**
 * Optional hybrid retrieval: lexical (the MiniSearch index) fused with dense vectors from any
 * OpenAI-compatible `/embeddings` endpoint (OpenAI, vLLM, Ollama, a Backend.AI model service).
 * Off unless configured; the default path needs no network.
 *
 *   BAI_AGENT_EMBEDDINGS_URL     base URL, e.g. http://localhost:8000/v1  (enables hybrid search)
 *   BAI_AGENT_EMBEDDINGS_MODEL   model name (default text-embedding-3-small)
 *   BAI_AGENT_EMBEDDINGS_API_KEY bearer token, if the endpoint needs one
 *
 * Operation vectors are computed once per (catalog, model, endpoint) and cached on disk.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BaiError } from '../errors.js';
import { cacheDir } from '../paths.js';
import type { Catalog, Operation } from '../spec/types.js';
import type { RetrievedOperation } from '../planner/types.js';
import type { OperationIndex, SearchOptions } from './index.js';

export interface EmbeddingConfig {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** Texts per request. */
  batchSize: number;
}

export function embeddingConfigFromEnv(env: NodeJS.ProcessEnv = process.env): EmbeddingConfig | undefined {
  const baseUrl = env.BAI_AGENT_EMBEDDINGS_URL?.trim();
  if (!baseUrl) return undefined;
  if (!/^https?:\/\//i.test(baseUrl)) throw new BaiError('BAI_AGENT_EMBEDDINGS_URL must be an http(s) URL', 'config');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model: env.BAI_AGENT_EMBEDDINGS_MODEL?.trim() || 'text-embedding-3-small',
    ...(env.BAI_AGENT_EMBEDDINGS_API_KEY ? { apiKey: env.BAI_AGENT_EMBEDDINGS_API_KEY } : {}),
    timeoutMs: 20_000,
    batchSize: 64,
  };
}

/** The endpoint without credentials or query, for messages and cache keys. */
function endpointLabel(baseUrl: string): string {
  try {
    const u = new URL(baseUrl);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '<embeddings endpoint>';
  }
}

export class EmbeddingClient {
  constructor(private readonly config: EmbeddingConfig) {}

  get model(): string {
    return this.config.model;
  }

  get endpoint(): string {
    return endpointLabel(this.config.baseUrl);
  }

  /** One vector per text, in order. Failures are one-line `unavailable` errors. */
  async embed(texts: readonly string[]): Promise<number[][]> {
    const out: number[][] = [];
    for (let i = 0; i < texts.length; i += this.config.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(i, i + this.config.batchSize))));
    }
    return out;
  }

  private async embedBatch(input: string[]): Promise<number[][]> {
    const where = `embeddings endpoint ${this.endpoint}`;
    let res: Response;
    try {
      res = await fetch(`${this.config.baseUrl}/embeddings`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.config.apiKey ? { authorization: `Bearer ${this.config.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.config.model, input }),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${this.config.timeoutMs} ms` : ((e.cause as Error | undefined)?.message ?? e.message);
      throw new BaiError(`${where}: ${why}`, 'unavailable');
    }
    if (!res.ok) throw new BaiError(`${where}: HTTP ${res.status} ${res.statusText}`.trim(), 'unavailable');
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new BaiError(`${where}: the answer is not JSON`, 'unavailable');
    }
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length !== input.length) {
      throw new BaiError(`${where}: expected ${input.length} embeddings in "data"`, 'unavailable');
    }
    // OpenAI returns items with an index; order by it when present
    const items = [...data].sort((a, b) => ((a as { index?: number }).index ?? 0) - ((b as { index?: number }).index ?? 0));
    return items.map((item) => {
      const v = (item as { embedding?: unknown }).embedding;
      if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new BaiError(`${where}: an embedding is not a list of numbers`, 'unavailable');
      }
      return v as number[];
    });
  }
}

/** What an operation is, as one short text for embedding. */
export function operationText(op: Operation): string {
  return [op.operationId, `${op.method} ${op.path}`, op.summary, op.description.slice(0, 400), op.tags.join(' ')].filter(Boolean).join('. ');
}

function normalise(v: number[]): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  const n = Math.sqrt(norm) || 1;
  return Float32Array.from(v, (x) => x / n);
}

const VECTOR_FORMAT = 1;

interface VectorCacheFile {
  format: number;
  key: string;
  vectors: number[][];
}

/** Lexical + dense retrieval fused by reciprocal rank. */
export class HybridRetriever {
  private constructor(
    private readonly index: OperationIndex,
    private readonly client: EmbeddingClient,
    private readonly vectors: Float32Array[],
  ) {}

  /** Loads (or computes and caches) the operation vectors. */
  static async create(index: OperationIndex, client: EmbeddingClient, opts: { cache?: boolean } = {}): Promise<HybridRetriever> {
    const catalog = index.catalog;
    const key = createHash('sha256').update(`${VECTOR_FORMAT}\n${catalog.sha256}\n${client.model}\n${client.endpoint}`).digest('hex').slice(0, 32);
    const file = join(cacheDir(), 'retrieval', `vectors-${key}.json`);
    let raw = opts.cache === false ? undefined : await readVectors(file, key, catalog);
    if (!raw) {
      raw = await client.embed(catalog.operations.map(operationText));
      if (opts.cache !== false) await writeVectors(file, { format: VECTOR_FORMAT, key, vectors: raw });
    }
    return new HybridRetriever(index, client, raw.map(normalise));
  }

  /** Best operations for a request: lexical and dense rankings fused (RRF). */
  async search(query: string, opts: SearchOptions = {}): Promise<RetrievedOperation[]> {
    const k = opts.k ?? 8;
    const depth = Math.max(50, k * 5);
    const lexical = this.index.search(query, { ...opts, k: depth });
    const text = typeof query === 'string' ? query.slice(0, 2000).trim() : '';
    if (!text) return lexical.slice(0, k);
    const [q] = await this.client.embed([text]);
    const qv = normalise(q!);
    if (qv.length !== this.vectors[0]?.length) throw new BaiError('embeddings: the query vector has a different size than the cached operation vectors', 'unavailable');
    const dense = this.vectors
      .map((v, i) => ({ i, s: dot(v, qv) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, depth);
    const ops = this.index.catalog.operations;
    const fused = new Map<string, { operation: Operation; score: number }>();
    const add = (operation: Operation, rank: number, weight: number) => {
      const entry = fused.get(operation.operationId) ?? { operation, score: 0 };
      entry.score += weight / (RRF_K + rank + 1);
      fused.set(operation.operationId, entry);
    };
    lexical.forEach((r, rank) => add(r.operation, rank, LEXICAL_WEIGHT));
    dense.forEach(({ i }, rank) => {
      const op = ops[i];
      if (!op) return;
      if (opts.includePrivileged === false && (op.privilege === 'admin' || op.privilege === 'superadmin')) return;
      add(op, rank, 1);
    });
    return [...fused.values()]
      .sort((a, b) => b.score - a.score)
      .slice(0, k)
      .map((r) => ({ operation: r.operation, score: Math.round(r.score * 1e5) / 1e5 }));
  }
}

/** Reciprocal-rank-fusion constant (the usual 60). */
const RRF_K = 60;
/**
 * The lexical ranking counts double: it knows the domain (synonyms, verbs, privilege), so the
 * dense side mostly rescues requests whose words the synonyms do not cover.
 */
const LEXICAL_WEIGHT = 2;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

async function readVectors(file: string, key: string, catalog: Catalog): Promise<number[][] | undefined> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as VectorCacheFile;
    if (data.format !== VECTOR_FORMAT || data.key !== key || !Array.isArray(data.vectors) || data.vectors.length !== catalog.operations.length) return undefined;
    return data.vectors;
  } catch {
    return undefined;
  }
}

async function writeVectors(file: string, data: VectorCacheFile): Promise<void> {
  try {
    await mkdir(join(cacheDir(), 'retrieval'), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(data));
    await rename(tmp, file);
  } catch {
    // an unwritable cache only costs speed
  }
}

/**
 * The retriever the CLI should use: hybrid when an embeddings endpoint is configured and
 * reachable, else the lexical index. `warn` hears why hybrid was skipped.
 */
export async function retrieverFor(
  index: OperationIndex,
  warn: (message: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<(query: string, opts?: SearchOptions) => Promise<RetrievedOperation[]>> {
  const lexical = async (q: string, o?: SearchOptions) => index.search(q, o);
  const config = embeddingConfigFromEnv(env);
  if (!config) return lexical;
  try {
    const hybrid = await HybridRetriever.create(index, new EmbeddingClient(config));
    return async (q, o) => {
      try {
        return await hybrid.search(q, o);
      } catch (err) {
        warn(`${(err as Error).message}; using lexical search`);
        return index.search(q, o);
      }
    };
  } catch (err) {
    warn(`${(err as Error).message}; using lexical search`);
    return lexical;
  }
}
