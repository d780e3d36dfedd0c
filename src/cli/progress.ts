/**
 * Execution progress on stderr. On a terminal: one live status line (a yocto-spinner) that says
 * which step runs and, during a wait, the session's status, the manager's reason for the wait
 * (`status_info`) and the time elapsed, ticking every second. Elsewhere (CI logs, pipes): plain
 * lines — one per step, one per status change, and a heartbeat line every `heartbeatMs` while a
 * wait goes on, so a long PENDING never looks like a hang.
 *
 * It also remembers what the run created and what is being waited for, so that an interrupted run
 * can say what is left on the manager (run.ts).
 */
import type { ProgressEvent } from '../agent/execute.js';
import type { Output } from './output.js';
import { renderProgress } from './render.js';
import { safeText, style } from './terminal-text.js';

interface Spinner {
  text: string;
  start(text?: string): Spinner;
  stop(finalText?: string): Spinner;
  success(text?: string): Spinner;
  error(text?: string): Spinner;
  readonly isSpinning: boolean;
}

interface WaitState {
  session: string;
  status: string;
  statusInfo?: string;
  /** Date.now() when the wait began */
  since: number;
}

export interface ProgressReporterOptions {
  /** Non-terminal heartbeat interval during waits (default 15 s). */
  heartbeatMs?: number;
  /** Clock (tests). */
  now?: () => number;
  /** Build the live line (tests pass a fake; default: yocto-spinner on the Output's stderr). */
  spinner?: (stream: NodeJS.WritableStream) => Promise<Spinner>;
}

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export class ProgressReporter {
  /** Sessions this run has asked the manager to create, with the last status seen. */
  readonly sessions = new Map<string, { status: string; statusInfo?: string }>();
  /** Whether any step has started (the run is executing, not planning). */
  executing = false;
  private wait: WaitState | undefined;
  private spinner: Spinner | undefined;
  private spinnerLoading: Promise<Spinner> | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private lastHeartbeat = 0;
  private readonly now: () => number;

  constructor(
    private readonly out: Output,
    private readonly opts: ProgressReporterOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  private get live(): boolean {
    return this.out.interactiveStderr;
  }

  handle(e: ProgressEvent): void {
    if (e.kind === 'step-start') this.executing = true;
    if (e.kind === 'wait') {
      const created = /^session\.create/.test(e.step.operationId) || e.step.operationId === 'v2/sessions.enqueue';
      if (created) this.sessions.set(e.session, { status: e.status, ...(e.statusInfo ? { statusInfo: e.statusInfo } : {}) });
      const since = this.wait?.session === e.session ? this.wait.since : this.now() - e.elapsedMs;
      this.wait = { session: e.session, status: e.status, since, ...(e.statusInfo ? { statusInfo: e.statusInfo } : {}) };
      if (this.live) return void this.show(this.waitText());
      this.out.progress(renderProgress(e)!);
      this.lastHeartbeat = this.now();
      this.startTicker();
      return;
    }
    if (e.kind === 'step-start') {
      this.wait = undefined;
      if (this.live) return void this.show(`${e.step.id} ${safeText(e.step.reason)} …`);
    }
    if (e.kind === 'step-done' || e.kind === 'step-failed') {
      this.wait = undefined;
      this.stopTicker();
      if (this.live) {
        // what the step did is said in a sentence on stdout at the end; here, which step it was
        const done = `${e.step.id} ${safeText(e.step.reason)}${e.kind === 'step-failed' ? ' — failed' : ''}`;
        void this.finishLine(e.kind === 'step-done' ? 'success' : 'error', done);
        return;
      }
    }
    const line = renderProgress(e);
    if (line) this.out.progress(line);
  }

  /** Stop the live line and timers (end of run, or before printing the result). */
  async close(): Promise<void> {
    this.stopTicker();
    const spinner = this.spinner ?? (await this.spinnerLoading?.catch(() => undefined));
    if (spinner?.isSpinning) spinner.stop();
  }

  private waitText(): string {
    const w = this.wait!;
    const reason = w.statusInfo ? ` — ${safeText(w.statusInfo)}` : '';
    return `session ${safeText(w.session)}: ${style('bold', safeText(w.status))}${reason} · ${formatElapsed(this.now() - w.since)}`;
  }

  private startTicker(): void {
    if (this.ticker) return;
    const heartbeat = this.opts.heartbeatMs ?? 15_000;
    this.ticker = setInterval(() => {
      if (!this.wait) return;
      if (this.live) this.show(this.waitText());
      else if (this.now() - this.lastHeartbeat >= heartbeat) {
        this.lastHeartbeat = this.now();
        const w = this.wait;
        this.out.progress(`  … session ${safeText(w.session)}: still ${safeText(w.status)}${w.statusInfo ? ` (${safeText(w.statusInfo)})` : ''} (${formatElapsed(this.now() - w.since)})`);
      }
    }, this.live ? 1000 : Math.min(heartbeat, 1000));
    this.ticker.unref();
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  private async ensureSpinner(): Promise<Spinner> {
    if (this.spinner) return this.spinner;
    this.spinnerLoading ??= (this.opts.spinner ?? defaultSpinner)(this.out.liveStream);
    this.spinner = await this.spinnerLoading;
    return this.spinner;
  }

  private show(text: string): void {
    const rendered = this.out.renderForStderr(text);
    if (this.wait) this.startTicker();
    void this.ensureSpinner().then((s) => {
      if (s.isSpinning) s.text = rendered;
      else s.start(rendered);
    });
  }

  private async finishLine(kind: 'success' | 'error', text: string): Promise<void> {
    const s = await this.ensureSpinner();
    const rendered = this.out.renderForStderr(text);
    if (!s.isSpinning) s.start(rendered);
    if (kind === 'success') s.success(rendered);
    else s.error(rendered);
  }
}

async function defaultSpinner(stream: NodeJS.WritableStream): Promise<Spinner> {
  // imported only when a terminal shows a wait: not on the plan/run hot path
  const { default: yoctoSpinner } = await import('yocto-spinner');
  // SIGINT is ours (run.ts says what was left on the manager); the spinner must not exit first
  return yoctoSpinner({ stream: stream as NodeJS.WriteStream, handleSignals: false }) as unknown as Spinner;
}
