/**
 * Text from outside (plan files, the manager's names, logs and errors, a model's words) must not
 * drive the terminal. An escape sequence in a session name could clear the screen and draw a fake
 * preview, move the cursor up over a line of it, or set the clipboard (OSC 52); a bidi override
 * could make `datasets` read as something else. So every character that is not plain printable
 * text is shown as a visible escape (`\x1b`, `\u202e`) instead of being sent to the terminal.
 *
 * Our own colours are not escape sequences until the very end: `style()` marks text with
 * private-use characters, and `Output` turns those marks into colour codes (or drops them) after
 * everything else has been escaped. Untrusted text has its marks escaped by `safeText`, so at
 * worst it could pick one of our few colours, never move the cursor or hide text.
 */

/** C0 controls, DEL and C1 controls; the same without tab and newline. */
const CONTROL = '\\u0000-\\u001f\\u007f-\\u009f';
const CONTROL_BUT_LINES = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f';
/** Bidi embeddings, overrides and isolates; line/paragraph separators; BOM / zero-width no-break. */
const INVISIBLE_FORMAT = '\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff';
/** The marks `style()` uses (see below). */
const STYLE_MARKS = '\\ue000\\ue001';

const ANY_UNSAFE = new RegExp(`[${CONTROL}${INVISIBLE_FORMAT}${STYLE_MARKS}]`, 'g');
const UNSAFE_EXCEPT_LINES = new RegExp(`[${CONTROL_BUT_LINES}${INVISIBLE_FORMAT}${STYLE_MARKS}]`, 'g');
const UNSAFE_KEEP_STYLE = new RegExp(`[${CONTROL_BUT_LINES}${INVISIBLE_FORMAT}]`, 'g');

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * One line of untrusted text, safe to print: every control or invisible formatting character
 * (newlines and tabs included) becomes a visible escape. Non-strings are stringified first.
 */
export function safeText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined ? '' : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return s.replace(ANY_UNSAFE, visible);
}

/**
 * Several lines of untrusted text (logs, multi-line messages): newlines and tabs stay; a CR-LF
 * pair becomes a newline; every other control character becomes a visible escape.
 */
export function safeBlock(value: string): string {
  return value.replace(/\r\n/g, '\n').replace(UNSAFE_EXCEPT_LINES, visible);
}

/**
 * The last pass before text reaches a stream (Output): like safeBlock, but our own style marks
 * stay so that Output can turn them into colours.
 */
export function terminalSafe(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(UNSAFE_KEEP_STYLE, visible);
}

export type StyleName = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan' | 'magenta';
/** SGR on/off codes (util.styleText decides by itself whether a stream wants colour; Output decides here). */
const SGR: Record<StyleName, [number, number]> = { bold: [1, 22], dim: [2, 22], red: [31, 39], green: [32, 39], yellow: [33, 39], cyan: [36, 39], magenta: [35, 39] };
const STYLE_CODES: Record<string, StyleName> = { b: 'bold', d: 'dim', r: 'red', g: 'green', y: 'yellow', c: 'cyan', m: 'magenta' };
const CODE_OF = Object.fromEntries(Object.entries(STYLE_CODES).map(([code, name]) => [name, code])) as Record<StyleName, string>;

/** Mark `text` (already safe) for a colour; Output decides whether it shows. Marks do not nest. */
export function style(name: StyleName, text: string): string {
  return text ? `\ue000${CODE_OF[name]}${text}\ue001` : text;
}

/** Turn style marks into ANSI colours (a terminal that wants them) or remove them. */
export function applyStyles(text: string, colour: boolean): string {
  if (!text.includes('\ue000')) return text;
  return text.replace(/\ue000(.)([^\ue000\ue001]*)\ue001?/g, (_m, code: string, inner: string) => {
    const name = STYLE_CODES[code];
    return colour && name ? `\u001b[${SGR[name][0]}m${inner}\u001b[${SGR[name][1]}m` : inner;
  });
}

/** Remove style marks (for text that leaves as data, e.g. a line sent to the web page). */
export function withoutStyles(text: string): string {
  return applyStyles(text, false);
}

/**
 * Whether a stream should get colours: a terminal that supports them, and neither NO_COLOR nor
 * TERM=dumb set (`hasColors` reads NO_COLOR, FORCE_COLOR and TERM as the conventions say).
 */
export function wantsColour(stream: NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (!stream.isTTY || typeof stream.hasColors !== 'function') return false;
  return stream.hasColors();
}

/**
 * JSON for a terminal or a model to read: the same document, but C1 controls, bidi and line
 * separators are written as \u escapes too (JSON.stringify leaves them raw), so printing it can
 * never drive a terminal. With `forModel`, `<` and `>` are escaped as well, so text such as
 * `</observation>` from the manager reads as data, not as a tag.
 */
export function safeJson(value: unknown, indent = 2, opts: { forModel?: boolean } = {}): string {
  const text = JSON.stringify(value, null, indent) ?? 'null';
  const pattern = opts.forModel ? /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ue000\ue001<>]/g : /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ue000\ue001]/g;
  return text.replace(pattern, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Word-wrap to `width` columns; a word longer than that is broken. */
export function wrapText(text: string, width: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/(\s+)/).filter((w) => w !== '')) {
    if (/^\s+$/.test(word)) {
      if (line) line += ' ';
      continue;
    }
    let w = word;
    while (w.length > 0) {
      const room = width - line.length;
      if (w.length <= room) {
        line += w;
        w = '';
      } else if (line.trim() && w.length <= width) {
        out.push(line.trimEnd());
        line = '';
      } else {
        line += w.slice(0, room);
        w = w.slice(room);
        out.push(line);
        line = '';
      }
    }
  }
  if (line.trim()) out.push(line.trimEnd());
  return out.length ? out : [''];
}
