/**
 * Optional hybrid retrieval against a local OpenAI-compatible `/embeddings` stub (real HTTP):
 * request format, batching, the on-disk vector cache, fusion with the lexical ranking, and
 * failures that fall back to lexical search with one warning line.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/spec/load.js';
import { buildOperationIndex, loadRetrievalDomain, type OperationIndex } from '../../src/retrieval/index.js';
import { EmbeddingClient, HybridRetriever, embeddingConfigFromEnv, retrieverFor } from '../../src/retrieval/embeddings.js';
import { BaiError } from '../../src/errors.js';
import { upstreamSpecPath } from '../support/shared.js';

const DIM = 64;
/** The stub's idea of meaning: some words share a dimension with a synonym. */
const SAME_AS: Record<string, string> = { obliterate: 'destroy', annihilate: 'destroy' };

function vectorOf(text: string): number[] {
  const v = new Array<number>(DIM).fill(0);
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!raw) continue;
    const word = raw.length > 3 ? raw.replace(/s$/, '') : raw; // the stub's "understanding" of plurals
    const w = SAME_AS[word] ?? word;
    let h = 0;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % DIM] = v[h % DIM]! + 1;
  }
  return v;
}

interface Seen {
  path: string;
  auth: string | undefined;
  model: string;
  inputs: number;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let mode: 'ok' | 'error' | 'garbage' = 'ok';
let cacheDir: string;
let index: OperationIndex;

async function body(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const chunk of req) s += String(chunk);
  return s;
}

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'bai-emb-'));
  process.env.BAI_AGENT_CACHE_DIR = cacheDir;
  server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as { model: string; input: string[] };
    seen.push({ path: req.url ?? '', auth: req.headers.authorization, model: parsed.model, inputs: parsed.input.length });
    if (mode === 'error') {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error": "overloaded"}');
      return;
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": [{"embedding": "no"}]}');
      return;
    }
    const data = parsed.input.map((text, i) => ({ object: 'embedding', index: i, embedding: vectorOf(text) })).reverse();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: parsed.model }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  index = buildOperationIndex(await loadCatalog({ source: upstreamSpecPath(), cache: false }), loadRetrievalDomain());
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(cacheDir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

beforeEach(() => {
  seen = [];
  mode = 'ok';
});

const env = (extra: Record<string, string> = {}) => ({ BAI_AGENT_EMBEDDINGS_URL: baseUrl, BAI_AGENT_EMBEDDINGS_MODEL: 'stub-embed', ...extra });

describe('configuration', () => {
  it('is off without a URL and validates the URL', () => {
    expect(embeddingConfigFromEnv({})).toBeUndefined();
    expect(() => embeddingConfigFromEnv({ BAI_AGENT_EMBEDDINGS_URL: 'ftp://x' })).toThrow(BaiError);
    expect(embeddingConfigFromEnv({ BAI_AGENT_EMBEDDINGS_URL: 'http://h/v1/' })).toMatchObject({ baseUrl: 'http://h/v1', model: 'text-embedding-3-small' });
  });
});

describe('hybrid retrieval', () => {
  it('embeds the catalog in batches with the OpenAI request format, then caches the vectors', async () => {
    const client = new EmbeddingClient(embeddingConfigFromEnv(env({ BAI_AGENT_EMBEDDINGS_API_KEY: 'sk-test-123' }))!);
    await HybridRetriever.create(index, client);
    expect(seen.length).toBe(Math.ceil(index.size / 64));
    expect(seen.every((s) => s.path === '/v1/embeddings' && s.model === 'stub-embed' && s.auth === 'Bearer sk-test-123')).toBe(true);
    expect(seen.reduce((n, s) => n + s.inputs, 0)).toBe(index.size);

    seen = [];
    const again = await HybridRetriever.create(index, client);
    expect(seen.length).toBe(0); // from the cache
    await again.search('list my sessions', { k: 5 });
    expect(seen).toEqual([expect.objectContaining({ inputs: 1 })]); // just the query
  });

  it('fuses dense and lexical rankings: a word only the embedding model knows still finds the operation', async () => {
    const hybrid = await HybridRetriever.create(index, new EmbeddingClient(embeddingConfigFromEnv(env())!));
    const lexical = index.search('obliterate session', { k: 5 }).map((r) => r.operation.operationId);
    const fused = (await hybrid.search('obliterate session', { k: 5 })).map((r) => r.operation.operationId);
    expect(lexical).not.toContain('session.destroy');
    expect(fused).toContain('session.destroy');
    const plain = (await hybrid.search('create a folder', { k: 3 })).map((r) => r.operation.operationId);
    expect(plain).toContain('folders.create');
  });

  it('an unreachable or failing endpoint falls back to lexical search with one warning', async () => {
    const warnings: string[] = [];
    mode = 'error';
    const retrieve = await retrieverFor(index, (m) => warnings.push(m), env({ BAI_AGENT_EMBEDDINGS_MODEL: 'other-model' }));
    const results = await retrieve('create a folder', { k: 3 });
    expect(results.map((r) => r.operation.operationId)).toEqual(index.search('create a folder', { k: 3 }).map((r) => r.operation.operationId));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/embeddings endpoint http:\/\/127\.0\.0\.1:\d+\/v1: HTTP 503/);

    const closed = await retrieverFor(index, (m) => warnings.push(m), { BAI_AGENT_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1' });
    expect((await closed('list my folders', { k: 2 })).length).toBe(2);
    expect(warnings).toHaveLength(2);
  });

  it('a malformed answer is a one-line unavailable error that never shows the key', async () => {
    mode = 'garbage';
    const client = new EmbeddingClient(embeddingConfigFromEnv(env({ BAI_AGENT_EMBEDDINGS_API_KEY: 'sk-secret-999' }))!);
    const err = await client.embed(['x']).catch((e: unknown) => e as BaiError);
    expect(err).toBeInstanceOf(BaiError);
    expect((err as BaiError).kind).toBe('unavailable');
    expect((err as BaiError).message).not.toContain('sk-secret-999');
    expect((err as BaiError).message).not.toContain('\n');
  });
});
