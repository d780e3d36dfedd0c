/**
 * The slice of the manager's legacy GraphQL schema a normal user needs (facts §12): `images`,
 * `image(reference, architecture)`, `groups`, `compute_session_list`. Executed by graphql-js,
 * which is imported on first use only.
 */
import { Problem } from './problem.js';
import { callerProjectsOf, imageNode, sessionListItem, visibleImages } from './graphql-data.js';
import type { HandlerContext, HandlerTable } from './handlers/context.js';
import { bodyObject, json } from './handlers/context.js';
import { executeSimple, rootSignature } from './graphql-simple.js';

const SDL = /* GraphQL */ `
  type KVPair { key: String, value: String }
  type ResourceLimit { key: String, min: String, max: String }
  type Image {
    id: ID, name: String, namespace: String, base_image_name: String, project: String, humanized_name: String,
    tag: String, tags: [KVPair], version: String, registry: String, architecture: String, is_local: Boolean,
    digest: String, labels: [KVPair], aliases: [String], size_bytes: Float, status: String,
    resource_limits: [ResourceLimit], supported_accelerators: [String], installed: Boolean,
    installed_agents: [String], hash: String
  }
  type Group { id: ID, name: String, description: String, is_active: Boolean, domain_name: String, type: String, scaling_groups: [String] }
  type ComputeSession {
    id: ID, session_id: ID, name: String, session_name: String, type: String, session_type: String, image: String,
    architecture: String, status: String, status_info: String, result: String, created_at: String, terminated_at: String,
    access_key: String, user_email: String, group_id: ID, group_name: String, domain_name: String, scaling_group: String,
    occupied_slots: String, requested_slots: String, cluster_size: Int, cluster_mode: String, mounts: [String]
  }
  type ComputeSessionList { items: [ComputeSession], total_count: Int }
  type User { uuid: ID, email: String, username: String, full_name: String, role: String, domain_name: String, is_active: Boolean }
  type Query {
    images(is_installed: Boolean, is_operation: Boolean, filter_by_statuses: [String], load_filters: [String], image_filters: [String]): [Image]
    image(reference: String, architecture: String, id: String): Image
    groups(domain_name: String, is_active: Boolean, type: [String]): [Group]
    compute_session_list(limit: Int!, offset: Int!, filter: String, order: String, domain_name: String, group_id: String, access_key: String, status: String): ComputeSessionList
    user(domain_name: String, email: String): User
  }
`;

const SIGNATURE = rootSignature(SDL);

type GraphqlModule = typeof import('graphql');
let cached: { gql: GraphqlModule; schema: import('graphql').GraphQLSchema } | undefined;

async function load() {
  if (!cached) {
    const gql = await import('graphql');
    cached = { gql, schema: gql.buildSchema(SDL) };
  }
  return cached;
}

interface GraphqlAnswer {
  data: unknown;
  errors?: Array<{ message: string; locations?: unknown; path?: unknown }>;
}

async function execute(ctx: HandlerContext): Promise<GraphqlAnswer> {
  const b = bodyObject(ctx.body);
  const root = {
    images: () => visibleImages(ctx).map(imageNode),
    image: (args: { reference?: string; architecture?: string; id?: string }) => {
      const img = visibleImages(ctx).find((i) =>
        args.id ? i.id === args.id : (i.reference === args.reference || i.aliases.includes(args.reference ?? '')) && (!args.architecture || i.architecture === args.architecture),
      );
      return img ? imageNode(img) : null;
    },
    groups: () => callerProjectsOf(ctx),
    // without an e-mail: the caller; another user's record only for admins
    user: (args: { email?: string }) => {
      const me = ctx.caller.user;
      const who = !args.email || args.email === me.email ? me : me.role !== 'user' ? ctx.world.users.find((u) => u.email === args.email) : undefined;
      if (args.email && !who) throw new Error(me.role === 'user' ? 'Only administrators can look up other users' : `No such user: ${args.email}`);
      return who ? { uuid: who.uuid, email: who.email, username: who.email.split('@')[0], full_name: who.fullName, role: who.role, domain_name: 'default', is_active: true } : null;
    },
    compute_session_list: (args: { limit: number; offset: number; status?: string; access_key?: string; group_id?: string }) => {
      const statuses = args.status ? args.status.split(',').map((s) => s.trim().toUpperCase()) : undefined;
      const key = args.access_key && ctx.caller.user.role !== 'user' ? args.access_key : ctx.caller.accessKey;
      const items = ctx.world.sessions
        .filter((s) => s.ownerAccessKey === key)
        .map((s) => sessionListItem(ctx, s))
        .filter((s) => (!statuses || statuses.includes(s.status)) && (!args.group_id || s.group_id === args.group_id))
        .sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
      return { items: items.slice(args.offset, args.offset + args.limit), total_count: items.length };
    },
  };
  // the planner's plain lookups are answered without loading graphql-js (same answer, see graphql-simple.ts)
  const simple = executeSimple(b, root as unknown as Record<string, (args: Record<string, unknown>) => unknown>, SIGNATURE);
  if (simple) return simple;
  const { gql, schema } = await load();
  let result: import('graphql').ExecutionResult;
  try {
    const document = gql.parse(String(b.query ?? ''));
    const errors = gql.validate(schema, document);
    result = errors.length > 0
      ? { errors }
      : await gql.execute({ schema, document, rootValue: root, variableValues: (b.variables as Record<string, unknown> | null) ?? undefined, operationName: (b.operation_name as string | null) ?? undefined });
  } catch (err) {
    result = { errors: [new gql.GraphQLError((err as Error).message)] };
  }
  return {
    data: result.data ?? null,
    ...(result.errors?.length ? { errors: result.errors.map((e) => ({ message: e.message, locations: e.locations, path: e.path })) } : {}),
  };
}

export const graphqlHandlers: HandlerTable = {
  'admin.handle_gql_graphene': async (ctx) => json(200, await execute(ctx)),
  'admin.handle_gql_legacy': async (ctx) => {
    const out = await execute(ctx);
    if (out.errors) throw new Problem(400, 'graphql-error', out.errors[0]?.message ?? 'GraphQL error', out.errors);
    return json(200, out);
  },
};
