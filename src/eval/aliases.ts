/**
 * Body field aliases the manager accepts (facts §3.2 sessions, §5 folders, §8 services). Eval
 * matching maps both the expected and the planned body through the same table, per operation,
 * so `scalingGroup` and `scaling_group` (or `name` and `session_name`) compare equal.
 *
 * A table maps a dotted location in the body (`''` = top level, `*` = any key) to
 * `{alias: canonical}` at that location.
 */
type AliasTable = Record<string, Record<string, string>>;

const SESSION_CREATE: AliasTable = {
  '': {
    name: 'session_name',
    clientSessionToken: 'session_name',
    lang: 'image',
    arch: 'architecture',
    type: 'session_type',
    sessionType: 'session_type',
    groupName: 'group',
    group_name: 'group',
    domainName: 'domain',
    domain_name: 'domain',
    clusterSize: 'cluster_size',
    clusterMode: 'cluster_mode',
    enqueueOnly: 'enqueue_only',
    maxWaitSeconds: 'max_wait_seconds',
    reuseIfExists: 'reuse',
    startupCommand: 'startup_command',
    bootstrapScript: 'bootstrap_script',
    startsAt: 'starts_at',
    batchTimeout: 'batch_timeout',
  },
  config: {
    scalingGroup: 'scaling_group',
    resourceOpts: 'resource_opts',
    preopenPorts: 'preopen_ports',
    agentList: 'agent_list',
    attachNetwork: 'attach_network',
  },
  'config.mount_options.*': { perm: 'permission' },
};

const SERVICE_CREATE: AliasTable = {
  '': {
    service_name: 'name',
    clientSessionToken: 'name',
    desired_session_count: 'replicas',
    desiredSessionCount: 'replicas',
    lang: 'image',
    arch: 'architecture',
    clusterSize: 'cluster_size',
    clusterMode: 'cluster_mode',
    startupCommand: 'startup_command',
    bootstrapScript: 'bootstrap_script',
    callbackUrl: 'callback_url',
  },
  config: {
    scalingGroup: 'scaling_group',
    modelMountDestination: 'model_mount_destination',
    modelDefinitionPath: 'model_definition_path',
    modelVersion: 'model_version',
    vfolderSubpath: 'vfolder_subpath',
    resourceOpts: 'resource_opts',
    extraMounts: 'extra_mounts',
  },
};

const FOLDER_ID: AliasTable = { '': { id: 'vfolder_id', vfolderId: 'vfolder_id' } };
const FOLDER_PERMISSION: AliasTable = { '': { perm: 'permission' } };

/** Tables by operationId; `session.create_*` covers the create variants (from params, template, cluster). */
function tableFor(operationId: string): AliasTable | undefined {
  if (/^session\.create(_|$)/.test(operationId)) return SESSION_CREATE;
  switch (operationId) {
    case 'services.create':
    case 'services.try_start':
      return SERVICE_CREATE;
    case 'session.rename_session':
      return { '': { name: 'session_name' } };
    case 'folders.create':
      return { '': { groupId: 'group', usageMode: 'usage_mode' } };
    case 'folders.delete_by_id':
    case 'folders.restore':
    case 'folders.delete_from_trash_bin':
    case 'folders.purge':
      return FOLDER_ID;
    case 'folders.invite':
    case 'folders.share':
    case 'folders.update_vfolder_options':
      return FOLDER_PERMISSION;
    case 'folders.get_vfolder_id':
      return { '': { name: 'vfolder_name' } };
    default:
      return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body with alias keys renamed to canonical field names (a copy; the input is not changed). */
export function canonicalBody(operationId: string, body: unknown): unknown {
  const table = tableFor(operationId);
  return table ? rename(body, '', table) : body;
}

function rename(value: unknown, at: string, table: AliasTable): unknown {
  if (!isObject(value)) return value;
  const aliases = table[at] ?? {};
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const canonical = aliases[key] ?? key;
    const childAt = at === '' ? canonical : `${at}.${canonical}`;
    const wildcardAt = at === '' ? '*' : `${at}.*`;
    const next = childAt in table || Object.keys(table).some((k) => k.startsWith(`${childAt}.`)) ? childAt : wildcardAt;
    const renamed = rename(v, next, table);
    // when both the alias and the field are given, the field name wins (as pydantic does)
    if (canonical in out && aliases[key]) continue;
    out[canonical] = renamed;
  }
  return out;
}
