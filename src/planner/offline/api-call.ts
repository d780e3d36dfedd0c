/**
 * A call written in the API's own words (`api.call` intents from grammar/structured/api.ts),
 * proposed exactly as written. Here, where the catalog is loaded, each argument is placed by the
 * operation's schema: a path parameter or a query parameter by its name, otherwise a body field
 * by its name or dotted path — resolved against the schema, longest property name first, because
 * slot names contain dots (`config.resources.cuda.shares` is `config.resources["cuda.shares"]`).
 * Values are typed by the schema (numbers, booleans, arrays, objects); a quoted value stays a
 * string. The planner's checks then validate schema, grounding and policy as for any call.
 */
import type { Catalog, JsonSchema, Operation } from '../../spec/types.js';
import type { AcceptedStep } from '../types.js';
import type { ApiCallIntent, ParsedIntent } from './intents.js';
import { ask, calls, done, editDistance, tagged, type HandlerContext, type HandlerResult } from './context.js';
import { listItems } from './grammar/structured/keys.js';
import { proposeSessionRestart } from './sessions.js';

export interface ResolvedCall {
  operationId: string;
  pathParams: Record<string, unknown>;
  query: Record<string, unknown>;
  body?: Record<string, unknown>;
}

export async function proposeApiCall(ctx: HandlerContext<ParsedIntent<ApiCallIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const secret = ctx.parsed.intent.args.find((a) => SECRET_ARGUMENT.test(a.key));
  if (secret) return refuse(`${secret.key}=…: I never put passwords or secret keys into a plan (plans are saved and printed); change it in the web UI or with the backend.ai CLI`);
  const resolved = resolveApiCall(ctx.parsed.intent, ctx.catalog);
  if ('error' in resolved) return ask(resolved.error);
  const op = ctx.catalog.get(resolved.operationId)!;
  if (ctx.parsed.intent.readOnly && op.effect === 'write') {
    return ask(`You said it should change nothing, but ${op.operationId} (${op.method} ${op.path}) changes things on the manager: should I run it, or only look?`);
  }
  if (RETURNS_SECRETS.has(op.operationId)) return refuse(`${op.operationId} returns secret keys, which I never fetch or print`);
  // an event stream or a terminal never ends: a read of it would hang the planning that runs it
  if (STREAMING_PATH.test(op.path)) return ask(`${op.method} ${op.path} is an event stream or a terminal, which a plan cannot hold open; use the backend.ai CLI (session events, ssh) for it`);
  // an admin route asked by a plain user: the manager answers 403 — say so instead of planning it
  if (op.privilege === 'admin' || op.privilege === 'superadmin') {
    const role = await ctx.world.role();
    const enough = role === 'superadmin' || (role === 'admin' && op.privilege === 'admin');
    if (!enough) {
      const instead = op.operationId === 'folders.share' ? ' (a folder of yours is shared by invitation: folders.invite, or "invite EMAIL to FOLDER")' : '';
      return refuse(`${op.operationId} needs ${op.privilege === 'superadmin' ? 'a superadmin' : 'an administrator'}, and your keypair's role is ${role}${instead}`);
    }
  }
  // the manager has no in-place restart (501, facts §3.5): terminate and create it again, as "restart X" does
  if (op.operationId === 'session.restart') {
    const name = resolved.pathParams.session_name;
    if (typeof name === 'string') {
      return proposeSessionRestart({ ...ctx, parsed: { ...ctx.parsed, intent: { kind: 'session.restart', target: { names: [name] } } } } as unknown as Parameters<typeof proposeSessionRestart>[0]);
    }
  }
  const bodyObject = resolved.body;
  return calls(
    tagged(ctx, {
      operationId: op.operationId,
      pathParams: resolved.pathParams,
      query: resolved.query,
      ...(bodyObject !== undefined ? { body: bodyObject } : {}),
      reason: `as written: ${op.method} ${concretePath(op.path, resolved.pathParams)}${queryText(resolved.query)}${bodyObject !== undefined ? ` ${oneLine(bodyObject)}` : ''}`,
      ...(isDestructive(op, ctx.steps) ? { destructive: true } : {}),
      // a create that returns at once (enqueue_only) is waited for, as `run` does for its own creates
      ...(SESSION_CREATE_OPS.has(op.operationId) && (bodyObject?.enqueue_only === true || bodyObject?.enqueueOnly === true)
        ? { wait: { until: 'RUNNING' as const, timeoutSeconds: 600 } }
        : {}),
    }),
  );
}

const SESSION_CREATE_OPS = new Set(['session.create_from_params', 'session.create_from_params.2']);
/** Arguments that would carry a secret into the plan document. */
const SECRET_ARGUMENT = /pass(?:word|wd)|secret/i;
/** Operations whose response is a secret (a login's keypair, a new SSH private key). */
const RETURNS_SECRETS = new Set(['auth.authorize', 'auth.generate_ssh_keypair']);
/** Server-sent event streams and websocket routes (as the proposer's fallback says). */
const STREAMING_PATH = /^\/(?:events|stream)\//;

const refuse = (reason: string): HandlerResult => ({ candidates: [{ kind: 'refuse', reason }] });

/** `/folders/{name}/mkdir` with name=datasets → `/folders/datasets/mkdir`, for the preview. */
function concretePath(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (m, name: string) => (params[name] !== undefined ? encodeURIComponent(String(params[name])) : m));
}

function queryText(query: Record<string, unknown>): string {
  const entries = Object.entries(query);
  return entries.length ? `?${entries.map(([k, v]) => `${k}=${String(v)}`).join('&')}` : '';
}

/** The body as sent, on one line, values under secret-looking keys masked (long bodies are cut: the plan document has it whole). */
function oneLine(body: unknown): string {
  const s = JSON.stringify(body, (key, value: unknown) => (SECRET_KEY.test(key) && typeof value !== 'object' ? '***' : value));
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
}

/** As the preview masks environment variables (cli/render.ts). */
const SECRET_KEY = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

/** Deleting folders, terminating more than one session: typed confirmation (the same rule as the LLM proposer's). */
function isDestructive(op: Operation, earlier: readonly AcceptedStep[]): boolean {
  if (op.effect !== 'write') return false;
  if (op.operationId === 'session.destroy') return earlier.some((a) => a.step.operationId === 'session.destroy');
  return op.method === 'DELETE' || /delete|purge|destroy|force/i.test(op.operationId);
}

// ------------------------------------------------------------------ resolution

/** The call the intent names, with every argument placed and typed, or what is wrong with it. */
export function resolveApiCall(intent: ApiCallIntent, catalog: Catalog): ResolvedCall | { error: string } {
  const found = intent.operationId ? byOperationId(intent.operationId, catalog) : byMethodAndPath(intent.method!, intent.path!, catalog);
  if ('error' in found) return found;
  const { op, pathParams } = found;
  const query: Record<string, unknown> = {};
  let body: Record<string, unknown> | undefined = intent.body ? structuredClone(intent.body) : undefined;
  const what = intent.operationId ?? `${intent.method} ${intent.path}`;

  const fields = op.requestBody ? fieldNames(op.requestBody, catalog) : new Set<string>();
  for (const written of intent.args) {
    // "resources cuda.shares=4 name=x": a pair after a group word goes into that object, unless the call has a field of its name
    const own = op.parameters.some((p) => p.name === written.key) || fields.has(spelling(written.key.split('.')[0]!));
    const arg = written.group && !own ? { ...written, key: `${written.group}.${written.key}` } : written;
    const param = op.parameters.find((p) => p.name === arg.key);
    if (param?.in === 'path' || param?.in === 'query') {
      const target = param.in === 'path' ? pathParams : query;
      const value = typeValue(arg.value, arg.quoted, param.schema, catalog);
      if ('error' in value) return { error: `${arg.key}=${arg.value}: ${value.error}` };
      if (target[arg.key] !== undefined && target[arg.key] !== value.value) {
        return { error: `${arg.key} is given twice (${String(target[arg.key])} and ${arg.value}): which one?` };
      }
      target[arg.key] = value.value;
      continue;
    }
    if (param) return { error: `${arg.key} is a ${param.in} parameter of ${op.operationId}, which bai-agent does not set` };
    if (!op.requestBody) {
      const names = op.parameters.filter((p) => p.in === 'path' || p.in === 'query').map((p) => p.name);
      return { error: `\`${what}\` (${op.operationId}) has no parameter "${arg.key}" and takes no body${names.length ? ` (parameters: ${names.join(', ')})` : ''}` };
    }
    body ??= {};
    const alias = MANAGER_ALIASES[op.operationId]?.[arg.key];
    const placed = place(body, op.requestBody, (alias ?? arg.key).split('.'), arg, catalog, 'the body');
    if (placed) return { error: `${arg.key}=${arg.value}: ${placed}` };
  }
  if (intent.subject !== undefined) {
    // "session.execute on train-job-1": the one path parameter not given by name
    const open = op.parameters.filter((p) => p.in === 'path' && pathParams[p.name] === undefined);
    if (open.length !== 1) return { error: `\`${what} on ${intent.subject}\`: ${op.method} ${op.path} has ${open.length === 0 ? 'no path parameter left' : `several path parameters (${open.map((p) => p.name).join(', ')})`} for "${intent.subject}"; write it as NAME=${intent.subject}` };
    pathParams[open[0]!.name] = intent.subject;
  }
  const absent = op.parameters.filter((p) => p.in === 'path' && p.required && pathParams[p.name] === undefined).map((p) => p.name);
  if (absent.length) return { error: `\`${what}\` needs ${absent.map((n) => `${n}=…`).join(' ')} (${op.method} ${op.path})` };
  if (op.requestBodyRequired && body === undefined) body = {};
  return { operationId: op.operationId, pathParams, query, ...(body !== undefined ? { body } : {}) };
}

function byOperationId(id: string, catalog: Catalog): { op: Operation; pathParams: Record<string, unknown> } | { error: string } {
  const op = catalog.get(id);
  if (op) return { op, pathParams: {} };
  const near = catalog.operations
    .map((o) => ({ id: o.operationId, d: editDistance(o.operationId.toLowerCase(), id.toLowerCase()) }))
    .filter((o) => o.d <= 3)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((o) => o.id);
  const sameTag = near.length ? near : catalog.operations.filter((o) => o.operationId.split('.')[0] === id.split('.')[0]).slice(0, 6).map((o) => o.operationId);
  return { error: `there is no operation ${id} in the spec${sameTag.length ? `; did you mean ${sameTag.join(', ')}?` : ' (`bai-agent ops search TEXT` lists them)'}` };
}

/** Match a concrete path against the catalog's templates; literal segments beat parameters. */
function byMethodAndPath(method: string, path: string, catalog: Catalog): { op: Operation; pathParams: Record<string, unknown> } | { error: string } {
  const segments = splitPath(path);
  let best: { op: Operation; pathParams: Record<string, unknown>; literal: number } | undefined;
  const otherMethods: string[] = [];
  for (const op of catalog.operations) {
    const template = splitPath(op.path);
    if (template.length !== segments.length) continue;
    const params: Record<string, unknown> = {};
    let literal = 0;
    const fits = template.every((t, i) => {
      const m = /^\{([^}]+)\}$/.exec(t);
      if (m) {
        params[m[1]!] = segments[i];
        return true;
      }
      literal++;
      return t === segments[i];
    });
    if (!fits) continue;
    if (op.method !== method) {
      otherMethods.push(`${op.method} ${op.path}`);
      continue;
    }
    if (!best || literal > best.literal) best = { op, pathParams: params, literal };
  }
  if (best) return { op: best.op, pathParams: best.pathParams };
  return {
    error: otherMethods.length
      ? `there is no ${method} ${path} in the spec; the path takes ${[...new Set(otherMethods)].join(', ')}`
      : `there is no operation for ${method} ${path} in the spec (\`bai-agent ops search TEXT\` lists them)`,
  };
}

function splitPath(path: string): string[] {
  return path
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The body's declared fields and those one level down (by spelling), which an argument may name alone. */
function fieldNames(schema: JsonSchema, catalog: Catalog): Set<string> {
  const top = objectShape(schema, catalog)?.properties ?? {};
  const out = new Set(Object.keys(top).map(spelling));
  for (const f of Object.values(top)) for (const k of Object.keys(objectShape(f, catalog)?.properties ?? {})) out.add(spelling(k));
  return out;
}

/** A field name without case, `_` or `-`: `scaling_group` and `scalingGroup` are one field. */
const spelling = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');

/**
 * Names the manager takes for a body field besides the schema's (facts §8: `replicas` for a
 * service's `desired_session_count`; §15.1: a shell command runs as `options.exec`).
 */
const MANAGER_ALIASES: Record<string, Record<string, string>> = {
  'services.create': { replicas: 'desired_session_count' },
  'session.execute': { exec: 'options.exec', command: 'options.exec' },
};

// ------------------------------------------------------------------ schemas

/** Follow `$ref`s into the catalog's schemas. */
function deref(schema: JsonSchema | undefined, catalog: Catalog, depth = 0): JsonSchema {
  let s = schema ?? {};
  while (typeof s.$ref === 'string' && depth++ < 20) {
    const name = s.$ref.replace(/^#\/components\/schemas\//, '');
    const { $ref: _, ...rest } = s;
    s = { ...(catalog.schemas[name] ?? {}), ...rest };
  }
  return s;
}

interface ObjectShape {
  properties: Record<string, JsonSchema>;
  /** schema of keys not listed (true: anything; false: none) */
  additional: JsonSchema | boolean;
}

/** The fields an object schema has (through allOf / anyOf / oneOf), or undefined when it is no object. */
function objectShape(schema: JsonSchema, catalog: Catalog, depth = 0): ObjectShape | undefined {
  const s = deref(schema, catalog);
  if (depth > 10) return undefined;
  const parts = [...((s.allOf as JsonSchema[]) ?? []), ...((s.anyOf as JsonSchema[]) ?? []), ...((s.oneOf as JsonSchema[]) ?? [])]
    .map((b) => objectShape(b, catalog, depth + 1))
    .filter((b): b is ObjectShape => b !== undefined);
  const types = typesOf(s, catalog);
  const own = types.has('object') || s.properties !== undefined || s.additionalProperties !== undefined;
  if (!own && parts.length === 0) return undefined;
  const properties: Record<string, JsonSchema> = {};
  for (const p of parts) Object.assign(properties, p.properties);
  Object.assign(properties, (s.properties as Record<string, JsonSchema> | undefined) ?? {});
  const declared = s.additionalProperties as JsonSchema | boolean | undefined;
  // an object that lists its fields takes only those (a typo is reported); one that lists none takes any
  const additional = declared ?? parts.find((p) => p.additional !== false)?.additional ?? (Object.keys(properties).length === 0);
  return { properties, additional };
}

/**
 * Put one argument at its dotted path inside `target`: at each level the longest run of segments
 * that names a property wins ("cuda.shares" before "cuda"); an object with free keys takes the
 * rest of the path as one key. Returns what is wrong, or nothing.
 */
function place(target: Record<string, unknown>, schema: JsonSchema, segs: string[], arg: ApiCallIntent['args'][number], catalog: Catalog, where: string): string | undefined {
  const shape = objectShape(schema, catalog);
  if (!shape) return `${where} is not an object, so "${segs.join('.')}" cannot go inside it`;
  for (let n = segs.length; n >= 1; n--) {
    const written = segs.slice(0, n).join('.');
    // `scaling_group` names `scalingGroup`: the manager's schemas mix both spellings
    const name = written in shape.properties ? written : Object.keys(shape.properties).find((p) => spelling(p) === spelling(written));
    const field = name === undefined ? undefined : shape.properties[name];
    if (!field || name === undefined) continue;
    if (n === segs.length) return set(target, name, arg, field, catalog);
    const child = (target[name] ??= {}) as unknown;
    if (typeof child !== 'object' || child === null || Array.isArray(child)) return `${name} is already set to ${JSON.stringify(child)}`;
    return place(child as Record<string, unknown>, field, segs.slice(n), arg, catalog, name);
  }
  // "model=models" for services.create: the one field of that name one level down (config.model)
  const nested = Object.entries(shape.properties).filter(([, f]) => {
    const inner = objectShape(f, catalog);
    return inner !== undefined && Object.keys(inner.properties).some((p) => spelling(p) === spelling(segs[0]!));
  });
  if (nested.length === 1 && !(segs[0]! in shape.properties)) {
    const [name, field] = nested[0]!;
    const child = (target[name] ??= {}) as unknown;
    if (typeof child === 'object' && child !== null && !Array.isArray(child)) return place(child as Record<string, unknown>, field, segs, arg, catalog, name);
  }
  if (shape.additional !== false) return set(target, segs.join('.'), arg, shape.additional === true ? {} : shape.additional, catalog);
  const fields = Object.keys(shape.properties);
  return `"${segs.join('.')}" is not a field of ${where}${fields.length ? ` (fields: ${fields.join(', ')})` : ''}`;
}

function set(target: Record<string, unknown>, name: string, arg: ApiCallIntent['args'][number], schema: JsonSchema, catalog: Catalog): string | undefined {
  const typed = typeValue(arg.value, arg.quoted, schema, catalog);
  if ('error' in typed) return typed.error;
  if (target[name] !== undefined && JSON.stringify(target[name]) !== JSON.stringify(typed.value)) return `${name} is given twice: which value?`;
  target[name] = typed.value;
  return undefined;
}

/** The JSON types a schema allows (through $ref, enum, anyOf/oneOf/allOf); empty when it says nothing. */
function typesOf(schema: JsonSchema, catalog: Catalog, depth = 0): Set<string> {
  const s = deref(schema, catalog);
  const out = new Set<string>();
  if (depth > 10) return out;
  const t = s.type;
  if (typeof t === 'string') out.add(t);
  if (Array.isArray(t)) for (const x of t) out.add(String(x));
  if (Array.isArray(s.enum)) for (const v of s.enum) out.add(v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const b of (s[key] as JsonSchema[] | undefined) ?? []) for (const x of typesOf(b, catalog, depth + 1)) out.add(x);
  return out;
}

/** A written value, typed by the schema it goes into. A quoted value is a string. */
export function typeValue(raw: string, quoted: boolean, schema: JsonSchema, catalog: Catalog): { value: unknown } | { error: string } {
  const types = typesOf(schema, catalog);
  if (quoted) return { value: raw };
  const any = types.size === 0;
  if (raw === 'null' && (any || types.has('null'))) return { value: null };
  if ((any || types.has('boolean')) && /^(?:true|false)$/i.test(raw)) return { value: raw.toLowerCase() === 'true' };
  if ((any || types.has('integer')) && /^-?\d+$/.test(raw)) return { value: Number(raw) };
  if ((any || types.has('number')) && /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(raw)) return { value: Number(raw) };
  if ((any || types.has('array')) && raw.startsWith('[')) return arrayValue(raw, schema, catalog);
  if ((any || types.has('object')) && raw.startsWith('{')) {
    try {
      return { value: JSON.parse(raw) as unknown };
    } catch (err) {
      return { error: `not valid JSON (${(err as Error).message})` };
    }
  }
  if (any || types.has('string')) return { value: raw };
  if (types.has('array')) return arrayValue(raw, schema, catalog);
  // the validator says what is wrong with it, in the schema's words
  return { value: raw };
}

/** `[a@b, c@d]`, `a,b`, or JSON: each item typed by the array's item schema. */
function arrayValue(raw: string, schema: JsonSchema, catalog: Catalog): { value: unknown } | { error: string } {
  if (raw.startsWith('[')) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (Array.isArray(parsed)) return { value: parsed };
    } catch {
      // not JSON: a bracketed list of bare words
    }
  }
  const s = deref(schema, catalog);
  const arrayBranch = [s, ...((s.anyOf as JsonSchema[]) ?? []), ...((s.oneOf as JsonSchema[]) ?? [])].map((b) => deref(b, catalog)).find((b) => b.items !== undefined);
  const items = (arrayBranch?.items as JsonSchema | undefined) ?? {};
  const out: unknown[] = [];
  for (const item of listItems(raw)) {
    const typed = typeValue(item, false, items, catalog);
    if ('error' in typed) return typed;
    out.push(typed.value);
  }
  return { value: out };
}
