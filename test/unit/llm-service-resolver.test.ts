/**
 * `--llm backendai:SERVICE` on the manager's side: the resolver finds the service by name with
 * `services.list_serve`, takes its endpoint, and asks `services.generate_token` for a token —
 * with one-line errors for a missing service (naming the ones there are), a service that is
 * not ready, and a refused token.
 */
import { BaiError } from '../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { BackendApiError } from '../../src/client/errors.js';
import { llmSpecOf, serviceResolver, SERVICE_TOKEN_LIFETIME } from '../../src/cli/llm.js';
import { Output } from '../../src/cli/output.js';

const ENDPOINT = 'http://127.0.0.1:8090/services/5e5e5e5e-0000-4000-8000-000000000001/proxy';

function manager(services: unknown[], token: (args: unknown) => unknown = () => ({ token: 'eyJ.issued.token' })) {
  const calls: Array<{ operationId: string; args: unknown }> = [];
  return {
    calls,
    async call<T>(operationId: string, args?: unknown): Promise<{ status: number; data: T; headers: Record<string, string> }> {
      calls.push({ operationId, args });
      if (operationId === 'services.list_serve') return { status: 200, data: services as T, headers: {} };
      if (operationId === 'services.generate_token') return { status: 200, data: token(args) as T, headers: {} };
      throw new Error(`unexpected ${operationId}`);
    },
  };
}

const ready = { id: '5e5e5e5e-0000-4000-8000-000000000001', name: 'qwen-svc', active_route_count: 1, service_endpoint: ENDPOINT, is_public: false };

describe('serviceResolver', () => {
  it('finds the service by name and issues a short-lived token for it', async () => {
    const m = manager([{ ...ready, id: 'other', name: 'other-svc' }, ready]);
    expect(await serviceResolver(m, { env: {} })('qwen-svc')).toEqual({ baseUrl: ENDPOINT, token: 'eyJ.issued.token' });
    expect(m.calls).toEqual([
      { operationId: 'services.list_serve', args: undefined },
      { operationId: 'services.generate_token', args: { pathParams: { service_id: ready.id }, query: {}, body: { duration: SERVICE_TOKEN_LIFETIME } } },
    ]);
  });

  it('issuing the token is audited: started before it is sent, the outcome after, never the token itself', async () => {
    const m = manager([ready]);
    const lines: Array<Record<string, unknown>> = [];
    await serviceResolver(m, { env: {}, audit: (e) => lines.push(e) })('qwen-svc');
    expect(lines.map((l) => l.outcome)).toEqual(['started', 'ok']);
    expect(lines[0]).toMatchObject({ operationId: 'services.generate_token', method: 'POST', path: '/services/{service_id}/token', pathParams: { service_id: ready.id } });
    expect(JSON.stringify(lines)).not.toContain('eyJ.issued.token');
  });

  it('no token is issued when the audit log cannot be written', async () => {
    const m = manager([ready]);
    const failing = () => {
      throw new BaiError('the audit log /x cannot be written (EACCES)', 'config');
    };
    await expect(serviceResolver(m, { env: {}, audit: failing })('qwen-svc')).rejects.toThrow(/audit log/);
    expect(m.calls.map((c) => c.operationId)).toEqual(['services.list_serve']);
  });

  it('a public service needs no token, and BAI_AGENT_LLM_SERVICE_TOKEN replaces issuing one', async () => {
    const pub = manager([{ ...ready, is_public: true }]);
    expect(await serviceResolver(pub, { env: {} })('qwen-svc')).toEqual({ baseUrl: ENDPOINT, token: '' });
    const given = manager([ready]);
    expect(await serviceResolver(given, { env: { BAI_AGENT_LLM_SERVICE_TOKEN: 'my-own-token' } })('qwen-svc')).toEqual({ baseUrl: ENDPOINT, token: 'my-own-token' });
    expect([...pub.calls, ...given.calls].map((c) => c.operationId)).toEqual(['services.list_serve', 'services.list_serve']);
  });

  it('no such service: a config error naming the services there are (or saying there are none)', async () => {
    await expect(serviceResolver(manager([ready, { ...ready, name: 'chat-svc' }]), { endpointLabel: 'https://mgr', env: {} })('llama')).rejects.toMatchObject({
      kind: 'config',
      message: 'no model service named "llama" on https://mgr (the services there are: qwen-svc, chat-svc)',
    });
    await expect(serviceResolver(manager([]), { env: {} })('llama')).rejects.toMatchObject({ kind: 'config', message: expect.stringMatching(/\(there are none\)$/) });
  });

  it('a service without an endpoint is not ready (and no token is issued for it)', async () => {
    const m = manager([{ ...ready, service_endpoint: null, active_route_count: 0 }]);
    await expect(serviceResolver(m, { env: {} })('qwen-svc')).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/^model service "qwen-svc" is not ready: it has no endpoint yet, 0 running replicas; wait until a replica is running/),
    });
    expect(m.calls.map((c) => c.operationId)).toEqual(['services.list_serve']);
  });

  it('a refused token is a one-line config error with the manager\'s reason', async () => {
    const refused = manager([ready], () => {
      throw new BackendApiError({ status: 403, type: 'generic-forbidden', title: 'Insufficient privileges', operationId: 'services.generate_token' });
    });
    const err = (await serviceResolver(refused, { env: {} })('qwen-svc').then(
      () => undefined,
      (e: unknown) => e,
    )) as Error & { kind: string };
    expect(err.kind).toBe('config');
    expect(err.message).toMatch(/^the manager refused a token for model service "qwen-svc": .*403/);
    expect(err.message).not.toContain('\n');
    await expect(serviceResolver(manager([ready], () => ({})), { env: {} })('qwen-svc')).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/no token/) });
  });
});

describe('llmSpecOf', () => {
  const ctx = (llm?: string) => ({ globals: llm === undefined ? {} : { llm }, out: new Output() });
  it('takes --llm, then BAI_AGENT_LLM; "offline" or nothing means the offline planner', () => {
    expect(llmSpecOf(ctx('openai:gpt-4o-mini'), { BAI_AGENT_LLM: 'backendai:x' })).toBe('openai:gpt-4o-mini');
    expect(llmSpecOf(ctx(), { BAI_AGENT_LLM: 'backendai:qwen-svc' })).toBe('backendai:qwen-svc');
    expect(llmSpecOf(ctx('offline'), { BAI_AGENT_LLM: 'openai:x' })).toBeUndefined();
    expect(llmSpecOf(ctx(), {})).toBeUndefined();
  });
});
