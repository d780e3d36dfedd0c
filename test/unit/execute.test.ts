import { describe, expect, it } from 'vitest';
import { planOf, writeStep } from '../support/plan-doc.js';
import { BaiError } from '../../src/errors.js';
import { eventStatus, executePlan, type ExecClient, type ProgressEvent } from '../../src/agent/execute.js';
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';

const s = writeStep;

const lost = () => new BaiError('connection reset by the manager', 'unavailable');

/** A tiny fake manager: sessions by name, honouring reuse like the real one (facts §3.3). */
function fakeManager(opts: { dropFirstCreateAnswer?: boolean; statuses?: string[] } = {}) {
  const sessions = new Map<string, { id: string; status: string; polls: number }>();
  const calls: string[] = [];
  let creates = 0;
  const client = {
    async call(operationId: string, args?: Parameters<ExecClient['call']>[1]): Promise<{ status: number; data: unknown }> {
      calls.push(operationId);
      const body = (args?.body ?? {}) as Record<string, unknown>;
      if (operationId === 'session.create_from_params') {
        const name = String(body.session_name);
        const existing = sessions.get(name);
        if (existing) return { status: 201, data: { sessionId: existing.id, sessionName: name, status: existing.status, created: false } };
        creates++;
        const id = `00000000-0000-4000-8000-00000000000${creates}`;
        sessions.set(name, { id, status: 'PENDING', polls: 0 });
        if (opts.dropFirstCreateAnswer && creates === 1) throw lost();
        return { status: 201, data: { sessionId: id, sessionName: name, status: 'PENDING', created: true } };
      }
      if (operationId === 'session.get_info') {
        const key = String(args?.pathParams?.session_name);
        const found = [...sessions.entries()].find(([n, v]) => n === key || v.id === key);
        if (!found) throw Object.assign(new BaiError('not found', 'api'), { status: 404 });
        const seq = opts.statuses ?? ['PREPARING', 'RUNNING'];
        found[1].status = seq[Math.min(found[1].polls++, seq.length - 1)]!;
        return { status: 200, data: { status: found[1].status } };
      }
      if (operationId === 'folders.create') return { status: 201, data: { id: 'f1', name: body.name } };
      if (operationId === 'fail.always') throw Object.assign(new BaiError('fail.always failed: 400 invalid-api-params', 'api'), { status: 400 });
      return { status: 200, data: { echoed: args } };
    },
  } as ExecClient;
  return { client, sessions, calls, creates: () => creates };
}

const createStep = s('s1', 'session.create_from_params', {
  body: { session_name: 'bai-x-1', image: 'python', enqueue_only: true, config: {} },
  wait: { until: 'RUNNING', timeoutSeconds: 5 },
});

describe('executePlan', () => {
  it('creates a session, waits until RUNNING by polling, and reports it', async () => {
    const m = fakeManager();
    const events: ProgressEvent[] = [];
    const r = await executePlan({ plan: planOf([createStep]), client: m.client, progress: (e) => events.push(e), pollIntervalMs: 5 });
    expect(r.ok).toBe(true);
    expect(r.outputs.sessions).toEqual([{ name: 'bai-x-1', id: '00000000-0000-4000-8000-000000000001', status: 'RUNNING' }]);
    expect(events.filter((e) => e.kind === 'wait').map((e) => (e as { status: string }).status)).toEqual(['PENDING', 'PREPARING', 'RUNNING']);
  });

  it('follows server-sent events when the client has them', async () => {
    const m = fakeManager({ statuses: ['PENDING'] }); // polling alone would never see RUNNING
    const client: ExecClient = {
      call: m.client.call,
      async *events() {
        yield { event: 'session_scheduled', data: { sessionName: 'bai-x-1', sessionId: '00000000-0000-4000-8000-000000000001' } };
        yield { event: 'session_started', data: { sessionName: 'bai-x-1', sessionId: '00000000-0000-4000-8000-000000000001' } };
      },
    };
    const r = await executePlan({ plan: planOf([createStep]), client, pollIntervalMs: 50 });
    expect(r.ok).toBe(true);
    expect(r.outputs.sessions[0]!.status).toBe('RUNNING');
  });

  it('recovers a create whose answer was lost without creating a second session', async () => {
    const m = fakeManager({ dropFirstCreateAnswer: true });
    const audit: string[] = [];
    const r = await executePlan({ plan: planOf([createStep]), client: m.client, pollIntervalMs: 5, audit: (e) => audit.push(e.outcome) });
    expect(r.ok).toBe(true);
    expect(m.creates()).toBe(1);
    expect(m.sessions.size).toBe(1);
    expect(audit).toEqual(['started', 'recovered']);
  });

  it('does not retry a write that failed with a definite error', async () => {
    const m = fakeManager();
    const r = await executePlan({ plan: planOf([s('s1', 'fail.always')]), client: m.client });
    expect(r.ok).toBe(false);
    expect(r.failedStep).toBe('s1');
    expect(m.calls.filter((c) => c === 'fail.always')).toHaveLength(1);
  });

  it('never sends a step the policy denied', async () => {
    const m = fakeManager();
    const r = await executePlan({ plan: planOf([s('s1', 'folders.create', { policy: { verdict: 'deny', reason: 'readonly' } })]), client: m.client });
    expect(r.ok).toBe(false);
    expect(m.calls).toEqual([]);
  });

  it('resolves references to earlier results', async () => {
    const m = fakeManager();
    const plan = planOf([
      s('s1', 'folders.create', { body: { name: 'exp' } }),
      s('s2', 'echo', { effect: 'read', method: 'GET', pathParams: { name: { $from: 's1', path: 'id' } }, refs: [{ at: 'pathParams.name', from: 's1', path: 'id' }] }),
    ]);
    const r = await executePlan({ plan, client: m.client });
    expect(r.ok).toBe(true);
    expect((r.results[1]!.data as { echoed: { pathParams: unknown } }).echoed.pathParams).toEqual({ name: 'f1' });
  });

  it('times out waiting with a clear message', async () => {
    const m = fakeManager({ statuses: ['PENDING'] });
    const r = await executePlan({ plan: planOf([createStep]), client: m.client, pollIntervalMs: 5, waitTimeoutSeconds: 0.1 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/still PENDING after 0 s|still PENDING/);
  });

  it('skips steps that already ran before a replan', async () => {
    const m = fakeManager();
    const first = s('s1', 'folders.create', { body: { name: 'exp' } });
    const r = await executePlan({
      plan: planOf([first, s('s2', 'folders.create', { body: { name: 'other' } })]),
      client: m.client,
      alreadyDone: [{ step: first, candidate: { kind: 'call', operationId: 'folders.create', reason: 'x' }, observation: { id: 'f0' } }],
    });
    expect(r.ok).toBe(true);
    expect(m.calls).toEqual(['folders.create']);
    expect(r.results[0]!.status).toBe('skipped');
  });
});

describe('eventStatus', () => {
  it('a destroy that waits until TERMINATED holds the next step until the old session has ended', async () => {
    const m = fakeManager({ statuses: ['TERMINATING', 'TERMINATING', 'TERMINATED'] });
    m.sessions.set('nb', { id: '00000000-0000-4000-8000-0000000000aa', status: 'RUNNING', polls: 0 });
    const destroy = s('s0', 'session.destroy', { method: 'DELETE', pathParams: { session_name: 'nb' }, wait: { until: 'TERMINATED', timeoutSeconds: 5 } });
    const events: ProgressEvent[] = [];
    const r = await executePlan({ plan: planOf([destroy, createStep]), client: m.client, progress: (e) => events.push(e), pollIntervalMs: 5 });
    expect(r.ok).toBe(true);
    // three polls of the old session before the create was sent
    expect(m.calls.slice(0, 5)).toEqual(['session.destroy', 'session.get_info', 'session.get_info', 'session.get_info', 'session.create_from_params']);
    expect(events.filter((e) => e.kind === 'wait' && e.step.id === 's0').map((e) => (e as { status: string }).status)).toEqual(['TERMINATING', 'TERMINATED']);
  });

  it('re-creating a name the plan just terminated waits for the old session to end, even without a wait on the destroy', async () => {
    const m = fakeManager({ statuses: ['TERMINATING', 'TERMINATED'] });
    m.sessions.set('bai-x-1', { id: '00000000-0000-4000-8000-0000000000aa', status: 'RUNNING', polls: 0 });
    const destroy = s('s0', 'session.destroy', { method: 'DELETE', pathParams: { session_name: 'bai-x-1' } });
    const r = await executePlan({ plan: planOf([destroy, createStep]), client: m.client, pollIntervalMs: 5 });
    expect(r.ok).toBe(true);
    expect(m.calls.slice(0, 4)).toEqual(['session.destroy', 'session.get_info', 'session.get_info', 'session.create_from_params']);
  });

  it('a session that never ends stops the plan with a clear message before the next step', async () => {
    const m = fakeManager({ statuses: ['TERMINATING'] });
    m.sessions.set('nb', { id: '00000000-0000-4000-8000-0000000000aa', status: 'RUNNING', polls: 0 });
    let t = 0;
    const destroy = s('s0', 'session.destroy', { method: 'DELETE', pathParams: { session_name: 'nb' }, wait: { until: 'TERMINATED', timeoutSeconds: 1 } });
    const r = await executePlan({ plan: planOf([destroy, createStep]), client: m.client, pollIntervalMs: 1, now: () => (t += 300) });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/nb is still TERMINATING after 1 s/);
    expect(m.calls).not.toContain('session.create_from_params');
  });

  it('maps manager event names to statuses', () => {
    expect(eventStatus('session_started')).toBe('RUNNING');
    expect(eventStatus('session_terminated')).toBe('TERMINATED');
    expect(eventStatus('session_pulling')).toBe('PULLING');
    expect(eventStatus('kernel_started')).toBeUndefined();
  });
});
