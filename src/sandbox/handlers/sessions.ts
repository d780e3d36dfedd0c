/**
 * Compute sessions (facts §3): legacy `POST /session` with field names and aliases, reuse,
 * blocking vs `enqueueOnly` creation, per-session routes by name (live, own) or UUID (any),
 * and the v2 REST routes (search, get, logs, terminate, enqueue, compute-schedule).
 */
import { parseBinarySize, parseDecimal } from '../../units.js';
import { isReservedMountTarget, kernelPath } from '../../mount-targets.js';
import { badParams, notFound, Problem } from '../problem.js';
import {
  advanceWorld, BATCH_RUN_MS, timeline as timelineOf, endedAt, fits, freeIn, isLive, requestedTotal, sessionResult, sessionStatus,
  type SessionStatus,
} from '../scheduler.js';
import type { Folder, SandboxImage, SandboxWorld, SessionRecord, SessionType, Slots } from '../world.js';
import { accessibleFolder } from './folders.js';
import { executeInSession } from './execute.js';
import { commitToFile, imagify } from './session-images.js';
import {
  allowedResourceGroups, callerProject, decimalString, findProject, findResourceGroup, iso, isUuid, newUuid, normalizeUuid, slotStrings,
} from './common.js';
import { bodyObject, json, noContent, pick, sleep, type HandlerContext, type HandlerTable } from './context.js';
import type { Caller } from '../auth.js';

/** `maxWaitSeconds: 0` waits forever on a real manager; the sandbox gives up after this (status TIMEOUT) so a test can never hang. */
export const BLOCKING_CREATE_CAP_MS = 30_000;
const WAIT_POLL_MS = 50;
const SESSION_NAME_RE = /^(?=.{4,64}$)[\w.-]+$/;

// ---------------------------------------------------------------------------------------------
// lookups

export function findImage(world: SandboxWorld, ref: string, architecture?: string): SandboxImage | undefined {
  const arch = architecture ? normalizeArch(architecture) : undefined;
  const byRef = world.images.find((i) => i.reference === ref && (!arch || i.architecture === arch));
  return byRef ?? world.images.find((i) => i.aliases.includes(ref) && (!arch || i.architecture === arch));
}

function normalizeArch(a: string): string {
  return ({ amd64: 'x86_64', x64: 'x86_64', arm64: 'aarch64' } as Record<string, string>)[a.toLowerCase()] ?? a;
}

const canSee = (s: SessionRecord, caller: Caller): boolean => caller.user.role === 'superadmin' || s.ownerAccessKey === caller.accessKey;

/** `{session_name}`: a UUID reaches any visible session (terminated too); a name only live ones of the owner. */
export function resolveSession(ctx: HandlerContext, ref: string): SessionRecord {
  const owner = ctx.query.get('owner_access_key');
  if (isUuid(ref)) {
    const id = normalizeUuid(ref);
    const s = ctx.world.sessions.find((x) => x.id === id && canSee(x, ctx.caller));
    if (s) return s;
  } else {
    const key = owner && ctx.caller.user.role !== 'user' ? owner : ctx.caller.accessKey;
    const s = ctx.world.sessions.find((x) => x.name === ref && x.ownerAccessKey === key && isLive(sessionStatus(x, ctx.now, ctx.fast)));
    if (s) return s;
  }
  throw notFound(`No such session: ${ref}`, 'No such session.');
}

// ---------------------------------------------------------------------------------------------
// response shapes

function servicePorts(world: SandboxWorld, s: SessionRecord) {
  const img = world.images.find((i) => i.reference === s.image);
  const ports: Array<Record<string, unknown>> = [
    { name: 'jupyter', protocol: 'http', ports: [8081], url_template: null, allowed_arguments: null, allowed_envs: null },
    { name: 'jupyterlab', protocol: 'http', ports: [8090] },
    { name: 'ttyd', protocol: 'http', ports: [7681] },
    { name: 'sshd', protocol: 'tcp', ports: [2200] },
  ];
  if (img?.labels['ai.backend.runtime-variant'] === 'vllm') ports.push({ name: 'vllm', protocol: 'preopen', ports: [8000] });
  return ports;
}

function legacyInfo(ctx: HandlerContext, s: SessionRecord) {
  const status = sessionStatus(s, ctx.now, ctx.fast);
  const img = ctx.world.images.find((i) => i.reference === s.image);
  const project = findProject(ctx.world, s.group);
  const owner = ctx.world.users.find((u) => u.accessKey === s.ownerAccessKey);
  const ended = endedAt(s, ctx.now, ctx.fast);
  const holding = !['PENDING', 'TERMINATED', 'CANCELLED', 'ERROR'].includes(status);
  return {
    age: Math.max(0, (ended ?? ctx.now) - s.createdAt),
    domainName: s.domain,
    groupId: project?.id ?? null,
    userId: owner?.uuid ?? null,
    lang: s.image,
    image: s.image,
    architecture: s.architecture,
    registry: img?.registry ?? null,
    tag: s.tag,
    containerId: holding ? s.id.replace(/-/g, '').repeat(2) : null,
    occupiedSlots: JSON.stringify(holding ? slotStrings(requestedTotal(s)) : {}),
    occupyingSlots: JSON.stringify(holding ? slotStrings(requestedTotal(s)) : {}),
    requestedSlots: JSON.stringify(slotStrings(requestedTotal(s))),
    occupiedShares: '{}',
    environ: JSON.stringify(s.environ),
    resourceOpts: JSON.stringify(s.resourceOpts),
    status,
    statusInfo: statusInfoOf(s, status, sessionResult(s, ctx.now, ctx.fast)),
    statusData: status === 'PENDING' && s.pendingReason ? { scheduler: { msg: s.pendingReason } } : {},
    creationTime: iso(s.createdAt),
    terminationTime: iso(ended),
    numQueriesExecuted: 0,
    lastStat: null,
    idleChecks: {},
  };
}

/** The manager's `status_info`: why a session waits (PENDING) or how it ended. */
export function statusInfoOf(s: SessionRecord, status: SessionStatus, result: string): string | null {
  if (status === 'PENDING') return s.pendingReason ?? null;
  if (status === 'CANCELLED') return 'user-requested';
  if (status === 'TERMINATED') return result === 'success' ? 'task-finished' : 'user-requested';
  return null;
}

function slotEntries(slots: Slots) {
  return Object.entries(slots).map(([resource_type, q]) => ({ resource_type, quantity: decimalString(q) }));
}

export function sessionNode(world: SandboxWorld, s: SessionRecord, now: number, fast: boolean) {
  const status = sessionStatus(s, now, fast);
  const img = world.images.find((i) => i.reference === s.image);
  const project = findProject(world, s.group);
  const owner = world.users.find((u) => u.accessKey === s.ownerAccessKey);
  const holding = !['PENDING', 'TERMINATED', 'CANCELLED', 'ERROR'].includes(status);
  return {
    id: s.id,
    image_ids: img ? [img.id] : [],
    domain_name: s.domain,
    user_id: owner?.uuid ?? null,
    project_id: project?.id ?? null,
    metadata: {
      name: s.name,
      session_type: s.type,
      access_key: s.ownerAccessKey,
      cluster_mode: s.clusterMode,
      cluster_size: s.clusterSize,
      priority: s.priority,
      tag: s.tag,
      images: [s.image],
    },
    resource: {
      allocation: { requested_slots: slotEntries(requestedTotal(s)), occupied_slots: holding ? slotEntries(requestedTotal(s)) : [] },
      resource_group_name: s.resourceGroup,
      resource_opts: s.resourceOpts,
    },
    lifecycle: {
      status,
      status_info: statusInfoOf(s, status, sessionResult(s, now, fast)),
      result: sessionResult(s, now, fast).toUpperCase(),
      created_at: iso(s.createdAt),
      terminated_at: iso(endedAt(s, now, fast)),
      starts_at: iso(s.startsAt ?? null),
      batch_timeout: null,
    },
    runtime: { environ: s.environ, bootstrap_script: s.bootstrapScript, startup_command: s.startupCommand },
    network: { use_host_network: false, preopen_ports: [] },
    mounts: s.mounts,
  };
}

function fakeLogs(s: SessionRecord, status: SessionStatus): string {
  if (status === 'PENDING' || status === 'CANCELLED') return '';
  const lines = [`[sandbox] container for session ${s.name} (${s.image}) started`];
  if (s.type === 'batch' && s.startupCommand) {
    lines.push(`$ ${s.startupCommand}`, `running ${s.startupCommand.split(/\s+/)[1] ?? s.startupCommand}...`, 'epoch 1/1: loss=0.0421', 'done.');
  } else {
    lines.push('[I jupyter] Jupyter Server is running at: http://127.0.0.1:8081/', '[sandbox] ttyd listening on port 7681');
  }
  if (status === 'TERMINATED') lines.push('[sandbox] container exited with code 0');
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// creation

export interface CreateSpec {
  name: string;
  image: SandboxImage;
  type: SessionType;
  projectName: string;
  domain: string;
  resources: Record<string, unknown>;
  resourceOpts: Record<string, unknown>;
  resourceGroup?: string;
  mounts: string[];
  mountIds: string[];
  environ: Record<string, string>;
  clusterSize: number;
  clusterMode: 'single-node' | 'multi-node';
  startupCommand: string | null;
  bootstrapScript: string | null;
  tag: string | null;
  priority: number;
  batchOnly: { startsAt: unknown; batchTimeout: unknown };
  reuse: boolean;
  serviceId?: string;
  /** session names or ids that must end first */
  dependencies?: unknown;
  /** Where the request asks folders to be mounted (`mount_map` values, `mount_options[].mount_destination`). */
  mountPaths?: string[];
}

function checkMountPaths(paths: string[]): void {
  const seen = new Set<string>();
  paths.forEach((p, i) => {
    if (typeof p !== 'string' || p.trim() === '') throw badParams(`vfolder_mounts[${i}] has an empty alias.`);
    // reserved targets (facts §15.3): the message names the path as the manager's does
    if (isReservedMountTarget(p)) throw badParams(`vfolder_mounts[${i}] alias '${p}' is reserved for internal paths.`);
    const path = kernelPath(p);
    if (seen.has(path)) throw badParams(`vfolder_mounts has duplicate kernel_path '${path}'.`);
    seen.add(path);
  });
}

/** `starts_at`: an ISO 8601 time, or a delay such as "30m", "1h", "2d" (facts §3.3), as epoch ms. */
function startsAtOf(raw: unknown, now: number): number | null {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw !== 'string') throw badParams(`starts_at: expected a string (ISO 8601 time or a delay like "1h"), got ${JSON.stringify(raw)}`);
  const delay = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)\s*$/i.exec(raw);
  if (delay) return now + Number(delay[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 }[delay[2]!.toLowerCase() as 's']!;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw badParams(`starts_at: not an ISO 8601 time or a delay like "1h": ${JSON.stringify(raw)}`);
  return at;
}

/** Parse `resources` as the manager does (facts §4.2): unknown slot, shmem, negatives, sizes. */
export function parseResources(world: SandboxWorld, raw: Record<string, unknown>): Slots {
  const slots: Slots = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'shmem') {
      throw new Problem(400, 'unknown-resource-slot-type', 'Unknown resource slot type: shmem (shared memory is not a slot: put it in resource_opts, e.g. {"resource_opts": {"shmem": "1g"}})');
    }
    const type = world.slotTypes[key];
    if (!type) throw new Problem(400, 'unknown-resource-slot-type', `Unknown resource slot type: ${key} (known: ${Object.keys(world.slotTypes).join(', ')})`);
    const asNumber = typeof value === 'string' ? parseDecimal(value) : typeof value === 'number' ? value : undefined;
    if (asNumber !== undefined && asNumber < 0) throw new Problem(400, 'invalid-resource-slot-quantity', `Invalid quantity for ${key}: ${String(value)} (must not be negative)`);
    const n = type === 'bytes' ? parseBinarySize(value) : parseDecimal(value);
    if (n === undefined) throw new Problem(400, 'invalid-resource-slot-quantity', `Invalid quantity for ${key}: ${JSON.stringify(value)}`);
    if (n > 0) slots[key] = n;
  }
  return slots;
}

function resolveMounts(ctx: HandlerContext, names: string[], ids: string[]): string[] {
  const out: string[] = [];
  const take = (f: Folder | undefined, ref: string): void => {
    if (!f) throw new Problem(404, 'object-not-found', `No such virtual folder to mount: ${ref}`, undefined, 'No such virtual folder.');
    if (f.status !== 'ready') throw new Problem(404, 'object-not-found', `The folder "${f.name}" is in the trash bin (${f.status}) and cannot be mounted`, undefined, 'No such virtual folder.');
    if (!out.includes(f.id)) out.push(f.id);
  };
  for (const raw of names) {
    const name = raw.split('/')[0] ?? raw;
    take(isUuid(name) ? accessibleFolder(ctx, name, { anyStatus: true }) : accessibleFolder(ctx, name, { anyStatus: true }), raw);
  }
  for (const id of ids) take(accessibleFolder(ctx, id, { anyStatus: true }), id);
  return out;
}

/** Validate and insert a session (status PENDING; the scheduler admits it). Returns it, or the reused one. */
export function createSession(ctx: HandlerContext, spec: CreateSpec): { session: SessionRecord; created: boolean } {
  const { world } = ctx;
  if (!SESSION_NAME_RE.test(spec.name)) throw badParams(`session_name: must be 4–64 characters of letters, digits, "-", "_" or "." (got ${JSON.stringify(spec.name)})`);
  if (spec.name === 'from-template') throw badParams('session_name: "from-template" is reserved');
  const existing = world.sessions.find((s) => s.name === spec.name && s.ownerAccessKey === ctx.caller.accessKey && isLive(sessionStatus(s, ctx.now, ctx.fast)));
  if (existing) {
    if (spec.reuse && existing.image === spec.image.reference) return { session: existing, created: false };
    throw new Problem(400, 'session-already-exists', `A live session named "${spec.name}" already exists${existing.image !== spec.image.reference ? ` with a different image (${existing.image})` : ''}`, { existingSessionId: existing.id });
  }
  if (spec.type === 'batch' && !spec.startupCommand?.trim()) throw badParams('Batch sessions must have a non-empty startup command (startup_command)');
  if (spec.type !== 'batch' && (spec.batchOnly.startsAt != null || spec.batchOnly.batchTimeout != null)) {
    throw badParams('starts_at and batch_timeout are only for batch sessions');
  }
  const project = callerProject(world, ctx.caller, spec.projectName);

  const slots = parseResources(world, spec.resources);
  for (const k of ['cpu', 'mem'] as const) if (!slots[k]) slots[k] = spec.image.minSlots[k] ?? 0;
  for (const [k, min] of Object.entries(spec.image.minSlots)) {
    if ((slots[k] ?? 0) < min) throw badParams(`Your resource request is smaller than the minimum required by the image ${spec.image.reference}: ${k} ${decimalString(slots[k] ?? 0)} < ${decimalString(min)}`);
  }
  const shmemRaw = spec.resourceOpts.shmem;
  const shmem = shmemRaw === undefined ? 64 * 1024 ** 2 : parseBinarySize(shmemRaw);
  if (shmem === undefined) throw badParams(`resource_opts.shmem: not a size: ${JSON.stringify(shmemRaw)}`);
  if (shmem >= (slots.mem ?? 0)) throw badParams(`resource_opts.shmem (${shmem} bytes) must be smaller than mem (${slots.mem ?? 0} bytes)`);

  const allowed = allowedResourceGroups(world, project.name);
  let resourceGroup: string;
  const total: Slots = {};
  for (const [k, v] of Object.entries(slots)) total[k] = v * spec.clusterSize;
  if (spec.resourceGroup) {
    const g = findResourceGroup(world, spec.resourceGroup);
    if (!g) throw new Problem(400, 'unresolvable-resource-group', `No such resource group: ${spec.resourceGroup} (allowed for "${project.name}": ${allowed.map((a) => a.name).join(', ')})`);
    if (!allowed.includes(g)) throw new Problem(400, 'no-available-scaling-group', `The resource group "${g.name}" is not allowed for the project "${project.name}" (allowed: ${allowed.map((a) => a.name).join(', ')})`);
    resourceGroup = g.name;
  } else {
    if (allowed.length === 0) throw new Problem(400, 'no-available-scaling-group', `No resource group is allowed for the project "${project.name}"`);
    resourceGroup = (allowed.find((g) => fits(total, freeIn(world, g.name, ctx.now, ctx.fast))) ?? allowed[0]!).name;
  }
  if (spec.mountPaths?.length) checkMountPaths(spec.mountPaths);
  const mounts = resolveMounts(ctx, spec.mounts, spec.mountIds);
  // over the keypair's limits the manager still answers 201: the scheduler keeps it PENDING (facts §15.8)
  const startsAt = startsAtOf(spec.batchOnly.startsAt, ctx.now);
  if (spec.dependencies !== undefined && spec.dependencies !== null && !Array.isArray(spec.dependencies)) throw badParams('dependencies: expected a list of session names or ids');
  const dependsOn = ((spec.dependencies as unknown[] | null | undefined) ?? []).map((d) => resolveSession(ctx, String(d)).id);

  const session: SessionRecord = {
    id: newUuid(),
    name: spec.name,
    ownerAccessKey: ctx.caller.accessKey,
    ownerEmail: ctx.caller.user.email,
    type: spec.type,
    image: spec.image.reference,
    architecture: spec.image.architecture,
    domain: spec.domain,
    group: project.name,
    resourceGroup,
    slots,
    clusterSize: spec.clusterSize,
    clusterMode: spec.clusterMode,
    mounts,
    environ: spec.environ,
    resourceOpts: { ...spec.resourceOpts, shmem },
    startupCommand: spec.startupCommand,
    bootstrapScript: spec.bootstrapScript,
    tag: spec.tag,
    priority: spec.priority,
    createdAt: ctx.now,
    scheduledAt: null,
    terminateRequestedAt: null,
    cancelledAt: null,
    runningObservedAt: null,
    finishedAt: null,
    batchRunMs: BATCH_RUN_MS,
    serviceId: spec.serviceId ?? null,
    ...(startsAt !== null ? { startsAt } : {}),
    ...(dependsOn.length ? { dependsOn } : {}),
  };
  world.sessions.push(session);
  advanceWorld(world, ctx.now, ctx.fast);
  return { session, created: true };
}

function legacyCreateSpec(ctx: HandlerContext): { spec: CreateSpec; enqueueOnly: boolean; maxWaitSeconds: number } {
  const b = bodyObject(ctx.body);
  const config = bodyObject(b.config);
  const name = pick<string>(b, 'session_name', 'name', 'clientSessionToken');
  const imageRef = pick<string>(b, 'image', 'lang');
  if (!name) throw badParams('session_name: missing required field');
  if (!imageRef) throw badParams('image: missing required field');
  const image = findImage(ctx.world, imageRef, pick<string>(b, 'architecture', 'arch'));
  if (!image) throw new Problem(404, 'object-not-found', `No such environment image: ${imageRef}`, undefined, 'No such environment image.');
  const mountMap = bodyObject(pick(config, 'mount_map', 'mountMap'));
  const mountIdMap = bodyObject(pick(config, 'mount_id_map', 'mountIdMap'));
  const mountOptions = bodyObject(pick(config, 'mount_options', 'mountOptions'));
  const mountPaths = [
    ...Object.values(mountMap),
    ...Object.values(mountIdMap),
    ...Object.values(mountOptions).flatMap((o) => {
      const dest = bodyObject(o).mount_destination;
      return dest === undefined || dest === null ? [] : [dest];
    }),
  ].map(String);
  const mountNames = [...((config.mounts as string[] | undefined) ?? []), ...Object.keys(mountMap)];
  const clusterModeRaw = String(pick(b, 'cluster_mode', 'clusterMode') ?? 'single-node').toLowerCase().replace('_', '-');
  return {
    spec: {
      name,
      image,
      type: (pick<SessionType>(b, 'session_type', 'type', 'sessionType') ?? 'interactive'),
      projectName: pick<string>(b, 'group', 'groupName', 'group_name') ?? 'default',
      domain: pick<string>(b, 'domain', 'domainName', 'domain_name') ?? 'default',
      resources: bodyObject(config.resources),
      resourceOpts: bodyObject(pick(config, 'resource_opts', 'resourceOpts')),
      ...(pick<string>(config, 'scaling_group', 'scalingGroup') ? { resourceGroup: pick<string>(config, 'scaling_group', 'scalingGroup')! } : {}),
      // UUID-looking mount names go to the id bucket, as the manager does
      mounts: mountNames.filter((m) => !isUuid(m)),
      mountIds: [...((config.mount_ids as string[] | undefined) ?? []), ...Object.keys(mountIdMap), ...mountNames.filter((m) => isUuid(m))],
      environ: bodyObject(config.environ) as Record<string, string>,
      clusterSize: pick<number>(b, 'cluster_size', 'clusterSize') ?? 1,
      clusterMode: clusterModeRaw === 'multi-node' ? 'multi-node' : 'single-node',
      startupCommand: pick<string>(b, 'startup_command', 'startupCommand') ?? null,
      bootstrapScript: pick<string>(b, 'bootstrap_script', 'bootstrapScript') ?? null,
      tag: pick<string>(b, 'tag') ?? null,
      priority: pick<number>(b, 'priority') ?? 10,
      batchOnly: { startsAt: pick(b, 'starts_at', 'startsAt'), batchTimeout: pick(b, 'batch_timeout', 'batchTimeout') },
      reuse: pick<boolean>(b, 'reuse', 'reuseIfExists') ?? true,
      dependencies: pick(b, 'dependencies'),
      mountPaths,
    },
    enqueueOnly: pick<boolean>(b, 'enqueue_only', 'enqueueOnly') ?? false,
    maxWaitSeconds: pick<number>(b, 'max_wait_seconds', 'maxWaitSeconds') ?? 0,
  };
}

async function createFromParams(ctx: HandlerContext) {
  const { spec, enqueueOnly, maxWaitSeconds } = legacyCreateSpec(ctx);
  const { session, created } = createSession(ctx, spec);
  const answer = (status: string) => ({
    sessionId: session.id,
    sessionName: session.name,
    status,
    servicePorts: status === 'RUNNING' ? servicePorts(ctx.world, session) : [],
    created,
    ...(created ? {} : { service_ports: status === 'RUNNING' ? servicePorts(ctx.world, session) : [] }),
  });
  if (!created) return json(201, answer(sessionStatus(session, ctx.now, ctx.fast)));
  if (enqueueOnly) return json(201, answer('PENDING'));
  ctx.save();
  // block until RUNNING (or a terminal state), like the manager; the world is re-read each
  // round because another process sharing the state file may free resources meanwhile
  const deadline = Date.now() + (maxWaitSeconds > 0 ? maxWaitSeconds * 1000 : BLOCKING_CREATE_CAP_MS);
  for (let round = 0; ; round++) {
    // the first look uses the world as created (a fast-clock batch run would otherwise finish
    // before anyone saw it RUNNING)
    const world = round === 0 ? ctx.world : ctx.refresh();
    const current = world.sessions.find((s) => s.id === session.id) ?? session;
    const status = sessionStatus(current, ctx.clockNow(), ctx.fast);
    if (status === 'RUNNING' || !isLive(status)) return json(201, { ...answer(status), servicePorts: status === 'RUNNING' ? servicePorts(world, current) : [] });
    if (Date.now() >= deadline || ctx.signal.aborted) return json(201, answer('TIMEOUT'));
    await sleep(WAIT_POLL_MS, ctx.signal);
  }
}

// ---------------------------------------------------------------------------------------------
// termination

/** Cancel a PENDING session, or start terminating a live one; returns what happened. */
export function terminateSession(world: SandboxWorld, s: SessionRecord, now: number, fast: boolean): 'cancelled' | 'terminating' | 'skipped' {
  const status = sessionStatus(s, now, fast);
  if (status === 'PENDING') {
    s.cancelledAt = now;
    return 'cancelled';
  }
  if (!isLive(status) || status === 'TERMINATING') return 'skipped';
  s.terminateRequestedAt = now;
  return 'terminating';
}

function destroy(ctx: HandlerContext) {
  const s = resolveSession(ctx, ctx.params.session_name ?? '');
  const outcome = terminateSession(ctx.world, s, ctx.now, ctx.fast);
  advanceWorld(ctx.world, ctx.now, ctx.fast); // freed resources may admit a pending session
  return json(200, { stats: outcome === 'skipped' ? {} : { status: outcome === 'cancelled' ? 'cancelled' : 'terminated' } });
}

// ---------------------------------------------------------------------------------------------
// v2 search

type Filter = Record<string, unknown>;

function matchString(value: string, f: Record<string, unknown>): boolean {
  const ci = (x: unknown) => String(x).toLowerCase();
  if (f.equals !== undefined && value !== f.equals) return false;
  if (f.i_equals !== undefined && value.toLowerCase() !== ci(f.i_equals)) return false;
  if (f.contains !== undefined && !value.includes(String(f.contains))) return false;
  if (f.i_contains !== undefined && !value.toLowerCase().includes(ci(f.i_contains))) return false;
  if (f.starts_with !== undefined && !value.startsWith(String(f.starts_with))) return false;
  if (f.ends_with !== undefined && !value.endsWith(String(f.ends_with))) return false;
  if (f.not_equals !== undefined && value === f.not_equals) return false;
  return true;
}

function matchFilter(node: ReturnType<typeof sessionNode>, f: Filter | undefined): boolean {
  if (!f) return true;
  const status = node.lifecycle.status;
  const sf = f.status as Record<string, unknown> | undefined;
  if (sf) {
    if (sf.equals !== undefined && status !== sf.equals) return false;
    if (Array.isArray(sf.in_) && !sf.in_.includes(status)) return false;
    if (Array.isArray(sf.in) && !sf.in.includes(status)) return false;
    if (sf.not_equals !== undefined && status === sf.not_equals) return false;
    if (Array.isArray(sf.not_in) && sf.not_in.includes(status)) return false;
  }
  if (f.name && !matchString(node.metadata.name, f.name as Record<string, unknown>)) return false;
  const idf = f.id as Record<string, unknown> | undefined;
  if (idf) {
    if (idf.equals !== undefined && node.id !== idf.equals) return false;
    if (Array.isArray(idf.in) && !idf.in.includes(node.id)) return false;
  }
  const pid = f.project_id as Record<string, unknown> | undefined;
  if (pid?.equals !== undefined && node.project_id !== pid.equals) return false;
  if (f.domain_name && !matchString(node.domain_name, f.domain_name as Record<string, unknown>)) return false;
  if (Array.isArray(f.AND) && !f.AND.every((x) => matchFilter(node, x as Filter))) return false;
  if (Array.isArray(f.OR) && f.OR.length > 0 && !f.OR.some((x) => matchFilter(node, x as Filter))) return false;
  if (Array.isArray(f.NOT) && f.NOT.some((x) => matchFilter(node, x as Filter))) return false;
  if (f.NOT && !Array.isArray(f.NOT) && matchFilter(node, f.NOT as Filter)) return false;
  return true;
}

function search(ctx: HandlerContext, scope: (s: SessionRecord) => boolean) {
  const b = bodyObject(ctx.body);
  let nodes = ctx.world.sessions.filter(scope).map((s) => sessionNode(ctx.world, s, ctx.now, ctx.fast));
  nodes = nodes.filter((n) => matchFilter(n, b.filter as Filter | undefined));
  const order = (Array.isArray(b.order) ? b.order : [{ field: 'created_at', direction: 'DESC' }]) as Array<{ field?: string; direction?: string }>;
  const key = (n: (typeof nodes)[number], field: string): string =>
    field === 'name' ? n.metadata.name : field === 'status' ? n.lifecycle.status : field === 'id' ? n.id : field === 'terminated_at' ? n.lifecycle.terminated_at ?? '' : n.lifecycle.created_at ?? '';
  nodes.sort((a, c) => {
    for (const o of order) {
      const dir = String(o.direction ?? 'ASC').toUpperCase() === 'DESC' ? -1 : 1;
      const x = key(a, o.field ?? 'created_at');
      const y = key(c, o.field ?? 'created_at');
      if (x !== y) return x < y ? -dir : dir;
    }
    return 0;
  });
  const total = nodes.length;
  const offset = Number(b.offset ?? 0);
  const limit = Number(b.limit ?? b.first ?? 50);
  const items = nodes.slice(offset, offset + limit);
  return { items, total_count: total, has_next_page: offset + items.length < total, has_previous_page: offset > 0 };
}

/** A session addressed by the path that must be RUNNING for container operations. */
function liveRunning(ctx: HandlerContext): SessionRecord {
  const s = resolveSession(ctx, ctx.params.session_name ?? '');
  const status = sessionStatus(s, ctx.now, ctx.fast);
  if (status !== 'RUNNING') throw badParams(`The session "${s.name}" is ${status}, not RUNNING`);
  return s;
}

function v2Get(ctx: HandlerContext): SessionRecord {
  const ref = ctx.params.session_id ?? '';
  const s = isUuid(ref) ? ctx.world.sessions.find((x) => x.id === normalizeUuid(ref) && canSee(x, ctx.caller)) : undefined;
  if (!s) throw notFound(`No such session: ${ref}`, 'No such session.');
  return s;
}

// ---------------------------------------------------------------------------------------------
// v2 enqueue / compute-schedule (UUIDs everywhere, facts §3.7)

function entriesToResources(entries: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const e of (Array.isArray(entries) ? entries : []) as Array<{ resource_type?: string; quantity?: unknown }>) {
    if (e.resource_type) out[e.resource_type] = e.quantity;
  }
  return out;
}

function enqueue(ctx: HandlerContext) {
  const b = bodyObject(ctx.body);
  const image = ctx.world.images.find((i) => i.id === String(b.image_id ?? '').toLowerCase());
  if (!image) throw new Problem(404, 'object-not-found', `No such image id: ${String(b.image_id)}`, undefined, 'No such environment image.');
  const project = ctx.world.projects.find((p) => p.id === String(b.project_id ?? '').toLowerCase());
  if (!project) throw new Problem(404, 'object-not-found', `No such project id: ${String(b.project_id)}`, undefined, 'No such project.');
  const type = (b.session_type as SessionType | undefined) ?? 'interactive';
  const batch = bodyObject(b.batch);
  if (type === 'batch' && !b.batch) throw badParams('batch: required for batch sessions ({"startup_command": ...})');
  if (type !== 'batch' && b.batch) throw badParams('batch: only for batch sessions');
  const rgRef = pick<string>(b, 'resource_group_id', 'resource_group');
  const shmem = bodyObject(b.resource_opts).shmem;
  const { session } = createSession(ctx, {
    name: String(b.session_name ?? ''),
    image,
    type,
    projectName: project.name,
    domain: ctx.world.domain,
    resources: entriesToResources(b.resource_entries),
    resourceOpts: shmem ? { shmem: bodyObject(shmem).expr ?? shmem } : {},
    ...(rgRef ? { resourceGroup: rgRef } : {}),
    mounts: [],
    mountIds: ((b.mounts as Array<{ vfolder_id: string }> | undefined) ?? []).map((m) => m.vfolder_id),
    mountPaths: ((b.mounts as Array<{ mount_path?: string | null }> | undefined) ?? []).flatMap((m) => (m.mount_path ? [m.mount_path] : [])),
    environ: bodyObject(b.environ) as Record<string, string>,
    clusterSize: Number(b.cluster_size ?? 1),
    clusterMode: String(b.cluster_mode ?? 'single-node').toLowerCase().replace('_', '-') === 'multi-node' ? 'multi-node' : 'single-node',
    startupCommand: (batch.startup_command as string | undefined) ?? null,
    bootstrapScript: (b.bootstrap_script as string | undefined) ?? null,
    tag: (b.tag as string | undefined) ?? null,
    priority: Number(b.priority ?? 10),
    batchOnly: { startsAt: null, batchTimeout: null },
    reuse: false,
  });
  return json(201, { session: sessionNode(ctx.world, session, ctx.now, ctx.fast) });
}

function computeSchedule(ctx: HandlerContext) {
  const b = bodyObject(ctx.body);
  const g = findResourceGroup(ctx.world, String(b.resource_group_id ?? ''));
  if (!g) throw new Problem(404, 'object-not-found', `No such resource group id: ${String(b.resource_group_id)}`, undefined, 'No such scaling group.');
  let free = freeIn(ctx.world, g.name, ctx.now, ctx.fast);
  const kernels = (Array.isArray(b.kernels) ? b.kernels : []) as Array<{ image_id?: string; resources?: unknown }>;
  const results = kernels.map((k) => {
    const requested = parseResources(ctx.world, entriesToResources(k.resources));
    const image = k.image_id ? ctx.world.images.find((i) => i.id === String(k.image_id).toLowerCase()) : undefined;
    const ok = fits(requested, free);
    const reduction = Object.entries(requested)
      .filter(([slot, q]) => q > (free[slot] ?? 0))
      .map(([slot, q]) => ({ resource_type: slot, quantity: decimalString(q - (free[slot] ?? 0)) }));
    if (ok) free = Object.fromEntries(Object.entries(free).map(([slot, v]) => [slot, v - (requested[slot] ?? 0)]));
    return {
      requested_slots: slotEntries(requested),
      requested_architecture: image?.architecture ?? 'x86_64',
      success: ok,
      reason_hint: ok ? null : { required_reduction: reduction },
    };
  });
  return json(200, { results });
}

// ---------------------------------------------------------------------------------------------

export const sessionHandlers: HandlerTable = {
  'session.create_from_params': createFromParams,
  'session.create_from_params.2': createFromParams,
  'session.get_info': (ctx) => json(200, legacyInfo(ctx, resolveSession(ctx, ctx.params.session_name ?? ''))),
  'session.destroy': destroy,
  'session.restart': () => {
    throw new Problem(501, 'not-implemented', 'Restarting a session is not supported: terminate it and create a new one');
  },
  'session.rename_session': (ctx) => {
    const s = resolveSession(ctx, ctx.params.session_name ?? '');
    const b = bodyObject(ctx.body);
    const name = pick<string>(b, 'session_name', 'name');
    if (!name) throw new Problem(400, 'generic-bad-request', 'Malformed body: a JSON body with "session_name" is required');
    if (!SESSION_NAME_RE.test(name)) throw badParams(`session_name: must be 4–64 characters of letters, digits, "-", "_" or "." (got ${JSON.stringify(name)})`);
    const clash = ctx.world.sessions.find((x) => x !== s && x.name === name && x.ownerAccessKey === s.ownerAccessKey && isLive(sessionStatus(x, ctx.now, ctx.fast)));
    if (clash) throw new Problem(400, 'session-already-exists', `A live session named "${name}" already exists`, { existingSessionId: clash.id });
    s.name = name;
    return noContent();
  },
  'session.get_container_logs': (ctx) => {
    const s = resolveSession(ctx, ctx.params.session_name ?? '');
    return json(200, { result: { logs: fakeLogs(s, sessionStatus(s, ctx.now, ctx.fast)) } });
  },
  'session.get_status_history': (ctx) => {
    const s = resolveSession(ctx, ctx.params.session_name ?? '');
    return json(200, { result: Object.fromEntries(timelineUntil(ctx, s).map((c) => [c.status, iso(c.at)])) });
  },
  'session.execute': (ctx) => executeInSession(ctx, liveRunning(ctx)),
  'session.interrupt': (ctx) => {
    liveRunning(ctx);
    return noContent();
  },
  'session.start_service': (ctx) => {
    const s = liveRunning(ctx);
    const b = bodyObject(ctx.body);
    const app = String(pick(b, 'app', 'service') ?? '');
    if (!servicePorts(ctx.world, s).some((p) => p.name === app)) throw badParams(`The session "${s.name}" has no app "${app}" (available: ${servicePorts(ctx.world, s).map((p) => p.name).join(', ')})`);
    return json(200, { token: Buffer.from(`${s.id}:${app}`).toString('base64url'), wsproxy_addr: `${ctx.baseUrl.replace(/^http/, 'ws')}/wsproxy` });
  },
  // commit: a tar snapshot on the agent, in the background; GET reports it (done at once here)
  'session.commit_session': (ctx) => commitToFile(ctx, liveRunning(ctx)),
  // imagify: a reusable image of the container, in the project's registry
  'session.convert_session_to_image': (ctx) => imagify(ctx, liveRunning(ctx)),
  'session.get_commit_status': (ctx) => {
    const s = liveRunning(ctx);
    return json(200, { status: 'ready', kernel: s.id });
  },
  'session.shutdown_service': (ctx) => {
    liveRunning(ctx);
    return noContent();
  },
  'session.get_direct_access_info': (ctx) => {
    resolveSession(ctx, ctx.params.session_name ?? '');
    return json(200, {});
  },
  'session.get_dependency_graph': (ctx) => {
    const s = resolveSession(ctx, ctx.params.session_name ?? '');
    return json(200, { session_id: s.id, session_name: s.name, status: sessionStatus(s, ctx.now, ctx.fast), depends_on: [] });
  },
  'session.list_files': (ctx) => {
    const s = liveRunning(ctx);
    const path = (ctx.query.get('path') ?? '.').replace(/^\.\/?|\/$/g, '');
    const names = path ? [] : s.mounts.map((id) => ctx.world.folders.find((f) => f.id === id)?.name ?? id);
    const files = names.map((filename) => ({ mode: 'drwxr-xr-x', size: '4096', ctime: s.createdAt / 1000, mtime: s.createdAt / 1000, atime: s.createdAt / 1000, filename }));
    return json(200, { files: JSON.stringify(files), errors: '', abspath: `/home/work${path ? `/${path}` : ''}` });
  },
  'session.match_sessions': (ctx) => {
    const prefix = ctx.query.get('id') ?? '';
    const matches = ctx.world.sessions
      .filter((s) => s.ownerAccessKey === ctx.caller.accessKey && isLive(sessionStatus(s, ctx.now, ctx.fast)))
      .filter((s) => s.id.startsWith(prefix.toLowerCase()) || s.name.startsWith(prefix))
      .map((s) => ({ id: s.id, name: s.name, status: sessionStatus(s, ctx.now, ctx.fast) }));
    return json(200, { matches });
  },
  'v2/sessions.my_search': (ctx) => json(200, search(ctx, (s) => s.ownerAccessKey === ctx.caller.accessKey)),
  'v2/sessions.admin_search_sessions': (ctx) => json(200, search(ctx, () => true)),
  'v2/sessions.project_search': (ctx) => {
    const project = callerProject(ctx.world, ctx.caller, ctx.params.project_id ?? '');
    return json(200, search(ctx, (s) => s.group === project.name));
  },
  'v2/sessions.get': (ctx) => json(200, { session: sessionNode(ctx.world, v2Get(ctx), ctx.now, ctx.fast) }),
  'v2/sessions.get_logs': (ctx) => {
    const s = v2Get(ctx);
    return json(200, { logs: fakeLogs(s, sessionStatus(s, ctx.now, ctx.fast)) });
  },
  'v2/sessions.terminate': (ctx) => {
    const b = bodyObject(ctx.body);
    const forced = b.forced === true;
    const out = { cancelled: [] as string[], terminating: [] as string[], force_terminated: [] as string[], skipped: [] as string[] };
    for (const raw of (Array.isArray(b.session_ids) ? b.session_ids : []) as string[]) {
      const s = isUuid(raw) ? ctx.world.sessions.find((x) => x.id === normalizeUuid(raw) && canSee(x, ctx.caller)) : undefined;
      if (!s) {
        out.skipped.push(raw);
        continue;
      }
      const r = terminateSession(ctx.world, s, ctx.now, ctx.fast);
      if (r === 'cancelled') out.cancelled.push(s.id);
      else if (r === 'terminating') (forced ? out.force_terminated : out.terminating).push(s.id);
      else out.skipped.push(s.id);
    }
    advanceWorld(ctx.world, ctx.now, ctx.fast);
    return json(200, out);
  },
  'v2/sessions.enqueue': enqueue,
  'v2/sessions.compute_schedule': computeSchedule,
};

function timelineUntil(ctx: HandlerContext, s: SessionRecord) {
  return timelineOf(s, ctx.fast).filter((c) => c.at <= ctx.now);
}
