/**
 * Text → search terms, shared by the index (documents) and the query side so both speak the
 * same vocabulary: lowercase, split identifiers (camelCase, snake_case, dotted, slashed), a light
 * English stemmer, and Korean particle/ending stripping.
 */

/** Latin/digit runs and Hangul syllable runs; everything else separates words. */
const WORD_RE = /[A-Za-z0-9]+|[\uAC00-\uD7A3]+/g;
const HANGUL_RE = /^[\uAC00-\uD7A3]+$/;

export function isHangul(word: string): boolean {
  return HANGUL_RE.test(word);
}

/** A word of the input: as written (lowercased), and whether it is part of a name. */
export interface Word {
  raw: string;
  /**
   * Part of an identifier-like span (`my-lab`, `api_helper`, `train.py`, `a@b.c`) or a quoted
   * string: most likely a name the user gave something, not a word about what to do.
   */
  inName: boolean;
}

/** Identifier-like spans: words joined by - _ . @ / : without spaces; and quoted strings. */
const NAME_SPAN_RE = /[A-Za-z0-9\uAC00-\uD7A3]+(?:[-_.@/:][A-Za-z0-9\uAC00-\uD7A3]+)+|'[^'\n]{1,200}'|"[^"\n]{1,200}"|`[^`\n]{1,200}`/g;

/**
 * Lowercase words, in order. A camelCase word yields its parts *and* itself
 * (`clusterSize` → `clustersize`, `cluster`, `size`; `fGPU` → `fgpu`, `gpu`), so a query word
 * matches either spelling.
 */
export function wordsOf(text: string): Word[] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(NAME_SPAN_RE)) spans.push([m.index, m.index + m[0].length]);
  const inName = (at: number) => spans.some(([a, b]) => at >= a && at < b);
  const out: Word[] = [];
  for (const m of text.matchAll(WORD_RE)) {
    const w = m[0];
    const named = spans.length > 0 && inName(m.index);
    const parts = isHangul(w) ? [] : camelParts(w);
    const lower = w.toLowerCase();
    // a standalone letter is a word ("I have", "a"), one Hangul syllable too (새, 내); letters
    // split off a camelCase word are noise (the f of fGPU)
    out.push({ raw: lower, inName: named });
    if (parts.length > 1) for (const p of parts) if (p.length > 1 && p !== lower) out.push({ raw: p, inName: named });
  }
  return out;
}

/** Just the lowercase words. */
export function words(text: string): string[] {
  return wordsOf(text).map((w) => w.raw);
}

function camelParts(w: string): string[] {
  if (/^[A-Z]+s$/.test(w)) return [w.toLowerCase()]; // GPUs, IDs: an acronym's plural, not two words
  // fooBar → foo Bar; HTTPServer → HTTP Server; v2Sessions → v2 Sessions
  return w
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(' ');
}

/**
 * A light English stemmer: plural and -ed/-ing endings and a final silent e, so `sessions`,
 * `creating`, `created` and `create` meet. Deliberately small: both sides use it, so an imperfect
 * stem only matters across word forms, and aggressive stemmers merge unrelated API words.
 */
export function stem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);

  if (w.endsWith('ing') && w.length >= 6) w = undouble(w.slice(0, -3));
  else if (w.endsWith('ed') && w.length >= 5) w = undouble(w.slice(0, -2));

  if (w.endsWith('e') && w.length >= 4) w = w.slice(0, -1);
  return w;
}

function undouble(w: string): string {
  return /([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w) ? w.slice(0, -1) : w;
}

/** Korean: strip particles and verb endings glued to the end of a word (세션을 → 세션). */
export class KoreanStripper {
  private readonly suffixes: string[];

  constructor(particles: readonly string[], endings: readonly string[]) {
    // longest first so 에서 wins over 서
    this.suffixes = [...new Set([...particles, ...endings])].sort((a, b) => b.length - a.length);
  }

  /** Whether `text` is exactly one particle or ending. */
  isSuffix(text: string): boolean {
    return this.suffixes.includes(text);
  }

  /**
   * The stem, or '' when the word is only a particle/ending (줘, 를). A stem keeps at least two
   * syllables, so words that merely end like a particle survive (만들 is not 만 + 들).
   */
  strip(word: string): string {
    let w = word;
    if (this.suffixes.includes(w)) return '';
    for (let pass = 0; pass < 2; pass++) {
      const suffix = this.suffixes.find((s) => w.length - s.length >= 2 && w.endsWith(s));
      if (!suffix) break;
      w = w.slice(0, -suffix.length);
    }
    return w;
  }
}

/** One search term from one raw word: stemmed Latin, or stripped Hangul ('' = drop). */
export function termOf(word: string, korean: KoreanStripper | null): string {
  if (!isHangul(word)) return stem(word);
  return korean ? korean.strip(word) : word;
}

/** A word and its search term. */
export interface Token extends Word {
  term: string;
}

/** Tokens of a text, in order; words that are only a particle (를, 줘) are dropped. */
export function tokens(text: string, korean: KoreanStripper | null): Token[] {
  const out: Token[] = [];
  for (const w of wordsOf(text)) {
    const term = termOf(w.raw, korean);
    if (term) out.push({ ...w, term });
  }
  return out;
}

/**
 * Terms of a text, in order, with duplicates kept (phrase matching needs the sequence).
 * `korean: null` keeps Hangul words as written (dictionary entries are already stems).
 */
export function terms(text: string, korean: KoreanStripper | null): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(WORD_RE)) {
    const w = m[0];
    const lower = w.toLowerCase();
    const parts = isHangul(w) ? [] : camelParts(w);
    // the whole of a long compound (VFolderCreateReq) is a word nobody types: only its parts
    if ((lower.length > 1 || /\d/.test(lower) || isHangul(lower)) && parts.length <= 2) {
      const t = termOf(lower, korean);
      if (t) out.push(t);
    }
    if (parts.length > 1) {
      for (const p of parts) {
        if (p.length > 1 && p !== lower) out.push(termOf(p, korean));
      }
    }
  }
  return out;
}

/**
 * Character bigrams of a Hangul word longer than two syllables (컨테이너 → 컨테, 테이, 이너):
 * compound nouns are written with or without spaces, and bigrams match either way.
 */
export function hangulBigrams(word: string): string[] {
  if (!isHangul(word) || word.length <= 2) return [];
  const out: string[] = [];
  for (let i = 0; i + 2 <= word.length; i++) out.push(word.slice(i, i + 2));
  return out;
}

/** Terms plus the bigrams of their long Hangul words (for free-text fields). */
export function withHangulBigrams(list: string[]): string[] {
  const extra = list.flatMap(hangulBigrams);
  return extra.length ? [...list, ...extra] : list;
}
