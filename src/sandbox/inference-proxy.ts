/**
 * The app proxy in front of the sandbox's model services: `service_endpoint` is
 * `<sandbox>/services/<id>/proxy`, and requests under it are forwarded to an OpenAI-compatible
 * upstream (a local stub in tests, or any local model server) standing in for the replicas.
 *
 * As on Backend.AI (facts §8): a non-public service needs `Authorization: BackendAI <token>` or
 * `Bearer <token>` with a token issued for *that* service and not expired; a service answers
 * only while one of its replicas is RUNNING. No keypair signing: the app proxy does not use it.
 * The request is forwarded as sent (path below `/proxy`, query, body, Authorization header).
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { sessionStatus, type SandboxClock } from './scheduler.js';
import { verifyServiceToken } from './handlers/services.js';
import type { WorldStore } from './state.js';

/** `/services/<id>/proxy[/rest]` → the id and the rest (`/v1/models`). */
export const PROXY_PATH = /^\/services\/([^/]+)\/proxy(\/.*)?$/;

export interface InferenceProxyDeps {
  store: WorldStore;
  clock: SandboxClock;
  /** Base URL of the OpenAI-compatible server (a trailing `/v1` is optional). */
  upstream: string | undefined;
  log: (line: string) => void;
}

/** Headers passed on to the upstream (and back); hop-by-hop ones and Host are not. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'content-length', 'accept', 'authorization', 'user-agent'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'content-length', 'cache-control'];

/** The upstream root without a trailing `/` or `/v1`: request paths carry their own `/v1`. */
export function upstreamRoot(upstream: string): string {
  return upstream.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function sendError(res: ServerResponse, status: number, message: string, type: string): number {
  // OpenAI-style error body: the caller is an OpenAI-compatible client
  const text = JSON.stringify({ error: { message, type, code: status } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return status;
}

/** Answer one request under `/services/<id>/proxy`; returns the status sent. */
export async function proxyInference(req: IncomingMessage, res: ServerResponse, serviceId: string, rest: string, query: string, deps: InferenceProxyDeps): Promise<number> {
  const world = deps.store.current();
  const now = deps.clock.now();
  const svc = world.services.find((s) => s.id === serviceId.toLowerCase());
  if (!svc) return sendError(res, 404, `no model service ${serviceId}`, 'not_found');

  if (!svc.isPublic) {
    const m = /^(?:Bearer|BackendAI)\s+(\S+)$/i.exec((req.headers.authorization ?? '').trim());
    if (!m) return sendError(res, 401, 'this model service needs a token: send Authorization: BackendAI <token> (POST /services/{id}/token issues one)', 'authentication_error');
    if (verifyServiceToken(world, m[1]!, now)?.id !== svc.id) return sendError(res, 401, 'the token is invalid, expired, or was issued for another service', 'authentication_error');
  }

  const running = svc.routes.some((r) => {
    const s = world.sessions.find((x) => x.id === r.session_id);
    return s !== undefined && sessionStatus(s, now, deps.clock.fast) === 'RUNNING';
  });
  if (!running) return sendError(res, 503, `no replica of model service ${svc.name} is running`, 'service_unavailable');
  if (!deps.upstream) {
    return sendError(res, 503, `the sandbox has no inference backend for model service ${svc.name} (start the sandbox with an inference upstream)`, 'service_unavailable');
  }

  const target = new URL(`${upstreamRoot(deps.upstream)}${rest || '/'}${query}`);
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<number>((resolve) => {
    const upstreamReq = send(target, { method: req.method ?? 'GET', headers }, (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      const back: Record<string, string> = {};
      for (const name of FORWARDED_RESPONSE_HEADERS) {
        const v = upstreamRes.headers[name];
        if (typeof v === 'string') back[name] = v;
      }
      res.writeHead(status, back);
      upstreamRes.pipe(res); // streams (server-sent events) pass through as they come
      upstreamRes.on('end', () => resolve(status));
      upstreamRes.on('error', () => {
        res.destroy();
        resolve(502);
      });
    });
    upstreamReq.on('error', (err) => {
      deps.log(`sandbox: inference upstream ${target.origin} failed: ${err.message}`);
      if (res.headersSent) res.destroy();
      else sendError(res, 502, `the inference upstream of model service ${svc.name} did not answer`, 'bad_gateway');
      resolve(502);
    });
    // the caller went away: stop the upstream call too
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  });
}
