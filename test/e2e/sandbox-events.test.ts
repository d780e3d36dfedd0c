/** SSE over real HTTP: subscribe, create a session, see the transitions as events. */
import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, signingHost } from '../../src/client/signing.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { signedClient } from '../support/signed-fetch.js';

let sb: SandboxHandle;
beforeAll(async () => {
  sb = await startSandbox({ clock: 'fast' });
});
afterAll(() => sb.close());

interface Sse {
  res: IncomingMessage;
  events: Array<{ event: string; data: Record<string, unknown> }>;
  waitFor(pred: (e: { event: string; data: Record<string, unknown> }) => boolean, ms?: number): Promise<void>;
  close(): void;
}

function subscribe(path: string, keys = sb.credentials.user): Promise<Sse> {
  const headers = signRequest({ method: 'GET', relUrl: path, host: signingHost(sb.url), contentType: 'application/octet-stream', apiVersion: 'v9.20250722', ...keys });
  return new Promise((resolve, reject) => {
    const req = request(sb.url + path, { headers }, (res) => {
      const events: Sse['events'] = [];
      let buf = '';
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
        waiters.splice(0).forEach((w) => w());
      });
      resolve({
        res,
        events,
        close: () => req.destroy(),
        waitFor: (pred, ms = 3000) =>
          new Promise<void>((ok, fail) => {
            const deadline = setTimeout(() => fail(new Error(`event not seen; got ${events.map((e) => e.event).join(', ')}`)), ms);
            const check = () => {
              if (events.some(pred)) {
                clearTimeout(deadline);
                ok();
              } else waiters.push(check);
            };
            check();
          }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /events/session', () => {
  it('streams session_started for a new session, then session_terminated', async () => {
    const sse = await subscribe('/events/session?sessionName=watched-one&scope=session');
    expect(sse.res.statusCode).toBe(200);
    expect(sse.res.headers['content-type']).toBe('text/event-stream');
    const call = signedClient(sb.url, sb.credentials.user);
    const created = await call('POST', '/session', { name: 'watched-one', image: 'python', enqueueOnly: true });
    await sse.waitFor((e) => e.event === 'session_started');
    const started = sse.events.find((e) => e.event === 'session_started')!;
    expect(started.data).toEqual({ reason: '', sessionName: 'watched-one', ownerAccessKey: sb.credentials.user.accessKey, sessionId: created.body.sessionId, exitCode: null });
    await call('POST', '/session', { name: 'someone-else', image: 'python', enqueueOnly: true }); // other name: not in this stream
    await call('DELETE', '/session/watched-one');
    await sse.waitFor((e) => e.event === 'session_terminated');
    expect(sse.events.map((e) => e.event)).toEqual(['session_enqueued', 'session_scheduled', 'session_preparing', 'session_pulling', 'session_prepared', 'session_creating', 'session_started', 'session_terminating', 'session_terminated']);
    expect(sse.events.every((e) => e.data.sessionName === 'watched-one')).toBe(true);
    sse.close();
  });

  it('does not filter by sessionId alone (manager gotcha), and forbids watching another access key', async () => {
    const sse = await subscribe('/events/session?sessionId=11111111-1111-4111-8111-111111111111');
    const call = signedClient(sb.url, sb.credentials.user);
    await call('POST', '/session', { name: 'unrelated', image: 'python', enqueueOnly: true });
    await sse.waitFor((e) => e.event === 'session_started' && e.data.sessionName === 'unrelated');
    sse.close();
    const other = await subscribe(`/events/session?ownerAccessKey=${sb.credentials.admin.accessKey}`);
    expect(other.res.statusCode).toBe(403);
    other.close();
  });

  it('background tasks (folder clone) stream progress, bgtask_done and server_close', async () => {
    const call = signedClient(sb.url, sb.credentials.user);
    // only a cloneable folder is cloned (facts §15.2)
    expect((await call('POST', '/folders/api_helper/update-options', { cloneable: true })).status).toBe(200);
    const clone = await call('POST', '/folders/api_helper/clone', { target_name: 'api_helper_copy' });
    expect(clone.status).toBe(201);
    expect((await call('GET', '/folders/api_helper_copy/files')).body.items).toHaveLength(2);
    const sse = await subscribe(`/events/background-task?taskId=${clone.body.bgtask_id}`);
    await sse.waitFor((e) => e.event === 'server_close');
    expect(sse.events.map((e) => e.event)).toEqual(['bgtask_updated', 'bgtask_done', 'server_close']);
  });
});
