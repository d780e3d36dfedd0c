/**
 * A synthetic catalog of ToolBench scale (16,000 operations), generated deterministically from a
 * real one: each operation is a copy of a real operation moved into one of many invented API
 * families, with its own operationId, path, tags and partly rewritten summary. Vocabulary grows
 * the way it does across many unrelated APIs, which is what stresses an index.
 */
import { createHash } from 'node:crypto';
import { makeCatalog } from '../spec/normalize.js';
import type { Catalog, Operation } from '../spec/types.js';

/** Small deterministic PRNG (mulberry32): the same seed gives the same catalog everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ser', 'van', 'tor', 'qui', 'zen', 'bra', 'dex', 'nor', 'pel', 'sul', 'tri', 'gan', 'fos', 'hul', 'jor', 'wex', 'yam'];
const DOMAIN_WORDS = [
  'weather', 'invoice', 'payment', 'crypto', 'ticket', 'flight', 'hotel', 'recipe', 'lyrics', 'stock', 'news', 'email',
  'calendar', 'contact', 'order', 'shipment', 'warehouse', 'patient', 'course', 'student', 'movie', 'playlist', 'podcast',
  'document', 'translation', 'sensor', 'device', 'camera', 'vehicle', 'route', 'map', 'review', 'product', 'coupon',
  'subscription', 'account', 'profile', 'report', 'metric', 'alert', 'incident', 'build', 'repository', 'package',
];

function pseudoWord(rand: () => number): string {
  const n = 2 + Math.floor(rand() * 2);
  let w = '';
  for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]!;
  return w;
}

function pick<T>(list: readonly T[], rand: () => number): T {
  return list[Math.floor(rand() * list.length)]!;
}

/** `size` operations derived from `base` (whose own operations come first, unchanged). */
export function syntheticCatalog(base: Catalog, size: number, seed = 1): Catalog {
  const rand = prng(seed);
  const ops: Operation[] = base.operations.slice(0, size);
  let family = '';
  let familyWord = '';
  for (let i = ops.length; i < size; i++) {
    // a new API family every ~40 operations, as in a marketplace of many small APIs
    if ((i - base.operations.length) % 40 === 0) {
      familyWord = pick(DOMAIN_WORDS, rand);
      family = `${familyWord}-${pseudoWord(rand)}`;
    }
    const src = base.operations[Math.floor(rand() * base.operations.length)]!;
    const verb = src.operationId.split('.').pop() ?? 'call';
    const noun = pseudoWord(rand);
    const summaryWords = (src.summary || verb.replace(/_/g, ' ')).split(/\s+/);
    // swap a third of the summary words for family vocabulary
    const summary = summaryWords.map((w) => (rand() < 0.33 ? pick([familyWord, noun, pseudoWord(rand)], rand) : w)).join(' ');
    ops.push({
      ...src,
      operationId: `${family}.${verb}_${noun}_${i}`,
      path: `/${family}/${noun}${src.path}`,
      summary,
      description: `${summary}. ${familyWord} ${noun} ${src.description.slice(0, 200)}`,
      tags: [family],
      examples: undefined,
    });
  }
  const sha256 = createHash('sha256').update(`synthetic:${base.sha256}:${size}:${seed}`).digest('hex');
  return makeCatalog(
    { title: `${base.title} (synthetic ${size})`, version: base.version, sha256, source: { kind: 'file', location: `synthetic:${size}` } },
    ops,
    base.schemas,
  );
}
