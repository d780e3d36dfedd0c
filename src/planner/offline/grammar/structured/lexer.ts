/**
 * Tokens of a structured request, shell-like: words separated by blanks; `key=value` pairs;
 * flags (`-r`, `--name`, `--name=x`); quoted runs ("…", '…', `…`, “…”) kept whole and never
 * split; bracketed values (`[a, b]`, `{"k": 1}`) kept whole; `&&`, `;`, newlines and ", then"
 * separate commands. `\$` is a literal dollar sign (see variables.ts). Linear in the input.
 */

export interface Token {
  /** `comment`: `# …` to the end of the line, as in a shell (a `#` followed by a blank), or ` -- words` (value: the words) */
  kind: 'word' | 'pair' | 'flag' | 'sep' | 'comment';
  /** the token as written */
  raw: string;
  start: number;
  end: number;
  /** word: its text without quotes; pair: the value; flag: the inline value (`--name=x`), else '' */
  value: string;
  /** pair: the key as written; flag: the flag as written (`--name`, `-r`) */
  key?: string;
  /** the value was written entirely inside quotes ("3" is a string, never a number) */
  quoted: boolean;
  /** flag: written with `=value` */
  inline?: boolean;
}

export type LexResult = { tokens: Token[] } | { error: string };

const CLOSING: Record<string, string> = { '"': '"', "'": "'", '`': '`', '\u201C': '\u201D', '\u2018': '\u2019' };
/** Quotes that only open at the start of a word or value, so "don't" stays a word. */
const WORD_START_ONLY = new Set(["'", '\u2018']);
const BRACKETS: Record<string, string> = { '[': ']', '{': '}' };

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** A plain (ASCII) value followed by a Korean particle. */
const PARTICLE = /^([\x21-\x7E]*[A-Za-z0-9_\-./:\]])(으로|로|를|을|이랑|랑|이|가|은|는|에서|에|의|도|만|하고|와|과|까지|부터)$/;
/** `-r`, `--name`, and `-9` (as in `kill -9`: an option, never a name) */
const FLAG = /^--?[A-Za-z][A-Za-z0-9_.-]*$|^-\d+$/;

/** ` -- words…` to the end of the line: a note for the reader, when it holds no `key=value` (then `--` is the shell's end of options). */
function isDashNote(text: string, i: number): boolean {
  if (text[i] !== '-' || text[i + 1] !== '-' || (i > 0 && !/\s/.test(text[i - 1]!)) || !/\s/.test(text[i + 2] ?? '')) return false;
  const end = text.indexOf('\n', i);
  const rest = text.slice(i + 2, end < 0 ? text.length : end);
  return /[A-Za-z\uAC00-\uD7A3]/.test(rest) && !rest.includes('=');
}

/** Split a request into tokens; an unclosed quote or bracket is an error that says where. */
export function tokenize(text: string): LexResult {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n' || ch === ';') {
      tokens.push({ kind: 'sep', raw: ch, start: i, end: i + 1, value: '', quoted: false });
      i++;
      continue;
    }
    if (ch === '&' && text[i + 1] === '&') {
      tokens.push({ kind: 'sep', raw: '&&', start: i, end: i + 2, value: '', quoted: false });
      i += 2;
      continue;
    }
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    // "fgpu=2 image=pytorch # smoke test": a shell comment ("#4411" is a ticket number, not a comment);
    // "GET /config/resource-slots -- which GPUs?": a note after a blank double dash, in words (no pairs)
    if ((ch === '#' && (i + 1 >= n || /\s/.test(text[i + 1]!))) || isDashNote(text, i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      const raw = text.slice(i, stop);
      tokens.push({ kind: 'comment', raw, start: i, end: stop, value: raw.replace(/^(?:#|--)\s*/, ''), quoted: false });
      i = stop;
      continue;
    }
    // one token: up to a blank, a separator, outside quotes and brackets
    const start = i;
    let value = '';
    /** where `=` splits key from value, in `value` */
    let eqAt = -1;
    let quotedChars = 0;
    let plainChars = 0;
    while (i < n) {
      const c = text[i]!;
      if (/\s/.test(c) || c === ';' || (c === '&' && text[i + 1] === '&')) break;
      const atValueStart = value.length === 0 || (eqAt >= 0 && value.length === eqAt + 1);
      const close = CLOSING[c];
      if (close && (!WORD_START_ONLY.has(c) || atValueStart)) {
        const end = findClose(text, i + 1, close, c === '"');
        if (end < 0) return { error: `the quote ${c} opened at "${snippet(text, i)}" is never closed: close it, or escape it with a backslash` };
        const inner = c === '"' ? unescapeDouble(text.slice(i + 1, end)) : text.slice(i + 1, end).replace(/\\\$/g, '$');
        value += inner;
        quotedChars += inner.length + 1;
        i = end + 1;
        continue;
      }
      const closeBracket = BRACKETS[c];
      if (closeBracket && atValueStart) {
        const end = findBracketEnd(text, i);
        if (end < 0) return { error: `the ${c} opened at "${snippet(text, i)}" is never closed with ${closeBracket}` };
        value += text.slice(i, end + 1);
        plainChars += end + 1 - i;
        i = end + 1;
        continue;
      }
      if (c === '\\' && text[i + 1] === '$') {
        value += '$';
        plainChars++;
        i += 2;
        continue;
      }
      if (c === '=' && eqAt < 0 && plainChars > 0 && quotedChars === 0) eqAt = value.length;
      value += c;
      plainChars++;
      i++;
    }
    const raw = text.slice(start, i);
    // "mkdir -p data/raw, then a batch session …": ", then" ends a command as `;` does
    const prev = tokens[tokens.length - 1];
    if (/^then$/i.test(raw) && prev && prev.kind !== 'sep' && /,$/.test(text.slice(prev.start, start).trimEnd())) {
      tokens.push({ kind: 'sep', raw: ', then', start, end: i, value: '', quoted: false });
      continue;
    }
    tokens.push(classify(raw, value, eqAt, start, i));
  }
  return { tokens };
}

function classify(writtenAll: string, readAll: string, eqAtAll: number, startAll: number, endAll: number): Token {
  const [start, end] = [startAll, endAll];
  let [written, read, eqAt] = [writtenAll, readAll, eqAtAll];
  // "(cpu=1 mem=2g)": parentheses around pairs hold them together in a sentence; they are no part of a
  // key or value (the token's span keeps them, so a sentence read without the pairs loses them too)
  if (eqAt > 1 && written.startsWith('(') && read.startsWith('(') && KEY.test(read.slice(1, eqAt))) {
    [written, read, eqAt] = [written.slice(1), read.slice(1), eqAt - 1];
  }
  if (eqAt > 0 && /\),?$/.test(written) && /\),?$/.test(read) && !read.slice(eqAt + 1).includes('(')) {
    const comma = written.endsWith(',') ? ',' : '';
    const cut = comma ? 2 : 1;
    [written, read] = [written.slice(0, -cut) + comma, read.slice(0, -cut) + comma];
  }
  // "image=pytorch, fgpu=2": a comma that ends a token separates it from the next one
  const comma = written.length > 1 && written.endsWith(',') && read.endsWith(',');
  const raw = comma ? written.slice(0, -1) : written;
  const value = comma ? read.slice(0, -1) : read;
  if (raw.startsWith('-')) {
    const name = eqAt > 0 ? value.slice(0, eqAt) : value;
    if (FLAG.test(name)) {
      const inline = eqAt > 0;
      return { kind: 'flag', raw, start, end, key: name, value: inline ? value.slice(eqAt + 1) : '', quoted: inline && isWhollyQuoted(raw.slice(raw.indexOf('=') + 1)), inline };
    }
  }
  if (eqAt > 0) {
    const key = value.slice(0, eqAt);
    if (KEY.test(key)) {
      // "name=exp-1으로 만들어줘": a Korean particle after a plain value belongs to the sentence, not the value
      const particle = PARTICLE.exec(value.slice(eqAt + 1));
      if (particle) {
        const cut = particle[2]!.length;
        return { kind: 'pair', raw: raw.slice(0, -cut), start, end: end - (comma ? 1 : 0) - cut, key, value: particle[1]!, quoted: false };
      }
      const rawValue = raw.slice(raw.indexOf('=') + 1);
      return { kind: 'pair', raw, start, end, key, value: value.slice(eqAt + 1), quoted: isWhollyQuoted(rawValue) };
    }
  }
  return { kind: 'word', raw, start, end, value, quoted: isWhollyQuoted(raw) };
}

/** `"abc"`, `'a b'`: one quoted run and nothing else. */
function isWhollyQuoted(raw: string): boolean {
  const open = raw[0];
  if (!open || !CLOSING[open]) return false;
  const end = findClose(raw, 1, CLOSING[open]!, open === '"');
  return end === raw.length - 1;
}

function findClose(text: string, from: number, close: string, escapes: boolean): number {
  for (let j = from; j < text.length; j++) {
    if (escapes && text[j] === '\\') {
      j++;
      continue;
    }
    if (text[j] === close) return j;
  }
  return -1;
}

/** Inside double quotes a backslash escapes `"`, `\` and `$` (as in a shell). */
function unescapeDouble(s: string): string {
  return s.replace(/\\(["\\$])/g, '$1');
}

/** The end of a bracketed value, honouring nesting and quoted strings inside it. */
function findBracketEnd(text: string, from: number): number {
  const stack: string[] = [];
  for (let j = from; j < text.length; j++) {
    const c = text[j]!;
    if (c === '"' || c === "'") {
      const end = findClose(text, j + 1, c, c === '"');
      if (end < 0) return -1;
      j = end;
      continue;
    }
    if (BRACKETS[c]) stack.push(BRACKETS[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return j;
    }
  }
  return -1;
}

function snippet(text: string, at: number): string {
  const s = text.slice(Math.max(0, at - 12), at + 20).replace(/\s+/g, ' ');
  return s.length < text.length ? `…${s}…` : s;
}

/** Split tokens into commands at `&&`, `;` and newlines (empty commands dropped). */
export function commands(tokens: Token[]): Token[][] {
  const out: Token[][] = [[]];
  for (const t of tokens) {
    if (t.kind === 'sep') out.push([]);
    else if (t.kind !== 'comment') out[out.length - 1]!.push(t);
  }
  return out.filter((c) => c.length > 0);
}
