/**
 * Run a CLI command implementation (plan, apply, ask, ops search) for an HTTP request: in --json
 * mode, with an Output whose stdout is captured (the one JSON document) and whose stderr lines
 * (progress, notes, warnings) go to a listener. The HTTP API thus answers with exactly what the
 * CLI prints, and the web page shows exactly the CLI's progress lines.
 */
import { Writable } from 'node:stream';
import { Output } from '../cli/output.js';
import type { CommandContext, GlobalOptions } from '../cli/main.js';

export interface Invocation {
  exitCode: number;
  /** The command's JSON document (errors included: `{ok: false, error: {kind, message}}`). */
  doc: Record<string, unknown>;
}

class TextSink extends Writable {
  private text = '';
  constructor(private readonly onLine?: (line: string) => void) {
    super();
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    if (this.onLine) {
      let nl: number;
      while ((nl = this.text.indexOf('\n')) >= 0) {
        const line = this.text.slice(0, nl);
        this.text = this.text.slice(nl + 1);
        if (line.trim()) this.onLine(line);
      }
    }
    done();
  }
  get captured(): string {
    return this.text;
  }
}

export async function invokeCommand(
  globals: GlobalOptions,
  command: (ctx: CommandContext) => Promise<number>,
  onLine?: (line: string) => void,
): Promise<Invocation> {
  const stdout = new TextSink();
  const stderr = new TextSink(onLine);
  const out = new Output({ json: true, stdout, stderr });
  let exitCode: number;
  try {
    exitCode = await command({ globals: { ...globals, json: true }, out });
  } catch (err) {
    // same one-line error document the CLI prints for a failed --json run
    const { reportError } = await import('../cli/main.js');
    exitCode = reportError(err, out);
  }
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(stdout.captured) as Record<string, unknown>;
  } catch {
    doc = { ok: false, exitCode, error: { kind: 'internal', message: 'the command printed no JSON document' } };
  }
  return { exitCode, doc };
}

/** HTTP status for a command's document: errors by kind, everything else (refusals included) 200. */
export function httpStatusFor(doc: Record<string, unknown>): number {
  const error = doc.error as { kind?: string } | undefined;
  if (!error) return 200;
  switch (error.kind) {
    case 'bad_input':
    case 'config':
      return 400;
    case 'refused':
      return 403;
    case 'unavailable':
    case 'api':
    case 'execution':
      return 502;
    default:
      return 500;
  }
}
