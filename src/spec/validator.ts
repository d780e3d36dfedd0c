/**
 * Validate an operation's path/query parameters and JSON body against the catalog's schemas
 * (JSON Schema 2020-12, as OpenAPI 3.1 uses). Compiled lazily per operation: a run validates a
 * handful of operations, never all of them. Shared by the planner (candidate validation) and the
 * sandbox (request validation), so both read the spec the same way. The bundled spec's validators
 * are compiled at build time into the package (validator-cache.ts): a run loads them without
 * loading ajv at all.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import type { Catalog, JsonSchema, Operation } from './types.js';
import { ValidatorCache } from './validator-cache.js';

export interface ValidationProblem {
  /** `body.config.resources`, `query.group`, `pathParams.session_name` */
  at: string;
  message: string;
}

export interface ValidationResult {
  ok: boolean;
  problems: ValidationProblem[];
}

interface AjvLike {
  addSchema(schema: object, key?: string): unknown;
  compile(schema: object): ValidateFn;
}
type StandaloneCode = (ajv: AjvLike, fn: ValidateFn) => string;
type ValidateFn = ((data: unknown) => boolean) & {
  errors?: Array<{ instancePath: string; message?: string; keyword: string; params: Record<string, unknown> }> | null;
};

const SPEC_ID = 'bai-spec';
// ajv is loaded on first use: most CLI runs that never validate should not pay for it.
const require = createRequire(import.meta.url);

/** Point the body schema's local `#/components/...` refs at the registered components document. */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${SPEC_ID}${v}` : rebase(v);
  }
  return out;
}

function describe(err: NonNullable<ValidateFn['errors']>[number]): string {
  switch (err.keyword) {
    case 'additionalProperties':
      return `unknown field "${String(err.params.additionalProperty)}"`;
    case 'required':
      return `missing required field "${String(err.params.missingProperty)}"`;
    case 'enum':
      return `must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return err.message ?? err.keyword;
  }
}

export interface SpecValidatorOptions {
  /**
   * Where validators compiled at build time are read from (default: the package's dist/);
   * null compiles everything in memory. Never a user-writable cache: this is code that runs.
   */
  precompiledRoot?: string | null;
  /** Build time (src/build/validators.ts): save every validator compiled under this root. */
  saveRoot?: string;
}

/** The package's own build output, where `npm run build` puts the bundled spec's validators. */
export function precompiledValidatorsRoot(): string {
  return join(packageRoot(), 'dist');
}

export class SpecValidator {
  private ajv?: { instance: AjvLike; standaloneCode: StandaloneCode };
  private readonly cache: ValidatorCache | null;
  private readonly saveTo: ValidatorCache | null;
  private readonly bodies = new Map<string, ValidateFn | null>();
  private readonly params = new Map<string, ValidateFn>();
  /** How each validator was obtained in this process (tests and the bench read it). */
  readonly stats = { compiled: 0, fromCache: 0 };

  constructor(
    private readonly catalog: Catalog,
    opts: SpecValidatorOptions = {},
  ) {
    const root = opts.precompiledRoot === undefined ? precompiledValidatorsRoot() : opts.precompiledRoot;
    this.cache = root ? new ValidatorCache(root, catalog.sha256) : null;
    this.saveTo = opts.saveRoot ? new ValidatorCache(opts.saveRoot, catalog.sha256) : null;
  }

  /** ajv, loaded only when a validator is not in the cache. */
  private compiler(): { instance: AjvLike; standaloneCode: StandaloneCode } {
    if (!this.ajv) {
      const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
      const addFormats = (require('ajv-formats') as { default: (a: AjvLike) => void }).default;
      const { _ } = require('ajv') as { _: (strings: TemplateStringsArray) => unknown };
      const standaloneCode = (require('ajv/dist/standalone') as { default: StandaloneCode }).default;
      // code.source keeps the generated code for the cache; code.formats says how that code finds the formats
      const instance = new Ajv2020({
        strict: false,
        allErrors: true,
        validateSchema: false,
        discriminator: false,
        code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
      });
      addFormats(instance);
      instance.addSchema({ $id: SPEC_ID, components: { schemas: this.catalog.schemas } });
      this.ajv = { instance, standaloneCode };
    }
    return this.ajv;
  }

  validateBody(op: Operation, body: unknown): ValidationResult {
    if (!op.requestBody) {
      return body === undefined || body === null || (typeof body === 'object' && Object.keys(body as object).length === 0)
        ? { ok: true, problems: [] }
        : { ok: false, problems: [{ at: 'body', message: `${op.operationId} takes no request body` }] };
    }
    if (body === undefined) {
      return op.requestBodyRequired ? { ok: false, problems: [{ at: 'body', message: 'a JSON body is required' }] } : { ok: true, problems: [] };
    }
    let fn = this.bodies.get(op.operationId);
    if (fn === undefined) {
      fn = this.compileSafely(`body ${op.operationId}`, op.requestBody);
      this.bodies.set(op.operationId, fn);
    }
    if (!fn) return { ok: true, problems: [] }; // an uncompilable upstream schema: do not block on it
    return this.run(fn, body, 'body');
  }

  /** Validate path params and query against the parameter schemas (strings are coerced). */
  validateParams(op: Operation, pathParams: Record<string, unknown> = {}, query: Record<string, unknown> = {}): ValidationResult {
    const problems: ValidationProblem[] = [];
    const known = new Set(op.parameters.map((p) => `${p.in}:${p.name}`));
    for (const name of Object.keys(pathParams)) {
      if (!known.has(`path:${name}`)) problems.push({ at: `pathParams.${name}`, message: `${op.operationId} has no path parameter "${name}"` });
    }
    for (const name of Object.keys(query)) {
      if (!known.has(`query:${name}`)) problems.push({ at: `query.${name}`, message: `${op.operationId} has no query parameter "${name}"` });
    }
    for (const p of op.parameters) {
      if (p.in !== 'path' && p.in !== 'query') continue;
      const source = p.in === 'path' ? pathParams : query;
      const value = source[p.name];
      const at = `${p.in === 'path' ? 'pathParams' : 'query'}.${p.name}`;
      if (value === undefined || value === null || value === '') {
        if (p.required) problems.push({ at, message: `missing required ${p.in} parameter "${p.name}"` });
        continue;
      }
      const key = `param ${op.operationId} ${at}`;
      let fn = this.params.get(key);
      if (!fn) {
        fn = this.compileSafely(key, p.schema) ?? (() => true);
        this.params.set(key, fn);
      }
      const r = this.run(fn, coerce(value, p.schema), at);
      problems.push(...r.problems);
    }
    return { ok: problems.length === 0, problems };
  }

  /** The validator for `schema`: compiled at build time, else compiled now; null if ajv cannot compile it. */
  private compileSafely(key: string, schema: JsonSchema): ValidateFn | null {
    let rebased: object;
    let cacheKey: string;
    try {
      rebased = rebase(schema) as object;
      // the schema text is part of the key: the spec sha already pins it, this guards against a key reused for another schema
      cacheKey = `${key}\n${JSON.stringify(rebased)}`;
    } catch {
      return null; // a hostile spec (nesting deeper than the stack): validated as uncompilable, as ajv would be
    }
    const cached = this.cache?.load<ValidateFn>(cacheKey);
    if (cached) {
      this.stats.fromCache++;
      return cached;
    }
    let fn: ValidateFn;
    const { instance, standaloneCode } = this.compiler();
    try {
      fn = instance.compile(rebased);
    } catch {
      return null;
    }
    this.stats.compiled++;
    if (this.saveTo) {
      try {
        this.saveTo.save(cacheKey, standaloneCode(instance, fn));
      } catch {
        // a schema ajv compiles but cannot emit standalone: compile it again next time
      }
    }
    return fn;
  }

  private run(fn: ValidateFn, data: unknown, root: string): ValidationResult {
    if (fn(data)) return { ok: true, problems: [] };
    const seen = new Set<string>();
    const problems: ValidationProblem[] = [];
    for (const err of fn.errors ?? []) {
      // anyOf/oneOf failures repeat each branch's complaint; keep the most specific ones
      if (err.keyword === 'anyOf' || err.keyword === 'oneOf') continue;
      const at = root + err.instancePath.replace(/\//g, '.');
      const message = describe(err);
      const key = `${at}|${message}`;
      if (!seen.has(key)) {
        seen.add(key);
        problems.push({ at, message });
      }
    }
    if (problems.length === 0) problems.push({ at: root, message: 'does not match the schema' });
    return { ok: false, problems };
  }
}

/** Query/path values arrive as strings; compare them as the type the schema wants. */
function coerce(value: unknown, schema: JsonSchema): unknown {
  if (typeof value !== 'string') return value;
  const types = new Set<string>();
  const collect = (s: unknown): void => {
    if (typeof s !== 'object' || s === null) return;
    const o = s as Record<string, unknown>;
    if (typeof o.type === 'string') types.add(o.type);
    if (Array.isArray(o.anyOf)) o.anyOf.forEach(collect);
  };
  collect(schema);
  if (types.has('string')) return value;
  if (types.has('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  if ((types.has('integer') || types.has('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}

export function formatProblems(problems: ValidationProblem[], max = 3): string {
  const shown = problems.slice(0, max).map((p) => `${p.at}: ${p.message}`);
  const more = problems.length > max ? ` (+${problems.length - max} more)` : '';
  return shown.join('; ') + more;
}

// one validator per catalog per process: the planner and the in-process sandbox validate against
// the same spec, and compiling ajv schemas twice is a visible part of a cold CLI start
const shared = new WeakMap<Catalog, SpecValidator>();

/** The process-wide validator for `catalog` (compiled lazily, per operation). */
export function validatorFor(catalog: Catalog): SpecValidator {
  let v = shared.get(catalog);
  if (!v) {
    v = new SpecValidator(catalog);
    shared.set(catalog, v);
  }
  return v;
}
