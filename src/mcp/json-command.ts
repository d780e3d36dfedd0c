/**
 * Run a CLI command implementation the way `bai-agent --json <command>` would, but in-process:
 * its one JSON document is captured from a private stream instead of stdout (stdout is the MCP
 * transport), and a thrown error becomes the same `{ok:false, error, exitCode}` document the CLI
 * prints. Logs and progress go to the given stderr.
 */
import { Writable } from 'node:stream';
import { ExitCode } from '../errors.js';
import { Output } from '../cli/output.js';
import { reportError, type CommandContext, type GlobalOptions } from '../cli/main.js';

export interface JsonCommandResult {
  /** The command's JSON document (already redacted by Output). */
  doc: Record<string, unknown>;
  exitCode: number;
}

export type CommandImpl = (ctx: CommandContext) => Promise<number | void>;

/** Collects everything written to it, for the one JSON document. */
class Capture extends Writable {
  private readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export async function runJsonCommand(
  globals: GlobalOptions,
  command: CommandImpl,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<JsonCommandResult> {
  const capture = new Capture();
  const out = new Output({ json: true, verbose: Boolean(globals.verbose), quiet: Boolean(globals.quiet), stdout: capture, stderr });
  let exitCode: number;
  try {
    const code = await command({ globals: { ...globals, json: true }, out });
    exitCode = typeof code === 'number' ? code : ExitCode.OK;
  } catch (err) {
    exitCode = reportError(err, out);
  }
  const text = capture.text().trim();
  if (!text) {
    // every command emits a document in --json mode; reaching here is a bug, said plainly
    return { doc: { ok: false, error: { kind: 'internal', message: 'internal error: the command produced no result' }, exitCode: ExitCode.INTERNAL }, exitCode: ExitCode.INTERNAL };
  }
  return { doc: JSON.parse(text) as Record<string, unknown>, exitCode };
}
