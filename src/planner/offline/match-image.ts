/**
 * Fuzzy matching of an image mention ("NGC PyTorch 23.07", "tf 2.15", "python 3.11", "pytorch")
 * against the manager's image list. Exact references and aliases win outright; otherwise the
 * mention's words and versions are scored against each image's name, tag and aliases.
 * Pure and synchronous: the proposer calls it for every session it plans.
 */

export interface ImageRecord {
  id?: string;
  /** canonical reference, e.g. cr.backend.ai/stable/ngc-pytorch:23.07-pytorch2.1-py310-cuda12.1 */
  name: string;
  namespace?: string;
  base_image_name?: string;
  tag?: string;
  version?: string;
  aliases: string[];
  labels?: Array<{ key: string; value: string }>;
  architecture?: string;
  supported_accelerators?: string[];
  resource_limits?: Array<{ key: string; min?: string; max?: string }>;
}

export interface ImageMatch {
  image: ImageRecord;
  /** 0..1, 1 = exact reference or alias */
  score: number;
  why: string;
}

/** Words people use for the same framework. */
const WORD_SYNONYMS: Record<string, string> = {
  tf: 'tensorflow',
  tensorflow2: 'tensorflow',
  torch: 'pytorch',
  pt: 'pytorch',
  py: 'python',
  nvidia: 'ngc',
  jax: 'jax',
  hf: 'huggingface',
  '텐서플로': 'tensorflow',
  '텐서플로우': 'tensorflow',
  '파이토치': 'pytorch',
  '파이썬': 'python',
};

/** Words that say nothing about which image. */
const STOP = new Set(['image', 'images', 'container', 'the', 'a', 'an', 'latest', 'version', 'ver', 'v', 'with', 'based', 'on', 'of', '이미지', 'framework', 'env', 'environment']);

interface MentionToken {
  word?: string;
  version?: string;
}

const VERSION = /^\d+(?:\.\d+)*$/;

/** "py311" → python 3.11, "cuda12.1" → cuda 12.1, "pytorch2.1" → pytorch 2.1. */
function splitWordVersion(token: string): MentionToken {
  if (VERSION.test(token)) return { version: token };
  const m = /^([a-z\u3131-\uD79D]+)[-_]?v?(\d+(?:\.\d+)*)$/.exec(token);
  if (!m) return { word: WORD_SYNONYMS[token] ?? token };
  const word = WORD_SYNONYMS[m[1]!] ?? m[1]!;
  let version = m[2]!;
  // "py311"/"py310": python versions written without the dot
  if (word === 'python' && /^3\d{1,2}$/.test(version)) version = `3.${version.slice(1)}`;
  return { word, version };
}

function mentionTokens(mention: string): MentionToken[] {
  const out: MentionToken[] = [];
  for (const raw of mention.toLowerCase().split(/[^a-z0-9.\u3131-\uD79D]+/)) {
    const t = raw.replace(/^\.+|\.+$/g, '');
    if (!t || STOP.has(t)) continue;
    out.push(splitWordVersion(t));
  }
  return out;
}

interface ImageProfile {
  /** words of the image's own name (ngc, pytorch) */
  nameWords: Set<string>;
  /** words that occur only in the tag (pytorch in 23.07-pytorch2.1…) */
  tagWords: Set<string>;
  aliases: Set<string>;
  /** word → versions; '' holds the tag's leading version */
  versions: Map<string, string[]>;
  cuda: boolean;
}

function profile(image: ImageRecord): ImageProfile {
  const ref = image.name.toLowerCase();
  const lastSlash = ref.lastIndexOf('/');
  const colon = ref.indexOf(':', lastSlash + 1);
  const base = (image.base_image_name ?? (colon >= 0 ? ref.slice(lastSlash + 1, colon) : ref.slice(lastSlash + 1))).toLowerCase();
  const tag = (image.tag ?? (colon >= 0 ? ref.slice(colon + 1) : '')).toLowerCase();
  const nameWords = new Set<string>();
  const versions = new Map<string, string[]>();
  const addVersion = (word: string, v: string): void => {
    versions.set(word, [...(versions.get(word) ?? []), v]);
  };
  for (const part of base.split(/[-_.]+/)) {
    if (!part) continue;
    const t = splitWordVersion(part);
    if (t.word) nameWords.add(t.word);
    if (t.word && t.version) addVersion(t.word, t.version);
  }
  const tagWords = new Set<string>();
  const primary = [...nameWords].pop();
  tag.split(/[-_]+/).forEach((part, i) => {
    if (!part) return;
    const t = splitWordVersion(part);
    if (!t.word && t.version) {
      // the tag's leading version is the version of the image itself (python:3.11, ngc-pytorch:23.07)
      addVersion(i === 0 ? '' : '?', t.version);
      // …and of its main word: python-pytorch:2.3 is pytorch 2.3
      if (i === 0 && primary) addVersion(primary, t.version);
      return;
    }
    if (t.word && !nameWords.has(t.word)) tagWords.add(t.word);
    if (t.word && t.version) addVersion(t.word, t.version);
  });
  const aliases = new Set(image.aliases.map((a) => a.toLowerCase()));
  const accel = (image.supported_accelerators ?? []).some((a) => a.startsWith('cuda'));
  return { nameWords, tagWords, aliases, versions, cuda: accel || /cuda/.test(ref) };
}

/** "3" matches 3.11; "2.1" matches 2.1 and 2.1.0. */
function versionMatches(said: string, have: string): boolean {
  return have === said || have.startsWith(`${said}.`);
}

function scoreImage(tokens: MentionToken[], p: ImageProfile): { score: number; matchedWords: number; why: string[] } {
  let score = 0;
  let matchedWords = 0;
  const why: string[] = [];
  let lastWord: string | undefined;
  for (const t of tokens) {
    if (t.word) {
      lastWord = t.word;
      if (p.nameWords.has(t.word)) {
        score += 3;
        matchedWords++;
        why.push(t.word);
      } else if (p.aliases.has(t.word) || [...p.aliases].some((a) => a.split(/[-_]/).includes(t.word!))) {
        score += 2.5;
        matchedWords++;
        why.push(`alias ${t.word}`);
      } else if (p.tagWords.has(t.word)) {
        score += 1.5;
        matchedWords++;
        why.push(`${t.word} in tag`);
      } else {
        score -= 2;
      }
      if (p.aliases.has(t.word)) score += 1;
    }
    if (t.version) {
      const owner = t.word ?? lastWord;
      const own = owner ? p.versions.get(owner) ?? [] : [];
      const lead = p.versions.get('') ?? [];
      if (own.some((v) => versionMatches(t.version!, v))) {
        // the image's own (leading) version is the stronger reading: pytorch 2.1 → python-pytorch:2.1
        score += lead.some((v) => versionMatches(t.version!, v)) ? 4 : 3.5;
        why.push(`${owner} ${t.version}`);
      } else if (lead.some((v) => versionMatches(t.version!, v)) && (!owner || p.nameWords.has(owner))) {
        score += 3;
        why.push(`version ${t.version}`);
      } else if ([...p.versions.values()].flat().some((v) => versionMatches(t.version!, v))) {
        score += 1.5;
        why.push(`version ${t.version}`);
      } else {
        score -= 1.5;
      }
    }
  }
  // name words the user did not say make the image a slightly worse fit
  const said = new Set(tokens.map((t) => t.word).filter(Boolean));
  for (const w of p.nameWords) if (!said.has(w)) score -= 0.5;
  return { score, matchedWords, why };
}

/**
 * Rank `images` for `mention`, best first. Empty when nothing matches (the proposer then asks
 * or falls back to a default). `wantsGpu` breaks ties in favour of CUDA images (or CPU images).
 */
export function matchImages(mention: string | undefined, images: ImageRecord[], opts: { wantsGpu: boolean }): ImageMatch[] {
  const said = (mention ?? '').trim().slice(0, 300);
  if (!said) return [];
  const lower = said.toLowerCase();
  const exact: ImageMatch[] = [];
  for (const image of images) {
    const ref = image.name.toLowerCase();
    if (ref === lower) exact.push({ image, score: 1, why: 'exact reference' });
    else if (image.aliases.some((a) => a.toLowerCase() === lower)) exact.push({ image, score: 1, why: `alias ${lower}` });
    else if (ref.endsWith(`/${lower}`) && lower.includes(':')) exact.push({ image, score: 0.98, why: 'reference without registry' });
  }
  if (exact.length > 0) return exact.sort((a, b) => b.score - a.score);

  const tokens = mentionTokens(said);
  const words = tokens.filter((t) => t.word).length;
  if (tokens.length === 0) return [];
  // best possible: every word in the name plus alias bonus, every version owned
  const maxScore = words * 4 + tokens.filter((t) => t.version).length * 4 + 0.25;
  const ranked: ImageMatch[] = [];
  for (const image of images) {
    const p = profile(image);
    const s = scoreImage(tokens, p);
    if (s.matchedWords === 0 && words > 0) continue;
    let score = s.score;
    if (opts.wantsGpu === p.cuda) score += 0.25;
    if (score <= 0) continue;
    ranked.push({ image, score: Math.min(0.97, score / maxScore), why: s.why.join(', ') });
  }
  return ranked.sort((a, b) => b.score - a.score || a.image.name.localeCompare(b.image.name));
}
