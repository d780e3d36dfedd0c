/**
 * The sandbox world as typed data: exactly the names, keys and ids of shared/SANDBOX-WORLD.md
 * (contract), plus what the features need on top (stable UUIDs for users, projects, resource
 * groups, images and presets; image minimum slots; the keypair resource policy).
 * Everything here is plain JSON so the world can be persisted and reloaded by another process.
 */
import { BaiError } from '../errors.js';

/** Slot name → amount; `mem` in bytes, count slots as decimals. */
export type Slots = Record<string, number>;

export type Role = 'user' | 'admin' | 'superadmin';

export interface SandboxUser {
  uuid: string;
  email: string;
  fullName: string;
  role: Role;
  /** Absent for users without a keypair (e.g. the colleague). */
  accessKey?: string;
  secretKey?: string;
  /** Project names the user belongs to. */
  projects: string[];
}

export interface SandboxProject {
  id: string;
  name: string;
  domain: string;
  /** `MODEL_STORE` projects let plain users create model folders they own as a project; absent = `GENERAL`. */
  type?: 'GENERAL' | 'MODEL_STORE';
}

export interface ResourceGroup {
  id: string;
  name: string;
  /** Projects allowed to use this group. */
  projects: string[];
  /** Total capacity (what the seed sessions occupy plus the "free at start" of the contract). */
  capacity: Slots;
}

export interface KeypairResourcePolicy {
  name: string;
  maxConcurrentSessions: number;
  totalResourceSlots: Slots;
}

export interface SandboxImage {
  id: string;
  /** Canonical reference `<registry>/<project>/<name>:<tag>`. */
  reference: string;
  registry: string;
  project: string;
  name: string;
  tag: string;
  architecture: string;
  aliases: string[];
  minSlots: Slots;
  supportedAccelerators: string[];
  digest: string;
  sizeBytes: number;
  labels: Record<string, string>;
}

export interface ResourcePreset {
  id: string;
  name: string;
  resourceSlots: Slots;
  sharedMemory: number | null;
}

export interface FileEntry {
  type: 'FILE' | 'DIRECTORY';
  size: number;
  /** ISO 8601 */
  created: string;
  modified: string;
}

export type FolderStatus = 'ready' | 'delete-pending' | 'delete-complete';

export interface FolderShare {
  email: string;
  permission: 'ro' | 'rw' | 'wd';
}

export interface Folder {
  id: string;
  name: string;
  host: string;
  usageMode: 'general' | 'model' | 'data';
  permission: 'ro' | 'rw' | 'wd';
  /** Owner's email for a user folder; null for a project folder. */
  ownerEmail: string | null;
  /** Project id for a project folder; null for a user folder. */
  projectId: string | null;
  creatorEmail: string;
  status: FolderStatus;
  cloneable: boolean;
  createdAt: string;
  lastUsed: string | null;
  /** Relative path (no leading slash; directories without trailing slash) → entry. */
  files: Record<string, FileEntry>;
  /** Users who accepted an invitation (or were shared with). */
  sharedWith: FolderShare[];
}

export interface Invitation {
  id: string;
  folderId: string;
  inviterEmail: string;
  inviteeEmail: string;
  permission: 'ro' | 'rw' | 'wd';
  state: 'pending' | 'accepted' | 'rejected' | 'canceled';
  createdAt: string;
}

export type SessionType = 'interactive' | 'batch' | 'inference' | 'system';

/**
 * A session. Its status is not stored: it is derived from these timestamps and the clock
 * (scheduler.ts), so separate processes sharing a state file agree on it.
 */
export interface SessionRecord {
  id: string;
  name: string;
  ownerAccessKey: string;
  ownerEmail: string;
  type: SessionType;
  /** Canonical image reference. */
  image: string;
  architecture: string;
  domain: string;
  /** Project name. */
  group: string;
  resourceGroup: string;
  /** Per-container slots. */
  slots: Slots;
  clusterSize: number;
  clusterMode: 'single-node' | 'multi-node';
  /** Mounted folder ids. */
  mounts: string[];
  environ: Record<string, string>;
  resourceOpts: Record<string, unknown>;
  startupCommand: string | null;
  bootstrapScript: string | null;
  tag: string | null;
  priority: number;
  createdAt: number;
  /** When the scheduler admitted it (resources held from here); null while PENDING. */
  scheduledAt: number | null;
  terminateRequestedAt: number | null;
  cancelledAt: number | null;
  /** Fast clock: a batch session finishes on the read after the one that saw it RUNNING. */
  runningObservedAt: number | null;
  /** When a batch session finished its command (TERMINATED, result success). */
  finishedAt: number | null;
  /** Batch run length once RUNNING (ms). */
  batchRunMs: number;
  serviceId: string | null;
  /** Batch `starts_at`: not admitted before this time (epoch ms). Absent in older saved worlds. */
  startsAt?: number | null;
  /** `dependencies`: ids of sessions that must have ended before this one is admitted. */
  dependsOn?: string[];
  /** Why the scheduler keeps it PENDING (the manager's `status_info`), set while it waits. */
  pendingReason?: string | null;
}

export interface ServiceRoute {
  route_id: string;
  session_id: string;
  traffic_ratio: number;
}

export interface ServiceRecord {
  id: string;
  name: string;
  ownerAccessKey: string;
  ownerEmail: string;
  group: string;
  domain: string;
  image: string;
  runtimeVariant: string;
  modelFolderId: string;
  modelDefinitionPath: string | null;
  modelMountDestination: string;
  resourceGroup: string;
  resources: Slots;
  replicas: number;
  isPublic: boolean;
  createdAt: number;
  routes: ServiceRoute[];
  /** Issued tokens (so an inference stub mounted later can verify them). */
  tokens: Array<{ token: string; expiresAt: number }>;
}

export interface BackgroundTask {
  id: string;
  kind: string;
  message: string;
  createdAt: number;
}

export interface SandboxWorld {
  format: 1;
  domain: string;
  users: SandboxUser[];
  projects: SandboxProject[];
  resourceGroups: ResourceGroup[];
  keypairPolicy: KeypairResourcePolicy;
  /** Slot name → type, as `GET /config/resource-slots` reports. */
  slotTypes: Record<string, 'count' | 'bytes'>;
  images: SandboxImage[];
  presets: ResourcePreset[];
  folders: Folder[];
  invitations: Invitation[];
  sessions: SessionRecord[];
  services: ServiceRecord[];
  runtimeVariants: Array<{ name: string; human_readable_name: string }>;
  /** Background tasks (folder clone, async deletes, service dry-runs); they finish at once. */
  backgroundTasks?: BackgroundTask[];
  /** HMAC key for service tokens (sandbox-only, not a user secret). */
  tokenSigningKey: string;
  /** Code runs still answering (`execute` with `mode: "continue"`), handlers/execute.ts. */
  executions?: import('./handlers/execute.js').ExecRun[];
  /** How many customized images (imagify) one user may own; the manager's user resource policy (default 3). */
  maxCustomizedImages?: number;
}

const GiB = 1024 ** 3;

export const SANDBOX_USER_KEYS = {
  accessKey: 'AKIASANDBOXUSER00001',
  secretKey: 'sandbox-user-secret-0000000000000000000000',
} as const;
export const SANDBOX_ADMIN_KEYS = {
  accessKey: 'AKIASANDBOXADMIN0001',
  secretKey: 'sandbox-admin-secret-000000000000000000000',
} as const;

export const PROJECT_IDS = { default: 'cccccccc-0000-4000-8000-000000000001', research: 'cccccccc-0000-4000-8000-000000000002' } as const;
export const RESOURCE_GROUP_IDS = { default: 'dddddddd-0000-4000-8000-000000000001', 'gpu-a100': 'dddddddd-0000-4000-8000-000000000002' } as const;

const SEED_SESSION_AGE_MS = 3600_000;

function image(id: number, name: string, tag: string, alias: string, opts: { cuda: boolean; minMemG: number; labels?: Record<string, string> }): SandboxImage {
  return {
    id: `eeeeeeee-0000-4000-8000-00000000000${id}`,
    reference: `cr.backend.ai/stable/${name}:${tag}`,
    registry: 'cr.backend.ai',
    project: 'stable',
    name,
    tag,
    architecture: 'x86_64',
    aliases: [alias],
    minSlots: { cpu: 1, mem: opts.minMemG * GiB },
    supportedAccelerators: opts.cuda ? ['cuda'] : [],
    digest: `sha256:${String(id).repeat(64).slice(0, 64)}`,
    sizeBytes: (opts.cuda ? 9 : 1) * GiB,
    labels: { 'ai.backend.base-distro': 'ubuntu22.04', ...(opts.labels ?? {}) },
  };
}

/** The seed world of SANDBOX-WORLD.md; `now` dates the seed sessions and files. */
export function seedWorld(now: number = Date.now()): SandboxWorld {
  const iso = new Date(now - SEED_SESSION_AGE_MS).toISOString();
  const seedSlots = { train: { cpu: 4, mem: 32 * GiB, 'cuda.shares': 2 }, notebook: { cpu: 2, mem: 4 * GiB } };
  const file = (size: number): FileEntry => ({ type: 'FILE', size, created: iso, modified: iso });
  const dir = (): FileEntry => ({ type: 'DIRECTORY', size: 4096, created: iso, modified: iso });
  const folder = (n: number, name: string, usageMode: Folder['usageMode'], files: Record<string, FileEntry>): Folder => ({
    id: `aaaaaaaa-0000-4000-8000-00000000000${n}`,
    name,
    host: 'local:volume1',
    usageMode,
    permission: 'rw',
    ownerEmail: 'user@sandbox.local',
    projectId: null,
    creatorEmail: 'user@sandbox.local',
    status: 'ready',
    cloneable: false,
    createdAt: iso,
    lastUsed: null,
    files,
    sharedWith: [],
  });
  const session = (id: string, name: string, img: string, slots: Slots, mounts: string[]): SessionRecord => ({
    id,
    name,
    ownerAccessKey: SANDBOX_USER_KEYS.accessKey,
    ownerEmail: 'user@sandbox.local',
    type: 'interactive',
    image: img,
    architecture: 'x86_64',
    domain: 'default',
    group: 'default',
    resourceGroup: 'default',
    slots,
    clusterSize: 1,
    clusterMode: 'single-node',
    mounts,
    environ: {},
    resourceOpts: { shmem: 64 * 1024 ** 2 },
    startupCommand: null,
    bootstrapScript: null,
    tag: null,
    priority: 10,
    createdAt: now - SEED_SESSION_AGE_MS,
    scheduledAt: now - SEED_SESSION_AGE_MS,
    terminateRequestedAt: null,
    cancelledAt: null,
    runningObservedAt: null,
    finishedAt: null,
    batchRunMs: 0,
    serviceId: null,
  });
  const images = [
    image(1, 'python', '3.11-ubuntu22.04', 'python', { cuda: false, minMemG: 1 }),
    image(2, 'python-pytorch', '2.3-py311-cuda12.1', 'pytorch', { cuda: true, minMemG: 2 }),
    image(3, 'ngc-pytorch', '23.07-pytorch2.1-py310-cuda12.1', 'ngc-pytorch', { cuda: true, minMemG: 2 }),
    image(4, 'python-tensorflow', '2.15-py312-cuda12.3', 'tensorflow', { cuda: true, minMemG: 2 }),
    image(5, 'vllm', '0.6.2-cuda12.1', 'vllm', { cuda: true, minMemG: 2, labels: { 'ai.backend.runtime-variant': 'vllm' } }),
  ];
  // SANDBOX-WORLD.md gives the capacity *free at start*; the seed sessions (all in `default`)
  // occupy the rest, so the totals are free + seed usage.
  const defaultCapacity: Slots = {
    cpu: 64 + seedSlots.train.cpu + seedSlots.notebook.cpu,
    mem: 512 * GiB + seedSlots.train.mem + seedSlots.notebook.mem,
    'cuda.shares': 8 + seedSlots.train['cuda.shares'],
  };
  return {
    format: 1,
    domain: 'default',
    users: [
      { uuid: 'bbbbbbbb-0000-4000-8000-000000000001', email: 'user@sandbox.local', fullName: 'Sandbox User', role: 'user', ...SANDBOX_USER_KEYS, projects: ['default', 'research'] },
      { uuid: 'bbbbbbbb-0000-4000-8000-000000000002', email: 'admin@sandbox.local', fullName: 'Sandbox Admin', role: 'superadmin', ...SANDBOX_ADMIN_KEYS, projects: ['default', 'research'] },
      { uuid: 'bbbbbbbb-0000-4000-8000-000000000003', email: 'colleague@sandbox.local', fullName: 'Colleague', role: 'user', projects: ['default'] },
    ],
    projects: [
      { id: PROJECT_IDS.default, name: 'default', domain: 'default' },
      { id: PROJECT_IDS.research, name: 'research', domain: 'default' },
    ],
    resourceGroups: [
      { id: RESOURCE_GROUP_IDS.default, name: 'default', projects: ['default', 'research'], capacity: defaultCapacity },
      { id: RESOURCE_GROUP_IDS['gpu-a100'], name: 'gpu-a100', projects: ['research'], capacity: { cpu: 128, mem: 1024 * GiB, 'cuda.shares': 32 } },
    ],
    keypairPolicy: { name: 'sandbox-user-policy', maxConcurrentSessions: 5, totalResourceSlots: { cpu: 64, mem: 512 * GiB, 'cuda.shares': 16 } },
    slotTypes: { cpu: 'count', mem: 'bytes', 'cuda.shares': 'count' },
    images,
    presets: [
      { id: 'ffffffff-0000-4000-8000-000000000001', name: 'cpu-small', resourceSlots: { cpu: 1, mem: 2 * GiB }, sharedMemory: null },
      { id: 'ffffffff-0000-4000-8000-000000000002', name: 'cpu-large', resourceSlots: { cpu: 8, mem: 32 * GiB }, sharedMemory: null },
      { id: 'ffffffff-0000-4000-8000-000000000003', name: 'gpu-small', resourceSlots: { cpu: 4, mem: 16 * GiB, 'cuda.shares': 1 }, sharedMemory: null },
      { id: 'ffffffff-0000-4000-8000-000000000004', name: 'gpu-large', resourceSlots: { cpu: 16, mem: 128 * GiB, 'cuda.shares': 5 }, sharedMemory: null },
    ],
    folders: [
      folder(1, 'api_helper', 'general', { 'server.py': file(2048), 'requirements.txt': file(64) }),
      folder(2, 'datasets', 'general', { mnist: dir(), cifar10: dir() }),
      folder(3, 'models', 'model', { 'llama-3-8b': dir() }),
    ],
    invitations: [],
    sessions: [
      session('11111111-1111-4111-8111-111111111111', 'train-job-1', images[1]!.reference, seedSlots.train, ['aaaaaaaa-0000-4000-8000-000000000002']),
      session('22222222-2222-4222-8222-222222222222', 'notebook-old', images[0]!.reference, seedSlots.notebook, []),
    ],
    services: [],
    runtimeVariants: [
      { name: 'vllm', human_readable_name: 'vLLM' },
      { name: 'custom', human_readable_name: 'Custom (Default)' },
    ],
    tokenSigningKey: 'sandbox-service-token-signing-key',
  };
}

/** Shallow shape check for a world read from a seed or state file. */
export function assertWorld(value: unknown, origin: string): SandboxWorld {
  const w = value as Partial<SandboxWorld> | null;
  const lists: Array<keyof SandboxWorld> = ['users', 'projects', 'resourceGroups', 'images', 'presets', 'folders', 'invitations', 'sessions', 'services'];
  if (!w || typeof w !== 'object' || w.format !== 1) {
    throw new BaiError(`${origin} is not a sandbox world (expected an object with "format": 1)`, 'bad_input');
  }
  for (const key of lists) {
    if (!Array.isArray(w[key])) throw new BaiError(`${origin} is not a sandbox world: "${key}" must be a list`, 'bad_input');
  }
  if (!w.keypairPolicy || !w.slotTypes) throw new BaiError(`${origin} is not a sandbox world: "keypairPolicy" and "slotTypes" are required`, 'bad_input');
  return w as SandboxWorld;
}
