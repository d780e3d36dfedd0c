/**
 * Applies in progress and their history. An apply can take a while (a new session is waited for
 * until RUNNING), so `POST /api/apply` starts a run and returns its id; the progress lines and the
 * final document are kept here and streamed to any number of listeners (server-sent events), also
 * to one that connects late: it gets the lines so far first.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Invocation } from './invoke.js';

export type RunEvent = { event: 'progress'; data: { line: string } } | { event: 'result'; data: Invocation['doc'] };

export interface Run {
  id: string;
  startedAt: string;
  finishedAt?: string;
  lines: string[];
  result?: Invocation;
  listeners: Set<(e: RunEvent) => void>;
}

export class RunRegistry {
  private readonly runs = new Map<string, Run>();

  constructor(
    /** Applies allowed at the same time; more are refused (429) rather than queued without bound. */
    private readonly maxRunning = 4,
    /** Finished runs kept for late readers; the oldest are forgotten first. */
    private readonly maxKept = 100,
  ) {}

  get running(): number {
    return [...this.runs.values()].filter((r) => !r.result).length;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  /** Start `work` (given a line sink) as a new run. Returns undefined when too many are running. */
  start(work: (line: (text: string) => void) => Promise<Invocation>): Run | undefined {
    if (this.running >= this.maxRunning) return undefined;
    const run: Run = { id: randomUUID(), startedAt: new Date().toISOString(), lines: [], listeners: new Set() };
    this.runs.set(run.id, run);
    this.forgetOld();
    const emit = (e: RunEvent) => {
      for (const l of run.listeners) l(e);
    };
    void work((line) => {
      run.lines.push(line);
      emit({ event: 'progress', data: { line } });
    }).then(
      (result) => this.finish(run, result, emit),
      // invokeCommand turns errors into documents; this is only a last resort
      (err: unknown) => this.finish(run, { exitCode: 1, doc: { ok: false, exitCode: 1, error: { kind: 'internal', message: String((err as Error)?.message ?? err) } } }, emit),
    );
    return run;
  }

  private finish(run: Run, result: Invocation, emit: (e: RunEvent) => void): void {
    run.result = result;
    run.finishedAt = new Date().toISOString();
    emit({ event: 'result', data: result.doc });
    run.listeners.clear();
  }

  private forgetOld(): void {
    for (const [id, r] of this.runs) {
      if (this.runs.size <= this.maxKept) break;
      if (r.result) this.runs.delete(id);
    }
  }

  /** A summary for `GET /api/runs/<id>`. */
  static status(run: Run): Record<string, unknown> {
    return {
      id: run.id,
      state: run.result ? 'done' : 'running',
      startedAt: run.startedAt,
      ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
      lines: run.lines,
      ...(run.result ? { result: run.result.doc } : {}),
    };
  }

  /** Stream a run as server-sent events: the lines so far, then live lines, then the result. */
  static stream(run: Run, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    const send = (e: RunEvent) => res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
    for (const line of run.lines) send({ event: 'progress', data: { line } });
    if (run.result) {
      send({ event: 'result', data: run.result.doc });
      res.end();
      return;
    }
    // a comment line now and then keeps proxies and browsers from closing an idle stream
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const listener = (e: RunEvent) => {
      send(e);
      if (e.event === 'result') {
        clearInterval(keepAlive);
        res.end();
      }
    };
    run.listeners.add(listener);
    res.on('close', () => {
      clearInterval(keepAlive);
      run.listeners.delete(listener);
    });
  }
}
