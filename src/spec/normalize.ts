/**
 * Turn a parsed OpenAPI 3.x document into an operation catalog.
 *
 * The manager's spec has quirks (facts §11): no summaries, no response schemas, privileges only
 * in prose ("**Preconditions:** * User privilege required."), a request body on a GET. The
 * curated spec adds `x-bai-*` extensions to correct what the prose gets wrong (e.g. image routes
 * are superadmin-only although labelled "User").
 */
import type {
  Catalog,
  CatalogInfo,
  Effect,
  HttpMethod,
  JsonSchema,
  Operation,
  ParameterSpec,
  Privilege,
} from './types.js';
import { higherPrivilege, routeEffect } from './call-facts.js';
import { SpecError } from './errors.js';

const METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'];

/** The effect of a route from its method and path (call-facts.ts holds the rule; a GraphQL body decides per call). */
export function effectOf(method: HttpMethod, path: string): Effect {
  return routeEffect(method, path);
}

export function privilegeFromDescription(description: string, hasSecurity: boolean): Privilege {
  const m = /\*\s*(Superadmin|Admin|User)\s+privilege required/i.exec(description);
  if (m) return m[1]!.toLowerCase() as Privilege;
  return hasSecurity ? 'user' : 'anonymous';
}

function managerStatusFromDescription(description: string): string[] | undefined {
  const m = /Manager status required:\s*(?:one of\s+)?([A-Z_, ]+)/.exec(description);
  if (!m) return undefined;
  return m[1]!
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** First sentence of the prose, without the boilerplate "Preconditions" block. */
function proseOf(description: string): string {
  return description.replace(/\*\*Preconditions:\*\*[\s\S]*$/, '').trim();
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveLocalRef(doc: Record<string, unknown>, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let cur: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function normalizeParameters(
  doc: Record<string, unknown>,
  pathLevel: unknown,
  opLevel: unknown,
  where: string,
): ParameterSpec[] {
  const byKey = new Map<string, ParameterSpec>();
  for (const list of [pathLevel, opLevel]) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new SpecError(`${where}: "parameters" must be an array`);
    for (const raw0 of list) {
      const raw = isObject(raw0) && typeof raw0.$ref === 'string' ? resolveLocalRef(doc, raw0.$ref) : raw0;
      if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.in !== 'string') {
        throw new SpecError(`${where}: a parameter lacks "name" or "in"`);
      }
      const location = raw.in;
      if (!['path', 'query', 'header', 'cookie'].includes(location)) {
        throw new SpecError(`${where}: parameter "${raw.name}" has unknown location "${location}"`);
      }
      const p: ParameterSpec = {
        name: raw.name,
        in: location as ParameterSpec['in'],
        required: location === 'path' ? true : raw.required === true,
        schema: isObject(raw.schema) ? (raw.schema as JsonSchema) : {},
      };
      const description =
        typeof raw.description === 'string'
          ? raw.description
          : isObject(raw.schema) && typeof raw.schema.description === 'string'
            ? raw.schema.description
            : undefined;
      if (description) p.description = description;
      byKey.set(`${p.in}:${p.name}`, p);
    }
  }
  return [...byKey.values()];
}

function jsonBodySchema(requestBody: unknown, doc: Record<string, unknown>): { schema?: JsonSchema; required: boolean } {
  const rb = isObject(requestBody) && typeof requestBody.$ref === 'string' ? resolveLocalRef(doc, requestBody.$ref) : requestBody;
  if (!isObject(rb)) return { required: false };
  const content = rb.content;
  if (!isObject(content)) return { required: rb.required === true };
  const media = content['application/json'] ?? Object.values(content)[0];
  const schema = isObject(media) && isObject(media.schema) ? (media.schema as JsonSchema) : undefined;
  return schema ? { schema, required: rb.required !== false } : { required: rb.required === true };
}

export interface NormalizeOptions {
  info: Omit<CatalogInfo, 'title' | 'version'>;
}

export function normalizeDocument(doc: unknown, opts: NormalizeOptions): Catalog {
  if (!isObject(doc)) throw new SpecError('the spec is not a JSON/YAML object');
  // YAML reads an unquoted `openapi: 3.0` as the number 3
  const openapi = typeof doc.openapi === 'number' ? doc.openapi.toFixed(1) : doc.openapi;
  if (typeof openapi !== 'string' || !/^3\./.test(openapi)) {
    throw new SpecError(
      typeof doc.swagger === 'string'
        ? `Swagger ${doc.swagger} documents are not supported; an OpenAPI 3.x document is needed`
        : 'the document has no "openapi: 3.x" field — is this an OpenAPI spec?',
    );
  }
  const info = isObject(doc.info) ? doc.info : {};
  const paths = doc.paths;
  if (!isObject(paths)) throw new SpecError('the spec has no "paths" object');
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = (isObject(components.schemas) ? components.schemas : {}) as Record<string, JsonSchema>;

  const operations: Operation[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) throw new SpecError(`path "${path}" is not an object`);
    if (!path.startsWith('/')) throw new SpecError(`path "${path}" does not start with "/"`);
    for (const method of METHODS) {
      const raw = item[method.toLowerCase()];
      if (raw === undefined) continue;
      const where = `${method} ${path}`;
      if (!isObject(raw)) throw new SpecError(`${where}: operation is not an object`);
      const operationId = typeof raw.operationId === 'string' && raw.operationId ? raw.operationId : undefined;
      if (!operationId) throw new SpecError(`${where}: operation has no operationId`);
      if (seen.has(operationId)) throw new SpecError(`${where}: duplicate operationId "${operationId}"`);
      seen.add(operationId);

      const description = typeof raw.description === 'string' ? raw.description : '';
      const hasSecurity = Array.isArray(raw.security) ? raw.security.length > 0 : Array.isArray(doc.security) && doc.security.length > 0;
      const { schema: requestBody, required: requestBodyRequired } = jsonBodySchema(raw.requestBody, doc);
      const prose = proseOf(description);
      const summary =
        typeof raw.summary === 'string' && raw.summary
          ? raw.summary
          : (prose.split(/\n|(?<=\.)\s/)[0] ?? '').trim();

      const xEffect = raw['x-bai-effect'];
      const xPrivilege = raw['x-bai-privilege'];
      const op: Operation = {
        operationId,
        method,
        path,
        summary,
        description: prose,
        tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : [],
        parameters: normalizeParameters(doc, item.parameters, raw.parameters, where),
        requestBodyRequired,
        // extensions only add caution: `x-bai-effect: write` makes a read a write, never the reverse
        // (a read-only POST is on the built-in list or it is not), and `x-bai-privilege` only raises
        effect: xEffect === 'write' ? 'write' : effectOf(method, path),
        privilege:
          xPrivilege === 'anonymous' || xPrivilege === 'user' || xPrivilege === 'admin' || xPrivilege === 'superadmin'
            ? higherPrivilege(privilegeFromDescription(description, hasSecurity), xPrivilege)
            : privilegeFromDescription(description, hasSecurity),
      };
      if (requestBody) op.requestBody = requestBody;
      const status = managerStatusFromDescription(description);
      if (status) op.managerStatus = status;
      // only object entries: retrieval and the planner read fields of each example
      const examples = Array.isArray(raw['x-bai-examples']) ? raw['x-bai-examples'].filter(isObject) : [];
      if (examples.length) op.examples = examples as Operation['examples'];
      if (raw.deprecated === true) op.deprecated = true;
      operations.push(op);
    }
  }
  if (operations.length === 0) throw new SpecError('the spec defines no operations');
  return makeCatalog(
    {
      title: typeof info.title === 'string' ? info.title : 'untitled',
      // an unquoted YAML `version: 1.5` is a number; it is still the document's version
      version: typeof info.version === 'string' ? info.version : typeof info.version === 'number' ? String(info.version) : 'unknown',
      ...opts.info,
    },
    operations,
    schemas,
  );
}

/** Build the catalog object (also used when restoring one from the cache). */
export function makeCatalog(info: CatalogInfo, operations: Operation[], schemas: Record<string, JsonSchema>): Catalog {
  const byId = new Map(operations.map((o) => [o.operationId, o]));
  return {
    ...info,
    operations,
    schemas,
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
  };
}
