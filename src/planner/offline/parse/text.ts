/**
 * Text preparation for the offline parser: length cap, quoted spans masked as placeholders (so
 * splitting and slot regexes never look inside a quoted command or name), ASCII-only lowercasing
 * (keeps every index aligned with the original), language detection and number words.
 */

/** Longest request the parser analyses; the rest is ignored (regexes stay linear and fast). */
export const MAX_ANALYSED_CHARS = 2000;

/** Placeholder for the n-th quoted span: private-use characters no user types. */
export const PH_OPEN = '\uE000';
export const PH_CLOSE = '\uE001';
export const PLACEHOLDER = `${PH_OPEN}\\d+${PH_CLOSE}`;

export interface PreparedText {
  /** the analysed text (capped, control characters removed) with quoted spans masked */
  masked: string;
  /** ASCII-lowercased `masked`, same length */
  lower: string;
  /** contents of quoted spans, by placeholder index */
  quotes: string[];
  truncated: boolean;
}

const QUOTE_PAIRS: Array<[string, string]> = [
  ['`', '`'],
  ['"', '"'],
  ['\u201C', '\u201D'],
  ['\u2018', '\u2019'],
  ["'", "'"],
  ['\u300C', '\u300D'],
];

export const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

/** Mask quoted spans. A single quote only opens at a word start (so "don't" stays text). */
function maskQuotes(text: string): { masked: string; quotes: string[] } {
  const quotes: string[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    const pair = QUOTE_PAIRS.find(([open]) => open === ch);
    const prev = i > 0 ? text[i - 1]! : ' ';
    if (pair && (ch !== "'" || !/[A-Za-z0-9]/.test(prev))) {
      // a closing quote must be followed by a non-word character (or a Korean particle)
      let j = text.indexOf(pair[1], i + 1);
      while (j >= 0 && pair[1] === "'" && /[A-Za-z0-9]/.test(text[j + 1] ?? ' ')) j = text.indexOf(pair[1], j + 1);
      if (j > i + 1 && j - i <= 500) {
        quotes.push(text.slice(i + 1, j));
        out += `${PH_OPEN}${quotes.length - 1}${PH_CLOSE}`;
        i = j + 1;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return { masked: out, quotes };
}

const CLI_FLAG = /(?<=^|\s)--(?=(?:image|gpus?|fgpus?|cpus?|cores?|mem|memory|name|mounts?|preset|group|project|scaling-group|resource-group|env|shm|shmem|nodes|cluster-size|type|replicas|model|runtime)(?:[\s=]|$))/gi;

/** Misspellings of the words tasks are recognised by; whole words only (a name like "lauch-1" stays). */
const TYPOS: Record<string, string> = Object.fromEntries(
  Object.entries({
    launch: 'lauch luanch lanuch laucnh',
    share: 'shrae shaer sahre',
    create: 'craete creat cretae crete',
    delete: 'delte deleet dleete delet',
    terminate: 'termiante temrinate terminte',
    session: 'sesion sessoin sesson sessio seesion',
    sessions: 'sesions sessoins sessons',
    folder: 'fodler floder foler folde',
    folders: 'fodlers floders',
    rename: 'reanme renmae rnemae',
    mount: 'moutn mont',
    mounted: 'mountd moutned',
    restart: 'restrat rsetart',
    service: 'serivce sevice servcie',
    deploy: 'deplyo dpeloy',
    start: 'strat',
    list: 'lsit',
    show: 'shwo',
    tensorflow: 'tensroflow tensorflwo tesnorflow tensorlfow tensorfow',
    pytorch: 'pytroch pytoch pyrotch pyotrch pytorhc',
  }).flatMap(([right, wrongs]) => wrongs.split(' ').map((w) => [w, right])),
);
const TYPO_WORD = new RegExp(`(?<![\\w.@/-])(?:${Object.keys(TYPOS).map((w) => w.replace(/-/g, '\\-')).join('|')})(?![\\w.@/-])`, 'gi');

export function prepare(text: string): PreparedText {
  const truncated = text.length > MAX_ANALYSED_CHARS;
  const clean = text
    .slice(0, MAX_ANALYSED_CHARS)
    // control characters and zero-width marks are noise; keep newlines/tabs as spaces
    .replace(/[\u0000-\u001F\u007F\u200B-\u200D\uFEFF\uE000-\uF8FF]/g, ' ')
    .replace(/\u00A0|\u3000/g, ' ');
  const { masked: quoted, quotes } = maskQuotes(clean);
  // "create session --image tensorflow --gpu 1": CLI-style flags read as words (same length, so indices hold)
  // "--name X" names the thing (" named X" keeps the length); other flags become plain words
  const flagsAsWords = quoted.replace(/(?<![\w-])--name(?=[\s=])/gi, ' named').replace(CLI_FLAG, (m) => m.replace('--', '  '));
  // common slips of the keyboard in the task words ("lauch", "shrae", "sesion"); names are left alone
  // "notebook-old's container": a possessive after an identifier is not part of the name
  const masked = flagsAsWords
    .replace(TYPO_WORD, (w) => TYPOS[w.toLowerCase()] ?? w)
    // (one greedy run, then a check: nested runs here would backtrack badly on "x-x-x-…")
    .replace(/([A-Za-z0-9][\w.@-]*)['’]s\b/g, (m, name: string) => (/[-_.@0-9]/.test(name) ? `${name}  ` : m));
  return { masked, lower: lowerAscii(masked), quotes, truncated };
}

/** Put quoted contents back into a span of masked text. */
export function unmask(s: string, quotes: string[]): string {
  return s.replace(new RegExp(PLACEHOLDER, 'g'), (m) => quotes[Number(m.slice(1, -1))] ?? '');
}

const HANGUL = /[\uAC00-\uD7A3\u3131-\u318E]/g;
const LATIN = /[A-Za-z]/g;

export function detectLanguage(text: string): 'en' | 'ko' | 'mixed' {
  const h = text.match(HANGUL)?.length ?? 0;
  const l = text.match(LATIN)?.length ?? 0;
  if (h === 0) return 'en';
  if (l === 0) return 'ko';
  return l > h * 2 ? 'mixed' : 'ko';
}

export const hasHangul = (s: string): boolean => /[\uAC00-\uD7A3]/.test(s);

/** Number words (English and native Korean counters) → value. */
const NUMBER_WORDS: Record<string, number> = {
  zero: 0, a: 1, an: 1, one: 1, single: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8,
  nine: 9, ten: 10, eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16,
  twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, 'sixty-four': 64, 'thirty-two': 32,
  couple: 2, 'a couple of': 2, 'couple of': 2, pair: 2, 'a pair of': 2, dozen: 12, 'a dozen': 12,
  half: 0.5, 'half a': 0.5, 'half an': 0.5, 'half of a': 0.5, 'half of one': 0.5, 'one half': 0.5,
  'a quarter of a': 0.25, 'a quarter of one': 0.25, 'quarter of a': 0.25, 'a quarter': 0.25, quarter: 0.25,
  'three quarters of a': 0.75, 'three quarters of one': 0.75,
  '한': 1, '하나': 1, '두': 2, '둘': 2, '세': 3, '셋': 3, '네': 4, '넷': 4, '다섯': 5, '여섯': 6, '일곱': 7,
  '여덟': 8, '아홉': 9, '열': 10, '열두': 12, '스무': 20, '반': 0.5,
};

/** Regex source for a number: digits (1.5, 1,024), or a number word. Longest alternatives first. */
export const NUM =
  '(\\d+\\s+and\\s+a\\s+half|(?:one|two|three|four|five|six|seven|eight)\\s+and\\s+a\\s+half|\\d+(?:[.,]\\d+)?|three\\s+quarters\\s+of\\s+(?:a|one)|a\\s+quarter\\s+of\\s+(?:a|one)|quarter\\s+of\\s+a|a\\s+quarter|quarter|half\\s+of\\s+(?:a|one)|half\\s+an?|one\\s+half|half|a\\s+couple\\s+of|couple\\s+of|a\\s+pair\\s+of|a\\s+dozen|dozen|sixty-four|thirty-two|' +
  'zero|an?|single|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|twenty|thirty|forty|fifty|sixty|' +
  // a Korean numeral starts a word: the 한 of 마운트한 is not "one". Native tens (열여섯, 스물네),
  // Sino-Korean numbers (육십사, 십육), and a single Sino digit only before a counter ("사 코어", "이 개")
  '(?<![\\uAC00-\\uD7A3])(?:(?:열|스물|서른|마흔|쉰|예순)(?:한|하나|두|둘|세|셋|네|넷|다섯|여섯|일곱|여덟|아홉)|[이삼사오육칠팔구]?십[일이삼사오육칠팔구]?|[일이삼사오육칠팔구](?=\\s*(?:개|기가|코어|테라|메가)(?![\\uAC00-\\uD7A3]))|스물|서른|마흔|쉰|예순|열두|스무|다섯|여섯|일곱|여덟|아홉|하나|한|두|둘|세|셋|네|넷|열|반)' +
  // …and ends it, unless a counter follows: the 세 of "CPU 세션" is no 3
  '(?!(?!개|장|기가|테라|메가|코어|명|대|번|시간|분|초|일|주|달|씩|배|노드|짜리|짜|로|으로|만|의)[\\uAC00-\\uD7A3]))';

export function toNumber(word: string): number | undefined {
  const w = lowerAscii(word.trim()).replace(/\s+/g, ' ');
  if (/^\d+(?:\.\d+)?$/.test(w)) return Number(w);
  if (/^\d+,\d{3}$/.test(w)) return Number(w.replace(',', ''));
  if (/^\d+,\d{1,2}$/.test(w)) return Number(w.replace(',', '.')); // "2,5" decimal comma
  const andAHalf = /^(.+) and a half$/.exec(w); // "one and a half" = 1.5
  if (andAHalf) {
    const whole = toNumber(andAHalf[1]!);
    return whole === undefined ? undefined : whole + 0.5;
  }
  return NUMBER_WORDS[w] ?? koreanNumber(w);
}

const NATIVE_TENS: Record<string, number> = { 열: 10, 스물: 20, 스무: 20, 서른: 30, 마흔: 40, 쉰: 50, 예순: 60 };
const NATIVE_ONES: Record<string, number> = { 한: 1, 하나: 1, 두: 2, 둘: 2, 세: 3, 셋: 3, 네: 4, 넷: 4, 다섯: 5, 여섯: 6, 일곱: 7, 여덟: 8, 아홉: 9 };
const SINO: Record<string, number> = { 일: 1, 이: 2, 삼: 3, 사: 4, 오: 5, 육: 6, 칠: 7, 팔: 8, 구: 9 };

/** "열여섯" 16, "스물네" 24, "육십사" 64, "십육" 16, "사" 4. */
function koreanNumber(w: string): number | undefined {
  const native = /^(열|스물|스무|서른|마흔|쉰|예순)(.*)$/.exec(w);
  if (native) {
    const ones = native[2] ? NATIVE_ONES[native[2]] : 0;
    return ones === undefined ? undefined : NATIVE_TENS[native[1]!]! + ones;
  }
  const sino = /^([이삼사오육칠팔구]?)(십)?([일이삼사오육칠팔구]?)$/.exec(w);
  if (sino && w.length > 0) {
    if (!sino[2]) return w.length === 1 ? SINO[w] : undefined;
    return (sino[1] ? SINO[sino[1]]! : 1) * 10 + (sino[3] ? SINO[sino[3]]! : 0);
  }
  return SINO[w];
}

/** Left boundary for a match start: not inside a word, identifier, or number. */
export const LB = '(?<![A-Za-z0-9_.\\-])';
/** Right boundary: not followed by an ASCII word character (Korean particles may follow). */
export const RB = '(?![A-Za-z0-9_])';
