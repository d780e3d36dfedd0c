/**
 * Run a command implementation the way `bai-agent --json <command>` would, but in-process, for
 * the front ends that are not a terminal (the MCP server, the web page's HTTP API): its one JSON
 * document is captured instead of printed, a thrown error becomes the same
 * `{ok:false, error, exitCode}` document the CLI prints, and log/progress lines go to a stream
 * or a per-line listener. The other front ends thus answer with exactly what the CLI prints.
 */
import { Writable } from 'node:stream';
import { ExitCode } from '../errors.js';
import { Output } from './output.js';
import { reportError, type CommandContext, type GlobalOptions } from './main.js';

export interface JsonCommandResult {
  /** The command's JSON document (already redacted by Output). */
  doc: Record<string, unknown>;
  exitCode: number;
}

export type CommandImpl = (ctx: CommandContext) => Promise<number | void>;

/** Collects what is written; with `onLine`, hands over each complete non-empty line as it comes. */
class LineSink extends Writable {
  private buffered = '';
  private all = '';
  constructor(private readonly onLine?: (line: string) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    const text = chunk.toString();
    this.all += text;
    if (this.onLine) {
      this.buffered += text;
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        if (line.trim()) this.onLine(line);
      }
    }
    done();
  }
  get text(): string {
    return this.all;
  }
}

export interface JsonCommandOptions {
  /** Where log and progress lines go (default: this process's stderr). */
  stderr?: NodeJS.WritableStream;
  /** Instead of `stderr`: each log/progress line, e.g. to stream it to a web page. */
  onLine?: (line: string) => void;
}

export async function runJsonCommand(globals: GlobalOptions, command: CommandImpl, opts: JsonCommandOptions = {}): Promise<JsonCommandResult> {
  const capture = new LineSink();
  const stderr = opts.onLine ? new LineSink(opts.onLine) : (opts.stderr ?? process.stderr);
  const out = new Output({ json: true, verbose: Boolean(globals.verbose), quiet: Boolean(globals.quiet), stdout: capture, stderr });
  let exitCode: number;
  try {
    const code = await command({ globals: { ...globals, json: true }, out });
    exitCode = typeof code === 'number' ? code : ExitCode.OK;
  } catch (err) {
    exitCode = reportError(err, out);
  }
  const text = capture.text.trim();
  try {
    if (text) return { doc: JSON.parse(text) as Record<string, unknown>, exitCode };
  } catch {
    // fall through: not one JSON document
  }
  // every command emits exactly one document in --json mode; anything else is a bug, said plainly
  return { doc: { ok: false, error: { kind: 'internal', message: 'internal error: the command produced no JSON result' }, exitCode: ExitCode.INTERNAL }, exitCode: ExitCode.INTERNAL };
}
