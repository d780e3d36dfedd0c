/**
 * The `key=value` vocabulary: every key a structured request may use, its aliases, and for each
 * task (intent kind) that takes it, the slot it fills and how its value is read. One record per
 * key; the README's table of keys is checked against this list by a test.
 *
 * A key a task does not take, an empty value, a value of the wrong shape and a key given twice
 * with different values are problems the user is asked about — never dropped, never guessed.
 * Keys written in capitals (`WANDB_MODE=offline`) are environment variables, not keys.
 */
import type { Intent, IntentKind, MountMention } from '../../intents.js';
import { parseBinarySize } from '../../../../units.js';

export interface Problem {
  problem: string;
}
export const problem = (text: string): Problem => ({ problem: text });
export const isProblem = (v: unknown): v is Problem => typeof v === 'object' && v !== null && 'problem' in v && Object.keys(v).length === 1;

/** Reads a raw value into what the slot holds; `written` is the key as the user wrote it. */
type Reader = (raw: string, written: string) => unknown;

/** Where a key's value goes in one kind of task. Slot paths: `a` (a value), `a.b` (nested), `a[]` (appended to a list), `a{}` (merged into a map). */
interface Target {
  slot: string;
  read: Reader;
}

export interface KeyRule {
  key: string;
  aliases: string[];
  doc: string;
  examples: string[];
  into: Partial<Record<IntentKind, Target>>;
}

// ------------------------------------------------------------------ readers

const text: Reader = (raw) => raw;

const number =
  (min: number, integer = false): Reader =>
  (raw, key) => {
    const ok = integer ? /^\d+$/.test(raw) : /^\d+(?:\.\d+)?$|^\.\d+$/.test(raw);
    const n = Number(raw);
    if (!ok || !(n >= min)) return problem(`${key}=${raw}: expected ${integer ? 'a whole number' : 'a number'}${min > 0 ? ` of at least ${min}` : ''}`);
    return n;
  };

const size: Reader = (raw, key) => {
  const bytes = parseBinarySize(raw);
  if (/^\d+(?:\.\d+)?$/.test(raw)) return problem(`${key}=${raw}: ${raw} what? Give a unit, e.g. ${key}=${raw}g or ${key}=${raw}m`);
  if (bytes === undefined || bytes === 0) return problem(`${key}=${raw}: expected a size such as 8g, 512m or 1.5GiB`);
  return bytes;
};

/** Seconds: `30m`, `2h`, `1d`, `45s`, or a bare number of seconds (as the Backend.AI CLI's `--timeout`). */
const seconds: Reader = (raw, key) => {
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|m|min|mins|h|hr|hrs|d)?$/i.exec(raw);
  if (!m) return problem(`${key}=${raw}: expected a duration such as 30m, 2h, 1d or a number of seconds`);
  const unit = (m[2] ?? 's').toLowerCase()[0]!;
  const s = Number(m[1]) * ({ s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[unit]!;
  return s > 0 ? Math.round(s) : problem(`${key}=${raw}: the duration must be more than 0`);
};

/** A token lifetime as the manager reads it: `30m`, `1h`, `7d`, `2w`. */
const lifetime: Reader = (raw, key) => (/^\d+[smhdw]$/i.test(raw) ? raw.toLowerCase() : problem(`${key}=${raw}: expected a lifetime such as 30m, 1h or 7d`));

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);
const bool: Reader = (raw, key) => {
  const v = raw.toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  return problem(`${key}=${raw}: expected true or false`);
};

const oneOf =
  (values: string[], aliases: Record<string, string> = {}): Reader =>
  (raw, key) => {
    const v = raw.toLowerCase();
    const hit = values.find((x) => x === v) ?? aliases[v];
    return hit ?? problem(`${key}=${raw}: expected one of ${values.join(', ')}`);
  };

/** `a,b`, `[a, b]`: a list of non-empty items. */
export function listItems(raw: string): string[] {
  const inner = /^\[(.*)\]$/s.exec(raw.trim())?.[1] ?? raw;
  return inner
    .split(',')
    .map((s) => s.trim().replace(/^["']|["']$/g, ''))
    .filter((s) => s.length > 0);
}

const list: Reader = (raw, key) => {
  const items = listItems(raw);
  return items.length ? items : problem(`${key}=${raw}: expected one or more values separated by commas`);
};

const emails: Reader = (raw, key) => {
  const items = listItems(raw);
  const bad = items.find((e) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e));
  if (bad !== undefined || items.length === 0) return problem(`${key}=${raw}: expected e-mail addresses separated by commas${bad ? ` ("${bad}" is not one)` : ''}`);
  return items;
};

const ports: Reader = (raw, key) => {
  const items = listItems(raw);
  const nums = items.map(Number);
  if (!items.length || nums.some((p, i) => !/^\d+$/.test(items[i]!) || p < 1 || p > 65535)) return problem(`${key}=${raw}: expected port numbers separated by commas`);
  return nums;
};

const STATUSES = ['PENDING', 'SCHEDULED', 'PREPARING', 'PULLING', 'PREPARED', 'CREATING', 'RUNNING', 'RESTARTING', 'RUNNING_DEGRADED', 'TERMINATING', 'TERMINATED', 'ERROR', 'CANCELLED', 'IDLE'];
const statuses: Reader = (raw, key) => {
  const items = listItems(raw).map((s) => s.toUpperCase());
  const bad = items.find((s) => !STATUSES.includes(s));
  return bad || !items.length ? problem(`${key}=${raw}: expected session statuses such as RUNNING, PENDING, TERMINATED`) : items;
};

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** `A=1,B=2` (a comma starts a new variable only before `NAME=`), or `A` alone: a variable whose value only the user knows. */
const environ: Reader = (raw, key) => {
  const parts = raw.split(/,(?=\s*[A-Za-z_][A-Za-z0-9_]*(?:=|,|$))/);
  const out: Record<string, string | undefined> = {};
  for (const part of parts) {
    const p = part.trim();
    const eq = p.indexOf('=');
    const name = eq < 0 ? p : p.slice(0, eq);
    if (!ENV_NAME.test(name)) return problem(`${key}=${raw}: "${name}" is not a variable name (expected NAME=value, separated by commas)`);
    out[name] = eq < 0 ? undefined : p.slice(eq + 1);
  }
  return out;
};

/** `datasets`, `datasets:/data`, `datasets=/data`, `datasets:/data:ro`, several separated by commas. */
const mounts: Reader = (raw, key) => {
  const out: MountMention[] = [];
  for (const item of listItems(raw)) {
    const m = /^([^:=\s]+)(?:[:=]([^:\s]*))?(?::(ro|rw))?$/i.exec(item);
    if (!m || m[2] === '') return problem(`${key}=${raw}: expected FOLDER, FOLDER:/path or FOLDER:/path:ro`);
    let path = m[2];
    let mode = m[3]?.toLowerCase();
    if (!mode && (path?.toLowerCase() === 'ro' || path?.toLowerCase() === 'rw')) {
      mode = path.toLowerCase();
      path = undefined;
    }
    out.push({ name: m[1]!, ...(path ? { path } : {}), ...(mode === 'ro' ? { readOnly: true } : {}) });
  }
  return out.length ? out : problem(`${key}=${raw}: expected a folder name`);
};

const accelerator =
  (unit: 'fgpu' | 'gpu'): Reader =>
  (raw, key) => {
    const n = number(0)(raw, key);
    if (isProblem(n)) return n;
    if (n === 0) return problem(`${key}=0: leave the key out for a session without GPUs`);
    return { amount: n, unit, text: `${key}=${raw}` };
  };

// ------------------------------------------------------------------ which tasks take what

const SESSION_TARGETS: IntentKind[] = [
  'session.destroy', 'session.info', 'session.logs', 'session.status_history', 'session.rename', 'session.interrupt',
  'session.start_service', 'session.commit', 'session.restart', 'session.files', 'session.execute',
];
const FOLDER_TARGETS: IntentKind[] = [
  'folder.delete', 'folder.purge', 'folder.restore', 'folder.info', 'folder.files', 'folder.leave', 'folder.update_options', 'folder.clone',
  'folder.mkdir', 'folder.rename', 'folder.share', 'folder.delete_files', 'folder.rename_file', 'folder.move_file', 'folder.download',
];
const SERVICE_TARGETS: IntentKind[] = ['service.delete', 'service.info', 'service.scale', 'service.token'];
const FILE_OPS: IntentKind[] = ['folder.delete_files', 'folder.rename_file', 'folder.move_file', 'folder.download'];

const each = (kinds: IntentKind[], target: Target): Partial<Record<IntentKind, Target>> => Object.fromEntries(kinds.map((k) => [k, target]));
const createsSession = (slot: string, read: Reader): Partial<Record<IntentKind, Target>> => ({ 'session.create': { slot, read } });
const createsSessionOrService = (slot: string, read: Reader): Partial<Record<IntentKind, Target>> => ({ 'session.create': { slot, read }, 'service.create': { slot, read } });

export const KEYS: KeyRule[] = [
  {
    key: 'name',
    aliases: [],
    doc: 'the name of what is created, or of the session, folder or service acted on',
    examples: ['name=ci-train-42', 'vfolder create name=exp1'],
    into: {
      'session.create': { slot: 'name', read: text },
      'folder.create': { slot: 'name', read: text },
      'service.create': { slot: 'name', read: text },
      ...each(SESSION_TARGETS, { slot: 'target.names[]', read: list }),
      ...each(FOLDER_TARGETS, { slot: 'name', read: text }),
      ...each(SERVICE_TARGETS, { slot: 'name', read: text }),
    },
  },
  {
    key: 'session',
    aliases: ['sess', 'sessions', 'session_name', 'session_id', 'sid'],
    doc: 'the session acted on (name or UUID); several separated by commas',
    examples: ['session destroy session=train-job-1'],
    into: { 'session.create': { slot: 'name', read: text }, ...each(SESSION_TARGETS, { slot: 'target.names[]', read: list }) },
  },
  {
    key: 'folder',
    aliases: ['vfolder', 'folder_name', 'vfolder_name'],
    doc: 'the folder acted on (name or UUID)',
    examples: ['mkdir folder=datasets path=raw'],
    into: each(FOLDER_TARGETS, { slot: 'name', read: text }),
  },
  {
    key: 'svc',
    aliases: ['service', 'service_name', 'endpoint'],
    doc: 'the model service created or acted on',
    examples: ['svc=llama-chat'],
    into: { 'service.create': { slot: 'name', read: text }, ...each(SERVICE_TARGETS, { slot: 'name', read: text }) },
  },
  {
    key: 'new_name',
    aliases: ['newname', 'new', 'to', 'rename_to', 'target_name'],
    doc: 'the new name (rename, clone, restart as)',
    examples: ['vfolder rename name=exp1 new_name=exp2'],
    into: {
      'session.rename': { slot: 'newName', read: text },
      'session.restart': { slot: 'newName', read: text },
      'folder.rename': { slot: 'newName', read: text },
      'folder.rename_file': { slot: 'newName', read: text },
      'folder.clone': { slot: 'newName', read: text },
    },
  },
  {
    key: 'path',
    aliases: ['paths', 'file', 'files', 'dir', 'directory', 'src'],
    doc: 'a path inside the folder (or the session container); file operations take several separated by commas',
    examples: ['path=raw/2024', 'files=a.txt,b.txt'],
    into: {
      'folder.mkdir': { slot: 'path', read: text },
      'folder.files': { slot: 'path', read: text },
      'session.files': { slot: 'path', read: text },
      ...each(FILE_OPS, { slot: 'paths[]', read: list }),
    },
  },
  {
    key: 'dst',
    aliases: ['dest', 'destination'],
    doc: 'where a moved file goes, inside the same folder',
    examples: ['dst=archive/old.csv'],
    into: { 'folder.move_file': { slot: 'destination', read: text } },
  },
  {
    key: 'image',
    aliases: ['img', 'lang'],
    doc: 'the image: an alias (pytorch) or a full reference',
    examples: ['image=pytorch', 'img=cr.backend.ai/stable/python:3.11-ubuntu22.04'],
    into: { ...createsSessionOrService('image', text), 'image.list': { slot: 'filter', read: text } },
  },
  {
    key: 'fgpu',
    aliases: ['cuda.shares', 'cuda_shares', 'fgpus', 'gpu_shares'],
    doc: 'fractional GPU (cuda.shares) per container',
    examples: ['fgpu=2', 'cuda.shares=0.5'],
    into: createsSessionOrService('resources.accelerator', accelerator('fgpu')),
  },
  {
    key: 'gpu',
    aliases: ['gpus', 'cuda.device', 'cuda_device'],
    doc: 'whole GPUs (cuda.device); on a cluster that only shares GPUs, that many fGPU (the preview says so)',
    examples: ['gpu=1'],
    into: createsSessionOrService('resources.accelerator', accelerator('gpu')),
  },
  {
    key: 'cpu',
    aliases: ['cpus', 'cores'],
    doc: 'CPU cores per container',
    examples: ['cpu=4'],
    into: createsSessionOrService('resources.cpu', number(0.000001)),
  },
  {
    key: 'mem',
    aliases: ['memory', 'ram'],
    doc: 'memory per container, with a unit',
    examples: ['mem=16g', 'mem=512m'],
    into: createsSessionOrService('resources.mem', size),
  },
  {
    key: 'shmem',
    aliases: ['shm', 'shared_memory'],
    doc: 'shared memory (/dev/shm), with a unit; smaller than mem',
    examples: ['shmem=8g'],
    into: createsSession('resources.shmem', size),
  },
  {
    key: 'type',
    aliases: ['session_type'],
    doc: 'session type: interactive, batch or inference (for a folder: its usage, general, model or data)',
    examples: ['type=batch'],
    into: {
      'session.create': { slot: 'sessionType', read: oneOf(['interactive', 'batch', 'inference']) },
      'folder.create': { slot: 'usageMode', read: oneOf(['general', 'model', 'data']) },
    },
  },
  {
    key: 'cmd',
    aliases: ['command', 'startup_command', 'startup'],
    doc: 'the startup command (what a batch session runs)',
    examples: ['cmd="python train.py --epochs 3"'],
    into: createsSession('startupCommand', text),
  },
  {
    key: 'timeout',
    aliases: ['batch_timeout'],
    doc: 'batch sessions: how long it may run (30m, 2h, 1d, or seconds)',
    examples: ['type=batch timeout=30m'],
    into: createsSession('batchTimeout', seconds),
  },
  {
    key: 'env',
    aliases: ['environ', 'envs', 'environment'],
    doc: 'environment variables NAME=value, separated by commas (a NAME=value pair in capitals works alone too)',
    examples: ['env=WANDB_MODE=offline,SEED=42', 'WANDB_MODE=offline'],
    into: createsSessionOrService('environ{}', environ),
  },
  {
    key: 'mount',
    aliases: ['mounts', 'volume', 'volumes'],
    doc: 'folders to mount: FOLDER, FOLDER:/path or FOLDER:/path:ro, separated by commas',
    examples: ['mount=datasets', 'mount=datasets:/data:ro,models'],
    into: createsSession('mounts[]', mounts),
  },
  {
    key: 'sg',
    aliases: ['sgroup', 'scaling_group', 'resource_group', 'rg'],
    doc: 'the resource group (scaling group) to run in',
    examples: ['sg=gpu-a100', 'resource_group=gpu-a100'],
    into: {
      ...createsSessionOrService('scalingGroup', text),
      'resource.presets': { slot: 'scalingGroup', read: text },
      'resource.remaining': { slot: 'scalingGroup', read: text },
    },
  },
  {
    key: 'project',
    aliases: ['project_name', 'group_name'],
    doc: 'the project (what the API and the Backend.AI CLI call the group)',
    examples: ['project=research'],
    into: { 'session.create': { slot: 'project', read: text }, 'folder.create': { slot: 'project', read: text } },
  },
  {
    key: 'group',
    aliases: [],
    doc: 'a project or a resource group, whichever the manager has by that name (asked when both or neither)',
    examples: ['group=research', 'group=gpu-a100'],
    into: {
      'session.create': { slot: 'groupName', read: text },
      // folders have no resource group: for them a group is the project, as in the API
      'folder.create': { slot: 'project', read: text },
    },
  },
  {
    key: 'preset',
    aliases: ['resource_preset'],
    doc: 'a resource preset for the resources',
    examples: ['preset=gpu-large'],
    into: { 'session.create': { slot: 'preset', read: text }, 'resource.presets': { slot: 'preset', read: text } },
  },
  {
    key: 'cluster_size',
    aliases: ['nodes', 'clustersize'],
    doc: 'containers in a cluster session',
    examples: ['cluster_size=2'],
    into: createsSession('clusterSize', number(1, true)),
  },
  {
    key: 'cluster_mode',
    aliases: ['clustermode'],
    doc: 'single-node or multi-node',
    examples: ['cluster_mode=multi-node'],
    into: createsSession('clusterMode', oneOf(['single-node', 'multi-node'], { single_node: 'single-node', multi_node: 'multi-node' })),
  },
  { key: 'tag', aliases: [], doc: 'a free-form tag', examples: ['tag=ablation-3'], into: createsSession('tag', text) },
  {
    key: 'bootstrap',
    aliases: ['bootstrap_script'],
    doc: 'a script run when the container starts (the script itself, not a file name)',
    examples: ['bootstrap="pip install -r requirements.txt"'],
    into: createsSession('bootstrapScript', text),
  },
  { key: 'ports', aliases: ['port', 'preopen_ports'], doc: 'container ports to pre-open', examples: ['ports=8080,6006'], into: createsSession('preopenPorts', ports) },
  { key: 'starts_at', aliases: ['start_at'], doc: 'batch sessions: when to start (e.g. 1h)', examples: ['starts_at=1h'], into: createsSession('startsAt', text) },
  {
    key: 'depends',
    aliases: ['dependencies', 'depends_on', 'after'],
    doc: 'sessions that must finish first',
    examples: ['depends=train-job-1'],
    into: createsSession('dependencies[]', list),
  },
  { key: 'count', aliases: [], doc: 'how many such sessions', examples: ['count=3'], into: createsSession('count', number(1, true)) },
  { key: 'host', aliases: ['storage_host', 'vfolder_host'], doc: 'the storage host of a new folder', examples: ['host=local:volume1'], into: { 'folder.create': { slot: 'host', read: text } } },
  {
    key: 'usage',
    aliases: ['usage_mode'],
    doc: 'folder usage: general, model or data',
    examples: ['usage=model'],
    into: { 'folder.create': { slot: 'usageMode', read: oneOf(['general', 'model', 'data']) } },
  },
  {
    key: 'perm',
    aliases: ['permission'],
    doc: 'folder permission: ro, rw or wd',
    examples: ['perm=ro'],
    into: each(['folder.create', 'folder.update_options', 'folder.share'], {
      slot: 'permission',
      read: oneOf(['ro', 'rw', 'wd'], { 'read-only': 'ro', readonly: 'ro', 'read-write': 'rw', readwrite: 'rw', 'write-delete': 'wd' }),
    }),
  },
  {
    key: 'cloneable',
    aliases: ['allow_clone'],
    doc: 'whether the folder may be cloned (true or false)',
    examples: ['cloneable=true'],
    into: each(['folder.create', 'folder.update_options'], { slot: 'cloneable', read: bool }),
  },
  { key: 'email', aliases: ['emails', 'invitee', 'invitees', 'user', 'users'], doc: 'who to share a folder with, separated by commas', examples: ['email=bob@example.com'], into: { 'folder.share': { slot: 'emails[]', read: emails } } },
  { key: 'model', aliases: ['model_folder', 'model_name'], doc: 'the model folder a service serves', examples: ['model=models'], into: { 'service.create': { slot: 'modelFolder', read: text } } },
  { key: 'model_path', aliases: ['model_subpath', 'subpath'], doc: 'a directory inside the model folder', examples: ['model_path=llama-3-8b'], into: { 'service.create': { slot: 'modelSubpath', read: text } } },
  {
    key: 'model_definition',
    aliases: ['model_definition_path'],
    doc: 'the model-definition file, relative to the model folder',
    examples: ['model_definition=serve/model-definition.yaml'],
    into: { 'service.create': { slot: 'modelDefinitionPath', read: text } },
  },
  { key: 'runtime', aliases: ['runtime_variant'], doc: 'the serving runtime (vllm, custom, …)', examples: ['runtime=vllm'], into: { 'service.create': { slot: 'runtimeVariant', read: text } } },
  {
    key: 'replicas',
    aliases: ['replica', 'desired_session_count'],
    doc: 'how many replicas a service runs',
    examples: ['replicas=2'],
    into: { 'service.create': { slot: 'replicas', read: number(0, true) }, 'service.scale': { slot: 'replicas', read: number(0, true) } },
  },
  { key: 'public', aliases: ['open_to_public', 'expose_to_public'], doc: 'a service callable without a token (true or false)', examples: ['public=true'], into: { 'service.create': { slot: 'openToPublic', read: bool } } },
  { key: 'duration', aliases: ['lifetime', 'ttl', 'expires'], doc: 'how long a service token is valid', examples: ['duration=7d'], into: { 'service.token': { slot: 'duration', read: lifetime } } },
  { key: 'status', aliases: [], doc: 'session statuses to list, separated by commas', examples: ['status=RUNNING'], into: { 'session.list': { slot: 'status[]', read: statuses } } },
  { key: 'forced', aliases: ['force'], doc: 'terminate even a session in trouble (true or false)', examples: ['forced=true'], into: { 'session.destroy': { slot: 'forced', read: bool } } },
  { key: 'recursive', aliases: [], doc: 'delete directories with what they hold (true or false; default true)', examples: ['recursive=false'], into: { 'folder.delete_files': { slot: 'recursive', read: bool } } },
  { key: 'app', aliases: [], doc: 'the app to open in a session (jupyterlab, vscode, tensorboard, …)', examples: ['app=jupyterlab'], into: { 'session.start_service': { slot: 'app', read: text } } },
  { key: 'code', aliases: [], doc: 'code to run in a running session', examples: ['code="print(1)"'], into: { 'session.execute': { slot: 'code', read: text } } },
];

const normalise = (key: string): string => key.toLowerCase().replace(/-/g, '_');

const BY_NAME = new Map<string, KeyRule>();
for (const rule of KEYS) for (const name of [rule.key, ...rule.aliases]) BY_NAME.set(normalise(name), rule);

/** The rule of a key as written (`usage-mode`, `Usage_Mode` and `usage_mode` are one key). */
export function findKey(written: string): KeyRule | undefined {
  return BY_NAME.get(normalise(written));
}

/** A key in capitals is an environment variable (`WANDB_MODE=offline`), never a key of the vocabulary. */
export const isEnvName = (key: string): boolean => /^[A-Z][A-Z0-9_]*$/.test(key);

/** The keys a kind of task takes, for messages. */
export function keysFor(kind: IntentKind): string[] {
  return KEYS.filter((k) => k.into[kind]).map((k) => k.key);
}

// ------------------------------------------------------------------ intents being built

/** An intent under construction, with the slots only the user can give that are still absent. */
export interface Draft {
  intent: Intent;
  missing: string[];
}

/** Which `missing` entry a slot fills. */
const FILLS: Record<string, string> = {
  name: 'name',
  'target.names[]': 'target',
  newName: 'newName',
  path: 'path',
  'paths[]': 'paths',
  'emails[]': 'emails',
  modelFolder: 'modelFolder',
  destination: 'destination',
  replicas: 'replicas',
};

/** A new, empty intent of a kind, with what it still lacks. */
export function emptyDraft(kind: IntentKind): Draft {
  const intent = { kind } as Record<string, unknown>;
  if (kind === 'session.create') Object.assign(intent, { resources: {}, mounts: [], environ: {} });
  if (kind === 'service.create') Object.assign(intent, { resources: {}, environ: {} });
  if ((SESSION_TARGETS as string[]).includes(kind)) intent.target = { names: [] };
  if ((FILE_OPS as string[]).includes(kind)) intent.paths = [];
  if (kind === 'folder.share') intent.emails = [];
  return { intent: intent as unknown as Intent, missing: [] };
}

/** What a finished draft still lacks (only the user can say). */
export function finishDraft(d: Draft): Draft {
  const i = d.intent as unknown as Record<string, unknown> & { kind: IntentKind };
  const missing = new Set(d.missing);
  const need = (slot: string, present: boolean): void => {
    if (!present) missing.add(slot);
  };
  const names = (i.target as { names?: string[] } | undefined)?.names;
  if ((SESSION_TARGETS as string[]).includes(i.kind)) need('target', (names?.length ?? 0) > 0);
  if ((FOLDER_TARGETS as string[]).includes(i.kind) || (SERVICE_TARGETS as string[]).includes(i.kind) || i.kind === 'folder.create') need('name', i.name !== undefined);
  if (i.kind === 'session.rename' || i.kind === 'folder.rename' || i.kind === 'folder.rename_file' || i.kind === 'folder.clone') need('newName', i.newName !== undefined);
  if (i.kind === 'folder.mkdir') need('path', i.path !== undefined);
  if ((FILE_OPS as string[]).includes(i.kind)) need('paths', (i.paths as string[]).length > 0);
  if (i.kind === 'folder.move_file') need('destination', i.destination !== undefined);
  if (i.kind === 'folder.share') need('emails', (i.emails as string[]).length > 0);
  if (i.kind === 'service.create') need('modelFolder', i.modelFolder !== undefined);
  return { intent: d.intent, missing: [...missing] };
}

const show = (v: unknown): string => (typeof v === 'object' ? JSON.stringify(v) : String(v));
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * Put `written=raw` into the draft: the key must be one the draft's kind takes, the value must
 * read, and a slot already holding another value is a conflict. Returns a problem, or nothing.
 */
export function applyPair(d: Draft, written: string, raw: string): Problem | undefined {
  const kind = d.intent.kind;
  if (isEnvName(written)) return applyPair(d, 'env', `${written}=${raw}`);
  const rule = findKey(written);
  if (!rule) return problem(`unknown key "${written}" (${written}=${raw}). Known keys for \`${kind}\`: ${keysFor(kind).join(', ') || 'none'}`);
  const target = rule.into[kind];
  if (!target) return problem(`\`${kind}\` does not take ${written}=${raw}${keysFor(kind).length ? ` (it takes ${keysFor(kind).join(', ')})` : ''}`);
  if (raw.trim() === '') return problem(`${written}= has no value: what should ${rule.key} be?`);
  const value = target.read(raw.trim(), written);
  if (isProblem(value)) return value;
  const intent = d.intent as unknown as Record<string, unknown>;
  const { slot } = target;
  if (slot.endsWith('[]')) {
    const path = slot.slice(0, -2).split('.');
    const holder = path.length === 2 ? ((intent[path[0]!] ??= {}) as Record<string, unknown>) : intent;
    const list = (holder[path[path.length - 1]!] ??= []) as unknown[];
    const seen = new Set(list.map((x) => JSON.stringify(x)));
    for (const v of value as unknown[]) if (!seen.has(JSON.stringify(v))) (seen.add(JSON.stringify(v)), list.push(v));
  } else if (slot.endsWith('{}')) {
    const map = (intent[slot.slice(0, -2)] ??= {}) as Record<string, string>;
    for (const [k, v] of Object.entries(value as Record<string, string | undefined>)) {
      if (v === undefined) {
        if (map[k] === undefined && !d.missing.includes(`environ:${k}`)) d.missing.push(`environ:${k}`);
        continue;
      }
      if (map[k] !== undefined && map[k] !== v) return problem(`${k} is given twice (${map[k]} and ${v}): which one?`);
      map[k] = v;
      d.missing = d.missing.filter((m) => m !== `environ:${k}`);
    }
  } else {
    const path = slot.split('.');
    const holder = path.length === 2 ? ((intent[path[0]!] ??= {}) as Record<string, unknown>) : intent;
    const leaf = path[path.length - 1]!;
    if (holder[leaf] !== undefined && !same(holder[leaf], value)) {
      return problem(`${rule.key} is given twice (${show(shown(holder[leaf]))} and ${show(shown(value))}): which one?`);
    }
    holder[leaf] = value;
  }
  const fills = FILLS[slot];
  if (fills) d.missing = d.missing.filter((m) => m !== fills);
  return undefined;
}

/** An accelerator amount shows as the words it came from. */
const shown = (v: unknown): unknown => (typeof v === 'object' && v !== null && 'text' in v ? (v as { text: string }).text : v);
