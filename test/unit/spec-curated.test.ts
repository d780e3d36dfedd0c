/**
 * The curated spec (specs/backendai-manager.yaml) against the upstream manager spec and the
 * facts digest: same operations, parameters and body fields (plus documented aliases only),
 * typed session/service `config`, corrected privileges and effects, valid examples.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseGraphql } from 'graphql';
import { parse as parseYaml } from 'yaml';
import { bundledSpecPath, loadCatalog } from '../../src/spec/index.js';
import type { Catalog, JsonSchema, Operation } from '../../src/spec/index.js';
import { upstreamSpecPath } from '../support/shared.js';

// ajv-formats is CJS: its default export arrives wrapped depending on the loader
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

type Schema = Record<string, unknown>;

/**
 * Body fields the curated spec adds to an upstream schema: the aliases the manager accepts
 * (pydantic `validate_by_name=True`: field names and aliases both work). The value cites where
 * the facts digest (`shared/reference/backendai-facts.md`) documents it.
 */
const ALIASES: Record<string, Record<string, string>> = {
  CreateFromParamsRequest: Object.fromEntries(
    [
      'name', 'clientSessionToken', 'lang', 'arch', 'type', 'sessionType', 'groupName', 'group_name',
      'domainName', 'domain_name', 'clusterSize', 'clusterMode', 'enqueueOnly', 'maxWaitSeconds',
      'reuseIfExists', 'startupCommand', 'bootstrapScript', 'startsAt', 'batchTimeout',
    ].map((f) => [f, '§3.2 CreateFromParamsRequest aliases']),
  ),
  // the template request is the same DTO family (same alias table)
  CreateFromTemplateRequest: { name: '§3.2', type: '§3.2', enqueueOnly: '§3.2' },
  RenameSessionRequest: { name: '§3.5 rename body {session_name|name}' },
  StartServiceRequest: { service: '§3.5 start-service {app|service}' },
  MountOption: { perm: '§3.2 mount_options permission|perm' },
  VFolderCreateReq: { groupId: '§5 Create: group (alias groupId)' },
  DeleteVFolderByIDReq: { id: '§5 Delete: {"id"|"vfolderId"}' },
  // §5 documents {"id"|"vfolderId"} for delete-by-id; the trash-bin requests share that
  // AliasChoices("id", "vfolderId") in upstream common/dto/manager/vfolder/request.py
  RestoreVFolderReq: { vfolderId: '§5 + upstream vfolder request DTO' },
  DeleteVFolderFromTrashReq: { vfolderId: '§5 + upstream vfolder request DTO' },
  PurgeVFolderReq: { vfolderId: '§5 + upstream vfolder request DTO' },
  GetVFolderIDReq: { name: '§5 Id by name: {"vfolder_name"|"name"}' },
  CreateDownloadSessionReq: { file: '§5 request-download {path|file}' },
  InviteVFolderReq: { permission: '§5 invite {perm|permission}', user_ids: '§5 invite {emails|user_ids}' },
  NewServiceRequestModel: Object.fromEntries(
    [
      'service_name', 'clientSessionToken', 'replicas', 'desiredSessionCount', 'image', 'architecture',
      'cluster_size', 'cluster_mode', 'startup_command', 'bootstrap_script', 'callback_url',
    ].map((f) => [f, '§8 NewServiceRequestModel field names and aliases']),
  ),
  ServiceConfigModel: {
    model_mount_destination: '§8 model_mount_destination (modelMountDestination)',
    vfolder_subpath: '§8 vfolder_subpath',
    scaling_group: '§8 scaling_group (scalingGroup)',
  },
};

/** Object schemas with no upstream counterpart: every field must come from the facts digest. */
const CURATED_ONLY: Record<string, { fields: string[]; facts: string }> = {
  SessionCreationConfig: {
    facts: '§3.2 CreationConfigV7',
    fields: [
      'mounts', 'mount_map', 'mount_ids', 'mount_id_map', 'mount_options', 'environ', 'scaling_group',
      'scalingGroup', 'resources', 'resource_opts', 'resourceOpts', 'preopen_ports', 'preopenPorts',
      'agent_list', 'agentList', 'attach_network', 'attachNetwork',
    ],
  },
  ResourceSlots: { facts: '§4.1 slot names', fields: ['cpu', 'mem', 'cuda.shares', 'cuda.device'] },
  ResourceOpts: { facts: '§3.2 resource_opts', fields: ['shmem', 'allow_fractional_resource_fragmentation'] },
};

let curated: Catalog;
let upstream: Catalog;
let curatedDoc: Schema;
let upstreamSchemas: Record<string, Schema>;
let ajv: Ajv2020;

beforeAll(async () => {
  curated = await loadCatalog({ cache: false });
  upstream = await loadCatalog({ source: upstreamSpecPath(), cache: false });
  curatedDoc = parseYaml(readFileSync(bundledSpecPath(), 'utf8')) as Schema;
  upstreamSchemas = upstream.schemas as Record<string, Schema>;
  ajv = addFormats(new Ajv2020({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: 'curated', components: { schemas: curated.schemas } });
});

const validatorFor = (schemaName: string) => {
  const v = ajv.getSchema(`curated#/components/schemas/${schemaName}`);
  if (!v) throw new Error(`no schema ${schemaName}`);
  return v;
};

function refName(schema: JsonSchema | undefined): string | undefined {
  const ref = schema?.$ref;
  return typeof ref === 'string' ? ref.split('/').pop() : undefined;
}

function propertiesOf(schema: Schema | undefined): Record<string, unknown> | undefined {
  const props = schema?.properties;
  return props && typeof props === 'object' ? (props as Record<string, unknown>) : undefined;
}

describe('curated spec: shape', () => {
  it('loads as the curated document with 100–120 operations', () => {
    expect(curated.title).toBe('Backend.AI Manager API (bai-agent curated)');
    expect(curated.version).toMatch(/^26\.8\.0rc1\+curated\.\d+$/);
    expect(curated.source.kind).toBe('bundled');
    expect(curated.operations.length).toBeGreaterThanOrEqual(100);
    expect(curated.operations.length).toBeLessThanOrEqual(120);
  });

  it('gives every operation a one-line summary, a description with the privilege block, and tags', () => {
    const paths = curatedDoc.paths as Record<string, Record<string, Schema>>;
    for (const [path, item] of Object.entries(paths)) {
      for (const raw of Object.values(item)) {
        const id = String(raw.operationId);
        expect(typeof raw.summary === 'string' && raw.summary.length > 10 && !raw.summary.includes('\n'), id).toBe(true);
        const description = String(raw.description ?? '');
        // anonymous routes carry no privilege block, like upstream
        if (!(Array.isArray(raw.security) && raw.security.length === 0)) {
          expect(description, `${id} at ${path}`).toMatch(/\*\*Preconditions:\*\*\n\* (User|Admin|Superadmin) privilege required\./);
        }
        expect((raw.tags as unknown[]).length, id).toBeGreaterThan(0);
      }
    }
  });

  it('includes the operations users need most', () => {
    const needed = [
      'session.create_from_params', 'session.create_from_params.2', 'session.create_from_template',
      'session.match_sessions', 'session.get_info', 'session.destroy', 'session.restart', 'session.execute',
      'session.get_container_logs', 'session.rename_session', 'session.interrupt', 'session.list_files',
      'session.get_status_history', 'session.get_direct_access_info', 'session.get_dependency_graph',
      'session.start_service', 'session.shutdown_service', 'session.commit_session', 'session.get_commit_status',
      'session.check_and_transit_status', 'v2/sessions.enqueue', 'v2/sessions.compute_schedule', 'v2/sessions.get',
      'v2/sessions.my_search', 'v2/sessions.project_search', 'v2/sessions.terminate', 'v2/sessions.get_logs',
      'v2/sessions.admin_search_sessions', 'folders.create', 'folders.list_folders', 'folders.get_info',
      'folders.get_vfolder_id', 'folders.delete_by_id', 'folders.delete_by_name', 'folders.list_hosts',
      'folders.list_allowed_types', 'folders.rename_vfolder', 'folders.update_vfolder_options', 'folders.mkdir',
      'folders.list_files', 'folders.rename_file', 'folders.move_file', 'folders.delete_files',
      'folders.delete_files_async', 'folders.create_upload_session', 'folders.create_download_session',
      'folders.invite', 'folders.share', 'folders.unshare', 'folders.leave', 'folders.clone', 'folders.restore',
      'folders.delete_from_trash_bin', 'folders.purge', 'folders.force_delete', 'folders.invitations',
      'folders.accept_invitation', 'folders.delete_invitation', 'folders.list_sent_invitations',
      'folders.list_shared_vfolders', 'folders.get_quota', 'resource.list_presets', 'resource.check_presets',
      'resource.user_month_stats', 'config.get_resource_slots', 'config.get_resource_metadata',
      'config.get_vfolder_types', 'scaling-groups.list_available_sgroups', 'scaling-groups.get_wsproxy_version',
      'v2/resource-allocation.my_keypair_usage', 'v2/resource-policies.my_keypair_resource_policy',
      'admin.handle_gql_graphene', 'admin.handle_gql_legacy', 'admin/images.search', 'admin/images.get',
      'services.list_serve', 'services.create', 'services.search_services', 'services.try_start',
      'services.list_supported_runtimes', 'services.get_info', 'services.delete', 'services.list_errors',
      'services.clear_error', 'services.scale', 'services.sync', 'services.update_route', 'services.delete_route',
      'services.generate_token', 'events.push_session_events', 'events.push_background_task_events',
      'auth.test_get', 'auth.get_role', 'auth.authorize', 'auth.get_my_ip', 'auth.get_ssh_keypair',
      'auth.generate_ssh_keypair', 'auth.update_password', 'auth.update_full_name', 'spec.generate_openapi_spec',
    ];
    expect(needed.filter((id) => !curated.has(id))).toEqual([]);
  });
});

describe('curated spec: faithful to upstream', () => {
  it('every operation exists upstream with the same id, method and path', () => {
    const wrong = curated.operations
      .map((op) => ({ op, up: upstream.get(op.operationId) }))
      .filter(({ op, up }) => !up || up.method !== op.method || up.path !== op.path)
      .map(({ op }) => `${op.operationId} ${op.method} ${op.path}`);
    expect(wrong).toEqual([]);
  });

  it('every parameter exists upstream for that operation, in the same place, and required ones are kept', () => {
    const problems: string[] = [];
    for (const op of curated.operations) {
      const up = upstream.get(op.operationId)!;
      for (const p of op.parameters) {
        if (!up.parameters.some((u) => u.name === p.name && u.in === p.in)) problems.push(`${op.operationId}: ${p.in} ${p.name}`);
      }
      for (const u of up.parameters.filter((x) => x.required)) {
        if (!op.parameters.some((p) => p.name === u.name && p.in === u.in)) problems.push(`${op.operationId}: lacks required ${u.in} ${u.name}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('request bodies use the upstream schema names', () => {
    const problems: string[] = [];
    for (const op of curated.operations) {
      const up = upstream.get(op.operationId)!;
      if (Boolean(op.requestBody) !== Boolean(up.requestBody)) problems.push(`${op.operationId}: body presence differs`);
      else if (op.requestBody && refName(op.requestBody) !== refName(up.requestBody)) {
        problems.push(`${op.operationId}: ${refName(op.requestBody)} vs upstream ${refName(up.requestBody)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('every body field is an upstream field of that schema or a documented alias', () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries(curated.schemas as Record<string, Schema>)) {
      const props = propertiesOf(schema);
      if (!props) continue;
      const own = CURATED_ONLY[name];
      if (own) {
        for (const field of Object.keys(props)) if (!own.fields.includes(field)) problems.push(`${name}.${field} (not in facts ${own.facts})`);
        continue;
      }
      const upstreamProps = propertiesOf(upstreamSchemas[name]);
      if (!upstreamProps) {
        problems.push(`${name}: no upstream schema of that name and not declared curated-only`);
        continue;
      }
      for (const field of Object.keys(props)) {
        if (!(field in upstreamProps) && !ALIASES[name]?.[field]) problems.push(`${name}.${field}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('aliases are described as "alias of X" where X is a field of the same schema', () => {
    for (const [name, fields] of Object.entries(ALIASES)) {
      const props = propertiesOf(curated.schemas[name] as Schema)!;
      for (const field of Object.keys(fields)) {
        const described = (props[field] as Schema | undefined)?.description;
        if (typeof described !== 'string' || !described.startsWith('alias of ')) continue; // a field name listed for its alias
        expect(Object.keys(props), `${name}.${field}`).toContain(described.slice('alias of '.length));
      }
    }
  });

  it('curated bodies reject unknown fields (additionalProperties: false)', () => {
    const loose = curated.operations
      .map((op) => refName(op.requestBody))
      .filter((n): n is string => Boolean(n))
      .filter((n) => (curated.schemas[n] as Schema).additionalProperties !== false);
    expect(loose).toEqual([]);
  });

  it('the manager-status requirement matches upstream', () => {
    const differs = curated.operations
      .filter((op) => JSON.stringify(op.managerStatus) !== JSON.stringify(upstream.get(op.operationId)!.managerStatus))
      .map((op) => `${op.operationId}: ${op.managerStatus?.join(',')} vs ${upstream.get(op.operationId)!.managerStatus?.join(',')}`);
    expect(differs).toEqual([]);
  });
});

describe('curated spec: session and service config', () => {
  const sessionConfigOk = [
    { resources: { cpu: 2, mem: '4g', 'cuda.shares': 0.5 } },
    { resources: { cpu: 4, mem: 137438953472, 'cuda.device': 1 }, scaling_group: 'gpu-a100' },
    { resources: { 'cuda.shares': '5', mem: '128GiB' }, mounts: ['api_helper', 'datasets'] },
    { mount_map: { datasets: '/data' }, mount_options: { datasets: { permission: 'ro' }, api_helper: { perm: 'rw', subpath: 'src' } } },
    { mount_ids: ['aaaaaaaa-0000-4000-8000-000000000002'], mount_id_map: { 'aaaaaaaa-0000-4000-8000-000000000002': '/data' } },
    { environ: { WANDB_MODE: 'offline' }, resource_opts: { shmem: '8g' }, scalingGroup: 'default' },
    { resourceOpts: { shmem: '64m' }, preopen_ports: [8080], agentList: ['i-agent-1'] },
  ];
  const sessionConfigBad: Array<[string, unknown]> = [
    ['typo in a key', { resource: { cpu: 2 } }],
    ['typo in a mount key', { mount: ['datasets'] }],
    ['shmem as a slot', { resources: { shmem: '8g' } }],
    ['negative amount', { resources: { cpu: -1 } }],
    ['not a size', { resources: { mem: 'lots' } }],
    ['non-string environ value', { environ: { N: 1 } }],
    ['bad mount permission', { mount_options: { datasets: { permission: 'readonly' } } }],
  ];

  it('SessionCreationConfig accepts the facts examples', () => {
    const validate = validatorFor('SessionCreationConfig');
    for (const body of sessionConfigOk) expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each(sessionConfigBad)('SessionCreationConfig rejects %s', (_why, body) => {
    expect(validatorFor('SessionCreationConfig')(body)).toBe(false);
  });

  it('CreateFromParamsRequest takes the config schema, aliases and rejects a typo at the top', () => {
    const validate = validatorFor('CreateFromParamsRequest');
    const ok = {
      session_name: 'exp-1',
      image: 'pytorch',
      enqueueOnly: true,
      type: 'batch',
      startupCommand: 'python train.py',
      clusterSize: 2,
      clusterMode: 'multi-node',
      config: { resources: { 'cuda.shares': 2 }, mounts: ['datasets'] },
    };
    expect(validate(ok), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...ok, enqueue_onyl: true })).toBe(false);
    expect(validate({ ...ok, config: { resources: { cpu: 2 }, mounts: 'datasets' } })).toBe(false);
    expect(validate({ image: 'python' })).toBe(false); // session_name is required
  });

  it('ServiceConfigModel needs a model and a resource group (either spelling)', () => {
    const validate = validatorFor('ServiceConfigModel');
    expect(validate({ model: 'models', scaling_group: 'default', resources: { cpu: 4, mem: '32g', 'cuda.shares': 2.5 }, resource_opts: { shmem: '2g' } })).toBe(true);
    expect(validate({ model: 'models', scalingGroup: 'default', environ: { HF_HOME: '/models/.cache' } })).toBe(true);
    expect(validate({ model: 'models' })).toBe(false);
    expect(validate({ scaling_group: 'default' })).toBe(false);
    expect(validate({ model: 'models', scaling_group: 'default', resource: { cpu: 1 } })).toBe(false);
  });

  it('NewServiceRequestModel accepts the planner-style body', () => {
    const validate = validatorFor('NewServiceRequestModel');
    const body = { name: 'llama-svc', desired_session_count: 1, image: 'vllm', runtime_variant: 'vllm', config: { model: 'models', scaling_group: 'default' } };
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...body, name: 'x' })).toBe(false); // 4–24 characters
  });
});

describe('curated spec: privileges, effects, examples, GraphQL', () => {
  const op = (id: string): Operation => {
    const found = curated.get(id);
    if (!found) throw new Error(`missing ${id}`);
    return found;
  };

  it('corrects privileges the upstream labels get wrong', () => {
    const images = curated.operations.filter((o) => o.path.startsWith('/admin/images/') || o.path.startsWith('/v2/images/'));
    expect(images.length).toBeGreaterThanOrEqual(3);
    for (const o of images) expect(o.privilege, o.operationId).toBe('superadmin');
    expect(upstream.get('admin/images.search')!.privilege).toBe('user'); // the label being corrected
    expect(op('folders.purge').privilege).toBe('admin');
    expect(op('session.create_from_params').privilege).toBe('user');
    expect(op('v2/sessions.admin_search_sessions').privilege).toBe('superadmin');
    expect(op('auth.authorize').privilege).toBe('anonymous');
  });

  it('marks read and write effects as the eval contract does', () => {
    for (const id of ['resource.check_presets', 'v2/sessions.my_search', 'v2/sessions.compute_schedule', 'admin.handle_gql_graphene', 'services.search_services', 'folders.get_vfolder_id']) {
      expect(op(id).effect, id).toBe('read');
    }
    for (const id of ['folders.create', 'session.destroy', 'session.create_from_params', 'v2/sessions.terminate', 'services.create', 'services.try_start', 'folders.delete_by_name']) {
      expect(op(id).effect, id).toBe('write');
    }
  });

  it('every example validates against its operation', () => {
    const problems: string[] = [];
    let count = 0;
    for (const o of curated.operations) {
      for (const ex of o.examples ?? []) {
        count++;
        for (const name of Object.keys(ex.pathParams ?? {})) {
          if (!o.parameters.some((p) => p.in === 'path' && p.name === name)) problems.push(`${o.operationId}: path ${name}`);
        }
        for (const name of Object.keys(ex.query ?? {})) {
          if (!o.parameters.some((p) => p.in === 'query' && p.name === name)) problems.push(`${o.operationId}: query ${name}`);
        }
        for (const p of o.parameters.filter((x) => x.required)) {
          const given = p.in === 'path' ? ex.pathParams : p.in === 'query' ? ex.query : undefined;
          if (given && !(p.name in given)) problems.push(`${o.operationId}: example lacks ${p.name}`);
        }
        if (ex.body !== undefined) {
          const name = refName(o.requestBody);
          if (!name) problems.push(`${o.operationId}: example body but no request body`);
          else {
            const validate = validatorFor(name);
            if (!validate(ex.body)) problems.push(`${o.operationId} "${ex.summary}": ${ajv.errorsText(validate.errors)}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThanOrEqual(30);
  });

  it('documents the GraphQL queries a user needs, and they parse', () => {
    const paths = curatedDoc.paths as Record<string, Record<string, Schema>>;
    const queries = paths['/admin/gql']!.post!['x-bai-graphql-queries'] as Array<{ name: string; query: string }>;
    expect(queries.map((q) => q.name).sort()).toEqual(['compute_session_list', 'groups', 'image', 'images', 'user']);
    for (const q of queries) expect(() => parseGraphql(q.query), q.name).not.toThrow();
    const images = queries.find((q) => q.name === 'images')!.query;
    for (const field of ['id', 'name', 'namespace', 'base_image_name', 'project', 'humanized_name', 'tag', 'tags', 'version', 'registry', 'architecture', 'aliases', 'labels', 'resource_limits', 'supported_accelerators', 'installed', 'status']) {
      expect(images, field).toMatch(new RegExp(`\\b${field}\\b`));
    }
    expect(queries.find((q) => q.name === 'groups')!.query).toMatch(/groups\s*\{\s*id\s+name\s*\}/);
    const body = op('admin.handle_gql_graphene').requestBody;
    expect(refName(body)).toBe('GraphQLRequest');
  });

  it('descriptions carry the gotchas from the facts digest', () => {
    expect(op('session.create_from_params').description).toMatch(/blocks until the session is RUNNING/);
    expect(op('session.create_from_params').description).toMatch(/enqueue_only/);
    expect(op('session.restart').description).toMatch(/501/);
    expect(op('session.check_and_transit_status').description).toMatch(/501/);
    expect(op('folders.get_vfolder_id').description).toMatch(/JSON\s+body/);
    expect(op('events.push_session_events').description).toMatch(/sessionId/);
    expect(op('folders.create').description).toMatch(/project UUID/);
  });
});

describe('curated spec: either spelling of an id satisfies the body', () => {
  it.each(['DeleteVFolderByIDReq', 'RestoreVFolderReq', 'DeleteVFolderFromTrashReq', 'PurgeVFolderReq'])('%s takes id or vfolderId', (name) => {
    const validate = validatorFor(name);
    const id = 'aaaaaaaa-0000-4000-8000-000000000002';
    expect(validate({ id })).toBe(true);
    expect(validate({ vfolderId: id })).toBe(true);
    expect(validate({})).toBe(false);
    expect(validate({ id: 'datasets' })).toBe(false); // a name is not an id
    expect(validate({ folder_id: id })).toBe(false);
  });
});
