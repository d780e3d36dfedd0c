/**
 * The LLM proposer: a tool-calling chat model suggests the next call of the plan. It is offered
 * only the retrieved operations (compact schemas, src/spec/compact.ts) plus four control tools,
 * and sees the request, the defaults, the steps so far (observations wrapped as data) and the
 * siblings that already failed at this node.
 *
 * Nothing the model says is trusted: every call candidate goes through the DFSDT checker
 * (operation exists, schema, grounding, policy, preflight). Mistakes are kept visible so the
 * search records them and tells the model on the next turn:
 *  - an unknown tool name becomes a call candidate with the raw name as operationId, which the
 *    checker rejects as "not in the spec";
 *  - arguments that are not JSON or not an object become a call candidate for the named
 *    operation with `meta.argumentError`, which the checker rejects before validating anything
 *    (so an operation is never planned with its arguments silently dropped);
 *  - plain text without a tool call becomes a failing candidate (`meta.unusable`), so the model is
 *    told once to answer with a tool; the same text again ends the search with it as the reason.
 */
import { AIMessage, HumanMessage, SystemMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaiError } from '../../errors.js';
import { redact } from '../../redact.js';
import { operationIdForTool, toolDefinitions, type ToolDefinition } from '../../spec/compact.js';
import type { Catalog, Operation } from '../../spec/types.js';
import type { AcceptedStep, CallCandidate, Candidate, Proposal, ProposalContext, Proposer } from '../types.js';
import { modelLabel } from './model.js';
import { CONTROL_TOOLS, SYSTEM_PROMPT, contextMessage, diversityMessage } from './prompt.js';

export interface LlmProposerOptions {
  /** Each observation shown to the model is cut to this many characters. */
  maxObservationChars?: number;
  /** All observations of one prompt together (default 8,000 characters). */
  maxTotalObservationChars?: number;
  /** Size budget (characters of JSON) for all operation tools together. */
  maxToolChars?: number;
  /** The name reported in the plan; defaults to the chat model's `model` field. */
  modelName?: string;
  /**
   * Ask for a streamed answer (server-sent chunks) and assemble it here. A stream that breaks
   * off is not a usable answer even when what arrived parses: its calls are reported as cut off.
   */
  stream?: boolean;
}

/** Seconds a session created with `enqueueOnly` is waited for, as the offline planner does. */
const ENQUEUED_SESSION_WAIT_SECONDS = 300;
const SESSION_CREATE_OPS = new Set(['session.create_from_params', 'session.create_from_params.2']);

function controlTool(name: string, field: string, description: string, fieldDescription: string): ToolDefinition {
  return {
    type: 'function',
    function: {
      name,
      description,
      parameters: { type: 'object', properties: { [field]: { type: 'string', description: fieldDescription } }, required: [field] },
    },
  };
}

/**
 * The whole-plan tool: every call of the plan in order, each naming one of the offered operation
 * tools. Its `tool` is an enum of those names, so a model sees what it may use.
 */
export function planToolDefinition(operationTools: readonly string[]): ToolDefinition {
  return {
    type: 'function',
    function: {
      name: CONTROL_TOOLS.proposePlan,
      description:
        'Propose the whole plan (or the rest of it) at once: the calls in order. Later steps may use an earlier step\'s result with {"$from": "sN", "path": "…"}. Steps are checked one by one; if one fails you are told which and why.',
      parameters: {
        type: 'object',
        properties: {
          steps: {
            type: 'array',
            minItems: 1,
            description: 'the calls in order',
            items: {
              type: 'object',
              properties: {
                tool: { type: 'string', ...(operationTools.length ? { enum: [...operationTools] } : {}), description: 'one of the operation tools' },
                arguments: { type: 'object', description: 'the arguments that tool takes: {"pathParams": {...}, "query": {...}, "body": {...}}' },
                reason: { type: 'string', description: 'why this call (optional, one line)' },
              },
              required: ['tool', 'arguments'],
            },
          },
          reason: { type: 'string', description: 'what the plan does, in one line' },
        },
        required: ['steps', 'reason'],
      },
    },
  };
}

/** The control tools, in OpenAI format. */
export const CONTROL_TOOL_DEFINITIONS: ToolDefinition[] = [
  controlTool(CONTROL_TOOLS.finish, 'reason', 'The request is fully planned: no more calls are needed.', 'what the plan does, in one line'),
  controlTool(CONTROL_TOOLS.askUser, 'question', 'A value only the user can give is missing: ask for it.', 'one short question for the user'),
  controlTool(CONTROL_TOOLS.refuse, 'reason', 'The request is not about Backend.AI, or cannot be done safely.', 'why, in one line'),
  controlTool(CONTROL_TOOLS.giveUp, 'reason', 'None of the offered tools can make progress on the request.', 'why, in one line'),
];

const CONTROL_NAMES = new Set<string>(Object.values(CONTROL_TOOLS));
/** What a text answer is recorded as: no operation, so it can never be planned. */
export const PROSE_ANSWER = '(text instead of a tool call)';

interface RawToolCall {
  name: string;
  /** Parsed arguments, or the raw text when they did not parse. */
  args: unknown;
  parseError?: string;
  /** The answer was cut off: whatever parsed of this call is not to be used. */
  cutOff?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function oneLine(text: string, max = 300): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/**
 * Tool calls of a response, parsed or not, in the order the model gave them. In an answer that
 * was cut off, a call whose arguments did not parse says so: the model is told it was cut off.
 */
function toolCallsOf(message: AIMessage, cutOff?: string): RawToolCall[] {
  const calls: RawToolCall[] = [];
  // what arrived of a cut-off answer may still parse (a streamed one is parsed leniently): never trust it
  for (const c of message.tool_calls ?? []) calls.push({ name: c.name, args: c.args, ...(cutOff ? { cutOff } : {}) });
  for (const c of message.invalid_tool_calls ?? []) {
    calls.push({ name: c.name ?? '', args: c.args, parseError: c.error ? oneLine(String(c.error), 160) : 'arguments are not valid JSON', ...(cutOff ? { cutOff } : {}) });
  }
  return calls;
}

/**
 * Why an answer is incomplete, if it is: the model hit its token limit (`finish_reason:
 * length`), or a streamed answer ended without any finish reason (the connection closed early).
 */
function cutOffReason(message: AIMessage, how: { streamed?: boolean; brokeOff?: string }): string | undefined {
  const finish = ((message.response_metadata ?? {}) as Record<string, unknown>).finish_reason;
  if (finish === 'length') return 'the answer was cut off at the token limit';
  if (how.brokeOff) return `the streamed answer was cut off (${how.brokeOff})`;
  // a complete stream ends with a chunk that says why it finished
  if (how.streamed && finish === undefined) return 'the streamed answer was cut off (it ended without a finish reason)';
  return undefined;
}

/** A chat model with tools bound, as far as streaming needs it. */
interface Streamable {
  stream(messages: BaseMessage[], options: { signal?: AbortSignal }): Promise<AsyncIterable<AIMessageChunk>>;
}

/**
 * A streamed answer, assembled. When the stream fails after some chunks arrived, what arrived is
 * returned with why it broke off (its calls are then reported as cut off, so the model is asked
 * again); a stream that fails before anything arrived, or is cancelled, throws as a call would.
 */
async function collectStream(bound: Streamable, messages: BaseMessage[], signal?: AbortSignal): Promise<{ response: AIMessage; brokeOff?: string }> {
  let acc: AIMessageChunk | undefined;
  try {
    for await (const chunk of await bound.stream(messages, { signal })) acc = acc ? acc.concat(chunk) : chunk;
  } catch (err) {
    if (!acc || signal?.aborted) throw err;
    return { response: new AIMessage(acc), brokeOff: oneLine(redact((err as Error).message ?? String(err)), 120) };
  }
  if (!acc) throw new BaiError('the model endpoint sent an empty stream', 'unavailable');
  return { response: new AIMessage(acc) };
}

/** The tool a whole-plan step names (`tool`, or the `name` some models write). */
function stepToolName(item: Record<string, unknown>): string {
  const name = item.tool ?? item.name ?? item.function;
  return typeof name === 'string' ? name.trim() : '';
}

/** A list, or a JSON string holding one (some models send nested arrays as strings). */
function asList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(v) as unknown;
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function textOf(message: AIMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((p) => (typeof p === 'string' ? p : isObject(p) && typeof p.text === 'string' ? p.text : '')).join('');
  }
  return '';
}

/** A group given as a JSON string (some models do that) is parsed; anything else stays. */
function asGroup(v: unknown): unknown {
  if (typeof v === 'string' && v.trim().startsWith('{')) {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  }
  return v;
}

/**
 * Split tool arguments into {pathParams, query, body}. Fields a model put at the top level are
 * routed by the operation's parameter names (then to the body when the operation has one), so
 * a small model's flat arguments still validate; whatever is left goes where validation sees it.
 */
export function splitArguments(
  args: Record<string, unknown>,
  op: Operation | undefined,
): Pick<CallCandidate, 'pathParams' | 'query' | 'body'> & { problem?: string } {
  const out: { pathParams?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; problem?: string } = {};
  const pathParams = asGroup(args.pathParams);
  const query = asGroup(args.query);
  const body = asGroup(args.body);
  if (pathParams !== undefined) {
    if (!isObject(pathParams)) return { problem: 'pathParams must be an object' };
    out.pathParams = { ...pathParams };
  }
  if (query !== undefined) {
    if (!isObject(query)) return { problem: 'query must be an object' };
    out.query = { ...query };
  }
  if (body !== undefined && body !== null) out.body = body;
  for (const [key, value] of Object.entries(args)) {
    if (key === 'pathParams' || key === 'query' || key === 'body') continue;
    const param = op?.parameters.find((p) => p.name === key);
    if (param?.in === 'path') out.pathParams = { ...out.pathParams, [key]: value };
    else if (param?.in === 'query') out.query = { ...out.query, [key]: value };
    else if (op?.requestBody && (out.body === undefined || isObject(out.body))) out.body = { ...(out.body as Record<string, unknown> | undefined), [key]: value };
    else out.query = { ...out.query, [key]: value }; // unknown field: validation reports it
  }
  return out;
}

/**
 * @langchain/core's AIMessage prints an "upgrade your packages" warning to the console when a
 * response holds tool calls that all failed to parse — which is exactly the malformed-arguments
 * case this proposer handles. Output belongs to the CLI's Output, so that one message is dropped.
 */
let langchainNoiseFiltered = false;
function filterLangChainNoise(): void {
  if (langchainNoiseFiltered) return;
  langchainNoiseFiltered = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('New LangChain packages are available that more efficiently handle tool calling')) return;
    warn(...args);
  };
}

export class LlmProposer implements Proposer {
  readonly kind = 'llm' as const;
  readonly model: string;

  constructor(
    private readonly chat: BaseChatModel,
    private readonly opts: LlmProposerOptions = {},
  ) {
    if (typeof chat.bindTools !== 'function') {
      throw new BaiError(`the chat model ${chat.getName()} does not support tool calling`, 'config');
    }
    const named = (chat as unknown as { model?: unknown }).model;
    this.model = opts.modelName ?? modelLabel(chat) ?? (typeof named === 'string' && named ? named : chat.getName());
  }

  /** The tools offered at a node: the retrieved operations (compacted), the whole-plan tool and the control tools. */
  tools(ctx: Pick<ProposalContext, 'retrieved' | 'catalog'>): ToolDefinition[] {
    const ops = ctx.retrieved.map((r) => r.operation);
    const opTools = toolDefinitions(ops, ctx.catalog, this.opts.maxToolChars ? { maxTotalChars: this.opts.maxToolChars } : {});
    // a control tool's name wins; an operation whose tool name clashes is not offered
    const offered = opTools.filter((t) => !CONTROL_NAMES.has(t.function.name));
    return [...offered, planToolDefinition(offered.map((t) => t.function.name)), ...CONTROL_TOOL_DEFINITIONS];
  }

  /** The messages of one model call. */
  messages(ctx: ProposalContext): BaseMessage[] {
    const context = contextMessage(ctx, { maxObservationChars: this.opts.maxObservationChars, maxTotalObservationChars: this.opts.maxTotalObservationChars });
    const diversity = diversityMessage(ctx.failedSiblings);
    // one user turn: some chat templates (vLLM-served models) reject two user turns in a row
    return [new SystemMessage(SYSTEM_PROMPT), new HumanMessage(diversity ? `${context}\n\n${diversity}` : context)];
  }

  async propose(ctx: ProposalContext): Promise<Proposal> {
    filterLangChainNoise();
    const bindTools = this.chat.bindTools!.bind(this.chat);
    // {name, description, schema} is LangChain's provider-neutral tool form: ChatOpenAI sends it
    // as an OpenAI function tool, and other chat models (and the test fakes) understand it too
    const bound = bindTools(this.tools(ctx).map((t) => ({ name: t.function.name, description: t.function.description, schema: t.function.parameters })));
    const streamable = bound as unknown as Streamable;
    let response: AIMessage;
    let brokeOff: string | undefined;
    try {
      if (this.opts.stream) ({ response, brokeOff } = await collectStream(streamable, this.messages(ctx), ctx.signal));
      else response = (await bound.invoke(this.messages(ctx), { signal: ctx.signal })) as AIMessage;
    } catch (err) {
      throw modelError(err, this.model, ctx.signal);
    }
    return { candidates: this.candidates(response, ctx.catalog, ctx.steps, { streamed: this.opts.stream === true, brokeOff }), usage: usageOf(response) };
  }

  /** Map a model response to ranked candidates (first = best). */
  candidates(response: AIMessage, catalog: Catalog, steps: readonly AcceptedStep[] = [], how: { streamed?: boolean; brokeOff?: string } = {}): Candidate[] {
    const text = oneLine(textOf(response));
    const cutOff = cutOffReason(response, how);
    const calls = toolCallsOf(response, cutOff);
    if (calls.length === 0) {
      if (cutOff) return [{ kind: 'give_up', reason: `${cutOff}${text ? `: ${text}` : ''}` }];
      if (!text) return [{ kind: 'give_up', reason: 'the model answered with neither a tool call nor text' }];
      // prose instead of a tool call: a failed attempt the model is told about once (a repeat ends the search)
      return [{ kind: 'call', operationId: PROSE_ANSWER, reason: text, meta: { unusable: `the model answered without a tool call: ${text}` } }];
    }
    return calls.map((c) => this.candidate(c, catalog, text));
  }

  private candidate(c: RawToolCall, catalog: Catalog, text: string): Candidate {
    const args = isObject(c.args) ? c.args : {};
    const field = (name: string): string => (typeof args[name] === 'string' ? oneLine(args[name]) : '');
    if (!c.parseError && !c.cutOff && c.name === CONTROL_TOOLS.proposePlan) return this.planCandidate(args, catalog, text);
    if (!c.parseError && !c.cutOff && CONTROL_NAMES.has(c.name)) {
      switch (c.name) {
        case CONTROL_TOOLS.finish:
          return { kind: 'finish', reason: field('reason') || text || 'the request is planned' };
        case CONTROL_TOOLS.askUser:
          return { kind: 'clarify', question: field('question') || text || 'Could you add the missing details?' };
        case CONTROL_TOOLS.refuse:
          return { kind: 'refuse', reason: field('reason') || text || 'this is not a Backend.AI request' };
        default:
          return { kind: 'give_up', reason: field('reason') || text || 'the model gave up' };
      }
    }

    return this.callCandidate(c, catalog, text);
  }

  /**
   * A whole plan: each step becomes a call candidate exactly as a single tool call would (so the
   * same mistakes are caught the same way); a trailing `finish` is dropped. A plan that cannot be
   * read at all is one failing candidate whose reason the model is told.
   */
  private planCandidate(args: Record<string, unknown>, catalog: Catalog, text: string): Candidate {
    const reason = (typeof args.reason === 'string' && oneLine(args.reason)) || text || 'the proposed plan';
    const raw = asList(args.steps);
    if (!raw || raw.length === 0) {
      return { kind: 'call', operationId: CONTROL_TOOLS.proposePlan, reason, meta: { argumentError: 'propose_plan needs "steps": a non-empty list of {"tool", "arguments"}', rawArguments: oneLine(JSON.stringify(args) ?? '', 400) } };
    }
    const items = raw.filter((item, i) => !(i === raw.length - 1 && isObject(item) && stepToolName(item) === CONTROL_TOOLS.finish));
    const steps: CallCandidate[] = items.map((item, i) => {
      const name = isObject(item) ? stepToolName(item) : '';
      const stepArgs = isObject(item) ? asGroup(item.arguments ?? item.args ?? item.parameters ?? {}) : undefined;
      let parseError: string | undefined;
      if (!isObject(item)) parseError = `step ${i + 1} of the plan is not an object`;
      else if (!name) parseError = `step ${i + 1} of the plan names no tool`;
      else if (CONTROL_NAMES.has(name)) parseError = `step ${i + 1} of the plan is the control tool ${name}, not an operation`;
      else if (typeof stepArgs === 'string') parseError = `the arguments of step ${i + 1} are not valid JSON`;
      const why = isObject(item) && typeof item.reason === 'string' ? oneLine(item.reason) : '';
      const cand = this.callCandidate({ name: name || CONTROL_TOOLS.proposePlan, args: parseError ? stepArgs ?? item : stepArgs, ...(parseError ? { parseError } : {}) }, catalog, why, true);
      return cand;
    });
    return { kind: 'plan', steps, reason };
  }

  /** One operation call (a tool call, or one step of a whole plan). */
  private callCandidate(c: RawToolCall, catalog: Catalog, text: string, inPlan = false): CallCandidate {
    const args = isObject(c.args) ? c.args : {};
    const operationId = operationIdForTool(c.name, catalog) ?? c.name;
    const op = catalog.get(operationId);
    // a step of a whole plan has its own reason (or none): the answer's text is about the plan
    const reason = text || op?.summary || `call ${operationId}`;
    let argumentError = c.cutOff ?? (c.parseError ? (inPlan ? c.parseError : `arguments are not valid JSON (${c.parseError})`) : undefined);
    if (!argumentError && !isObject(c.args) && c.args !== undefined) argumentError = `arguments must be a JSON object, not ${Array.isArray(c.args) ? 'an array' : typeof c.args}`;
    const split = argumentError ? {} : splitArguments(args, op);
    if (!argumentError && split.problem) argumentError = split.problem;
    if (argumentError) {
      return { kind: 'call', operationId, reason, meta: { argumentError, rawArguments: oneLine(typeof c.args === 'string' ? c.args : JSON.stringify(c.args) ?? '', 400) } };
    }
    const cand: CallCandidate = { kind: 'call', operationId, reason };
    if (split.pathParams) cand.pathParams = split.pathParams;
    if (split.query) cand.query = split.query;
    if (split.body !== undefined) cand.body = split.body;
    // whether it is destructive is not the model's to say: the checker derives it (spec/call-facts.ts)
    if (op) {
      if (SESSION_CREATE_OPS.has(op.operationId) && isObject(cand.body) && cand.body.enqueueOnly === true) {
        cand.wait = { until: 'RUNNING', timeoutSeconds: ENQUEUED_SESSION_WAIT_SECONDS };
      }
    }
    return cand;
  }
}

/** Token usage of a response (LangChain's usage_metadata, else the provider's own field). */
export function usageOf(response: AIMessage): Proposal['usage'] {
  const u = response.usage_metadata;
  if (u) return { prompt: u.input_tokens ?? 0, completion: u.output_tokens ?? 0 };
  const t = (response.response_metadata as Record<string, unknown> | undefined)?.tokenUsage;
  if (isObject(t)) return { prompt: Number(t.promptTokens) || 0, completion: Number(t.completionTokens) || 0 };
  return undefined;
}

/** One-line BaiError for a failed model call; secrets are masked. */
export function modelError(err: unknown, model: string, signal?: AbortSignal): BaiError {
  if (err instanceof BaiError) return err;
  if (signal?.aborted) return new BaiError(`planning with ${model} was cancelled`, 'execution', { cause: err });
  const e = err as { status?: unknown; message?: unknown; name?: unknown };
  const status = typeof e.status === 'number' ? e.status : undefined;
  const message = oneLine(redact(typeof e.message === 'string' ? e.message : String(err)), 200);
  if (status === 401 || status === 403) {
    return new BaiError(`the model endpoint rejected the credentials for ${model} (HTTP ${status}): check BAI_AGENT_LLM_API_KEY`, 'config', { cause: err });
  }
  if (status === 404) return new BaiError(`the model endpoint has no model ${model} (HTTP 404): ${message}`, 'config', { cause: err });
  if (status !== undefined && status >= 400 && status < 500) return new BaiError(`the model endpoint refused the request for ${model} (HTTP ${status}): ${message}`, 'unavailable', { cause: err });
  // undici's word for a body that stopped arriving (after the client's own retries)
  if (status === undefined && /^terminated$|other side closed|ECONNRESET|socket hang up/i.test(message)) {
    return new BaiError(`the model endpoint for ${model} closed the connection before its answer was complete (${message})`, 'unavailable', { cause: err });
  }
  return new BaiError(`the model endpoint failed for ${model}: ${message}`, 'unavailable', { cause: err });
}
