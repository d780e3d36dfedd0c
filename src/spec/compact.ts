/**
 * Compact tool definitions (OpenAI function-calling format) for the operations retrieval offers
 * an LLM. Only the top-k operations are offered, and each as small as it can be while keeping
 * what a model needs to fill arguments: field names, types, enums, defaults, required lists.
 * `$ref`s are inlined (depth-limited, cycle-safe); titles, long descriptions, examples and alias
 * fields are dropped; `anyOf [X, null]` becomes X.
 *
 * Shrinking a big tool cuts nested optional fields, but never the *essential* ones: the fields
 * the operation's curated examples fill in (e.g. `config.resources`, `config.scaling_group`,
 * `config.model`). Without them a model sees `config: {}` and cannot place resources at all.
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
  /** Longer `pattern`s are dropped (a size regex repeated per slot costs more than it helps). */
  maxPattern?: number;
}

const DEFAULTS: Required<CompactOptions> = { maxDepth: 4, maxDescription: 90, descriptionDepth: 4, optionalDepth: 99, maxPattern: 64 };

/**
 * Successively smaller renderings, used when a tool (or the whole tool list) is over budget.
 * Level 0 is the default; the last level keeps only required and essential fields (with names,
 * types, enums, defaults and required lists).
 */
export const COMPACT_LEVELS: Required<CompactOptions>[] = [
  DEFAULTS,
  { maxDepth: 3, maxDescription: 60, descriptionDepth: 1, optionalDepth: 99, maxPattern: 24 },
  { maxDepth: 2, maxDescription: 60, descriptionDepth: 1, optionalDepth: 2, maxPattern: 24 },
  { maxDepth: 2, maxDescription: 0, descriptionDepth: 0, optionalDepth: 1, maxPattern: 24 },
  { maxDepth: 1, maxDescription: 0, descriptionDepth: 0, optionalDepth: 1, maxPattern: 24 },
  // last resort: required and essential fields only, even at the top of the body
  { maxDepth: 1, maxDescription: 0, descriptionDepth: 0, optionalDepth: 0, maxPattern: 24 },
];
/** An essential field keeps a description this short at every level (units and formats). */
const ESSENTIAL_DESCRIPTION_MAX = 60;
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
 * Fields that stay visible however far a tool is shrunk: field name → the essential fields
 * below it (`{}` for a leaf or a field kept whole).
 */
export interface KeepTree {
  [field: string]: KeepTree;
}

const essentialCache = new WeakMap<Operation, KeepTree>();

/**
 * The body fields an operation's curated examples fill in, as a tree. The examples show what a
 * typical request sets (resources, resource group, model folder, mounts), which is exactly
 * what must survive compaction. Operations without examples get an empty tree.
 */
export function essentialFields(op: Operation): KeepTree {
  let tree = essentialCache.get(op);
  if (tree) return tree;
  tree = {};
  const merge = (into: KeepTree, value: unknown): void => {
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      into[key] ??= {};
      merge(into[key]!, child); // arrays and scalars end the path
    }
  };
  for (const example of op.examples ?? []) merge(tree, example.body);
  essentialCache.set(op, tree);
  return tree;
}

/** A field holding a plain value (string, number, boolean, or a union of those), not a structure. */
function isScalarField(schema: unknown, catalog: Pick<Catalog, 'schemas'>): boolean {
  if (!isObject(schema)) return false;
  const s = derefShallow(schema, catalog);
  const union = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (union) return union.every((b) => isObject(b) && (b.type === 'null' || isScalarField(b, catalog)));
  const types = Array.isArray(s.type) ? s.type : [s.type];
  return s.type !== undefined && !isObject(s.properties) && types.every((t) => t === 'string' || t === 'number' || t === 'integer' || t === 'boolean' || t === 'null');
}

/**
 * `anyOf: [{required: [a]}, {required: [b]}]` (one of two spellings is required) says "a is
 * required" once the alias b is dropped: the first alternative whose fields all survived.
 */
function requiredAlternative(s: JsonSchema, props: Record<string, JsonSchema>): string[] | undefined {
  const list = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (!list || list.length === 0) return undefined;
  const onlyRequired = list.every((x) => isObject(x) && Array.isArray(x.required) && Object.keys(x).every((k) => k === 'required' || k === 'description'));
  if (!onlyRequired) return undefined;
  for (const alt of list as Array<{ required: unknown[] }>) {
    const names = alt.required.filter((r): r is string => typeof r === 'string');
    if (names.length > 0 && names.every((n) => n in props)) return names;
  }
  return undefined;
}

/**
 * Inline refs and drop what a tool-calling model does not need. `stack` holds the refs being
 * expanded (cycle guard); `depth` counts nested object levels. `keep` marks this schema as
 * essential: its essential fields are kept below `maxDepth` and `optionalDepth`, with a short
 * description, at every level.
 */
export function compactSchema(
  schema: unknown,
  catalog: Pick<Catalog, 'schemas'>,
  opts: CompactOptions = {},
  depth = 0,
  stack: readonly string[] = [],
  keep?: KeepTree,
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
    if (key === 'pattern' && String(s[key]).length > o.maxPattern) continue;
    out[key] = s[key];
  }
  if (typeof s.description === 'string') {
    const d = s.description.trim();
    const fits = depth <= o.descriptionDepth && d.length <= o.maxDescription;
    const essentialFits = keep !== undefined && depth > 0 && d.length <= ESSENTIAL_DESCRIPTION_MAX;
    if (d && (fits || essentialFits) && !/^alias (of|for) /i.test(d)) out.description = d;
  }

  for (const key of ['anyOf', 'oneOf'] as const) {
    const list = s[key];
    if (Array.isArray(list)) {
      const branches = list.filter((x) => !(isObject(x) && x.type === 'null')).map((x) => compactSchema(x, catalog, o, depth, refs));
      // a branch that compacts to {} accepts anything: the whole union then says nothing
      if (!branches.some((b) => Object.keys(b).every((k) => k === 'description'))) out[key] = branches;
    }
  }

  const isObjectSchema = s.type === 'object' || isObject(s.properties);
  if (isObjectSchema) {
    out.type = 'object';
    const essentialBelow = keep !== undefined && Object.keys(keep).length > 0;
    if (depth >= o.maxDepth && !essentialBelow) return out; // deep enough: the model sees "an object"
    // past the level's limits only essential fields (and small all-scalar records) are shown
    const beyond = depth >= o.maxDepth;
    if (isObject(s.properties)) {
      const all = s.properties;
      const names = Object.keys(all);
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      const canonicalOf = new Map<string, string>();
      for (const name of names) {
        const canonical = isAliasProperty(all[name]);
        if (canonical && canonical !== name && names.includes(canonical)) canonicalOf.set(name, canonical);
      }
      // an example may use an alias (`image` for `lang`): it marks the canonical field
      const keepHere: KeepTree = {};
      for (const [name, sub] of Object.entries(keep ?? {})) keepHere[canonicalOf.get(name) ?? name] ??= sub;
      // inside an essential field, its required fields are essential too, and a record of plain
      // values (resource slots: cpu, mem, cuda.shares, cuda.device) is shown whole
      const nestedEssential = keep !== undefined && depth > 0;
      const wholeRecord = nestedEssential && names.every((n) => canonicalOf.has(n) || isScalarField(all[n], catalog));
      const props: Record<string, JsonSchema> = {};
      for (const name of names) {
        if (canonicalOf.has(name)) continue;
        const childKeep = keepHere[name] ?? (nestedEssential && (required.has(name) || wholeRecord) ? {} : undefined);
        const cut = beyond || (depth >= o.optionalDepth && !required.has(name));
        if (cut && childKeep === undefined) continue;
        props[name] = compactSchema(all[name], catalog, o, depth + 1, refs, childKeep);
      }
      out.properties = props;
      const req = Array.isArray(s.required) ? s.required.filter((r) => typeof r === 'string' && r in props) : [];
      const alternative = requiredAlternative(s, props);
      for (const r of alternative ?? []) if (!req.includes(r)) req.push(r);
      if (req.length > 0) out.required = req;
      if (alternative) {
        delete out.anyOf;
        delete out.oneOf;
      }
    }
    if (isObject(s.additionalProperties) && !beyond) out.additionalProperties = compactSchema(s.additionalProperties, catalog, o, depth + 1, refs);
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
  return fitTool(op, catalog, maxChars).tool;
}

interface FittedTool {
  tool: ToolDefinition;
  size: number;
  /** The COMPACT_LEVELS index it was rendered at. */
  level: number;
}

/** The least compacted rendering within `maxChars` (or the smallest one). */
function fitTool(op: Operation, catalog: Catalog, maxChars: number): FittedTool {
  let level = 0;
  let tool = renderTool(op, catalog, COMPACT_LEVELS[0]!);
  let size = JSON.stringify(tool).length;
  while (size > maxChars && level < COMPACT_LEVELS.length - 1) {
    level++;
    tool = renderTool(op, catalog, COMPACT_LEVELS[level]!);
    size = JSON.stringify(tool).length;
  }
  return { tool, size, level };
}

/**
 * Tools for a list of operations (retrieval's top k) within a total size: the largest tools
 * are compacted further first, so small ones keep their descriptions.
 */
export function toolDefinitions(ops: readonly Operation[], catalog: Catalog, opts: { maxChars?: number; maxTotalChars?: number } = {}): ToolDefinition[] {
  const maxTotal = opts.maxTotalChars ?? 10_000;
  const fitted = ops.map((op) => fitTool(op, catalog, opts.maxChars ?? TOOL_MAX_CHARS));
  while (fitted.reduce((a, f) => a + f.size, 0) > maxTotal) {
    let largest = -1;
    for (let i = 0; i < fitted.length; i++) {
      if (fitted[i]!.level < COMPACT_LEVELS.length - 1 && (largest < 0 || fitted[i]!.size > fitted[largest]!.size)) largest = i;
    }
    if (largest < 0) break;
    const f = fitted[largest]!;
    f.level++;
    const smaller = renderTool(ops[largest]!, catalog, COMPACT_LEVELS[f.level]!);
    const size = JSON.stringify(smaller).length;
    if (size < f.size) {
      f.tool = smaller;
      f.size = size;
    }
  }
  return fitted.map((f) => f.tool);
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
    properties.body = compactSchema(op.requestBody, catalog, o, 0, [], essentialFields(op));
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
