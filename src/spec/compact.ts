/**
 * Compact tool definitions (OpenAI function-calling format) for the operations retrieval offers
 * an LLM. Only the top-k operations are offered, and each as small as it can be while keeping
 * what a model needs to fill arguments: field names, types, enums, defaults, required lists.
 * `$ref`s are inlined (depth-limited, cycle-safe); titles, long descriptions, examples and alias
 * fields are dropped; `anyOf [X, null]` becomes X.
 */
import { createHash } from 'node:crypto';
import type { Catalog, JsonSchema, Operation, ParameterSpec } from './types.js';

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchema };
}

export interface CompactOptions {
  /** Nested object levels kept below the body (deeper objects become `{type: 'object'}`). */
  maxDepth?: number;
  /** Descriptions longer than this are dropped (short ones carry units and formats). */
  maxDescription?: number;
  /** Descriptions are kept down to this nesting level only. */
  descriptionDepth?: number;
  /** Below this level only required properties are kept (complex search filters shrink most). */
  optionalDepth?: number;
}

const DEFAULTS: Required<CompactOptions> = { maxDepth: 4, maxDescription: 90, descriptionDepth: 4, optionalDepth: 99 };

/**
 * Successively smaller renderings, used when a tool (or the whole tool list) is over budget.
 * Level 0 is the default; the last level keeps names, types, enums, defaults and required lists
 * of the top-level fields only.
 */
export const COMPACT_LEVELS: Required<CompactOptions>[] = [
  DEFAULTS,
  { maxDepth: 3, maxDescription: 60, descriptionDepth: 1, optionalDepth: 99 },
  { maxDepth: 2, maxDescription: 60, descriptionDepth: 1, optionalDepth: 2 },
  { maxDepth: 2, maxDescription: 0, descriptionDepth: 0, optionalDepth: 1 },
  { maxDepth: 1, maxDescription: 0, descriptionDepth: 0, optionalDepth: 1 },
];
const TOOL_NAME_MAX = 64;

// ---------------------------------------------------------------------------------------------
// tool names: OpenAI allows [a-zA-Z0-9_-]{1,64}; operationIds have `.` and `/`

/** The tool-safe name of an operationId (`v2/sessions.my_search` → `v2__sessions_my_search`). */
export function toolNameFor(operationId: string, catalog?: Catalog): string {
  if (catalog) return toolNames(catalog).byId.get(operationId) ?? sanitize(operationId);
  return sanitize(operationId);
}

/** The operationId a tool name stands for, or undefined when the catalog has no such tool. */
export function operationIdForTool(name: string, catalog: Catalog): string | undefined {
  if (catalog.has(name)) return name; // models sometimes answer with the raw operationId
  return toolNames(catalog).byName.get(name);
}

function sanitize(operationId: string): string {
  const name = operationId.replace(/\//g, '__').replace(/[^A-Za-z0-9_-]/g, '_');
  return name.length <= TOOL_NAME_MAX ? name : withHash(name, operationId);
}

function withHash(name: string, operationId: string): string {
  const hash = createHash('sha256').update(operationId).digest('hex').slice(0, 8);
  return `${name.slice(0, TOOL_NAME_MAX - 9)}_${hash}`;
}

interface ToolNameMap {
  byId: Map<string, string>;
  byName: Map<string, string>;
}
const toolNameCache = new WeakMap<Catalog, ToolNameMap>();

/** Names for the whole catalog; a name two operationIds would share gets a hash suffix. */
function toolNames(catalog: Catalog): ToolNameMap {
  let map = toolNameCache.get(catalog);
  if (map) return map;
  map = { byId: new Map(), byName: new Map() };
  for (const op of catalog.operations) {
    let name = sanitize(op.operationId);
    if (map.byName.has(name)) name = withHash(name.slice(0, TOOL_NAME_MAX - 9), op.operationId);
    map.byId.set(op.operationId, name);
    map.byName.set(name, op.operationId);
  }
  toolNameCache.set(catalog, map);
  return map;
}

// ---------------------------------------------------------------------------------------------
// schemas

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follow a local `#/components/schemas/X` ref; undefined when it points nowhere. */
export function resolveRef(ref: string, catalog: Pick<Catalog, 'schemas'>): JsonSchema | undefined {
  const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
  if (!m) return undefined;
  const name = m[1]!.replace(/~1/g, '/').replace(/~0/g, '~');
  const s = catalog.schemas[name];
  return isObject(s) ? s : undefined;
}

/** The schema with a top-level `$ref` (and `anyOf [X, null]`) followed, without compacting. */
export function derefShallow(schema: JsonSchema, catalog: Pick<Catalog, 'schemas'>, maxHops = 8): JsonSchema {
  let cur: JsonSchema = schema;
  for (let hop = 0; hop < maxHops; hop++) {
    if (typeof cur.$ref === 'string') {
      const target = resolveRef(cur.$ref, catalog);
      if (!target) return {};
      const { $ref: _ignored, ...rest } = cur;
      cur = { ...target, ...rest };
      continue;
    }
    const nonNull = nullableInner(cur);
    if (nonNull) {
      const { anyOf: _a, oneOf: _o, ...rest } = cur;
      cur = { ...nonNull, ...rest };
      continue;
    }
    break;
  }
  return cur;
}

/** For `anyOf`/`oneOf` of exactly one schema plus `{type: 'null'}`, that one schema. */
function nullableInner(schema: JsonSchema): JsonSchema | undefined {
  const list = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
  if (!list) return undefined;
  const nonNull = list.filter((s) => !(isObject(s) && s.type === 'null'));
  if (nonNull.length === 1 && list.length === 2 && isObject(nonNull[0])) return nonNull[0] as JsonSchema;
  return undefined;
}

const KEEP_KEYS = new Set([
  'type',
  'enum',
  'const',
  'default',
  'format',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
]);

/** An "alias of X" property (curated spec): the model should use the canonical field. */
function isAliasProperty(schema: unknown): string | undefined {
  if (!isObject(schema) || typeof schema.description !== 'string') return undefined;
  const m = /^\s*alias (?:of|for) [`"]?([\w.-]+)/i.exec(schema.description);
  return m?.[1];
}

/**
 * Inline refs and drop what a tool-calling model does not need. `stack` holds the refs being
 * expanded (cycle guard); `depth` counts nested object levels.
 */
export function compactSchema(
  schema: unknown,
  catalog: Pick<Catalog, 'schemas'>,
  opts: CompactOptions = {},
  depth = 0,
  stack: readonly string[] = [],
): JsonSchema {
  const o = { ...DEFAULTS, ...opts };
  if (!isObject(schema)) return {};
  let s: JsonSchema = schema;
  const refs: string[] = [...stack];
  // follow refs and nullable wrappers until the schema is concrete
  for (let hop = 0; hop < 8; hop++) {
    if (typeof s.$ref === 'string') {
      if (refs.includes(s.$ref)) return { type: 'object' }; // cycle
      refs.push(s.$ref);
      const target = resolveRef(s.$ref, catalog);
      const { $ref: _r, ...rest } = s;
      s = target ? { ...target, ...rest } : rest;
      continue;
    }
    const inner = nullableInner(s);
    if (inner) {
      const { anyOf: _a, oneOf: _o, ...rest } = s;
      s = { ...inner, ...rest };
      continue;
    }
    if (Array.isArray(s.allOf) && s.allOf.length === 1 && isObject(s.allOf[0])) {
      const { allOf, ...rest } = s;
      s = { ...(allOf[0] as JsonSchema), ...rest };
      continue;
    }
    break;
  }

  const out: JsonSchema = {};
  for (const key of KEEP_KEYS) {
    if (s[key] === undefined) continue;
    if (key === 'default' && s[key] === null) continue; // `default: null` says nothing
    out[key] = s[key];
  }
  if (typeof s.description === 'string') {
    const d = s.description.trim();
    if (d && depth <= o.descriptionDepth && d.length <= o.maxDescription && !/^alias (of|for) /i.test(d)) out.description = d;
  }

  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      out[key] = list
        .filter((x) => !(isObject(x) && x.type === 'null'))
        .map((x) => compactSchema(x, catalog, o, depth, refs));
    }
  }

  const isObjectSchema = s.type === 'object' || isObject(s.properties);
  if (isObjectSchema) {
    out.type = 'object';
    if (depth >= o.maxDepth) return out; // deep enough: the model sees "an object"
    if (isObject(s.properties)) {
      const props: Record<string, JsonSchema> = {};
      const names = Object.keys(s.properties);
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      for (const name of names) {
        const p = s.properties[name];
        const canonical = isAliasProperty(p);
        if (canonical && names.includes(canonical)) continue;
        if (depth >= o.optionalDepth && !required.has(name)) continue;
        props[name] = compactSchema(p, catalog, o, depth + 1, refs);
      }
      out.properties = props;
      if (Array.isArray(s.required) && s.required.length > 0) out.required = s.required.filter((r) => typeof r === 'string' && r in props);
    }
    if (isObject(s.additionalProperties)) out.additionalProperties = compactSchema(s.additionalProperties, catalog, o, depth + 1, refs);
  }
  if (s.type === 'array' && s.items !== undefined) out.items = compactSchema(s.items, catalog, o, depth + 1, refs);
  return out;
}

function parameterGroup(params: ParameterSpec[], catalog: Catalog, o: Required<CompactOptions>): JsonSchema | undefined {
  if (params.length === 0) return undefined;
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const p of params) {
    if (!p.required && o.optionalDepth <= 1) continue;
    const schema = compactSchema(p.schema, catalog, o, 1);
    if (!schema.description && p.description && o.descriptionDepth >= 1 && p.description.length <= o.maxDescription) {
      schema.description = p.description.trim();
    }
    properties[p.name] = schema;
    if (p.required) required.push(p.name);
  }
  return { type: 'object', properties, ...(required.length ? { required } : {}) };
}

/** Summary plus the first description sentence that adds something, in at most ~240 chars. */
export function toolDescription(op: Operation): string {
  const summary = op.summary.trim().replace(/\.$/, '');
  const sentences = op.description
    .split(/(?<=[.!?])\s+|\n+/)
    .map((x) => x.trim())
    .filter((x) => x && !x.startsWith('*') && x.replace(/\.$/, '') !== summary);
  const extra = sentences[0];
  let text = summary || `${op.method} ${op.path}`;
  if (extra && text.length + extra.length < 240) text = `${text}. ${extra}`;
  else if (!text.endsWith('.')) text = `${text}.`;
  if (op.privilege === 'admin' || op.privilege === 'superadmin') text += ` (${op.privilege} only)`;
  return text;
}

export interface ToolOptions extends CompactOptions {
  /**
   * Largest JSON size (characters) for one tool: bigger ones are rendered at the next
   * COMPACT_LEVELS level until they fit (about 4 characters per token).
   */
  maxChars?: number;
}

/** Default per-tool size: ~600 tokens, so that 8 typical tools stay well under 3,000. */
export const TOOL_MAX_CHARS = 2400;

/** The OpenAI-format tool for one operation, within `maxChars` when it can be. */
export function toolDefinition(op: Operation, catalog: Catalog, opts: ToolOptions = {}): ToolDefinition {
  const { maxChars = TOOL_MAX_CHARS, ...explicit } = opts;
  if (Object.keys(explicit).length > 0) return renderTool(op, catalog, { ...DEFAULTS, ...explicit });
  let tool = renderTool(op, catalog, COMPACT_LEVELS[0]!);
  for (let level = 1; level < COMPACT_LEVELS.length && JSON.stringify(tool).length > maxChars; level++) {
    tool = renderTool(op, catalog, COMPACT_LEVELS[level]!);
  }
  return tool;
}

/**
 * Tools for a list of operations (retrieval's top k) within a total size: the largest tools
 * are compacted further first, so small ones keep their descriptions.
 */
export function toolDefinitions(ops: readonly Operation[], catalog: Catalog, opts: { maxChars?: number; maxTotalChars?: number } = {}): ToolDefinition[] {
  const maxTotal = opts.maxTotalChars ?? 10_000;
  const levels = ops.map(() => 0);
  const tools = ops.map((op) => toolDefinition(op, catalog, { maxChars: opts.maxChars ?? TOOL_MAX_CHARS }));
  const sizes = tools.map((t) => JSON.stringify(t).length);
  // levels already used by toolDefinition's own per-tool fitting are not known; start from 0
  while (sizes.reduce((a, b) => a + b, 0) > maxTotal) {
    let largest = -1;
    for (let i = 0; i < tools.length; i++) {
      if (levels[i]! < COMPACT_LEVELS.length - 1 && (largest < 0 || sizes[i]! > sizes[largest]!)) largest = i;
    }
    if (largest < 0) break;
    levels[largest]!++;
    const smaller = renderTool(ops[largest]!, catalog, COMPACT_LEVELS[levels[largest]!]!);
    const size = JSON.stringify(smaller).length;
    if (size < sizes[largest]!) {
      tools[largest] = smaller;
      sizes[largest] = size;
    }
  }
  return tools;
}

function renderTool(op: Operation, catalog: Catalog, o: Required<CompactOptions>): ToolDefinition {
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const path = parameterGroup(op.parameters.filter((p) => p.in === 'path'), catalog, o);
  const query = parameterGroup(op.parameters.filter((p) => p.in === 'query'), catalog, o);
  if (path) {
    properties.pathParams = path;
    required.push('pathParams');
  }
  if (query) {
    properties.query = query;
    if (Array.isArray(query.required)) required.push('query');
  }
  if (op.requestBody) {
    properties.body = compactSchema(op.requestBody, catalog, o, 0);
    if (op.requestBodyRequired) required.push('body');
  }
  return {
    type: 'function',
    function: {
      name: toolNameFor(op.operationId, catalog),
      description: toolDescription(op),
      parameters: { type: 'object', properties, ...(required.length ? { required } : {}) },
    },
  };
}
