/**
 * The manager's error body (facts §10): `application/problem+json` with
 * `{type: "https://api.backend.ai/probs/<slug>", title, error_code, msg?, data?}` — never `detail`.
 * Handlers throw `Problem`; the server turns it into the response.
 */

const TITLES: Record<string, string> = {
  'invalid-api-params': 'Missing or invalid API parameters.',
  'generic-bad-request': 'Bad request.',
  'invalid-auth-params': 'Missing or invalid authorization parameters.',
  'auth-failed': 'Credential/signature mismatch.',
  'generic-forbidden': 'Forbidden operation.',
  forbidden: 'Forbidden operation.',
  'insufficient-privilege': 'Insufficient privilege.',
  'object-not-found': 'No such object.',
  'url-not-found': 'Unknown URL path.',
  'method-not-allowed': 'Method not allowed.',
  'session-already-exists': 'The session already exists but you requested to create a new one.',
  'quota-exceeded': 'You have reached your resource limit.',
  'unknown-resource-slot-type': 'Unknown resource slot type.',
  'invalid-resource-slot-quantity': 'Invalid resource slot quantity.',
  'no-available-scaling-group': 'No scaling groups available for this session.',
  'unresolvable-resource-group': 'Unable to resolve the resource group.',
  'not-implemented': 'This API is not implemented.',
  'rate-limit-exceeded': 'Rate limit exceeded.',
  'graphql-error': 'GraphQL-generated error.',
  'server-frozen': 'The server is frozen due to maintenance. Please try again later.',
  'internal-server-error': 'Something has gone wrong.',
  'schema-validation-failed': 'Request schema validation failed.',
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface ProblemBody {
  type: string;
  title: string;
  error_code: string;
  msg?: string;
  data?: unknown;
}

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly msg?: string,
    readonly data?: unknown,
    readonly title?: string,
  ) {
    super(msg ?? slug);
  }

  body(): ProblemBody {
    return problemBody(this.slug, this.msg, this.data, this.title);
  }
}

export function problemBody(slug: string, msg?: string, data?: unknown, title?: string): ProblemBody {
  const body: ProblemBody = {
    type: `https://api.backend.ai/probs/${slug}`,
    title: title ?? TITLES[slug] ?? slug,
    error_code: `api_generic_${slug}`,
  };
  if (msg !== undefined) body.msg = msg;
  if (data !== undefined) body.data = data;
  return body;
}

/** Shorthands for the common cases. */
export const badParams = (msg: string, data?: unknown): Problem => new Problem(400, 'invalid-api-params', msg, data);
export const notFound = (msg: string, title?: string): Problem => new Problem(404, 'object-not-found', msg, undefined, title);
export const forbidden = (msg = 'Insufficient privileges'): Problem => new Problem(403, 'generic-forbidden', msg);
