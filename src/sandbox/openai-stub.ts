/**
 * A local OpenAI-compatible server with scripted answers: what the LLM planning path is tested
 * against over real HTTP (these machines reach no real model), and what the sandbox's model
 * service endpoint serves for `--llm backendai:SERVICE`.
 *
 *   POST /v1/chat/completions  scripted tool calls or text, OpenAI response format with usage;
 *                              `stream: true` is answered as server-sent chunks; a reply can be
 *                              cut off (token limit, or the connection closed mid-answer)
 *   GET  /v1/models            the configured model ids
 *   POST /v1/embeddings        deterministic hash-based vectors (same text, same vector)
 *
 * Every request is recorded, so a test can assert the tools offered and the prompts sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubToolCall {
  name: string;
  /** An object is sent as JSON; a string is sent as is (to script malformed arguments). */
  arguments: Record<string, unknown> | unknown[] | string;
}

/** An HTTP error answer, OpenAI style. */
export interface StubError {
  error: { status: number; message: string; type?: string };
}

/** A reply after a pause (for timeout and cancellation tests). */
export interface StubDelayed {
  delayMs: number;
  reply: StubReply;
}

/**
 * An answer that breaks off. `length`: the model hit its token limit — a complete response with
 * `finish_reason: "length"` whose tool-call arguments stop after `chars` characters. `connection`:
 * the server sends the first `chars` characters of its body (server-sent chunks when streaming,
 * else the JSON) and closes the connection.
 */
export interface StubCutOff {
  cutOff: 'length' | 'connection';
  chars: number;
  reply: StubToolCall[] | string;
}

/** Tool calls (first = best), plain text, an HTTP error, a delayed reply, or one cut off. */
export type StubReply = StubToolCall[] | string | StubError | StubDelayed | StubCutOff;

export interface ChatCompletionRequest {
  model?: string;
  messages?: Array<{ role: string; content?: unknown; tool_calls?: unknown }>;
  tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }>;
  stream?: boolean;
  [key: string]: unknown;
}

/** Turns in order (one per chat completion), or a function of the request and its index. */
export type StubScript = StubReply[] | ((request: ChatCompletionRequest, index: number) => StubReply | Promise<StubReply>);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body (undefined for GET or unparseable bodies). */
  body: unknown;
}

export interface OpenAIStubOptions {
  script?: StubScript;
  port?: number;
  /** Model ids served; when given, a chat request for another model gets 404 like vLLM. */
  models?: string[];
  /** Every request must carry `Authorization: Bearer <token>` or `BackendAI <token>`. */
  requireToken?: string;
  /** Embedding size when the request does not ask for `dimensions`. */
  embeddingDimensions?: number;
}

export interface OpenAIStub {
  /** Base URL including `/v1`. */
  url: string;
  requests: RecordedRequest[];
  /** Chat completion requests only, parsed. */
  chatRequests(): ChatCompletionRequest[];
  setScript(script: StubScript): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_MODELS = ['stub-model'];
const DEFAULT_EMBEDDING_DIMENSIONS = 64;
/** Characters of tool-call arguments per streamed chunk. */
const STREAM_PIECE = 24;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
  ) {
    super(message);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStubError(r: StubReply): r is StubError {
  return isObject(r) && isObject((r as StubError).error);
}

function isDelayed(r: StubReply): r is StubDelayed {
  return isObject(r) && typeof (r as StubDelayed).delayMs === 'number';
}

function isCutOff(r: StubReply): r is StubCutOff {
  return isObject(r) && ((r as StubCutOff).cutOff === 'length' || (r as StubCutOff).cutOff === 'connection');
}

/** About four characters per token: the same rough measure everywhere in the stub. */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, message: string, type = 'invalid_request_error'): void {
  sendJson(res, status, { error: { message, type, param: null, code: null } });
}

/** A unit vector from the words of `text`: each word adds ±1 at a hashed position. */
export function hashEmbedding(text: string, dimensions = DEFAULT_EMBEDDING_DIMENSIONS): number[] {
  const v = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
  for (const w of words) {
    const h = createHash('sha256').update(w).digest();
    const i = h.readUInt32BE(0) % dimensions;
    v[i]! += h[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

export async function startOpenAIStub(opts: OpenAIStubOptions = {}): Promise<OpenAIStub> {
  let script: StubScript = opts.script ?? [];
  let chatIndex = 0;
  let idCounter = 0;
  const requests: RecordedRequest[] = [];
  const models = opts.models ?? DEFAULT_MODELS;

  const nextReply = async (request: ChatCompletionRequest): Promise<StubReply> => {
    const index = chatIndex++;
    if (typeof script === 'function') return script(request, index);
    const reply = script[index];
    if (reply === undefined) throw new HttpError(400, `stub script exhausted: ${script.length} turns scripted, turn ${index + 1} requested`);
    return reply;
  };

  const authorized = (req: IncomingMessage): boolean => {
    if (!opts.requireToken) return true;
    const header = req.headers.authorization ?? '';
    const m = /^(Bearer|BackendAI)\s+(.+)$/i.exec(header.trim());
    return m?.[2] === opts.requireToken;
  };

  const chatCompletion = async (req: ChatCompletionRequest, res: ServerResponse, signal: AbortSignal): Promise<void> => {
    if (!Array.isArray(req.messages) || req.messages.length === 0) throw new HttpError(400, '"messages" must be a non-empty array');
    if (opts.models && req.model !== undefined && !models.includes(String(req.model))) {
      throw new HttpError(404, `The model \`${String(req.model)}\` does not exist.`, 'NotFoundError');
    }
    let reply = await nextReply(req);
    while (isDelayed(reply)) {
      const { delayMs, reply: next } = reply;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
      });
      if (signal.aborted) return; // the client went away
      reply = next;
    }
    if (isStubError(reply)) throw new HttpError(reply.error.status, reply.error.message, reply.error.type ?? 'api_error');
    const cut = isCutOff(reply) ? reply : undefined;
    const answer = cut ? cut.reply : (reply as StubToolCall[] | string);

    const toolCalls = typeof answer === 'string' ? [] : answer.map((c) => {
      const args = typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments);
      return {
        id: `call_stub_${++idCounter}`,
        type: 'function' as const,
        function: { name: c.name, arguments: cut?.cutOff === 'length' ? args.slice(0, cut.chars) : args },
      };
    });
    const content = typeof answer === 'string' ? (cut?.cutOff === 'length' ? answer.slice(0, cut.chars) : answer) : null;
    /** Sends the body, or for a `connection` cut-off only its first characters before hanging up. */
    const send = (text: string): void => {
      if (cut?.cutOff !== 'connection') {
        res.end(text);
        return;
      }
      res.write(text.slice(0, cut.chars), () => res.destroy());
    };
    const promptTokens = tokens(JSON.stringify(req.messages) + JSON.stringify(req.tools ?? []));
    const completionTokens = tokens(content ?? JSON.stringify(toolCalls));
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const id = `chatcmpl-stub-${chatIndex}`;
    const created = Math.floor(Date.now() / 1000);
    const model = String(req.model ?? models[0]);
    const finishReason = cut?.cutOff === 'length' ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'stop';

    if (req.stream === true) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }], ...extra })}\n\n`;
      const events = [chunk({ role: 'assistant', content: content ?? '' }, null)];
      // arguments arrive in pieces, as real servers send them
      toolCalls.forEach((t, index) => {
        const args = t.function.arguments;
        events.push(chunk({ tool_calls: [{ index, id: t.id, type: t.type, function: { name: t.function.name, arguments: args.slice(0, STREAM_PIECE) } }] }, null));
        for (let at = STREAM_PIECE; at < args.length; at += STREAM_PIECE) events.push(chunk({ tool_calls: [{ index, function: { arguments: args.slice(at, at + STREAM_PIECE) } }] }, null));
      });
      events.push(chunk({}, finishReason));
      const streamOptions = req.stream_options;
      if (isObject(streamOptions) && streamOptions.include_usage === true) {
        events.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`);
      }
      events.push('data: [DONE]\n\n');
      send(events.join(''));
      return;
    }
    const text = JSON.stringify({
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content, ...(toolCalls.length ? { tool_calls: toolCalls } : {}) }, finish_reason: finishReason, logprobs: null }],
      usage,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    send(text);
  };

  const embeddings = (req: Record<string, unknown>, res: ServerResponse): void => {
    const input = req.input;
    const texts = typeof input === 'string' ? [input] : Array.isArray(input) && input.every((x) => typeof x === 'string') ? (input as string[]) : undefined;
    if (!texts || texts.length === 0) throw new HttpError(400, '"input" must be a string or a non-empty array of strings');
    const dims = typeof req.dimensions === 'number' && req.dimensions > 0 && req.dimensions <= 4096 ? Math.floor(req.dimensions) : opts.embeddingDimensions ?? DEFAULT_EMBEDDING_DIMENSIONS;
    const used = texts.reduce((n, t) => n + tokens(t), 0);
    sendJson(res, 200, {
      object: 'list',
      data: texts.map((t, index) => ({ object: 'embedding', index, embedding: hashEmbedding(t, dims) })),
      model: String(req.model ?? 'stub-embedding'),
      usage: { prompt_tokens: used, total_tokens: used },
    });
  };

  const server = createServer((req, res) => {
    const controller = new AbortController();
    res.on('close', () => { if (!res.writableFinished) controller.abort(); });
    void (async () => {
      const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
      const record: RecordedRequest = { method: req.method ?? 'GET', path, headers: { ...req.headers }, body: undefined };
      requests.push(record);
      try {
        const raw = await readBody(req);
        if (raw) {
          try {
            record.body = JSON.parse(raw) as unknown;
          } catch {
            throw new HttpError(400, 'request body is not valid JSON');
          }
        }
        if (!authorized(req)) throw new HttpError(401, 'missing or invalid token (send Authorization: Bearer <token>)', 'authentication_error');
        if (req.method === 'GET' && path === '/v1/models') {
          sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'bai-agent-stub' })) });
          return;
        }
        if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/embeddings')) {
          if (!isObject(record.body)) throw new HttpError(400, 'request body must be a JSON object');
          if (path === '/v1/embeddings') embeddings(record.body, res);
          else await chatCompletion(record.body as ChatCompletionRequest, res, controller.signal);
          return;
        }
        throw new HttpError(404, `no route ${req.method} ${path} (this stub serves /v1/chat/completions, /v1/models, /v1/embeddings)`, 'not_found');
      } catch (err) {
        if (res.headersSent) {
          res.end();
          return;
        }
        if (err instanceof HttpError) sendError(res, err.status, err.message, err.type);
        else sendError(res, 500, `stub failure: ${(err as Error).message}`, 'server_error');
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/v1/chat/completions' && isObject(r.body)).map((r) => r.body as ChatCompletionRequest),
    setScript(s: StubScript) {
      script = s;
      chatIndex = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
