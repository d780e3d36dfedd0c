/**
 * The HTTP server of `bai-agent serve`: the web page, and a JSON API over the same command
 * implementations the CLI runs (plan, apply, ask, ops search). Every /api route needs the bearer
 * token; every request must name a local host (DNS rebinding); bodies are size-limited.
 *
 *   GET  /                       the page (GET /app.js, /app.css: its script and style)
 *   GET  /api/info               endpoint, policy and planner in use
 *   POST /api/plan {request}     the CLI's `--json plan` document, plus `preview` (key arguments per step)
 *   POST /api/apply {plan, confirmation?}   202 {runId, events, status}: executes exactly that plan
 *   GET  /api/runs/<id>/events   server-sent events: `progress` {line} …, then `result` (the CLI's `--json apply` document)
 *   GET  /api/runs/<id>          the run so far: state, lines, result
 *   POST /api/ask {question, k?} the CLI's `--json ask` document
 *   GET  /api/ops?q=…&k=…        the CLI's `--json ops search` document
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BaiError } from '../errors.js';
import type { GlobalOptions } from '../cli/main.js';
import { allowedHostnames, checkHost, checkOrigin, checkToken, HttpError, readJsonBody } from './guard.js';
import { httpStatusFor, invokeCommand } from './invoke.js';
import { RunRegistry } from './runs.js';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.js';

export interface ServerInfo {
  /** Manager URL without credentials, or a sandbox label. */
  endpoint: string;
  policy: string;
  planner: string;
}

export interface ServeOptions {
  globals: GlobalOptions;
  token: string;
  info: ServerInfo;
  host?: string;
  port?: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** Plans, asks and searches allowed at the same time. */
  maxConcurrent?: number;
  log?: (line: string) => void;
}

export interface ServeHandle {
  /** Base URL, e.g. http://127.0.0.1:8091 */
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_REQUEST_CHARS = 2_000;

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

// Script and style only from this server: even text that slipped into markup could not run.
const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, kind: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { ok: false, error: { kind, message } }, headers);
}

function sendText(res: ServerResponse, type: string, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': `${type}; charset=utf-8`, 'Content-Length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

function stringField(body: Record<string, unknown>, name: string, example: string): string {
  const v = body[name];
  if (typeof v !== 'string' || !v.trim()) throw new HttpError(400, `give "${name}" as a non-empty string, e.g. {"${name}": "${example}"}`);
  if (v.length > MAX_REQUEST_CHARS) throw new HttpError(400, `"${name}" is too long (${v.length} characters; at most ${MAX_REQUEST_CHARS})`);
  return v.trim();
}

function optionalK(v: unknown): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'number' && typeof v !== 'string') throw new HttpError(400, '"k" must be a number');
  return String(v);
}

export async function startServer(opts: ServeOptions): Promise<ServeHandle> {
  const host = opts.host ?? '127.0.0.1';
  const allowed = allowedHostnames(host);
  const bodyLimit = opts.bodyLimit ?? 1024 * 1024;
  const maxConcurrent = opts.maxConcurrent ?? 8;
  const runs = new RunRegistry();
  const log = opts.log ?? (() => {});
  let inFlight = 0;

  /** Run a command for this request, within the concurrency limit. */
  async function command(fn: Parameters<typeof invokeCommand>[1]) {
    if (inFlight >= maxConcurrent) throw new HttpError(429, `busy: ${inFlight} requests are being planned; try again shortly`, 'busy');
    inFlight++;
    try {
      return await invokeCommand(opts.globals, fn);
    } finally {
      inFlight--;
    }
  }

  async function planRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, bodyLimit);
    const request = stringField(body, 'request', 'create a new session with 5 fGPU');
    const k = optionalK(body.k);
    const { plan } = await import('../cli/commands/run.js');
    const { doc } = await command((ctx) => plan(ctx, request, { ...(k ? { k } : {}) }));
    sendJson(res, httpStatusFor(doc), await withPreview(doc));
  }

  async function applyRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, bodyLimit);
    if (body.plan === undefined) throw new HttpError(400, 'give the plan to apply: {"plan": <the "plan" of a /api/plan answer>}');
    const { parsePlanDocument, applyDocument } = await import('../cli/commands/run.js');
    const planDoc = parsePlanDocument(body.plan, 'the plan');
    if (planDoc.outcome !== 'planned') throw new HttpError(400, `the plan has outcome "${planDoc.outcome}": there is nothing to apply`);
    // Approve is the confirmation; destructive steps also need the typed one, as at the terminal
    // what is destroyed is derived from the operations, not from the plan's own fields
    const { typedConfirmation } = await import('../cli/approve.js');
    const { loadCatalog } = await import('../spec/load.js');
    // (the live spec needs a connection: the bundled one names the same operations)
    const catalog = await loadCatalog({ source: opts.globals.spec ?? 'bundled' }).catch(() => loadCatalog());
    // GraphQL documents are judged by graphql-js, loaded only for plans that have such a call
    await (await import('../spec/call-facts.js')).prepareCallFacts(planDoc.steps);
    const typed = typedConfirmation(planDoc.steps, planDoc, catalog);
    if (typed && !typed.accepts(String(body.confirmation ?? ''))) {
      sendJson(res, 428, { ok: false, error: { kind: 'typed_confirmation_required', message: typed.prompt } });
      return;
    }
    const run = runs.start((line) => invokeCommand(opts.globals, (ctx) => applyDocument(ctx, planDoc, { yes: true }, 'the plan'), line));
    if (!run) throw new HttpError(429, 'busy: other plans are being applied; wait for one to finish', 'busy');
    log(`apply ${run.id}: ${planDoc.steps.length} step(s) for "${planDoc.request.slice(0, 80)}"`);
    sendJson(res, 202, { ok: true, runId: run.id, events: `/api/runs/${run.id}/events`, status: `/api/runs/${run.id}` });
  }

  async function askRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJsonBody(req, bodyLimit);
    const question = stringField(body, 'question', 'how do I list my sessions?');
    const k = optionalK(body.k);
    const ask = await import('../cli/commands/ask.js');
    const { doc } = await command((ctx) => ask.run(ctx, [question], { ...(k ? { k } : {}) }));
    sendJson(res, httpStatusFor(doc), doc);
  }

  async function opsRoute(url: URL, res: ServerResponse): Promise<void> {
    const q = url.searchParams.get('q') ?? '';
    if (!q.trim()) throw new HttpError(400, 'give the words to search for: /api/ops?q=create+session&k=5');
    if (q.length > MAX_REQUEST_CHARS) throw new HttpError(400, `"q" is too long (at most ${MAX_REQUEST_CHARS} characters)`);
    const k = url.searchParams.get('k') ?? undefined;
    const ops = await import('../cli/commands/ops.js');
    const { doc } = await command((ctx) => ops.search(ctx, [q], { ...(k ? { k } : {}) }));
    sendJson(res, httpStatusFor(doc), doc);
  }

  function runRoute(parts: string[], res: ServerResponse): void {
    const run = runs.get(parts[0] ?? '');
    if (!run) throw new HttpError(404, `no run ${String(parts[0]).slice(0, 40)} (runs are kept in memory while the server runs)`, 'not_found');
    if (parts.length === 1) return sendJson(res, 200, RunRegistry.status(run));
    if (parts.length === 2 && parts[1] === 'events') return RunRegistry.stream(run, res);
    throw new HttpError(404, 'not found', 'not_found');
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    checkHost(req, allowed);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const only = (m: string) => {
      if (method !== m) throw new HttpError(405, `${path} takes ${m}`, 'method_not_allowed', { Allow: m });
    };

    if (!path.startsWith('/api/')) {
      only('GET');
      if (path === '/' || path === '/index.html') return sendText(res, 'text/html', PAGE_HTML, { 'Content-Security-Policy': PAGE_CSP });
      if (path === '/app.js') return sendText(res, 'text/javascript', PAGE_JS);
      if (path === '/app.css') return sendText(res, 'text/css', PAGE_CSS);
      if (path === '/favicon.ico') {
        res.writeHead(204, SECURITY_HEADERS);
        return void res.end();
      }
      throw new HttpError(404, `no page at ${path.slice(0, 100)}`, 'not_found');
    }

    checkOrigin(req);
    checkToken(req, opts.token);
    const parts = path.slice('/api/'.length).split('/').filter(Boolean);
    switch (parts[0]) {
      case 'info':
        only('GET');
        return sendJson(res, 200, { name: 'bai-agent', ...opts.info });
      case 'plan':
        only('POST');
        return planRoute(req, res);
      case 'apply':
        only('POST');
        return applyRoute(req, res);
      case 'ask':
        only('POST');
        return askRoute(req, res);
      case 'ops':
        only('GET');
        return opsRoute(url, res);
      case 'runs':
        only('GET');
        return runRoute(parts.slice(1), res);
      default:
        throw new HttpError(404, `no API route ${path.slice(0, 100)}`, 'not_found');
    }
  }

  const server = createServer((req, res) => {
    route(req, res).then(
      () => log(`${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`),
      (err: unknown) => {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (err instanceof HttpError) sendError(res, err.status, err.kind, err.message, err.headers);
        else if (err instanceof BaiError) sendError(res, err.kind === 'bad_input' || err.kind === 'config' ? 400 : 500, err.kind, err.message);
        else {
          log(`internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
          sendError(res, 500, 'internal', 'internal error (see the server log)');
        }
        log(`${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode}`);
      },
    );
  });
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new BaiError(`port ${opts.port} is already in use on ${host}: pick another with --port (0 = any free port)`, 'bad_input') : err),
    );
    server.listen(opts.port ?? 8091, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** The plan answer gets `preview`: per step, the arguments that matter, as the terminal preview shows them. */
async function withPreview(doc: Record<string, unknown>): Promise<Record<string, unknown>> {
  const plan = doc.plan as { steps?: Parameters<typeof import('../cli/render.js').keyArguments>[0][] } | undefined;
  if (!plan?.steps) return doc;
  const { keyArguments } = await import('../cli/render.js');
  return { ...doc, preview: { steps: plan.steps.map((s) => ({ id: s.id, arguments: keyArguments(s) })) } };
}
