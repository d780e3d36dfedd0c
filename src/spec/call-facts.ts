/**
 * What a call does — read or write, destructive or not, which privilege it needs — decided in one
 * place, from what is actually sent: the operation's method and path template and the request's
 * arguments. Every part of the agent that needs these facts (planner, policy, executor, audit,
 * revalidation of saved plans, the eval, the confirmation gate, every front end) asks here, and
 * nothing takes them from a document: a plan file, an LLM proposal or a spec extension can only
 * make a call *more* guarded, never less.
 *
 *  - effect: GET/HEAD read; POST reads only on the built-in list of search/check/preview routes
 *    (the eval contract's list); everything else writes. A GraphQL POST is parsed with graphql-js:
 *    any mutation or subscription operation, or a document that does not parse, is a write. A
 *    spec's `x-bai-effect: write` (carried as `Operation.effect`) adds writes; it never removes one.
 *  - destructive: deletes (DELETE, `…/delete…`, `…/purge`, `…/force`), and terminations when one
 *    plan ends more than one session.
 *  - privilege: the spec's, where `x-bai-privilege` may only raise what the prose says
 *    (normalize.ts).
 */
import type { Effect, HttpMethod, Operation, Privilege } from './types.js';

/**
 * POSTs that only search, check or preview — read-only by the eval contract
 * (`shared/eval/README.md`): `/search` endpoints, check-presets, compute-schedule, and GraphQL
 * (whose document decides, see graphqlEffect).
 */
const READ_ONLY_POST = [
  /\/search$/,
  /\/my\/search$/,
  /\/check-presets$/,
  /\/check-preset-availability$/,
  /\/compute-schedule$/,
  /\/resource-allocation\/effective$/,
];

export const GRAPHQL_PATH = /^\/admin\/(gql|graphql)(\/strawberry(\/public)?)?$/;

/** The effect of a route regardless of its body (a GraphQL route counts as read here). */
export function routeEffect(method: string, path: string): Effect {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD') return 'read';
  if (m === 'POST' && (READ_ONLY_POST.some((re) => re.test(path)) || GRAPHQL_PATH.test(path))) return 'read';
  return 'write';
}

type GraphqlParse = (source: string, options?: { noLocation?: boolean }) => { definitions: ReadonlyArray<{ kind: string; operation?: string }> };
let graphqlParse: GraphqlParse | undefined;

/**
 * Load graphql-js's parser. It is needed only once a GraphQL call is looked at, so it is a dynamic
 * import — off the cold path of a plain `plan` (the bundle keeps it in its own chunk).
 */
export async function loadGraphqlParser(): Promise<void> {
  graphqlParse ??= (await import('graphql')).parse as GraphqlParse;
}

/** Get ready to decide the facts of these calls: loads the GraphQL parser if one of them is a GraphQL call. */
export async function prepareCallFacts(calls: Iterable<{ method: string; path: string }>): Promise<void> {
  for (const c of calls) if (c.method.toUpperCase() === 'POST' && GRAPHQL_PATH.test(c.path)) return loadGraphqlParser();
}

/**
 * A GraphQL document reads only when it parses and every operation in it is a `query`. A
 * mutation or subscription anywhere, a syntax error, a missing document, or a document with no
 * operation at all is a write: the manager decides which operation runs, so we assume the worst.
 * Callers load the parser first (prepareCallFacts); without it every document counts as a write.
 */
export function graphqlEffect(document: unknown): Effect {
  // without the parser (a caller that did not prepareCallFacts) nothing says the document only reads
  if (typeof document !== 'string' || !graphqlParse) return 'write';
  let ops: Array<string | undefined>;
  try {
    ops = graphqlParse(document, { noLocation: true })
      .definitions.filter((d) => d.kind === 'OperationDefinition')
      .map((d) => d.operation);
  } catch {
    return 'write';
  }
  return ops.length > 0 && ops.every((o) => o === 'query') ? 'read' : 'write';
}

function bodyField(body: unknown, key: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[key] : undefined;
}

/** The effect of sending `body` to `method path`, from those alone (the eval contract's rule). */
export function effectOfRequest(method: string, path: string, body: unknown): Effect {
  const route = routeEffect(method, path);
  if (route === 'read' && method.toUpperCase() === 'POST' && GRAPHQL_PATH.test(path)) return graphqlEffect(bodyField(body, 'query'));
  return route;
}

/** `DELETE /session/{…}` or `POST /v2/sessions/terminate`: ends sessions. */
export function isTermination(method: string, path: string): boolean {
  const m = method.toUpperCase();
  return (m === 'DELETE' && /^\/session\/\{[^}]+\}$/.test(path)) || (m === 'POST' && path === '/v2/sessions/terminate');
}

/** How many sessions one termination call ends (a list of ids counts each; anything else one). */
export function sessionsTerminated(method: string, path: string, body: unknown): number {
  if (!isTermination(method, path)) return 0;
  const ids = bodyField(body, 'session_ids');
  return Array.isArray(ids) ? Math.max(ids.length, 1) : 1;
}

const REMOVING_SEGMENT = /(^|[-_])(delete|purge|destroy|force|remove)([-_]|$)/i;

/**
 * Destructive on its own: deleting (DELETE, or a path whose last segment deletes, purges or
 * forces) — except ending a single session, which is destructive only when a plan ends several
 * (see planCallFacts).
 */
export function destructiveRequest(method: string, path: string, body: unknown): boolean {
  if (isTermination(method, path)) return sessionsTerminated(method, path, body) > 1;
  if (method.toUpperCase() === 'DELETE') return true;
  const last = path.split('/').filter(Boolean).at(-1) ?? '';
  return !last.startsWith('{') && REMOVING_SEGMENT.test(last);
}

export interface CallFacts {
  effect: Effect;
  destructive: boolean;
  privilege: Privilege;
}

/** The parts of an operation the facts come from (what is sent, and the spec's raise-only marks). */
export type FactsOperation = Pick<Operation, 'method' | 'path' | 'privilege'> & { effect?: Effect };

export interface CallArguments {
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** The facts of calling `op` with these arguments, on its own. */
export function callFacts(op: FactsOperation, args: CallArguments = {}): CallFacts {
  const effect: Effect = effectOfRequest(op.method, op.path, args.body) === 'write' || op.effect === 'write' ? 'write' : 'read';
  return {
    effect,
    destructive: effect === 'write' && destructiveRequest(op.method, op.path, args.body),
    privilege: op.privilege,
  };
}

/**
 * The facts of every call of a plan, in order: each call's own facts, and every termination
 * marked destructive when the plan ends more than one session altogether.
 */
export function planCallFacts(calls: ReadonlyArray<{ op: FactsOperation; args: CallArguments }>): CallFacts[] {
  const facts = calls.map((c) => callFacts(c.op, c.args));
  const ended = calls.reduce((n, c) => n + sessionsTerminated(c.op.method, c.op.path, c.args.body), 0);
  if (ended > 1) {
    calls.forEach((c, i) => {
      if (isTermination(c.op.method, c.op.path)) facts[i]!.destructive = true;
    });
  }
  return facts;
}

const PRIVILEGE_RANK: Record<Privilege, number> = { anonymous: 0, user: 1, admin: 2, superadmin: 3 };

/** The higher of two privileges (a spec's override may raise what its prose says, never lower it). */
export function higherPrivilege(a: Privilege, b: Privilege): Privilege {
  return PRIVILEGE_RANK[b] > PRIVILEGE_RANK[a] ? b : a;
}

export type { Effect, HttpMethod };
