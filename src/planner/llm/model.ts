/**
 * Which chat model plans: `--llm openai:MODEL` (any OpenAI-compatible chat endpoint with tool
 * calling) or `--llm backendai:SERVICE` (a model service on the manager, reached through an
 * injected resolver). @langchain/openai is imported only here and only when a model is built:
 * the offline planner never pays for it at start-up.
 */
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaiError } from '../../errors.js';
import { redact, registerSecret } from '../../redact.js';

export type LlmProvider = 'openai' | 'backendai';

export interface LlmSpec {
  provider: LlmProvider;
  model: string;
}

const ACCEPTED_FORMS = 'openai:MODEL (e.g. openai:gpt-4o-mini, or openai:qwen2.5-7b with --llm-base-url) or backendai:SERVICE_NAME';
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Sent when a local endpoint needs no key: the OpenAI client refuses to start without one. */
const NO_KEY_PLACEHOLDER = 'no-key-required';
export const DEFAULT_LLM_TIMEOUT_MS = 60_000;
/** Retries of one model call (rate limits, 5xx); the search budget bounds the calls themselves. */
export const LLM_MAX_RETRIES = 2;

/** `openai:gpt-4o-mini` → `{provider: 'openai', model: 'gpt-4o-mini'}`; anything else is bad input. */
export function parseLlmSpec(spec: string): LlmSpec {
  const text = typeof spec === 'string' ? spec.trim() : '';
  const m = /^([A-Za-z]+):(.+)$/.exec(text);
  const provider = m?.[1]?.toLowerCase();
  const model = m?.[2]?.trim() ?? '';
  if (!m || (provider !== 'openai' && provider !== 'backendai')) {
    throw new BaiError(`bad --llm value ${JSON.stringify(text.slice(0, 80))}: use ${ACCEPTED_FORMS}`, 'bad_input');
  }
  // model names: letters, digits and . _ - / : @ (e.g. `meta-llama/Llama-3.1-8B`, `qwen2.5:7b`)
  if (model === '' || model.length > 200 || !/^[\w.\-/:@]+$/.test(model)) {
    throw new BaiError(`bad --llm value ${JSON.stringify(text.slice(0, 80))}: the ${provider === 'openai' ? 'model' : 'service'} name is missing or has invalid characters; use ${ACCEPTED_FORMS}`, 'bad_input');
  }
  return { provider, model };
}

/** Finds a Backend.AI model service by name and returns its OpenAI-compatible endpoint and token. */
export type ServiceResolver = (service: string) => Promise<{ baseUrl: string; token: string; model?: string }>;

export interface ChatModelOptions {
  spec: string;
  /** `--llm-base-url`; falls back to BAI_AGENT_LLM_BASE_URL, OPENAI_BASE_URL, then OpenAI's. */
  baseUrl?: string;
  /** Falls back to BAI_AGENT_LLM_API_KEY, then OPENAI_API_KEY. */
  apiKey?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Retries of one call on rate limits, 5xx and timeouts (default LLM_MAX_RETRIES). */
  maxRetries?: number;
  /** Required for `backendai:*`. */
  resolveService?: ServiceResolver;
}

/** A tool-calling chat model with what the plan document reports about it. */
export type ChatModel = BaseChatModel;

function checkBaseUrl(raw: string, from: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new BaiError(`${from} is not a URL: ${JSON.stringify(raw.slice(0, 80))}`, 'config');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BaiError(`${from} must be an http(s) URL`, 'config');
  if (url.username || url.password) throw new BaiError(`${from} must not carry credentials; put the key in BAI_AGENT_LLM_API_KEY`, 'config');
  return raw.replace(/\/+$/, '');
}

function isLocal(baseUrl: string): boolean {
  const host = new URL(baseUrl).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]' || host.endsWith('.localhost');
}

/** Build the chat model for a `--llm` value. Throws BaiError for bad specs and missing config. */
export async function createChatModel(opts: ChatModelOptions): Promise<BaseChatModel> {
  const { provider, model } = parseLlmSpec(opts.spec);
  const env = opts.env ?? process.env;
  const timeout = opts.timeoutMs ?? DEFAULT_LLM_TIMEOUT_MS;

  let baseURL: string;
  let apiKey: string;
  let modelName = model;
  let label = model;
  if (provider === 'backendai') {
    if (!opts.resolveService) {
      throw new BaiError(`--llm backendai:${model} needs a connection to the manager to find the model service (configure the manager, or use --llm openai:MODEL)`, 'config');
    }
    const found = await opts.resolveService(model);
    registerSecret(found.token);
    // service_endpoint is the app-proxy root; the OpenAI-compatible routes live under /v1
    baseURL = checkBaseUrl(found.baseUrl, `the endpoint of model service ${model}`);
    if (!/\/v1$/.test(baseURL)) baseURL = `${baseURL}/v1`;
    apiKey = found.token || NO_KEY_PLACEHOLDER; // public services need no token
    // vLLM and friends want the served model's name: the resolver may know it, else ask /models
    modelName = found.model ?? (await servedModel(baseURL, found.token, model, timeout));
    label = `backendai:${model} (${modelName})`;
  } else {
    const [raw, from] = opts.baseUrl
      ? [opts.baseUrl, '--llm-base-url']
      : env.BAI_AGENT_LLM_BASE_URL
        ? [env.BAI_AGENT_LLM_BASE_URL, 'BAI_AGENT_LLM_BASE_URL']
        : env.OPENAI_BASE_URL
          ? [env.OPENAI_BASE_URL, 'OPENAI_BASE_URL']
          : [OPENAI_DEFAULT_BASE_URL, 'the OpenAI base URL'];
    baseURL = checkBaseUrl(raw, from);
    const key = opts.apiKey || env.BAI_AGENT_LLM_API_KEY || env.OPENAI_API_KEY;
    if (!key && !isLocal(baseURL)) {
      throw new BaiError(`--llm ${provider}:${model} needs an API key for ${new URL(baseURL).host}: set BAI_AGENT_LLM_API_KEY (or OPENAI_API_KEY)`, 'config');
    }
    apiKey = key || NO_KEY_PLACEHOLDER;
    registerSecret(key);
  }

  const { ChatOpenAI } = await import('@langchain/openai');
  const chat = new ChatOpenAI({
    model: modelName,
    // deterministic plans; OpenAI's reasoning models accept only the default temperature
    ...(acceptsTemperature(modelName) ? { temperature: 0 } : {}),
    apiKey,
    maxRetries: opts.maxRetries ?? LLM_MAX_RETRIES,
    timeout,
    configuration: { baseURL },
  });
  labels.set(chat, label);
  return chat;
}

/** o1/o3/o4-mini and gpt-5 (not gpt-5-chat) reject any temperature but the default. */
export function acceptsTemperature(model: string): boolean {
  return !(/^o\d/.test(model) || (model.startsWith('gpt-5') && !model.startsWith('gpt-5-chat')));
}

const labels = new WeakMap<object, string>();

/** What the plan reports as the model: the name given to --llm, or `backendai:SERVICE (served model)`. */
export function modelLabel(chat: object): string | undefined {
  return labels.get(chat);
}

/** The first model id an OpenAI-compatible endpoint serves (`GET /models`). */
async function servedModel(baseURL: string, token: string, service: string, timeoutMs: number): Promise<string> {
  let body: unknown;
  try {
    const res = await fetch(`${baseURL}/models`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = await res.json();
  } catch (err) {
    throw new BaiError(`could not list the models served by model service ${service}: ${redact((err as Error).message)}`, 'unavailable', { cause: err });
  }
  const data = (body as { data?: unknown } | null)?.data;
  const first = Array.isArray(data) ? (data[0] as { id?: unknown } | undefined) : undefined;
  if (typeof first?.id !== 'string' || first.id === '') throw new BaiError(`model service ${service} serves no model (its /v1/models list is empty)`, 'unavailable');
  return first.id;
}
