/**
 * Describe an operation for people (`ops show`, `ask`): its parameters, its body fields
 * flattened to dotted names with types, defaults and enums (`$ref`s followed), and an example
 * request — the curated spec's `x-bai-examples` when present, else one synthesised from the
 * required fields — and the official client's command and SDK call that do the same.
 */
import { derefShallow } from '../spec/compact.js';
import type { Catalog, JsonSchema, Operation, OperationExample } from '../spec/types.js';
import { clientTermsFor, type ClientTerms } from './client-terms.js';

export interface FieldRow {
  /** Dotted name: `config.resources`, `mounts[]`, `environ.<key>`. */
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  enum?: unknown[];
  description?: string;
}

export interface ParameterRow extends FieldRow {
  in: 'path' | 'query' | 'header' | 'cookie';
}

export interface ExampleRequest {
  method: string;
  /** Path with parameters filled in and the query string appended. */
  path: string;
  body?: unknown;
  /** `spec` when taken from x-bai-examples, `synthesised` when built from required fields. */
  source: 'spec' | 'synthesised';
  summary?: string;
}

export interface OperationDescription {
  operationId: string;
  method: string;
  path: string;
  summary: string;
  description: string;
  privilege: Operation['privilege'];
  effect: Operation['effect'];
  deprecated: boolean;
  tags: string[];
  parameters: ParameterRow[];
  body?: { required: boolean; schema?: string; fields: FieldRow[] };
  example: ExampleRequest;
  /** The official client's command and SDK call for it (specs/domain/client-commands.yaml). */
  client?: ClientTerms;
}

const MAX_DEPTH = 4;
const MAX_FIELDS = 120;
const MAX_DESCRIPTION = 100;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short type label: `string`, `integer`, `string (uuid)`, `"ro" | "rw"`, `string | string[]`. */
export function typeLabel(schema: JsonSchema, catalog: Pick<Catalog, 'schemas'>): string {
  const s = derefShallow(schema, catalog);
  if (Array.isArray(s.enum)) return [...new Set(s.enum.map((v) => JSON.stringify(v)))].join(' | ');
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives) {
    const labels = alternatives.filter(isObject).filter((a) => a.type !== 'null').map((a) => typeLabel(a as JsonSchema, catalog));
    return [...new Set(labels)].join(' | ') || 'any';
  }
  const type = Array.isArray(s.type) ? s.type.filter((t) => t !== 'null').join(' | ') : typeof s.type === 'string' ? s.type : undefined;
  if (type === 'array' && isObject(s.items)) return `${typeLabel(s.items as JsonSchema, catalog)}[]`;
  if (!type) return isObject(s.properties) ? 'object' : 'any';
  return typeof s.format === 'string' ? `${type} (${s.format})` : type;
}

function shortDescription(s: JsonSchema): string | undefined {
  if (typeof s.description !== 'string') return undefined;
  const first = s.description.trim().split(/\n/)[0]!;
  return first.length > MAX_DESCRIPTION ? `${first.slice(0, MAX_DESCRIPTION - 1)}…` : first || undefined;
}

/** Body fields as rows, depth-first, `$ref`s followed (cycle-safe). */
export function flattenFields(schema: JsonSchema, catalog: Pick<Catalog, 'schemas'>): FieldRow[] {
  const rows: FieldRow[] = [];
  const walk = (node: JsonSchema, prefix: string, depth: number, refs: string[]) => {
    const ref = typeof node.$ref === 'string' ? node.$ref : undefined;
    if (ref && refs.includes(ref)) return;
    const s = derefShallow(node, catalog);
    const props = isObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : undefined;
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const nextRefs = ref ? [...refs, ref] : refs;
    if (props) {
      for (const [name, sub] of Object.entries(props)) {
        if (rows.length >= MAX_FIELDS) return;
        const full = prefix ? `${prefix}.${name}` : name;
        const resolved = derefShallow(sub, catalog);
        const row: FieldRow = { name: full, type: typeLabel(sub, catalog), required: required.has(name) };
        if (resolved.default !== undefined && resolved.default !== null) row.default = resolved.default;
        if (Array.isArray(resolved.enum)) row.enum = resolved.enum;
        const d = shortDescription(resolved) ?? shortDescription(sub);
        if (d) row.description = d;
        rows.push(row);
        if (depth + 1 < MAX_DEPTH) {
          if (isObject(resolved.properties)) walk(sub, full, depth + 1, nextRefs);
          else if (resolved.type === 'array' && isObject(resolved.items)) walk(resolved.items as JsonSchema, `${full}[]`, depth + 1, nextRefs);
          else if (isObject(resolved.additionalProperties)) walk(resolved.additionalProperties as JsonSchema, `${full}.<key>`, depth + 1, nextRefs);
        }
      }
    }
  };
  walk(schema, '', 0, []);
  return rows;
}

function schemaName(schema: JsonSchema | undefined): string | undefined {
  const ref = schema && typeof schema.$ref === 'string' ? schema.$ref : undefined;
  return ref?.split('/').pop();
}

export function describeOperation(op: Operation, catalog: Catalog): OperationDescription {
  const parameters: ParameterRow[] = op.parameters.map((p) => {
    const s = derefShallow(p.schema, catalog);
    const row: ParameterRow = { name: p.name, in: p.in, type: typeLabel(p.schema, catalog), required: p.required };
    if (s.default !== undefined && s.default !== null) row.default = s.default;
    if (Array.isArray(s.enum)) row.enum = s.enum;
    const d = p.description ?? shortDescription(s);
    if (d) row.description = d.split('\n')[0]!.slice(0, MAX_DESCRIPTION);
    return row;
  });
  const out: OperationDescription = {
    operationId: op.operationId,
    method: op.method,
    path: op.path,
    summary: op.summary,
    description: op.description,
    privilege: op.privilege,
    effect: op.effect,
    deprecated: op.deprecated === true,
    tags: op.tags,
    parameters,
    example: exampleRequest(op, catalog),
  };
  if (op.requestBody) {
    const name = schemaName(op.requestBody);
    out.body = { required: op.requestBodyRequired, ...(name ? { schema: name } : {}), fields: flattenFields(op.requestBody, catalog) };
  }
  const client = clientTermsFor(op.operationId);
  if (client) out.client = client;
  return out;
}

/** The curated example when the spec has one, else a request with the required fields filled. */
export function exampleRequest(op: Operation, catalog: Catalog): ExampleRequest {
  const curated = op.examples?.find((e) => isObject(e));
  if (curated) return fromExample(op, curated);
  const pathParams: Record<string, unknown> = {};
  const query: Record<string, unknown> = {};
  for (const p of op.parameters) {
    if (!p.required) continue;
    if (p.in === 'path') pathParams[p.name] = `<${p.name}>`;
    else if (p.in === 'query') query[p.name] = placeholder(p.name, p.schema, catalog, 0);
  }
  const example: OperationExample = { pathParams, query };
  if (op.requestBody) example.body = placeholder('body', op.requestBody, catalog, 0, true);
  return { ...fromExample(op, example), source: 'synthesised' };
}

function fromExample(op: Operation, e: OperationExample): ExampleRequest {
  let path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = e.pathParams?.[name];
    return v === undefined ? `<${name}>` : encodeURIComponent(String(v)).replace(/%3C|%3E/g, (c) => (c === '%3C' ? '<' : '>'));
  });
  const query = Object.entries(e.query ?? {});
  if (query.length) path += `?${query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&')}`;
  return {
    method: op.method,
    path,
    ...(e.body !== undefined ? { body: e.body } : {}),
    source: 'spec',
    ...(e.summary ? { summary: e.summary } : {}),
  };
}

/** A placeholder value for a schema: default, first enum value, or a typed stand-in. */
function placeholder(name: string, schema: JsonSchema, catalog: Pick<Catalog, 'schemas'>, depth: number, top = false): unknown {
  const s = derefShallow(schema, catalog);
  if (s.default !== undefined && s.default !== null && !top) return s.default;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  const alternatives = Array.isArray(s.anyOf) ? s.anyOf : Array.isArray(s.oneOf) ? s.oneOf : undefined;
  if (alternatives) {
    const first = alternatives.find((a) => isObject(a) && a.type !== 'null');
    return first ? placeholder(name, first as JsonSchema, catalog, depth) : null;
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (isObject(s.properties) || type === 'object') {
    if (depth >= MAX_DEPTH) return {};
    const out: Record<string, unknown> = {};
    const required = Array.isArray(s.required) ? (s.required as string[]) : [];
    const props = isObject(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
    for (const key of required) if (props[key]) out[key] = placeholder(key, props[key]!, catalog, depth + 1);
    return out;
  }
  switch (type) {
    case 'array':
      return isObject(s.items) && depth < MAX_DEPTH ? [placeholder(name, s.items as JsonSchema, catalog, depth + 1)] : [];
    case 'integer':
    case 'number':
      return typeof s.minimum === 'number' ? s.minimum : 1;
    case 'boolean':
      return false;
    default:
      return s.format === 'uuid' ? '00000000-0000-0000-0000-000000000000' : `<${name}>`;
  }
}

/** `POST /session` plus the JSON body, as people read it. */
export function formatExample(example: ExampleRequest): string {
  const head = `${example.method} ${example.path}`;
  return example.body === undefined ? head : `${head}\n${JSON.stringify(example.body, null, 2)}`;
}
