/**
 * The chat model a command uses when `--llm` / BAI_AGENT_LLM asks for one: shared by planning
 * (proposer.ts) and `ask`. `openai:MODEL` needs no manager; `backendai:SERVICE` finds the model
 * service on the connected manager (facts §8): its endpoint from `GET /services`, a token from
 * `POST /services/{id}/token` (or BAI_AGENT_LLM_SERVICE_TOKEN), then the OpenAI-compatible
 * routes under the endpoint.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaiError } from '../errors.js';
import { redact } from '../redact.js';
import type { ServiceResolver } from '../planner/llm/model.js';
import type { CommandContext } from './main.js';
import type { Connection } from './connect.js';
import type { AuditEntry } from '../agent/execute.js';

/**
 * Lifetime of the token issued for a model service per run. Tokens cannot be revoked, so it is
 * short — long enough for planning, a confirmation and re-planning after a failed step.
 */
export const SERVICE_TOKEN_LIFETIME = '1h';

/** The `--llm` value in effect (flag, then BAI_AGENT_LLM); undefined means the offline planner. */
export function llmSpecOf(ctx: CommandContext, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const spec = (ctx.globals.llm ?? env.BAI_AGENT_LLM)?.trim();
  return spec && spec !== 'offline' ? spec : undefined;
}

type Caller = Pick<Connection['client'], 'call'>;

/** The audit line of a model-service token issued for `--llm backendai:*` (the executor's shape). */
export type TokenAuditEntry = Omit<AuditEntry, 'outcome'> & { outcome: 'started' | 'ok' | 'failed' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function reason(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

/**
 * Finds a model service by name through the signed client. Errors say what to do: the names
 * there are when none matches, "not ready" while it has no endpoint, the manager's reason when
 * it refuses a token.
 */
export function serviceResolver(
  client: Caller,
  opts: {
    endpointLabel?: string;
    env?: NodeJS.ProcessEnv;
    /**
     * Asked before issuing a token (a write on the manager): a reason to refuse, or undefined.
     * Passing `--llm backendai:X` is the user's consent; a policy that denies the call still wins.
     */
    beforeTokenIssue?: (serviceId: string) => Promise<string | undefined>;
    /**
     * The audit log: issuing a token is a write, recorded before it is sent (it is not sent when
     * that fails: the sink throws) and with its outcome after. The token itself is never recorded.
     */
    audit?: (entry: TokenAuditEntry) => void;
  } = {},
): ServiceResolver {
  const env = opts.env ?? process.env;
  const where = opts.endpointLabel ? ` on ${opts.endpointLabel}` : '';
  return async (name) => {
    let listed: unknown;
    try {
      listed = (await client.call<unknown>('services.list_serve')).data;
    } catch (err) {
      throw new BaiError(`could not list the model services${where} to find "${name}": ${reason(err)}`, err instanceof BaiError ? err.kind : 'unavailable', { cause: err });
    }
    const services = (Array.isArray(listed) ? listed : isObject(listed) && Array.isArray(listed.items) ? listed.items : []).filter(isObject);
    const svc = services.find((s) => s.name === name);
    if (!svc) {
      const names = services.map((s) => String(s.name)).filter(Boolean);
      const there = names.length ? `the services there are: ${names.join(', ')}` : 'there are none';
      throw new BaiError(`no model service named "${name}"${where} (${there})`, 'config');
    }
    const endpoint = typeof svc.service_endpoint === 'string' && svc.service_endpoint ? svc.service_endpoint : typeof svc.url === 'string' && svc.url ? svc.url : undefined;
    if (!endpoint) {
      const routes = typeof svc.active_route_count === 'number' ? `, ${svc.active_route_count} running replicas` : '';
      throw new BaiError(`model service "${name}" is not ready: it has no endpoint yet${routes}; wait until a replica is running (or scale it up) and try again`, 'unavailable');
    }
    if (svc.is_public === true) return { baseUrl: endpoint, token: '' };
    const given = env.BAI_AGENT_LLM_SERVICE_TOKEN?.trim();
    if (given) return { baseUrl: endpoint, token: given };

    const id = String(svc.id ?? svc.endpoint_id ?? '');
    const refusal = await opts.beforeTokenIssue?.(id);
    if (refusal) {
      throw new BaiError(`not issuing a token for model service "${name}": ${refusal} (set BAI_AGENT_LLM_SERVICE_TOKEN to use a token you already have)`, 'refused');
    }
    const call = { pathParams: { service_id: id }, query: {}, body: { duration: SERVICE_TOKEN_LIFETIME } };
    const record = (outcome: TokenAuditEntry['outcome'], extra: { httpStatus?: number; error?: string } = {}): TokenAuditEntry => ({
      time: new Date().toISOString(),
      request: `--llm backendai:${name}: a ${SERVICE_TOKEN_LIFETIME} token for the model service`,
      stepId: 'llm-token',
      operationId: 'services.generate_token',
      method: 'POST',
      path: '/services/{service_id}/token',
      ...call,
      outcome,
      ...extra,
    });
    opts.audit?.(record('started'));
    let token: unknown;
    try {
      const res = await client.call<{ token?: unknown }>('services.generate_token', call);
      token = res.data?.token;
      opts.audit?.(record('ok', { httpStatus: res.status }));
    } catch (err) {
      if (err instanceof BaiError && err.kind === 'config' && /audit log/.test(err.message)) throw err;
      const status = (err as { status?: unknown }).status;
      try {
        opts.audit?.(record('failed', { ...(typeof status === 'number' ? { httpStatus: status } : {}), error: reason(err) }));
      } catch {
        // the started line is in the log; the refusal below is what the user needs to see
      }
      throw new BaiError(`the manager refused a token for model service "${name}": ${reason(err)}`, err instanceof BaiError && err.kind === 'unavailable' ? 'unavailable' : 'config', { cause: err });
    }
    if (typeof token !== 'string' || token === '') throw new BaiError(`the manager answered no token for model service "${name}"`, 'unavailable');
    return { baseUrl: endpoint, token };
  };
}

/**
 * The chat model for `spec`. `connection` is called only for `backendai:*` (so `ask` with an
 * OpenAI model never connects to a manager); the caller keeps that connection open while the
 * model is in use (the in-process sandbox serves the service endpoint).
 */
export async function chatModelFor(ctx: CommandContext, spec: string, connection: () => Promise<Connection>): Promise<BaseChatModel> {
  const { createChatModel, parseLlmSpec } = await import('../planner/llm/index.js');
  const { provider } = parseLlmSpec(spec);
  try {
    if (provider === 'backendai') {
      if (ctx.globals.llmBaseUrl) ctx.out.warn('--llm-base-url is ignored with --llm backendai:*: the model service has its own endpoint');
      const conn = await connection();
      const { auditLogPath, fileAuditSink } = await import('../agent/audit.js');
      const audit = fileAuditSink<TokenAuditEntry & { endpoint: string }>(auditLogPath());
      return await createChatModel({
        spec,
        resolveService: serviceResolver(conn.client, {
          endpointLabel: conn.endpointLabel,
          beforeTokenIssue: (id) => tokenIssueRefusal(ctx, id),
          audit: (entry) => audit({ ...entry, endpoint: conn.endpointLabel }),
        }),
      });
    }
    return await createChatModel({ spec, ...(ctx.globals.llmBaseUrl ? { baseUrl: ctx.globals.llmBaseUrl } : {}) });
  } catch (err) {
    if (err instanceof BaiError) throw err;
    throw new BaiError(`could not set up the LLM ${spec}: ${reason(err)}`, 'config', { cause: err });
  }
}

/** The policy's verdict on `POST /services/{id}/token`: issuing a token is a write like any other. */
async function tokenIssueRefusal(ctx: CommandContext, serviceId: string): Promise<string | undefined> {
  const [{ loadCommandCatalog }, { loadPolicyGate }] = await Promise.all([import('./connect.js'), import('../agent/policy-gate.js')]);
  const catalog = await loadCommandCatalog(ctx);
  const op = catalog.get('services.generate_token');
  if (!op) return undefined;
  const [policy, { stepFacts }] = await Promise.all([loadPolicyGate(ctx, catalog), import('../planner/check.js')]);
  const decision = policy.gate(stepFacts(op, { pathParams: { service_id: serviceId }, query: {}, body: { duration: SERVICE_TOKEN_LIFETIME } }), []);
  if (decision.verdict === 'deny') return `policy ${policy.name} denies ${op.operationId} (${decision.reason})`;
  ctx.out.info(`note: issuing a ${SERVICE_TOKEN_LIFETIME} token for the model service (${op.operationId}; --llm backendai:* is taken as consent)`);
  return undefined;
}
