/**
 * What the manager has, as the planner needs to know it: images, projects, resource groups,
 * folders, sessions, presets, services, slot types and free capacity. Every lookup is a real
 * read call (through the same signed client that executes plans), made at most once per planning
 * run and recorded, so grounding is based on the live manager and never on guesses.
 */
import type { ImageRecord } from './offline/match-image.js';
import { isConnectionFailure } from '../client/errors.js';

/** The one capability the planner needs from a client: call an operation by id. */
export interface ApiCaller {
  call<T = unknown>(
    operationId: string,
    args?: { pathParams?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal },
  ): Promise<{ status: number; data: T }>;
}

export interface ProjectInfo {
  id: string;
  name: string;
}

export interface FolderInfo {
  id: string;
  name: string;
  usageMode: string;
  permission: string;
  status: string;
  host?: string;
  ownershipType?: string;
  /** Whether the manager lets anyone clone it (facts §15.2). */
  cloneable?: boolean;
  /** Whether the caller owns it (only the owner changes its options). */
  isOwner?: boolean;
}

/** The caller's role as the manager treats it: `superadmin`, a domain `admin`, or a plain `user`. */
export type CallerRole = 'user' | 'admin' | 'superadmin';

/** An entry of a folder directory listing. */
export interface FolderEntry {
  name: string;
  type: string;
}

export interface SessionInfo {
  id: string;
  name: string;
  status: string;
  sessionType?: string;
  resourceGroup?: string;
  /** What a relaunch needs to re-create it (SessionNode: image_ids, resource.allocation, runtime, mounts). */
  imageIds?: string[];
  imageRefs?: string[];
  projectId?: string;
  requestedSlots?: Record<string, string>;
  shmem?: string;
  environ?: Record<string, string>;
  startupCommand?: string;
  clusterSize?: number;
  clusterMode?: string;
  /** folder names, when the manager reports them */
  mounts?: string[];
}

export interface PresetInfo {
  name: string;
  resourceSlots: Record<string, string>;
  sharedMemory?: string | null;
}

export interface ServiceInfo {
  id: string;
  name: string;
}

/** Free capacity for one (project, resource group) pair, from check-presets. Slot → amount. */
export interface Capacity {
  project: string;
  resourceGroup: string;
  /** what the keypair policy still allows */
  keypairRemaining: Record<string, number>;
  /** what the project still allows */
  groupRemaining: Record<string, number>;
  /** free in the resource group */
  available: Record<string, number>;
  /** in use in the resource group (with `available`: what the group has in all), when reported */
  occupied?: Record<string, number>;
}

export interface LookupRecord {
  operationId: string;
  what: string;
  ok: boolean;
  error?: string;
}

const IMAGES_QUERY = `query {
  images(is_installed: true) {
    id name namespace base_image_name humanized_name tag registry architecture aliases
    labels { key value } resource_limits { key min max } supported_accelerators installed
  }
}`;

const GROUPS_QUERY = `query { groups { id name } }`;
/** `Group.type` exists since manager 24.03: asked separately, so older managers still list projects. */
const GROUP_TYPES_QUERY = `query { groups { name type } }`;

/** Live statuses (not terminal): what "my sessions" means to a user. */
export const LIVE_SESSION_STATUSES = [
  'PENDING',
  'SCHEDULED',
  'PREPARING',
  'PULLING',
  'PREPARED',
  'CREATING',
  'RUNNING',
  'RESTARTING',
  'RUNNING_DEGRADED',
  'TERMINATING',
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

function numberMap(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!isObject(v)) return out;
  for (const [k, raw] of Object.entries(v)) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
    if (Number.isFinite(n)) out[k] = n;
  }
  return out;
}

/** Canonical reference `<registry>/<namespace>:<tag>` from a GraphQL image record. */
export function imageReference(raw: Record<string, unknown>): string {
  const name = str(raw.name) ?? '';
  if (/[/].*:/.test(name) && name.includes('.')) return name; // already a full reference
  const registry = str(raw.registry);
  const namespace = str(raw.namespace) ?? name;
  const tag = str(raw.tag);
  const base = registry && !namespace.startsWith(`${registry}/`) ? `${registry}/${namespace}` : namespace;
  return tag ? `${base}:${tag}` : base;
}

export class WorldView {
  readonly lookups: LookupRecord[] = [];
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    private readonly api: ApiCaller,
    private readonly signal?: AbortSignal,
  ) {}

  /** Run one read at most once per planning run; failures are remembered too. */
  private once<T>(key: string, operationId: string, what: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn().then(
        (v) => {
          this.lookups.push({ operationId, what, ok: true });
          return v;
        },
        (err: unknown) => {
          this.lookups.push({ operationId, what, ok: false, error: (err as Error).message });
          throw err;
        },
      );
      this.memo.set(key, p);
    }
    return p;
  }

  private async call<T>(operationId: string, args: Parameters<ApiCaller['call']>[1] = {}): Promise<T> {
    const res = await this.api.call<T>(operationId, { ...args, signal: this.signal });
    return res.data;
  }

  images(): Promise<ImageRecord[]> {
    return this.once('images', 'admin.handle_gql_graphene', 'images', async () => {
      const data = await this.call<{ data?: { images?: unknown[] }; errors?: unknown }>('admin.handle_gql_graphene', {
        body: { query: IMAGES_QUERY },
      });
      const list = Array.isArray(data?.data?.images) ? data.data.images : [];
      return list.filter(isObject).map((raw) => ({
        id: str(raw.id),
        name: imageReference(raw),
        namespace: str(raw.namespace),
        base_image_name: str(raw.base_image_name),
        tag: str(raw.tag),
        architecture: str(raw.architecture),
        aliases: Array.isArray(raw.aliases) ? raw.aliases.filter((a): a is string => typeof a === 'string') : [],
        labels: Array.isArray(raw.labels)
          ? raw.labels.filter(isObject).map((l) => ({ key: str(l.key) ?? '', value: str(l.value) ?? '' }))
          : [],
        supported_accelerators: Array.isArray(raw.supported_accelerators)
          ? raw.supported_accelerators.filter((a): a is string => typeof a === 'string')
          : [],
        resource_limits: Array.isArray(raw.resource_limits)
          ? raw.resource_limits.filter(isObject).map((l) => ({ key: str(l.key) ?? '', min: str(l.min), max: str(l.max) }))
          : [],
      }));
    });
  }

  projects(): Promise<ProjectInfo[]> {
    return this.once('projects', 'admin.handle_gql_graphene', 'projects', async () => {
      const data = await this.call<{ data?: { groups?: unknown[] } }>('admin.handle_gql_graphene', {
        body: { query: GROUPS_QUERY },
      });
      const list = Array.isArray(data?.data?.groups) ? data.data.groups : [];
      return list.filter(isObject).flatMap((g) => {
        const id = str(g.id);
        const name = str(g.name);
        return id && name ? [{ id, name }] : [];
      });
    });
  }

  /**
   * Project name → type (`GENERAL`, `MODEL_STORE`), from managers that report it (24.03+); an
   * older manager's GraphQL error reads as "no types known".
   */
  projectTypes(): Promise<Record<string, string>> {
    return this.once('project-types', 'admin.handle_gql_graphene', 'project types', async () => {
      const data = await this.call<{ data?: { groups?: unknown[] } }>('admin.handle_gql_graphene', { body: { query: GROUP_TYPES_QUERY } }).catch((err: unknown) => {
        if (isConnectionFailure(err)) throw err;
        return undefined;
      });
      const list = Array.isArray(data?.data?.groups) ? data.data.groups : [];
      return Object.fromEntries(list.filter(isObject).flatMap((g) => (str(g.name) && str(g.type) ? [[str(g.name)!, str(g.type)!]] : [])));
    });
  }

  /** Resource groups the project may use (names). */
  resourceGroups(project: string): Promise<string[]> {
    return this.once(`sgroups:${project}`, 'scaling-groups.list_available_sgroups', `resource groups of ${project}`, async () => {
      const data = await this.call<{ scaling_groups?: unknown[] }>('scaling-groups.list_available_sgroups', {
        query: { group: project },
      });
      return (data?.scaling_groups ?? []).filter(isObject).flatMap((g) => (str(g.name) ? [str(g.name)!] : []));
    });
  }

  folders(): Promise<FolderInfo[]> {
    return this.once('folders', 'folders.list_folders', 'folders', async () => {
      const data = await this.call<unknown[]>('folders.list_folders');
      return (Array.isArray(data) ? data : []).filter(isObject).flatMap((f) => {
        const id = str(f.id);
        const name = str(f.name);
        if (!id || !name) return [];
        return [
          {
            id,
            name,
            usageMode: str(f.usage_mode) ?? 'general',
            permission: str(f.permission) ?? 'rw',
            status: str(f.status) ?? 'ready',
            host: str(f.host),
            ownershipType: str(f.ownership_type),
            ...(typeof f.cloneable === 'boolean' ? { cloneable: f.cloneable } : {}),
            ...(typeof f.is_owner === 'boolean' ? { isOwner: f.is_owner } : {}),
          },
        ];
      });
    });
  }

  /** The caller's sessions that are not in a terminal state. */
  sessions(): Promise<SessionInfo[]> {
    return this.once('sessions', 'v2/sessions.my_search', 'sessions', async () => {
      const data = await this.call<{ items?: unknown[] }>('v2/sessions.my_search', {
        body: { filter: { status: { in_: LIVE_SESSION_STATUSES } }, limit: 100, offset: 0 },
      });
      return (data?.items ?? []).filter(isObject).flatMap((s) => {
        const meta = isObject(s.metadata) ? s.metadata : {};
        const life = isObject(s.lifecycle) ? s.lifecycle : {};
        const res = isObject(s.resource) ? s.resource : {};
        const id = str(s.id);
        const name = str(meta.name) ?? str(s.name);
        if (!id || !name) return [];
        const runtime = isObject(s.runtime) ? s.runtime : {};
        const alloc = isObject(res.allocation) ? res.allocation : {};
        const requested: Record<string, string> = {};
        for (const e of Array.isArray(alloc.requested_slots) ? alloc.requested_slots.filter(isObject) : []) {
          const k = str(e.resource_type);
          const q = str(e.quantity);
          if (k && q !== undefined) requested[k] = q;
        }
        const opts = isObject(res.resource_opts) ? res.resource_opts : {};
        const strings = (v: unknown): string[] => (Array.isArray(v) ? v.flatMap((x) => (typeof x === 'string' ? [x] : isObject(x) && str(x.name) ? [str(x.name)!] : [])) : []);
        const environ: Record<string, string> = {};
        if (isObject(runtime.environ)) for (const [k, v] of Object.entries(runtime.environ)) if (str(v) !== undefined) environ[k] = str(v)!;
        return [
          {
            id,
            name,
            status: str(life.status) ?? str(s.status) ?? 'UNKNOWN',
            sessionType: str(meta.session_type),
            resourceGroup: str(res.resource_group_name),
            imageIds: strings(s.image_ids),
            imageRefs: strings(meta.images),
            projectId: str(s.project_id),
            requestedSlots: requested,
            ...(str(opts.shmem) ? { shmem: str(opts.shmem) } : {}),
            environ,
            ...(str(runtime.startup_command) ? { startupCommand: str(runtime.startup_command) } : {}),
            ...(typeof meta.cluster_size === 'number' ? { clusterSize: meta.cluster_size } : {}),
            ...(str(meta.cluster_mode) ? { clusterMode: str(meta.cluster_mode) } : {}),
            ...(Array.isArray(s.mounts) ? { mounts: strings(s.mounts) } : {}),
          },
        ];
      });
    });
  }

  presets(): Promise<PresetInfo[]> {
    return this.once('presets', 'resource.list_presets', 'resource presets', async () => {
      const data = await this.call<{ presets?: unknown[] }>('resource.list_presets');
      return (data?.presets ?? []).filter(isObject).flatMap((p) => {
        const name = str(p.name);
        if (!name) return [];
        const slots: Record<string, string> = {};
        if (isObject(p.resource_slots)) for (const [k, v] of Object.entries(p.resource_slots)) if (str(v) !== undefined) slots[k] = str(v)!;
        return [{ name, resourceSlots: slots, sharedMemory: str(p.shared_memory) ?? null }];
      });
    });
  }

  /** Slot name → slot type (`count`, `bytes`, …) from `GET /config/resource-slots`. */
  resourceSlots(): Promise<Record<string, string>> {
    return this.once('slots', 'config.get_resource_slots', 'resource slots', async () => {
      const data = await this.call<Record<string, unknown>>('config.get_resource_slots');
      const out: Record<string, string> = {};
      if (isObject(data)) for (const [k, v] of Object.entries(data)) if (typeof v === 'string') out[k] = v;
      return out;
    });
  }

  capacity(project: string, resourceGroup: string): Promise<Capacity> {
    return this.once(`cap:${project}:${resourceGroup}`, 'resource.check_presets', `free capacity in ${resourceGroup}`, async () => {
      const data = await this.call<Record<string, unknown>>('resource.check_presets', {
        body: { group: project, scaling_group: resourceGroup },
      });
      const groups = isObject(data?.scaling_groups) ? data.scaling_groups : {};
      const sg = isObject(groups[resourceGroup]) ? (groups[resourceGroup] as Record<string, unknown>) : {};
      return {
        project,
        resourceGroup,
        keypairRemaining: numberMap(data?.keypair_remaining),
        groupRemaining: numberMap(data?.group_remaining),
        available: numberMap(sg.available ?? data?.scaling_group_remaining),
        ...(isObject(sg.occupied) ? { occupied: numberMap(sg.occupied) } : {}),
      };
    });
  }

  /**
   * The caller's role (`GET /auth/role`): `superadmin` globally, a domain `admin`, or a `user`.
   * Project folders and direct sharing depend on it (facts §15.4–15.5).
   */
  role(): Promise<CallerRole> {
    return this.once('role', 'auth.get_role', 'your role', async () => {
      // a manager that does not say is treated as a plain user's: the planner then never plans an admin-only call
      const data = await this.call<Record<string, unknown>>('auth.get_role').catch((err: unknown) => {
        if (isConnectionFailure(err)) throw err;
        return undefined;
      });
      if (str(data?.global_role) === 'superadmin') return 'superadmin';
      return str(data?.domain_role) === 'admin' ? 'admin' : 'user';
    });
  }

  /** A directory of a folder (`GET /folders/{name}/files?path=`), or undefined when it does not exist. */
  folderEntries(folder: string, path: string): Promise<FolderEntry[] | undefined> {
    return this.once(`files:${folder}:${path}`, 'folders.list_files', `files in ${folder}${path ? `/${path}` : ''}`, async () => {
      try {
        const data = await this.call<{ items?: unknown[] }>('folders.list_files', { pathParams: { name: folder }, query: { path } });
        return (data?.items ?? []).filter(isObject).flatMap((e) => (str(e.name) ? [{ name: str(e.name)!, type: str(e.type) ?? 'FILE' }] : []));
      } catch (err) {
        if ((err as { status?: unknown }).status === 404) return undefined;
        throw err;
      }
    });
  }

  /** The keypair's resource policy: how many sessions may exist at once (null: no limit). */
  keypairPolicy(): Promise<{ maxConcurrentSessions: number | null; totalResourceSlots: Record<string, number> }> {
    return this.once('keypair-policy', 'v2/resource-policies.my_keypair_resource_policy', 'your keypair resource policy', async () => {
      const data = await this.call<Record<string, unknown>>('v2/resource-policies.my_keypair_resource_policy');
      const max = data?.max_concurrent_sessions;
      // slots as a map, or as [{resource_type, quantity}] entries (the v2 shape)
      const raw = data?.total_resource_slots;
      const total = Array.isArray(raw)
        ? numberMap(Object.fromEntries(raw.filter(isObject).map((e) => [str(e.resource_type) ?? '', e.quantity])))
        : numberMap(raw);
      return { maxConcurrentSessions: typeof max === 'number' && max > 0 ? max : null, totalResourceSlots: total };
    });
  }

  /** The caller's own account (GraphQL `user` with no e-mail): the e-mail some self-service calls name. */
  me(): Promise<{ email: string; fullName?: string }> {
    return this.once('me', 'admin.handle_gql_graphene', 'your account', async () => {
      const data = await this.call<{ data?: { user?: unknown } }>('admin.handle_gql_graphene', { body: { query: 'query { user { email full_name } }' } });
      const user = isObject(data?.data?.user) ? data.data.user : {};
      const email = str(user.email);
      if (!email) throw new Error('the manager did not say which account this keypair belongs to');
      return { email, ...(str(user.full_name) !== undefined ? { fullName: str(user.full_name) } : {}) };
    });
  }

  services(): Promise<ServiceInfo[]> {
    return this.once('services', 'services.list_serve', 'model services', async () => {
      const data = await this.call<unknown[]>('services.list_serve');
      return (Array.isArray(data) ? data : []).filter(isObject).flatMap((s) => {
        const id = str(s.id) ?? str(s.endpoint_id);
        const name = str(s.name);
        return id && name ? [{ id, name }] : [];
      });
    });
  }
}
