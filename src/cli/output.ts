/**
 * The only place that writes to stdout/stderr. Human output goes to stdout; logs and progress go
 * to stderr; with --json, stdout carries exactly one JSON document and nothing else.
 */
import { redact, redactValue } from '../redact.js';

export interface OutputOptions {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  private jsonWritten = false;

  constructor(opts: OutputOptions = {}) {
    this.json = opts.json ?? false;
    this.verbose = opts.verbose ?? false;
    this.quiet = opts.quiet ?? false;
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
  }

  /** Whether progress may animate (a terminal) or must be plain lines (CI, pipes). */
  get interactiveStderr(): boolean {
    return Boolean(this.stderr.isTTY) && !this.json;
  }

  /** Human-readable result text (suppressed in --json mode: the document carries it). */
  print(text: string): void {
    if (this.json) return;
    this.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** The one JSON document of a --json run. */
  emitJson(doc: unknown): void {
    if (this.jsonWritten) throw new Error('internal: a second JSON document was about to be printed');
    this.jsonWritten = true;
    this.stdout.write(`${JSON.stringify(redactValue(doc), null, 2)}\n`);
  }

  get hasEmittedJson(): boolean {
    return this.jsonWritten;
  }

  info(msg: string): void {
    if (!this.quiet) this.err(msg);
  }

  warn(msg: string): void {
    this.err(`warning: ${msg}`);
  }

  error(msg: string): void {
    this.err(`error: ${msg}`);
  }

  debug(msg: string): void {
    if (this.verbose) this.err(`debug: ${msg}`);
  }

  /** A progress line. Plain lines always: animation would garble CI logs. */
  progress(msg: string): void {
    if (!this.quiet) this.err(msg);
  }

  private err(msg: string): void {
    this.stderr.write(redact(msg.endsWith('\n') ? msg : `${msg}\n`));
  }
}
