/**
 * Request validation against the catalog's schemas (the same SpecValidator the planner uses, so
 * both read the spec alike). The manager accepts a field's aliases wherever the field is
 * required (pydantic `validate_by_name`), and ignores query parameters and body keys it does not
 * know (its request models are `extra="ignore"`, facts §15): the curated schemas forbid unknown
 * keys so that the planner's own check catches a misspelt field, but the sandbox answers as the
 * manager does.
 */
import { formatProblems, validatorFor, type SpecValidator, type ValidationProblem } from '../spec/validator.js';
import type { Catalog, JsonSchema, Operation } from '../spec/types.js';
import { Problem } from './problem.js';

export class RequestValidator {
  private validator?: SpecValidator;

  constructor(private readonly catalog: Catalog) {}

  /** Throw 400 `invalid-api-params` naming the first problems. */
  check(op: Operation, pathParams: Record<string, string>, query: Record<string, unknown>, body: unknown): void {
    // compiled schemas are shared per catalog (eval starts a sandbox per item; the planner uses the same)
    this.validator ??= validatorFor(this.catalog);
    const params = this.validator.validateParams(op, pathParams, query).problems.filter((p) => !/has no (query|path) parameter/.test(p.message));
    const bodyProblems = op.requestBody && body !== undefined ? this.validator.validateBody(op, body).problems : [];
    const problems = [...params, ...bodyProblems.filter((p) => !ignoredByManager(p) && !this.satisfiedByAlias(p, op, body) && !answeredByHandler(p, body))];
    if (problems.length > 0) {
      throw new Problem(400, 'invalid-api-params', formatProblems(problems), { errors: problems });
    }
  }

  /** `missing required field "session_name"` when `name` (its alias) is there is not a problem. */
  private satisfiedByAlias(p: ValidationProblem, op: Operation, body: unknown): boolean {
    const m = /^missing required field "([^"]+)"$/.exec(p.message);
    if (!m || !op.requestBody) return false;
    const target = valueAt(body, p.at.replace(/^body\.?/, ''));
    if (!target || typeof target !== 'object') return false;
    const schema = this.schemaAt(op.requestBody, p.at.replace(/^body\.?/, ''));
    const props = (schema?.properties ?? {}) as Record<string, JsonSchema>;
    const field = m[1]!;
    return Object.entries(props).some(
      ([name, s]) => (target as Record<string, unknown>)[name] !== undefined && typeof s.description === 'string' && s.description.trim() === `alias of ${field}`,
    );
  }

  private schemaAt(schema: JsonSchema, path: string): JsonSchema | undefined {
    let s: JsonSchema | undefined = this.deref(schema);
    for (const key of path.split('.').filter(Boolean)) {
      const props = (s?.properties ?? {}) as Record<string, JsonSchema>;
      s = props[key] ? this.deref(props[key]) : undefined;
    }
    return s;
  }

  private deref(schema: JsonSchema): JsonSchema {
    const ref = schema.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      return this.catalog.schemas[ref.slice('#/components/schemas/'.length)] ?? schema;
    }
    return schema;
  }
}

function valueAt(root: unknown, path: string): unknown {
  let v = root;
  for (const key of path.split('.').filter(Boolean)) {
    if (!v || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** An unknown body key: pydantic's `extra="ignore"` drops it without a word. */
function ignoredByManager(p: ValidationProblem): boolean {
  return p.message.startsWith('unknown field "');
}

/**
 * Problems the manager reports with its own, more specific error: `shmem` inside
 * `config.resources` is a 400 `unknown-resource-slot-type` with a hint (the session handler
 * gives it), not a schema complaint.
 */
function answeredByHandler(p: ValidationProblem, body: unknown): boolean {
  if (!p.at.startsWith('body.config.resources')) return false;
  const resources = valueAt(body, 'config.resources');
  return Boolean(resources && typeof resources === 'object' && 'shmem' in resources);
}
