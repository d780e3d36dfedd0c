/**
 * How the executor handles writes whose answer is lost or refused for a transient reason: a
 * create is recovered, never repeated; an unverifiable outcome is reported as such (and is not
 * replanned); a 429 is sent again only after the manager's wait.
 */
import { planOf, writeStep } from '../support/plan-doc.js';
import { describe, expect, it } from 'vitest';
import { BackendApiError, ManagerUnavailableError } from '../../src/client/errors.js';
import { executePlan, type AuditEntry, type ExecClient } from '../../src/agent/execute.js';
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';

const step = writeStep;

const dropped = () => new ManagerUnavailableError('the connection to the manager was dropped before an answer arrived', 'dropped');
const problem = (status: number, type: string, extra: Partial<ConstructorParameters<typeof BackendApiError>[0]> = {}) =>
  new BackendApiError({ status, type, title: type, ...extra });

/**
 * A manager holding sessions by name, with reuse as on the real one (facts §3.3). `answer(op, n)`
 * decides, per call of an operation, whether its answer is lost after the effect (`drop`), the
 * call is refused before any effect (an error), or it goes through (undefined).
 */
function fakeManager(answer: (operationId: string, n: number) => 'drop' | Error | undefined = () => undefined, statuses = ['RUNNING']) {
  const sessions = new Map<string, { id: string; polls: number }>();
  const counts = new Map<string, number>();
  let created = 0;
  const client = {
    async call(operationId: string, args?: Parameters<ExecClient['call']>[1]): Promise<{ status: number; data: unknown }> {
      const n = (counts.get(operationId) ?? 0) + 1;
      counts.set(operationId, n);
      const decision = answer(operationId, n);
      if (decision instanceof Error) throw decision;
      const body = (args?.body ?? {}) as Record<string, unknown>;
      let result: { status: number; data: unknown };
      if (operationId === 'session.create_from_params') {
        const name = String(body.session_name);
        const existing = sessions.get(name);
        if (existing && body.reuse === false) {
          throw problem(400, 'session-already-exists', { msg: `A live session named "${name}" already exists`, data: { existingSessionId: existing.id } });
        }
        if (existing) result = { status: 201, data: { sessionId: existing.id, sessionName: name, status: 'PENDING', created: false } };
        else {
          const id = `00000000-0000-4000-8000-00000000000${++created}`;
          sessions.set(name, { id, polls: 0 });
          result = { status: 201, data: { sessionId: id, sessionName: name, status: 'PENDING', created: true } };
        }
      } else if (operationId === 'session.get_info') {
        const key = String(args?.pathParams?.session_name);
        const found = [...sessions.entries()].find(([name, v]) => name === key || v.id === key);
        if (!found) throw problem(404, 'object-not-found');
        result = { status: 200, data: { status: statuses[Math.min(found[1].polls++, statuses.length - 1)] } };
      } else if (operationId === 'session.match_sessions') {
        const prefix = String(args?.query?.id);
        const matches = [...sessions.entries()].filter(([name]) => name.startsWith(prefix)).map(([name, v]) => ({ id: v.id, name, status: 'PENDING' }));
        result = { status: 200, data: { matches } };
      } else if (operationId === 'folders.create') {
        result = { status: 201, data: { id: 'f1', name: body.name } };
      } else {
        result = { status: 200, data: {} };
      }
      if (decision === 'drop') throw dropped();
      return result;
    },
  } as ExecClient;
  return { client, sessions, count: (op: string) => counts.get(op) ?? 0, created: () => created };
}

const create = (body: Record<string, unknown> = {}) =>
  step('s1', 'session.create_from_params', {
    body: { session_name: 'bai-rec-1', image: 'python', enqueue_only: true, config: {}, ...body },
    wait: { until: 'RUNNING', timeoutSeconds: 5 },
  });

const fast = { pollIntervalMs: 2, recoveryDelayMs: 1 };

describe('writes whose answer is lost', () => {
  it('a create whose answer was lost is found by its name and not sent again', async () => {
    const m = fakeManager((op, n) => (op === 'session.create_from_params' && n === 1 ? 'drop' : undefined));
    const audit: AuditEntry[] = [];
    const r = await executePlan({ plan: planOf([create()]), client: m.client, ...fast, audit: (e) => audit.push(e) });
    expect(r.ok).toBe(true);
    expect(m.count('session.create_from_params')).toBe(1);
    expect(m.count('session.match_sessions')).toBe(1);
    expect(r.outputs.sessions).toEqual([{ name: 'bai-rec-1', id: '00000000-0000-4000-8000-000000000001', status: 'RUNNING' }]);
    expect(audit.map((e) => e.outcome)).toEqual(['started', 'recovered']);
  });

  it('a lost create that never arrived is sent again, once', async () => {
    // dropped before the manager saw it: the lookup finds nothing, the re-send creates it
    const m = fakeManager((op, n) => (op === 'session.create_from_params' && n === 1 ? dropped() : undefined));
    const r = await executePlan({ plan: planOf([create()]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(m.count('session.create_from_params')).toBe(2);
    expect(m.created()).toBe(1);
  });

  it('when the lookup cannot see it yet, the re-send without reuse is answered session-already-exists and recovered', async () => {
    const m = fakeManager((op, n) => (op === 'session.create_from_params' && n === 1 ? 'drop' : undefined));
    // a lookup that lags behind the create (the lost request landed after it)
    const client = {
      call: async (op: string, args?: Parameters<ExecClient['call']>[1]) =>
        op === 'session.match_sessions' ? { status: 200, data: { matches: [] } } : m.client.call(op, args),
    } as ExecClient;
    const audit: AuditEntry[] = [];
    const r = await executePlan({ plan: planOf([create({ reuse: false })]), client, ...fast, audit: (e) => audit.push(e) });
    expect(r.ok).toBe(true);
    expect(m.created()).toBe(1);
    expect(m.count('session.create_from_params')).toBe(2);
    expect(r.outputs.sessions[0]!.id).toBe('00000000-0000-4000-8000-000000000001');
    expect(audit.map((e) => e.outcome)).toEqual(['started', 'recovered']);
  });

  it('every answer lost, lookups included: one session, a clear error, and the outcome reported as unknown', async () => {
    const m = fakeManager((op) => (op === 'session.create_from_params' || op === 'session.match_sessions' ? 'drop' : undefined));
    const audit: AuditEntry[] = [];
    const r = await executePlan({ plan: planOf([create()]), client: m.client, ...fast, recoveryAttempts: 2, audit: (e) => audit.push(e) });
    expect(r.ok).toBe(false);
    expect(r.failedStepEffect).toBe('unknown');
    expect(r.error).toMatch(/outcome could not be verified/);
    expect(r.error).not.toMatch(/\n/);
    expect(m.created()).toBe(1);
    expect(m.count('session.create_from_params')).toBe(1); // never re-sent without a lookup first
    expect(audit.map((e) => e.outcome)).toEqual(['started', 'unknown']);
  });

  it('a write with no way to check it is not sent again', async () => {
    const m = fakeManager((op) => (op === 'session.rename' ? 'drop' : undefined));
    const r = await executePlan({ plan: planOf([step('s1', 'session.rename', { pathParams: { session_name: 'a' }, body: { session_name: 'b' } })]), client: m.client, ...fast });
    expect(r.ok).toBe(false);
    expect(r.failedStepEffect).toBe('unknown');
    expect(r.error).toMatch(/not safe to repeat blindly/);
    expect(m.count('session.rename')).toBe(1);
  });

  it('a folder create is re-checked by a read before it is sent again', async () => {
    // the first answer is a 500 (it may have happened); the read says it did not; the re-send creates it
    const m = fakeManager((op, n) => {
      if (op === 'folders.create' && n === 1) return problem(500, 'internal-server-error');
      if (op === 'folders.get_info') return problem(404, 'object-not-found');
      return undefined;
    });
    const r = await executePlan({ plan: planOf([step('s1', 'folders.create', { body: { name: 'exp' } })]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(m.count('folders.get_info')).toBe(1);
    expect(m.count('folders.create')).toBe(2);
  });

  it('a definite refusal is the step failure, and replanning it is safe', async () => {
    const m = fakeManager((op) => (op === 'folders.create' ? problem(400, 'invalid-api-params') : undefined));
    const r = await executePlan({ plan: planOf([step('s1', 'folders.create', { body: { name: 'exp' } })]), client: m.client, ...fast });
    expect(r.ok).toBe(false);
    expect(r.failedStepEffect).toBe('none');
    expect(m.count('folders.create')).toBe(1);
  });
});

describe('rate limits on writes', () => {
  it('a 429 with a short Retry-After is sent again after the wait', async () => {
    const m = fakeManager((op, n) => (op === 'folders.create' && n <= 2 ? problem(429, 'rate-limit-exceeded', { retryAfterMs: 5 }) : undefined));
    const r = await executePlan({ plan: planOf([step('s1', 'folders.create', { body: { name: 'exp' } })]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(m.count('folders.create')).toBe(3);
  });

  it('a 429 asking for the whole 15-minute window is not waited for', async () => {
    const m = fakeManager((op) => (op === 'folders.create' ? problem(429, 'rate-limit-exceeded', { retryAfterMs: 900_000 }) : undefined));
    const started = Date.now();
    const r = await executePlan({ plan: planOf([step('s1', 'folders.create', { body: { name: 'exp' } })]), client: m.client, ...fast });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(r.ok).toBe(false);
    expect(r.failedStepEffect).toBe('none');
    expect(r.error).toMatch(/rate limit is used up: the manager asks to wait 900 s/);
    expect(m.count('folders.create')).toBe(1);
  });
});

describe('waiting for a new session', () => {
  it('keeps polling through 503s and dropped polls', async () => {
    const flaky = [problem(503, 'server-frozen'), dropped(), problem(429, 'rate-limit-exceeded')];
    const m = fakeManager((op, n) => (op === 'session.get_info' && n <= flaky.length ? flaky[n - 1] : undefined), ['PREPARING', 'RUNNING']);
    const r = await executePlan({ plan: planOf([create()]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(r.outputs.sessions[0]!.status).toBe('RUNNING');
  });

  it('a created session that does not start in time is reported as created (no replan may duplicate it)', async () => {
    const m = fakeManager(undefined, ['PENDING']);
    const audit: AuditEntry[] = [];
    const r = await executePlan({ plan: planOf([create()]), client: m.client, ...fast, waitTimeoutSeconds: 0.05, audit: (e) => audit.push(e) });
    expect(r.ok).toBe(false);
    expect(r.failedStepEffect).toBe('applied');
    expect(r.outputs.sessions).toEqual([{ name: 'bai-rec-1', id: '00000000-0000-4000-8000-000000000001', status: 'PENDING' }]);
    expect(audit.map((e) => e.outcome)).toEqual(['started', 'ok']); // the create itself succeeded: started, then its outcome
  });
});

describe('terminating sessions whose answer is lost', () => {
  /** v2 terminate over sessions by id; `dropFirst` loses the first answer after the effect, `lostBefore` before it. */
  function v2Manager(mode: 'dropFirst' | 'lostBefore') {
    const status = new Map([['11111111-1111-4111-8111-111111111111', 'RUNNING']]);
    let terminates = 0;
    const client = {
      async call(operationId: string, args?: Parameters<ExecClient['call']>[1]): Promise<{ status: number; data: unknown }> {
        if (operationId === 'v2/sessions.get') {
          const st = status.get(String(args?.pathParams?.session_id));
          if (!st) throw problem(404, 'object-not-found');
          return { status: 200, data: { session: { lifecycle: { status: st } } } };
        }
        if (operationId === 'v2/sessions.terminate') {
          terminates++;
          if (mode === 'lostBefore' && terminates === 1) throw dropped();
          for (const id of (args?.body as { session_ids: string[] }).session_ids) if (status.get(id) === 'RUNNING') status.set(id, 'TERMINATING');
          if (mode === 'dropFirst' && terminates === 1) throw dropped();
          return { status: 200, data: { terminating: ['11111111-1111-4111-8111-111111111111'] } };
        }
        throw new Error(`unexpected ${operationId}`);
      },
    } as ExecClient;
    return { client, terminates: () => terminates };
  }
  const terminate = step('s1', 'v2/sessions.terminate', { body: { session_ids: ['11111111-1111-4111-8111-111111111111'] } });

  it('a terminate that took effect is recognised by a read and not sent again', async () => {
    const m = v2Manager('dropFirst');
    const r = await executePlan({ plan: planOf([terminate]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(m.terminates()).toBe(1);
  });

  it('a terminate that never arrived is sent again after the read shows the session still running', async () => {
    const m = v2Manager('lostBefore');
    const r = await executePlan({ plan: planOf([terminate]), client: m.client, ...fast });
    expect(r.ok).toBe(true);
    expect(m.terminates()).toBe(2);
  });
});
