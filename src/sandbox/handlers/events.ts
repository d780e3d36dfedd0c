/**
 * `GET /events/session` as server-sent events (facts §9). Transitions are derived from the
 * time-based lifecycle: the stream polls the world and emits every status change it has not
 * sent yet (`session_<status>`, RUNNING → `session_started`). Only `sessionName` narrows the
 * stream — `sessionId` is accepted and ignored, like the real manager.
 */
import { forbidden, Problem } from '../problem.js';
import { sessionResult, timeline, type SessionStatus } from '../scheduler.js';
import type { SessionRecord } from '../world.js';
import type { HandlerContext, HandlerTable, HandlerResult } from './context.js';

export const HEARTBEAT_MS = 15_000;
const POLL_MS = 100;

function eventName(status: SessionStatus, index: number): string {
  if (index === 0 && status === 'PENDING') return 'session_enqueued';
  if (status === 'RUNNING') return 'session_started';
  return `session_${status.toLowerCase()}`;
}

function reasonFor(s: SessionRecord, status: SessionStatus, now: number, fast: boolean): string {
  if (status === 'CANCELLED' || status === 'TERMINATING') return 'user-requested';
  if (status === 'TERMINATED') return sessionResult(s, now, fast) === 'success' ? 'task-finished' : 'user-requested';
  return '';
}

function pushSessionEvents(ctx: HandlerContext): HandlerResult {
  const q = ctx.query;
  const sessionName = q.get('sessionName') ?? q.get('session_name') ?? '*';
  const ownerKey = q.get('ownerAccessKey') ?? q.get('owner_access_key') ?? ctx.caller.accessKey;
  const groupName = q.get('groupName') ?? q.get('group_name') ?? '*';
  if (ownerKey !== ctx.caller.accessKey && ctx.caller.user.role === 'user') throw forbidden('You can only watch the events of your own sessions');

  const watched = (s: SessionRecord): boolean =>
    s.ownerAccessKey === ownerKey && (sessionName === '*' || s.name === sessionName) && (groupName === '*' || s.group === groupName);
  // what has been sent per session: transitions before the subscription are history, not news
  const sent = new Map<string, number>();
  for (const s of ctx.world.sessions) sent.set(s.id, timeline(s, ctx.fast).filter((c) => c.at <= ctx.now).length);

  const { res } = ctx;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-RateLimit-Window': '900',
  });
  res.flushHeaders();
  res.write('retry: 5000\n\n');

  const poll = (): void => {
    if (res.destroyed) return;
    let world;
    try {
      world = ctx.refresh();
    } catch (err) {
      ctx.log(`sandbox: event stream could not read the world: ${(err as Error).message}`);
      return;
    }
    const now = ctx.clockNow();
    for (const s of world.sessions) {
      if (!watched(s)) continue;
      const changes = timeline(s, ctx.fast).filter((c) => c.at <= now);
      const from = sent.get(s.id) ?? 0;
      for (let i = from; i < changes.length; i++) {
        const status = changes[i]!.status;
        const data = { reason: reasonFor(s, status, now, ctx.fast), sessionName: s.name, ownerAccessKey: s.ownerAccessKey, sessionId: s.id, exitCode: null };
        if (status === 'TERMINATED' && data.reason === 'task-finished') res.write(`event: session_success\ndata: ${JSON.stringify(data)}\n\n`);
        res.write(`event: ${eventName(status, i)}\ndata: ${JSON.stringify(data)}\n\n`);
      }
      sent.set(s.id, changes.length);
    }
  };
  const pollTimer = setInterval(poll, POLL_MS);
  const heartbeat = setInterval(() => {
    if (!res.destroyed) res.write(': heartbeat\n\n');
  }, HEARTBEAT_MS);
  const stop = (): void => {
    clearInterval(pollTimer);
    clearInterval(heartbeat);
  };
  res.on('close', stop);
  ctx.signal.addEventListener('abort', stop, { once: true });
  return { streamed: true };
}

/** Background tasks finish at once in the sandbox: progress, the terminal event, `server_close`. */
function pushBackgroundTaskEvents(ctx: HandlerContext): HandlerResult {
  const id = ctx.query.get('taskId') ?? ctx.query.get('task_id') ?? '';
  const task = ctx.world.backgroundTasks?.find((t) => t.id === id);
  if (!task) throw new Problem(404, 'object-not-found', `No such background task: ${id}`, undefined, 'No such background task.');
  const { res } = ctx;
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
  res.write('retry: 5\n\n');
  res.write(`event: bgtask_updated\ndata: ${JSON.stringify({ task_id: id, message: task.message, current_progress: 1, total_progress: 1 })}\n\n`);
  res.write(`event: bgtask_done\ndata: ${JSON.stringify({ task_id: id, message: task.message })}\n\n`);
  res.end('event: server_close\ndata: {}\n\n');
  return { streamed: true };
}

export const eventHandlers: HandlerTable = {
  'events.push_session_events': pushSessionEvents,
  'events.push_background_task_events': pushBackgroundTaskEvents,
};
