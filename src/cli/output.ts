/**
 * The only place that writes to stdout/stderr. Human output goes to stdout; logs and progress go
 * to stderr; with --json, stdout carries exactly one JSON document and nothing else.
 *
 * Every line passes through the same last step: secrets masked (redact), control characters from
 * untrusted text shown as visible escapes (terminal-text), then our own colour marks turned into
 * colours when the stream is a terminal that wants them (never with NO_COLOR or in a pipe).
 */
import { redact, redactValue } from '../redact.js';
import { applyStyles, safeJson, terminalSafe, wantsColour } from './terminal-text.js';

type Stream = NodeJS.WritableStream & { isTTY?: boolean; hasColors?: () => boolean; columns?: number };

export interface OutputOptions {
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  stdout?: Stream;
  stderr?: Stream;
  /** Override the colour decision (tests); default: each stream's own (terminal, NO_COLOR). */
  colour?: boolean;
}

/** A line that redraws itself on stderr (the wait spinner): cleared before any other stderr text. */
export interface LiveLine {
  clear(): void;
  redraw(): void;
}

export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  private readonly stdout: Stream;
  private readonly stderr: Stream;
  private readonly stdoutColour: boolean;
  private readonly stderrColour: boolean;
  private jsonWritten = false;
  private live: LiveLine | undefined;

  constructor(opts: OutputOptions = {}) {
    this.json = opts.json ?? false;
    this.verbose = opts.verbose ?? false;
    this.quiet = opts.quiet ?? false;
    this.stdout = opts.stdout ?? process.stdout;
    this.stderr = opts.stderr ?? process.stderr;
    this.stdoutColour = opts.colour ?? wantsColour(this.stdout);
    this.stderrColour = opts.colour ?? wantsColour(this.stderr);
  }

  /** Whether progress may animate (a terminal) or must be plain lines (CI, pipes). */
  get interactiveStderr(): boolean {
    return Boolean(this.stderr.isTTY) && !this.json && !this.quiet;
  }

  /** Whether human output on stdout goes to a terminal (colour decisions are made per stream). */
  get stdoutIsTerminal(): boolean {
    return Boolean(this.stdout.isTTY);
  }

  /** The terminal width of stderr, or undefined when it is not a terminal. */
  get stderrColumns(): number | undefined {
    return this.stderr.isTTY ? this.stderr.columns : undefined;
  }

  /** The terminal width of stdout, or undefined when it is not a terminal. */
  get stdoutColumns(): number | undefined {
    return this.stdout.isTTY ? this.stdout.columns : undefined;
  }

  /** The stream a live status line is drawn on (stderr). */
  get liveStream(): Stream {
    return this.stderr;
  }

  /** Human-readable result text (suppressed in --json mode: the document carries it). */
  print(text: string): void {
    if (this.json) return;
    this.write(this.stdout, this.stdoutColour, text);
  }

  /**
   * Text exactly as received (session logs under --raw-logs): secrets are still masked, control
   * characters are not. Only for what the user explicitly asked to see raw.
   */
  printRaw(text: string): void {
    if (this.json) return;
    this.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`));
  }

  /** The one JSON document of a --json run. */
  emitJson(doc: unknown): void {
    if (this.jsonWritten) throw new Error('internal: a second JSON document was about to be printed');
    this.jsonWritten = true;
    this.stdout.write(`${safeJson(redactValue(doc))}\n`);
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

  /** A progress line (plain; the animated status line is a LiveLine drawn by cli/progress.ts). */
  progress(msg: string): void {
    if (!this.quiet) this.err(msg);
  }

  /** While set, the live line is cleared before other stderr text and drawn again after it. */
  attachLive(live: LiveLine | undefined): void {
    this.live = live;
  }

  /** Text for the live line, made safe and coloured like any other stderr text. */
  renderForStderr(text: string): string {
    return applyStyles(terminalSafe(redact(text)), this.stderrColour);
  }

  private err(msg: string): void {
    this.live?.clear();
    this.write(this.stderr, this.stderrColour, msg);
    this.live?.redraw();
  }

  private write(stream: Stream, colour: boolean, text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    stream.write(applyStyles(terminalSafe(redact(line)), colour));
  }
}
