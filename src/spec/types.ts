/**
 * The operation catalog: a spec (curated, upstream, or the live manager's) normalised into the
 * shape every other module works with. Nothing outside src/spec/ reads raw OpenAPI documents.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

/** `read` calls may run during planning (dry-run included); `write` calls need confirmation. */
export type Effect = 'read' | 'write';

/** Who may call an operation, from the description's "Preconditions" (or a curated override). */
export type Privilege = 'anonymous' | 'user' | 'admin' | 'superadmin';

/** A JSON Schema fragment as found in the spec (OpenAPI 3.1 = JSON Schema 2020-12 subset). */
export type JsonSchema = Record<string, unknown>;

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  method: HttpMethod;
  /** Path template as in the spec, e.g. `/session/{session_name}`. */
  path: string;
  summary: string;
  description: string;
  tags: string[];
  parameters: ParameterSpec[];
  /** JSON request body schema; may contain `$ref`s into `Catalog.schemas`. */
  requestBody?: JsonSchema;
  requestBodyRequired: boolean;
  effect: Effect;
  privilege: Privilege;
  /** Manager statuses the operation requires (e.g. `RUNNING`), when the spec says. */
  managerStatus?: string[];
  /** Curated hints: alternative phrasings, examples. Absent for upstream-only operations. */
  examples?: OperationExample[];
  deprecated?: boolean;
}

export interface OperationExample {
  summary?: string;
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export interface SpecSource {
  kind: 'bundled' | 'file' | 'url' | 'live';
  /** File path or URL the document came from (never carries credentials). */
  location: string;
}

export interface CatalogInfo {
  title: string;
  version: string;
  /** sha256 (hex) of the raw document bytes; plans pin it. */
  sha256: string;
  source: SpecSource;
}

export interface Catalog extends CatalogInfo {
  operations: Operation[];
  /** `components.schemas` of the document, for `$ref` resolution and validation. */
  schemas: Record<string, JsonSchema>;
  get(operationId: string): Operation | undefined;
  has(operationId: string): boolean;
}
