/**
 * Offline proposals for session intents: create (image matching, resources, presets, mounts,
 * resource-group search for DFSDT), destroy (by name or "all my running sessions"), list, info,
 * logs, rename.
 */
import { randomBytes } from 'node:crypto';
import { isConnectionFailure } from '../../client/errors.js';
import { createdEntities, isUuid } from '../entities.js';
import { formatBinarySize, humanBytes, parseBinarySize, parseDecimal } from '../../units.js';
import type { CallCandidate } from '../types.js';
import type { SessionActionIntent, SessionExecuteIntent, SessionCreateIntent, SessionDestroyIntent, SessionReadIntent, SessionRenameIntent, SessionTarget, ParsedIntent } from './intents.js';
import { matchImages, type ImageRecord } from './match-image.js';
import { describeFilter, fitsFilter, needsFolders, needsImages, runsImage, usesGpu, type FilterWorld } from './session-filter.js';
import {
  ask,
  calls,
  done,
  findByName,
  liveSessions,
  listNames,
  namesExactly,
  plannedNames,
  sessionFilesCall,
  tagged,
  usableFolders,
  type HandlerContext,
  type HandlerResult,
} from './context.js';
import { LIVE_SESSION_STATUSES, type SessionInfo } from '../world.js';
import { proposeFolderRename, proposeFolderTarget } from './folders.js';
import { execModeFor, imageLanguage } from './exec-mode.js';
import { isReservedMountTarget } from '../../mount-targets.js';
import { readGroupName } from './group-name.js';

const WAIT_SECONDS = 600;

// ---------------------------------------------------------------- create

interface ResolvedResources {
  resources: Record<string, number | string>;
  shmem?: string;
  assumptions: string[];
}

/** Map what the user said to this manager's slots (fGPU = cuda.shares; whole GPUs = cuda.device). */
async function resolveResources(ctx: HandlerContext, intent: SessionCreateIntent): Promise<ResolvedResources | string> {
  const assumptions: string[] = [];
  const resources: Record<string, number | string> = {};
  let shmem: string | undefined;
  const slots = await ctx.world.resourceSlots();

  if (intent.preset) {
    const presets = await ctx.world.presets();
    const hit = findByName(presets, intent.preset);
    if (!hit) return `There is no resource preset "${intent.preset}". Available presets: ${listNames(presets)}. Which one should I use?`;
    if (!hit.exact) assumptions.push(`preset "${intent.preset}" read as "${hit.item.name}"`);
    for (const [slot, value] of Object.entries(hit.item.resourceSlots)) {
      const n = slots[slot] === 'bytes' || slot === 'mem' ? parseBinarySize(value) : parseDecimal(value);
      if (n === undefined || n === 0) continue;
      resources[slot] = slot === 'mem' ? formatBinarySize(n) : n;
    }
    if (hit.item.sharedMemory) {
      const sm = parseBinarySize(hit.item.sharedMemory);
      if (sm) shmem = formatBinarySize(sm);
    }
    assumptions.push(`resources from preset ${hit.item.name}`);
  }

  const r = intent.resources;
  if (r.cpu !== undefined) resources.cpu = r.cpu;
  if (r.mem !== undefined) resources.mem = formatBinarySize(r.mem);
  if (r.shmem !== undefined) shmem = formatBinarySize(r.shmem);
  if (r.accelerator) {
    const { amount, unit, text } = r.accelerator;
    const hasShares = 'cuda.shares' in slots;
    const hasDevice = 'cuda.device' in slots;
    if (unit === 'fgpu') {
      if (hasShares) resources['cuda.shares'] = amount;
      else if (hasDevice && Number.isInteger(amount)) {
        resources['cuda.device'] = amount;
        assumptions.push(`"${text}" mapped to ${amount} whole GPU(s) (cuda.device): this cluster has no fractional GPU slot`);
      } else return `This cluster offers no fractional GPUs (slots: ${Object.keys(slots).join(', ')}). How many whole GPUs do you want?`;
    } else if (hasDevice && Number.isInteger(amount)) {
      resources['cuda.device'] = amount;
    } else if (hasShares) {
      resources['cuda.shares'] = amount;
      if (!hasDevice) assumptions.push(`"${text}" mapped to ${amount} fGPU (cuda.shares): this cluster allocates GPUs fractionally`);
      else assumptions.push(`"${text}" mapped to ${amount} fGPU (cuda.shares)`);
    } else {
      return `This cluster has no GPU slots (slots: ${Object.keys(slots).join(', ')}). Should the session run on CPU only?`;
    }
  }
  if (shmem !== undefined && resources.mem !== undefined) {
    const m = parseBinarySize(resources.mem);
    const s = parseBinarySize(shmem);
    if (m !== undefined && s !== undefined && s >= m) {
      return `Shared memory (${humanBytes(s)}) must be smaller than the session memory (${humanBytes(m)}). Which should I change?`;
    }
  }
  return { resources, ...(shmem ? { shmem } : {}), assumptions };
}

function wantsGpu(resources: Record<string, unknown>): boolean {
  return Object.keys(resources).some((k) => k.startsWith('cuda.') || k.startsWith('rocm.') || k.endsWith('.device'));
}

async function resolveImage(
  ctx: HandlerContext,
  intent: SessionCreateIntent,
  gpu: boolean,
): Promise<{ images: ImageRecord[]; assumptions: string[] } | string> {
  const images = await ctx.world.images();
  if (images.length === 0) return 'The manager lists no images I can use. Which image reference should the session run?';
  if (intent.image) {
    const ranked = matchImages(intent.image, images, { wantsGpu: gpu });
    if (ranked.length === 0) {
      return `I found no image matching "${intent.image}". Available images: ${images.map((i) => i.aliases[0] ?? i.name).join(', ')}. Which one?`;
    }
    const best = ranked[0]!;
    const assumptions = best.image.name === intent.image || best.image.aliases.includes(intent.image) ? [] : [`image "${intent.image}" matched to ${best.image.name}`];
    // the runner-up is a DFSDT sibling only when it is nearly as good a match
    const alts = ranked.slice(1).filter((r) => r.score >= best.score * 0.9).map((r) => r.image);
    return { images: [best.image, ...alts.slice(0, 1)], assumptions };
  }
  const fallback = gpu ? ctx.defaults.gpuImage : ctx.defaults.cpuImage;
  const ranked = matchImages(fallback, images, { wantsGpu: gpu });
  const chosen = ranked[0]?.image ?? images[0]!;
  return {
    images: [chosen],
    assumptions: [`image ${chosen.aliases[0] ?? chosen.name} (${chosen.name}): the default for ${gpu ? 'GPU' : 'CPU-only'} requests`],
  };
}

/** Resource-group candidates as (project, group) pairs, best first. */
async function placementCandidates(
  ctx: HandlerContext,
  intent: SessionCreateIntent,
): Promise<{ placements: Array<{ project: string; group: string; note?: string }> } | string> {
  const defaultProject = intent.project ?? ctx.defaults.group;
  if (intent.project) {
    const projects = await ctx.world.projects();
    const hit = findByName(projects, intent.project);
    if (!hit) return `You are not a member of a project "${intent.project}". Your projects: ${listNames(projects)}. Which one?`;
  }
  const projectOrder = async (): Promise<string[]> => {
    if (intent.project) return [intent.project];
    const others = (await ctx.world.projects()).map((p) => p.name).filter((p) => p !== defaultProject);
    return [defaultProject, ...others];
  };

  if (intent.scalingGroup) {
    const placements: Array<{ project: string; group: string; note?: string }> = [];
    const allGroups = new Set<string>();
    for (const project of await projectOrder()) {
      const groups = await ctx.world.resourceGroups(project).catch(orEmptyUnlessConnectionFailure);
      groups.forEach((g) => allGroups.add(g));
      const hit = groups.find((g) => g === intent.scalingGroup) ?? groups.find((g) => g.toLowerCase() === intent.scalingGroup!.toLowerCase());
      if (hit) {
        placements.push({
          project,
          group: hit,
          ...(project !== defaultProject ? { note: `project ${project}: resource group ${hit} is only open to it` } : {}),
        });
      }
    }
    if (placements.length === 0) {
      return `Resource group "${intent.scalingGroup}" is not available to you. You can use: ${[...allGroups].join(', ') || 'none'}. Which one?`;
    }
    return { placements };
  }

  const placements: Array<{ project: string; group: string; note?: string }> = [];
  // "whichever group can fit it" may move to another of the user's projects; otherwise stay in the configured one
  const projects = intent.anyScalingGroup ? await projectOrder() : [defaultProject];
  for (const project of projects) {
    const groups = await ctx.world.resourceGroups(project).catch(orEmptyUnlessConnectionFailure);
    for (const group of groups) {
      if (placements.some((p) => p.group === group)) continue;
      placements.push({
        project,
        group,
        note: intent.anyScalingGroup
          ? `resource group ${group}${project !== defaultProject ? ` (project ${project})` : ''}: the first one with room`
          : `resource group ${group}: allowed for project ${project}`,
      });
    }
  }
  if (placements.length === 0) return `Project "${defaultProject}" has no resource group you can use. Which project should the session run in?`;
  return { placements };
}

function sessionNameFor(ctx: HandlerContext, intent: SessionCreateIntent, image: ImageRecord, ordinal: number): { name: string; assumption?: string } {
  const count = intent.count ?? 1;
  if (intent.name) return { name: count > 1 ? `${intent.name}-${ordinal + 1}` : intent.name };
  const suffix = ctx.memo(`session-suffix-${ctx.index}`, () => randomBytes(2).toString('hex'));
  const base = (image.aliases[0] ?? image.name.split('/').pop()?.split(':')[0] ?? 'session').replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 20);
  const name = `${ctx.defaults.sessionNamePrefix}-${base}-${suffix}${count > 1 ? `-${ordinal + 1}` : ''}`;
  return { name, assumption: `session name ${name} (generated; fixed in the plan so a retried create reuses it)` };
}

async function resolveMounts(
  ctx: HandlerContext,
  intent: SessionCreateIntent,
): Promise<{ mounts: string[]; mountMap: Record<string, string>; mountOptions: Record<string, { permission: string }>; assumptions: string[] } | string> {
  const mounts: string[] = [];
  const mountMap: Record<string, string> = {};
  const mountOptions: Record<string, { permission: string }> = {};
  const assumptions: string[] = [];
  if (intent.mounts.length === 0) return { mounts, mountMap, mountOptions, assumptions };
  const planned = plannedNames(ctx, 'folder');
  const folders = usableFolders(await ctx.world.folders());
  for (const m of intent.mounts) {
    let name = m.name;
    if (!planned.includes(name)) {
      const hit = findByName(folders, m.name, namesExactly(ctx));
      if (!hit) return `There is no folder "${m.name}" to mount. Your folders: ${listNames(folders)}. Which one should I mount?`;
      if (!hit.exact) assumptions.push(`folder "${m.name}" read as "${hit.item.name}"`);
      name = hit.item.name;
    }
    if (!mounts.includes(name)) mounts.push(name);
    if (m.path && isReservedMountTarget(m.path)) {
      // the manager refuses it with 400 (facts §15.3): ask before planning a create that cannot work
      return `${m.path} is reserved inside the container: the manager does not mount a folder there. Mount ${name} at /mnt/${name} or /home/work/${name} instead?`;
    }
    if (m.path) mountMap[name] = m.path;
    if (m.readOnly) mountOptions[name] = { permission: 'ro' };
  }
  return { mounts, mountMap, mountOptions, assumptions };
}

export async function proposeSessionCreate(ctx: HandlerContext<ParsedIntent<SessionCreateIntent>>): Promise<HandlerResult> {
  // group=X (structured requests): a project or a resource group, whichever the manager has
  const group = ctx.parsed.intent.groupName ? await readGroupName(ctx, ctx.parsed.intent, ctx.parsed.intent.groupName) : undefined;
  if (typeof group === 'string') return ask(group);
  const intent = group ? { ...ctx.parsed.intent, ...group.slots } : ctx.parsed.intent;
  const count = Math.max(1, Math.min(intent.count ?? 1, 20));
  const createdSoFar = ctx.mine.filter((a) => a.candidate.meta?.role === 'create').length;
  if (createdSoFar >= count) return done;

  if (intent.mountUnnamed) {
    const folders = usableFolders(await ctx.world.folders());
    return ask(`Which folder should I mount? Your folders: ${listNames(folders)}.`);
  }
  if (intent.startsAt && intent.sessionType !== 'batch') {
    return ask(`Only a batch job can start later (starts_at ${intent.startsAt}). Should it be a batch job — and which command should it run?`);
  }
  if (intent.sessionType === 'batch' && !intent.startupCommand) {
    return ask('What command should the batch job run? (e.g. "python train.py")');
  }
  const res = await resolveResources(ctx, intent);
  if (typeof res === 'string') return ask(res);
  const gpu = wantsGpu(res.resources);
  const img = await resolveImage(ctx, intent, gpu);
  if (typeof img === 'string') return ask(img);
  const mounts = await resolveMounts(ctx, intent);
  if (typeof mounts === 'string') return ask(mounts);
  const place = await placementCandidates(ctx, intent);
  if (typeof place === 'string') return ask(place);

  // sessions to wait for: live ones by id (names are matched too, ids survive renames)
  const dependencies: string[] = [];
  for (const dep of intent.dependencies ?? []) {
    const live = findByName(liveSessions(await ctx.world.sessions()), dep);
    if (!live) return ask(`There is no live session "${dep}" to wait for. Your sessions: ${listNames(liveSessions(await ctx.world.sessions()))}.`);
    dependencies.push(live.item.id || live.item.name);
  }
  const deferred =
    intent.startsAt && intent.sessionType === 'batch' ? `starts in ${intent.startsAt}` : dependencies.length ? `starts after ${intent.dependencies!.join(', ')} finish${intent.dependencies!.length > 1 ? '' : 'es'}` : undefined;
  const candidates: CallCandidate[] = [];
  for (const image of img.images) {
    const { name, assumption } = sessionNameFor(ctx, intent, image, createdSoFar);
    for (const p of place.placements) {
      const config: Record<string, unknown> = { resources: res.resources, scaling_group: p.group };
      if (res.shmem) config.resource_opts = { shmem: res.shmem };
      if (mounts.mounts.length) config.mounts = mounts.mounts;
      if (Object.keys(mounts.mountMap).length) config.mount_map = mounts.mountMap;
      if (Object.keys(mounts.mountOptions).length) config.mount_options = mounts.mountOptions;
      if (Object.keys(intent.environ).length) config.environ = intent.environ;
      if (intent.preopenPorts?.length) config.preopen_ports = intent.preopenPorts;
      const body: Record<string, unknown> = {
        session_name: name,
        image: image.name,
        session_type: intent.sessionType ?? 'interactive',
        group: p.project,
        domain: ctx.defaults.domain,
        // enqueue and then wait on events: a blocking create would hold the HTTP call open
        enqueue_only: true,
        config,
      };
      if (intent.clusterSize && intent.clusterSize > 1) {
        body.cluster_size = intent.clusterSize;
        body.cluster_mode = intent.clusterMode ?? 'multi-node';
      } else if (intent.clusterMode) body.cluster_mode = intent.clusterMode;
      if (intent.startupCommand) body.startup_command = intent.startupCommand;
      if (intent.batchTimeout && intent.sessionType === 'batch') body.batch_timeout = intent.batchTimeout;
      if (intent.startsAt && intent.sessionType === 'batch') body.starts_at = intent.startsAt;
      if (intent.bootstrapScript) body.bootstrap_script = intent.bootstrapScript;
      if (dependencies.length) body.dependencies = dependencies;
      if (intent.tag) body.tag = intent.tag;
      const assumptions = [...(group ? [group.assumption] : []), ...img.assumptions, ...res.assumptions, ...mounts.assumptions];
      if (assumption) assumptions.push(assumption);
      if (p.note) assumptions.push(p.note);
      if (p.project !== ctx.defaults.group && !intent.project) assumptions.push(`project ${p.project} instead of ${ctx.defaults.group}`);
      const slotsText = Object.entries(res.resources).map(([k, v]) => `${k}=${v}`).join(', ') || 'image minimum resources';
      candidates.push(
        tagged(
          ctx,
          {
            operationId: 'session.create_from_params',
            body,
            reason: `create ${intent.sessionType ?? 'interactive'} session ${name} (${slotsText}) in ${p.group}${deferred ? ` — queued: ${deferred}, not waited for` : ''}`,
            assumptions,
            // a job that starts later or after other sessions stays PENDING by design: queue it, do not wait
            ...(deferred ? {} : { wait: { until: 'RUNNING' as const, timeoutSeconds: WAIT_SECONDS } }),
          },
          { role: 'create' },
        ),
      );
    }
  }
  // the same call on the manager's alternative route is a last-resort sibling (e.g. if a policy allows only it)
  const first = candidates[0];
  if (first && ctx.catalog.has('session.create_from_params.2')) {
    candidates.push({ ...first, operationId: 'session.create_from_params.2' });
  }
  return calls(...candidates);
}

// ---------------------------------------------------------------- targets

/** A target session; `createdBy` is the step of this plan that creates it (it does not exist yet). */
type TargetSession = SessionInfo & { createdBy?: string };

/** The step of this plan that creates session `name`, or that serves create intent `intent`. */
function creatingStep(ctx: HandlerContext, by: { name?: string; intent?: number }): { id: string; name: string } | undefined {
  for (const a of ctx.steps) {
    if (by.intent !== undefined && (a.candidate.meta?.intent !== by.intent || a.candidate.meta?.role !== 'create')) continue;
    const made = createdEntities(a.step).find((e) => e.kind === 'session' && (by.name === undefined || e.name === by.name));
    if (made) return { id: a.step.id, name: made.name };
  }
  return undefined;
}

/** Resolve a named target against live sessions (and sessions created earlier in this plan). */
async function resolveTarget(ctx: HandlerContext, target: SessionTarget, verb: string): Promise<TargetSession[] | string> {
  const sessions = liveSessions(await ctx.world.sessions());
  const planned = plannedNames(ctx, 'session');
  const out: TargetSession[] = [];
  if (target.created !== undefined) {
    const made = creatingStep(ctx, { intent: target.created });
    if (!made) return `Which session should I ${verb}? The session this request creates is not planned yet.`;
    out.push({ id: '', name: made.name, status: 'PENDING', createdBy: made.id });
  }
  for (const name of target.names) {
    if (planned.includes(name)) {
      out.push({ id: '', name, status: 'PENDING', createdBy: creatingStep(ctx, { name })?.id });
      continue;
    }
    const hit = findByName(sessions, name, namesExactly(ctx)) ?? (() => {
      const byPrefix = sessions.filter((s) => s.id.startsWith(name));
      return byPrefix.length === 1 ? { item: byPrefix[0]!, exact: false } : undefined;
    })();
    if (!hit && isUuid(name)) {
      // a full UUID reaches the session even after it terminated (facts §3.5), e.g. a finished batch job
      out.push({ id: name, name, status: 'UNKNOWN' });
      continue;
    }
    if (!hit) {
      return sessions.length
        ? `I can't find a live session "${name}". Your sessions: ${listNames(sessions)}. Which one should I ${verb}?`
        : `I can't find a session "${name}", and you have no live sessions.`;
    }
    out.push(hit.item);
  }
  return out;
}

function missingTargetQuestion(sessions: SessionInfo[], verb: string): string {
  return sessions.length
    ? `Which session should I ${verb}? Your sessions: ${listNames(sessions)}.`
    : `Which session should I ${verb}? You have no live sessions right now.`;
}

const SESSION_NOUN = /\b(?:sessions?|notebooks?|jobs?|containers?|kernels?|boxe?s?|instances?|workloads?|clusters?)\b|세션|노트북|작업|컨테이너|잡|인스턴스/i;

/**
 * "delete datasets", "rename api_helper to tools": the parser reads a bare verb and name as a
 * session task; when no session noun was said and the name is one of the user's folders (and no
 * session's), the task is the folder's.
 */
async function folderNamed(ctx: HandlerContext, names: string[]): Promise<string | undefined> {
  if (names.length !== 1 || SESSION_NOUN.test(ctx.parsed.span)) return undefined;
  const name = names[0]!;
  if (findByName(liveSessions(await ctx.world.sessions()), name) || plannedNames(ctx, 'session').includes(name)) return undefined;
  const folders = usableFolders(await ctx.world.folders());
  return folders.some((f) => f.name === name) || plannedNames(ctx, 'folder').includes(name) ? name : undefined;
}

export async function proposeSessionDestroy(ctx: HandlerContext<ParsedIntent<SessionDestroyIntent>>): Promise<HandlerResult> {
  const intent = ctx.parsed.intent;
  const target = intent.target;
  if (intent.later) {
    const which = target.names.length ? target.names.join(', ') : target.all ? 'them' : 'the session';
    return ask(
      `The manager cannot terminate a session later ("${intent.later}"); only a batch job can carry a time limit (batch_timeout), set when it is created. Terminate ${which} now instead?`,
    );
  }
  const folder = await folderNamed(ctx, target.names);
  if (folder) return proposeFolderTarget({ ...ctx, parsed: { ...ctx.parsed, intent: { kind: 'folder.delete', name: folder } } });
  const query = intent.forced ? { forced: true } : {};

  if (target.all && target.allOfWhat) {
    const sessions = liveSessions(await ctx.world.sessions());
    return ask(
      `Delete all of what? You have ${sessions.length} live session${sessions.length === 1 ? '' : 's'}${sessions.length ? ` (${listNames(sessions)})` : ''} and your folders. Say e.g. "terminate all my sessions" or "delete the folder <name>".`,
    );
  }
  if (target.all) {
    const statuses = target.status?.length ? target.status : LIVE_SESSION_STATUSES.filter((s) => s !== 'TERMINATING');
    const search = ctx.mine.find((a) => a.candidate.meta?.role === 'search');
    if (!search) {
      return calls(
        tagged(
          ctx,
          {
            operationId: 'v2/sessions.my_search',
            body: { filter: { status: { in_: statuses } }, limit: 100, offset: 0 },
            reason: `find your ${target.status?.length ? target.status.join('/').toLowerCase() : 'live'} sessions`,
          },
          { role: 'search' },
        ),
      );
    }
    const spared = new Set(target.except ?? []);
    const nameOf = (i: Record<string, unknown>): string => String((i.metadata as Record<string, unknown> | undefined)?.name ?? i.name ?? i.id);
    const found = ((search.observation as { items?: unknown[] } | undefined)?.items ?? []).filter(
      (i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !spared.has(nameOf(i as Record<string, unknown>)) && !spared.has(String((i as Record<string, unknown>).id)),
    );
    // a model service's replicas: terminating them by hand only makes the service start new ones (facts §15.9)
    const serving = found.filter((i) => (i.metadata as Record<string, unknown> | undefined)?.session_type === 'inference');
    let items = found.filter((i) => !serving.includes(i));
    const leftOut = serving.length
      ? `left out ${serving.length} model-service session${serving.length === 1 ? '' : 's'} (${serving.map(nameOf).join(', ')}): the service would start new ones — scale it down or delete the service instead`
      : undefined;
    // "every session on the pytorch image", "leave the CPU-only ones": only what fits the filter, never more
    const filterNote = target.filter || target.exceptFilter ? await applySessionFilter(ctx, target) : undefined;
    if (filterNote) items = items.filter((i) => filterNote.keep.has(String(i.id)));
    const destroyed = ctx.mine.filter((a) => a.candidate.meta?.role === 'destroy').length;
    const next = items[destroyed];
    if (!next) {
      if (destroyed === 0 && leftOut) {
        return ask(`Your only ${target.status?.length ? `${target.status.join('/').toLowerCase()} ` : 'live '}sessions belong to model services (${serving.map(nameOf).join(', ')}): terminating them makes the service start new ones. Scale the service down or delete it instead?`);
      }
      return done;
    }
    const name = nameOf(next);
    return calls(
      tagged(
        ctx,
        {
          operationId: 'session.destroy',
          pathParams: { session_name: name },
          query,
          reason: `terminate ${name} (${destroyed + 1} of ${items.length})${filterNote ? ` — ${filterNote.label}` : ''}`,
          destructive: items.length > 1,
          ...((filterNote || leftOut) && destroyed === 0 ? { assumptions: [filterNote?.kept, leftOut].filter((a): a is string => Boolean(a)) } : {}),
        },
        { role: 'destroy' },
      ),
    );
  }

  const described = await describedTarget(ctx, target);
  if (typeof described === 'string') return ask(described);
  const chosen = described.target;

  if (chosen.names.length === 0 && chosen.created === undefined) return ask(missingTargetQuestion(liveSessions(await ctx.world.sessions()), 'terminate'));
  const resolved = await resolveTarget(ctx, chosen, 'terminate');
  if (typeof resolved === 'string') return ask(resolved);
  const destroyed = ctx.mine.filter((a) => a.candidate.meta?.role === 'destroy').length;
  const next = resolved[destroyed];
  if (!next) return done;
  const many = resolved.length > 1;
  const primary = tagged(
    ctx,
    {
      operationId: 'session.destroy',
      pathParams: { session_name: next.name },
      query,
      reason: `terminate session ${next.name}`,
      destructive: many,
      ...(described.assumption ? { assumptions: [described.assumption] } : {}),
    },
    { role: 'destroy' },
  );
  const alt = next.id
    ? [tagged(ctx, { operationId: 'v2/sessions.terminate', body: { session_ids: [next.id], forced: Boolean(intent.forced) }, reason: `terminate session ${next.name} by id`, destructive: many }, { role: 'destroy' })]
    : [];
  return calls(primary, ...alt.filter((c) => ctx.catalog.has(c.operationId)));
}

export async function proposeSessionRead(ctx: HandlerContext<ParsedIntent<SessionReadIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  if (intent.kind === 'session.list') {
    const statuses = intent.status?.length ? intent.status : undefined;
    return calls(
      tagged(ctx, {
        operationId: 'v2/sessions.my_search',
        body: { ...(statuses ? { filter: { status: { in_: statuses } } } : {}), limit: 50, offset: 0 },
        reason: statuses ? `list your ${statuses.join('/').toLowerCase()} sessions` : 'list your sessions',
      }),
    );
  }
  const described = await describedTarget(ctx, intent.target ?? { names: [] });
  if (typeof described === 'string') return ask(described);
  const target = described.target;
  const verb = intent.kind === 'session.logs' ? 'show the logs of' : 'look up';
  if (target.names.length === 0 && target.created === undefined) return ask(missingTargetQuestion(liveSessions(await ctx.world.sessions()), verb));
  const resolved = await resolveTarget(ctx, target, verb);
  if (typeof resolved === 'string') return ask(resolved);
  const s = resolved[0]!;
  if (s.createdBy) return calls(plannedSessionRead(ctx, intent.kind, s.name, s.createdBy));
  const ref = s.id || s.name;
  switch (intent.kind) {
    case 'session.logs':
      return calls(
        tagged(ctx, { operationId: 'session.get_container_logs', pathParams: { session_name: s.name }, reason: `fetch the container logs of ${s.name}` }),
        ...(s.id ? [tagged(ctx, { operationId: 'v2/sessions.get_logs', pathParams: { session_id: s.id }, reason: `fetch the logs of ${s.name} by id` })] : []),
      );
    case 'session.status_history':
      return calls(tagged(ctx, { operationId: 'session.get_status_history', pathParams: { session_name: ref }, reason: `status history of ${s.name}` }));
    default:
      return calls(
        tagged(ctx, { operationId: 'session.get_info', pathParams: { session_name: s.name }, reason: `status and details of ${s.name}` }),
        ...(s.id ? [tagged(ctx, { operationId: 'v2/sessions.get', pathParams: { session_id: s.id }, reason: `details of ${s.name} by id` })] : []),
      );
  }
}

/**
 * A read of a session an earlier step creates: it names the session by the id that step returns,
 * so the read waits for execution instead of failing on a session that does not exist yet.
 */
function plannedSessionRead(ctx: HandlerContext, kind: SessionReadIntent['kind'], name: string, createdBy: string): CallCandidate {
  const session_name = { $from: createdBy, path: 'sessionId' };
  switch (kind) {
    case 'session.logs':
      return tagged(ctx, { operationId: 'session.get_container_logs', pathParams: { session_name }, reason: `fetch the container logs of ${name} once it is created` });
    case 'session.status_history':
      return tagged(ctx, { operationId: 'session.get_status_history', pathParams: { session_name }, reason: `status history of ${name} once it is created` });
    default:
      return tagged(ctx, { operationId: 'session.get_info', pathParams: { session_name }, reason: `status and details of ${name} once it is created` });
  }
}

export async function proposeSessionRename(ctx: HandlerContext<ParsedIntent<SessionRenameIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const folder = await folderNamed(ctx, intent.target.names);
  if (folder) {
    return proposeFolderRename({ ...ctx, parsed: { ...ctx.parsed, intent: { kind: 'folder.rename', name: folder, ...(intent.newName ? { newName: intent.newName } : {}) } } });
  }
  if (intent.target.names.length === 0 && intent.target.created === undefined) return ask(missingTargetQuestion(liveSessions(await ctx.world.sessions()), 'rename'));
  if (!intent.newName) return ask(`What should the new name of ${intent.target.names[0]} be?`);
  const resolved = await resolveTarget(ctx, intent.target, 'rename');
  if (typeof resolved === 'string') return ask(resolved);
  const s = resolved[0]!;
  return calls(
    tagged(ctx, {
      operationId: 'session.rename_session',
      pathParams: { session_name: s.name },
      body: { session_name: intent.newName },
      reason: `rename session ${s.name} to ${intent.newName}`,
    }),
  );
}

/** Stop what a session is running (it stays up), or open an in-container app such as JupyterLab. */
export async function proposeSessionAction(ctx: HandlerContext<ParsedIntent<SessionActionIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const verb =
    intent.kind === 'session.interrupt' ? 'interrupt'
    : intent.kind === 'session.commit' ? 'save'
    : intent.kind === 'session.files' ? 'list the files of'
    : `open ${intent.app ?? 'the app'} in`;
  const described = await describedTarget(ctx, intent.target);
  if (typeof described === 'string') return ask(described);
  if (described.target.names.length === 0 && described.target.created === undefined) return ask(missingTargetQuestion(liveSessions(await ctx.world.sessions()), verb));
  const resolved = await resolveTarget(ctx, described.target, verb);
  if (typeof resolved === 'string') return ask(resolved);
  const s = resolved[0]!;
  const session_name = s.createdBy ? { $from: s.createdBy, path: 'sessionId' } : s.name;
  if (intent.kind === 'session.interrupt') {
    return calls(tagged(ctx, { operationId: 'session.interrupt', pathParams: { session_name }, reason: `interrupt the code running in ${s.name} (the session stays up)` }));
  }
  if (intent.kind === 'session.files') return calls(sessionFilesCall(ctx, session_name, s.name, intent.path));
  if (intent.kind === 'session.commit') return saveContainer(ctx, intent, s.name, session_name);
  if (!intent.app) return ask(`Which app should I open in ${s.name}? (e.g. jupyterlab, vscode, tensorboard, ttyd)`);
  return calls(tagged(ctx, { operationId: 'session.start_service', pathParams: { session_name }, body: { app: intent.app }, reason: `open ${intent.app} in ${s.name}` }));
}

/**
 * Run a shell command or code in a running session (facts §15.1): a shell command as
 * `mode: batch` with `options.exec`, code in the image's language as `mode: query`. The executor
 * keeps asking (`mode: continue`, same `run_id`) while the manager answers `continued`.
 */
export async function proposeSessionExecute(ctx: HandlerContext<ParsedIntent<SessionExecuteIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  if (intent.target.names.length === 0) return ask(missingTargetQuestion(liveSessions(await ctx.world.sessions()), 'run the code in'));
  const resolved = await resolveTarget(ctx, intent.target, 'run the code in');
  if (typeof resolved === 'string') return ask(resolved);
  const s = resolved[0]!;
  const code = intent.code?.trim();
  if (!code) return ask(`What command or code should I run in ${s.name}?`);
  const language = imageLanguage(await imageRefsOf(ctx, s));
  // the request's own words, without the text to run ("python" in `python train.py` is a program)
  const words = ctx.parsed.span.split(code).join(' ');
  const { mode, why } = execModeFor(code, words, language);
  // a run id fixed in the plan, so a retried call continues the same run
  const runId = ctx.memo(`run-id-${ctx.index}`, () => randomBytes(4).toString('hex'));
  const body = mode === 'shell' ? { mode: 'batch', code: '', run_id: runId, options: { exec: code } } : { mode: 'query', code, run_id: runId };
  return calls(
    tagged(ctx, {
      operationId: 'session.execute',
      pathParams: { session_name: s.createdBy ? { $from: s.createdBy, path: 'sessionId' } : s.name },
      body,
      reason: mode === 'shell' ? `run the shell command \`${code}\` in ${s.name}` : `run ${language ? `${language} ` : ''}code in ${s.name}`,
      assumptions: [
        mode === 'shell'
          ? `run as a shell command (batch mode, options.exec): ${why}`
          : `run as code in the image's ${language ?? 'language'} REPL (query mode): ${why}`,
      ],
    }),
  );
}

/** Image references of a target session (a session this plan creates: the image its create step names). */
async function imageRefsOf(ctx: HandlerContext, s: TargetSession): Promise<string[]> {
  if (s.createdBy) {
    const create = ctx.steps.find((a) => a.step.id === s.createdBy);
    const image = (create?.step.body as Record<string, unknown> | undefined)?.image;
    return typeof image === 'string' ? [image] : [];
  }
  const refs = [...(s.imageRefs ?? [])];
  if (s.imageIds?.length) refs.push(...(await ctx.world.images()).filter((i) => s.imageIds!.includes(i.id ?? '')).map((i) => i.name));
  return refs;
}

/** "…to a file", "snapshot … tar": the agent-side tar file (`commit`), not a reusable image. */
const FILE_SNAPSHOT = /\b(?:tar(?:ball)?|\.tar(?:\.gz)?|archive|(?:to|as|into)\s+(?:a\s+)?(?:tar\s+)?file|snapshot\s+file|file\s+snapshot|on\s+the\s+agent)\b|파일로|파일\s*스냅샷|tar\s*파일|아카이브/i;
/** "for the project", "for my team": a project-wide image, which the manager does not make (image_visibility user only). */
const PROJECT_VISIBLE = /\b(?:for|with|to)\s+(?:the\s+|my\s+|our\s+)?(?:whole\s+)?(?:project|team|group|everyone|colleagues?)\b|프로젝트\s*(?:전체|공유|에서\s*쓸|용)|팀\s*(?:전체|공유|원)/i;
const IMAGE_NAME = /^[a-zA-Z0-9.\-_]+$/;

/**
 * "Save X as an image" is `imagify` (a reusable image in the registry, facts §15.7); `commit` only
 * writes a tar snapshot on the agent, for "snapshot X to a file". The image is the caller's own
 * (the manager refuses project visibility).
 */
function saveContainer(ctx: HandlerContext, intent: SessionActionIntent, label: string, session_name: unknown): HandlerResult {
  if (FILE_SNAPSHOT.test(ctx.parsed.span)) {
    return calls(
      tagged(ctx, {
        operationId: 'session.commit_session',
        pathParams: { session_name },
        reason: `snapshot the container of ${label} to a tar file on its agent; it runs in the background`,
        assumptions: [
          `the manager names the file itself (<time>_${label}_<image>.tar.gz)${intent.filename ? `; "${intent.filename}" is not used` : ''}; it is not an image you can start sessions from (say "save it as an image" for that)`,
        ],
      }),
    );
  }
  if (PROJECT_VISIBLE.test(ctx.parsed.span)) {
    return ask(`The manager saves a session as an image for you only (image_visibility "user"; it refuses "project"). Save ${label} as your own image?`);
  }
  const assumptions: string[] = [];
  let name = intent.filename?.replace(/\.tar(?:\.gz)?$/i, '');
  if (name !== undefined && !IMAGE_NAME.test(name)) return ask(`An image name may hold only letters, digits, ".", "-" and "_" ("${name}" does not). What should the image be called?`);
  if (!name) {
    const stamp = ctx.memo(`image-stamp-${ctx.index}`, () => new Date().toISOString().slice(0, 10).replace(/-/g, ''));
    name = `${label}-${stamp}`.replace(/[^a-zA-Z0-9.\-_]/g, '-');
    assumptions.push(`image name ${name} (generated; say "as NAME" to choose it)`);
  }
  assumptions.push('visible to you only (image_visibility user, the only scope the manager accepts)');
  return calls(
    tagged(ctx, {
      operationId: 'session.convert_session_to_image',
      pathParams: { session_name },
      body: { image_name: name, image_visibility: 'user' },
      reason: `save the container of ${label} as a reusable image ${name}; it is built in the background`,
      assumptions,
    }),
  );
}

/** Variables whose values look like credentials stay out of a relaunch plan (plan files are written to disk). */
const SECRET_VAR = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL/i;

/**
 * Restart = terminate, wait until it has ended, then create it again with the same image,
 * resources, mounts and placement: the manager answers 501 to an in-place restart (facts §3.5),
 * and a same-name create while the old one is still TERMINATING would be handed the dying one.
 */
export async function proposeSessionRestart(ctx: HandlerContext<ParsedIntent<SessionActionIntent>>): Promise<HandlerResult> {
  const intent = ctx.parsed.intent;
  const sessions = liveSessions(await ctx.world.sessions());
  const described = await describedTarget(ctx, intent.target);
  if (typeof described === 'string') return ask(described);
  const names = described.target.names;
  if (names.length === 0) return ask(missingTargetQuestion(sessions, 'restart'));
  if (names.length > 1) return ask(`I restart one session at a time: which first, ${names.join(' or ')}?`);
  const wanted = names[0]!;
  const hit = findByName(sessions, wanted);
  if (!hit) return ask(`There is no live session "${wanted}". Your sessions: ${listNames(sessions)}.`);
  const old = hit.item;
  if (intent.resizeUnsaid) {
    return ask(
      `A running session cannot be resized: I would terminate ${old.name} and start it again with new amounts. How much should it get (e.g. "restart ${old.name} with 32 GB memory and 4 fGPU")?`,
    );
  }
  if (ctx.mine.some((a) => a.candidate.meta?.role === 'create')) return done;
  if (!ctx.mine.some((a) => a.candidate.meta?.role === 'destroy')) {
    return calls(
      tagged(
        ctx,
        {
          operationId: 'session.destroy',
          pathParams: { session_name: old.name },
          reason: `terminate ${old.name} and wait until it has ended (the manager cannot restart a session in place)`,
          destructive: true,
          wait: { until: 'TERMINATED', timeoutSeconds: 300 },
          ...(hit.exact ? {} : { assumptions: [`session "${wanted}" read as "${old.name}"`] }),
        },
        { role: 'destroy' },
      ),
    );
  }

  const images = await ctx.world.images();
  const image = images.find((i) => (old.imageIds ?? []).includes(i.id ?? '')) ?? images.find((i) => (old.imageRefs ?? []).includes(i.name));
  if (!image) return ask(`The manager did not say which image ${old.name} runs. Which image should the new session use?`);
  const slots = old.requestedSlots ?? {};
  const resources: SessionCreateIntent['resources'] = {};
  if (slots.cpu !== undefined) resources.cpu = Number(slots.cpu);
  if (slots.mem !== undefined) resources.mem = parseBinarySize(slots.mem);
  if (slots['cuda.shares'] !== undefined && Number(slots['cuda.shares']) > 0) {
    resources.accelerator = { amount: Number(slots['cuda.shares']), unit: 'fgpu', text: `${slots['cuda.shares']} fGPU` };
  } else if (slots['cuda.device'] !== undefined && Number(slots['cuda.device']) > 0) {
    resources.accelerator = { amount: Number(slots['cuda.device']), unit: 'gpu', text: `${slots['cuda.device']} GPU` };
  }
  if (old.shmem) resources.shmem = parseBinarySize(old.shmem);
  // "… but with 4 fGPU": what the request changes
  const changes = intent.resources ?? {};
  if (changes.cpu !== undefined) resources.cpu = changes.cpu;
  if (changes.mem !== undefined) resources.mem = changes.mem;
  if (changes.shmem !== undefined) resources.shmem = changes.shmem;
  if (changes.accelerator) resources.accelerator = changes.accelerator;
  const environ = Object.fromEntries(Object.entries(old.environ ?? {}).filter(([k]) => !SECRET_VAR.test(k)));
  const leftOut = Object.keys(old.environ ?? {}).filter((k) => SECRET_VAR.test(k));
  const project = old.projectId ? (await ctx.world.projects()).find((p) => p.id === old.projectId)?.name : undefined;
  const recreate: SessionCreateIntent = {
    kind: 'session.create',
    image: image.name,
    resources,
    name: intent.newName ?? old.name,
    sessionType: old.sessionType === 'batch' ? 'batch' : 'interactive',
    ...(old.startupCommand ? { startupCommand: old.startupCommand } : {}),
    mounts: await mountedFolderNames(ctx, old.mounts ?? []),
    environ,
    ...(old.resourceGroup ? { scalingGroup: old.resourceGroup } : {}),
    ...(project ? { project } : {}),
    ...(old.clusterSize && old.clusterSize > 1 ? { clusterSize: old.clusterSize, clusterMode: old.clusterMode === 'multi-node' ? 'multi-node' : 'single-node' } : {}),
  };
  const made = await proposeSessionCreate({ ...ctx, parsed: { ...ctx.parsed, intent: recreate } } as HandlerContext<ParsedIntent<SessionCreateIntent>>);
  if (!('candidates' in made)) return made;
  const changedWhat = Object.keys(changes).map((k) => (k === 'accelerator' ? 'GPU' : k)).join(', ');
  const notes = [
    `same image, resources${old.mounts?.length ? ', mounts' : ''} and resource group as ${old.name}${changedWhat ? ` (except ${changedWhat}, as asked)` : ''}`,
    ...(old.mounts === undefined ? ['the manager does not report which folders were mounted: none are mounted again'] : []),
    ...(leftOut.length ? [`not carried over (they look like secrets): ${leftOut.join(', ')}; add them as KEY=value`] : []),
  ];
  return { ...made, candidates: made.candidates.map((c) => (c.kind === 'call' ? { ...c, assumptions: [...notes, ...(c.assumptions ?? [])] } : c)) };
}

/** Session mounts as the manager lists them (folder ids or names) → folder names the create call takes. */
async function mountedFolderNames(ctx: HandlerContext, mounts: string[]): Promise<SessionCreateIntent['mounts']> {
  if (mounts.length === 0) return [];
  const folders = await ctx.world.folders();
  // exact name or id (dashed or not) only: a mount is never a typo
  return mounts.map((m) => {
    const hit = findByName(folders, m);
    return { name: hit?.exact ? hit.item.name : m };
  });
}

/** "my GPU session": the one live session that fits the description (named in the target), or a question. */
/**
 * The live sessions a bulk target's filters keep, and how the preview says so ("kept: notebook-old
 * (CPU-only)"). Sessions the list does not describe fully are left out rather than guessed.
 */
async function applySessionFilter(ctx: HandlerContext, target: SessionTarget): Promise<{ keep: Set<string>; label: string; kept: string }> {
  const sessions = liveSessions(await ctx.world.sessions());
  const world = await filterWorld(ctx, target.filter, target.exceptFilter);
  const keep = sessions.filter((s) => (!target.filter || fitsFilter(s, target.filter, world)) && (!target.exceptFilter || !fitsFilter(s, target.exceptFilter, world)));
  const left = sessions.filter((s) => !keep.includes(s));
  const label = [target.filter ? `sessions ${describeFilter(target.filter)}` : '', target.exceptFilter ? `leaving out those ${describeFilter(target.exceptFilter)}` : ''].filter(Boolean).join(', ');
  const kept = `${label}: ${keep.length ? keep.map((s) => s.name).join(', ') : 'none'}; kept: ${left.length ? left.map((s) => s.name).join(', ') : 'none'}`;
  return { keep: new Set(keep.map((s) => s.id)), label, kept };
}

async function filterWorld(ctx: HandlerContext, ...filters: Array<SessionTarget['filter']>): Promise<FilterWorld> {
  return {
    images: needsImages(...filters) ? await ctx.world.images() : [],
    folders: needsFolders(...filters) ? await ctx.world.folders() : [],
  };
}

async function describedTarget(ctx: HandlerContext, target: SessionTarget): Promise<{ target: SessionTarget; assumption?: string } | string> {
  // "the session that has datasets mounted": one session picked by a filter
  if (target.filter && !target.all && target.names.length === 0 && target.created === undefined) {
    const sessions = liveSessions(await ctx.world.sessions());
    const world = await filterWorld(ctx, target.filter);
    const fits = sessions.filter((s) => fitsFilter(s, target.filter!, world));
    const label = describeFilter(target.filter);
    if (fits.length === 0) return `You have no session ${label}. Your sessions: ${listNames(sessions)}.`;
    if (fits.length > 1) return `Which session ${label}: ${fits.map((s) => s.name).join(' or ')}? (say "all" to act on every one)`;
    return { target: { ...target, names: [fits[0]!.name] }, assumption: `"the session ${label}" read as ${fits[0]!.name}, the only one` };
  }
  if (!target.described || target.names.length > 0 || target.all || target.created !== undefined) return { target };
  const what = target.described;
  const sessions = liveSessions(await ctx.world.sessions());
  // "the pytorch session": the image's name (not its tag) holds the word, as a whole part ("python" is not "python-pytorch")
  const imageWord = what.startsWith('image:') ? what.slice('image:'.length) : undefined;
  const images = imageWord ? await ctx.world.images() : [];
  const fits = sessions.filter((s) =>
    imageWord ? runsImage(s, imageWord, images)
    : what === 'gpu' ? usesGpu(s) : what === 'cpu' ? !usesGpu(s) : what === 'batch' ? s.sessionType === 'batch' : s.sessionType !== 'batch',
  );
  const label = imageWord ?? (what === 'gpu' ? 'GPU' : what === 'cpu' ? 'CPU-only' : what);
  if (fits.length === 0) return `You have no ${label} session. Your sessions: ${listNames(sessions)}.`;
  if (fits.length > 1) return `Which ${label} session: ${fits.map((s) => s.name).join(' or ')}?`;
  return { target: { ...target, names: [fits[0]!.name] }, assumption: `"your ${label} session" read as ${fits[0]!.name}, the only one` };
}

/** A failed lookup of resource groups reads as "none known" — unless the manager itself is unreachable. */
function orEmptyUnlessConnectionFailure(err: unknown): string[] {
  if (isConnectionFailure(err)) throw err;
  return [];
}
