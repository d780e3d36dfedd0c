/**
 * Run the CLI in a pseudo-terminal, as a person at a terminal would: stdin, stdout and stderr are
 * a TTY (so prompts, colours and the live status line behave as they do for users), keys are
 * typed into it, and the screen's text is read back. Uses util-linux `script` (part of every
 * Debian), so no native module is needed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export const KEY = { enter: '\r', down: '\u001b[B', up: '\u001b[A', ctrlC: '\u0003' } as const;

export class PtyRun {
  /** Everything the terminal received, escape sequences included. */
  raw = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private seen = 0;

  constructor(command: string[], env: NodeJS.ProcessEnv, opts: { cols?: number } = {}) {
    const shell = `stty cols ${opts.cols ?? 120} rows 50 2>/dev/null; exec ${command.map(quote).join(' ')}`;
    this.child = spawn('script', ['-qfec', shell, '/dev/null'], { env: { TERM: 'xterm-256color', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.raw += d.toString('utf8')));
    this.child.stderr!.on('data', (d: Buffer) => (this.raw += d.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  }

  /** The text on the terminal so far, without escape sequences and carriage returns. */
  get text(): string {
    return stripVTControlCharacters(this.raw).replace(/\r/g, '');
  }

  /** Wait until the text after the last match contains `pattern`; returns that text. */
  async waitFor(pattern: RegExp | string, timeoutMs = 30_000): Promise<string> {
    const started = Date.now();
    for (;;) {
      const text = this.text;
      const rest = text.slice(this.seen);
      const m = typeof pattern === 'string' ? (rest.includes(pattern) ? { index: rest.indexOf(pattern), 0: pattern } : null) : pattern.exec(rest);
      if (m) {
        this.seen += m.index + m[0].length;
        return rest;
      }
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${String(pattern)}; the terminal shows:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Type keys (text, KEY.enter, KEY.down …). */
  type(keys: string): void {
    this.child.stdin!.write(keys);
  }

  /** Send a signal to the program inside the terminal (Ctrl-C in raw mode would be a key). */
  interrupt(): void {
    // `script` forwards what it reads; ^C typed into a terminal in cooked mode becomes SIGINT
    this.type(KEY.ctrlC);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
