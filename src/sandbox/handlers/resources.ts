/**
 * Resource discovery and accounting (facts §4, §7): slot types, presets, check-presets computed
 * from what sessions really hold, the resource groups a project may use.
 */
import { badParams, Problem } from '../problem.js';
import { addSlots, freeIn, keypairUsing, occupiedIn, sessionStatus, subtractSlots, fits, requestedTotal, isLive } from '../scheduler.js';
import type { Slots } from '../world.js';
import { allowedResourceGroups, callerProject, decimalString, findResourceGroup, iso, slotStrings } from './common.js';
import { bodyObject, json, type HandlerContext, type HandlerTable } from './context.js';

const SLOT_DETAILS: Record<string, unknown> = {
  cpu: { slot_name: 'cpu', description: 'CPU', human_readable_name: 'CPU', display_unit: 'Core', number_format: { binary: false, round_length: 0 }, display_icon: 'cpu' },
  mem: { slot_name: 'mem', description: 'Memory', human_readable_name: 'RAM', display_unit: 'GiB', number_format: { binary: true, round_length: 0 }, display_icon: 'ram' },
  'cuda.shares': { slot_name: 'cuda.shares', description: 'CUDA-capable GPU (fractional)', human_readable_name: 'fGPU', display_unit: 'fGPU', number_format: { binary: false, round_length: 2 }, display_icon: 'nvidia' },
};

function presetsBody(ctx: HandlerContext) {
  return ctx.world.presets.map((p) => ({
    id: p.id,
    name: p.name,
    shared_memory: p.sharedMemory === null ? null : String(p.sharedMemory),
    resource_slots: slotStrings(p.resourceSlots),
  }));
}

function keypairLimits(ctx: HandlerContext): Slots {
  if (ctx.caller.user.role !== 'user') return Object.fromEntries(Object.keys(ctx.world.slotTypes).map((k) => [k, Infinity]));
  return { ...ctx.world.keypairPolicy.totalResourceSlots };
}

function checkPresets(ctx: HandlerContext) {
  const body = bodyObject(ctx.body);
  const project = callerProject(ctx.world, ctx.caller, String(body.group));
  const slotKeys = Object.keys(ctx.world.slotTypes);
  let groups = allowedResourceGroups(ctx.world, project.name);
  const only = body.scaling_group;
  if (typeof only === 'string' && only) {
    const g = findResourceGroup(ctx.world, only);
    if (!g || !groups.includes(g)) throw new Problem(400, 'no-available-scaling-group', `The resource group "${only}" is not allowed for the project "${project.name}"`);
    groups = [g];
  }
  const limits = keypairLimits(ctx);
  const using = keypairUsing(ctx.world, ctx.caller.accessKey, ctx.now, ctx.fast);
  const remaining = subtractSlots(limits, using);
  const groupLimits: Slots = Object.fromEntries(slotKeys.map((k) => [k, Infinity]));
  let groupUsing: Slots = {};
  for (const s of ctx.world.sessions) {
    if (s.group === project.name && isLive(sessionStatus(s, ctx.now, ctx.fast)) && s.scheduledAt !== null) {
      const status = sessionStatus(s, ctx.now, ctx.fast);
      if (status !== 'PENDING') groupUsing = addSlots(groupUsing, requestedTotal(s));
    }
  }
  const groupRemaining = subtractSlots(groupLimits, groupUsing);
  const perGroup: Record<string, { occupied: Record<string, string>; available: Record<string, string> }> = {};
  let sgRemaining: Slots = {};
  for (const g of groups) {
    const free = freeIn(ctx.world, g.name, ctx.now, ctx.fast);
    perGroup[g.name] = { occupied: slotStrings(occupiedIn(ctx.world, g.name, ctx.now, ctx.fast), slotKeys), available: slotStrings(free, slotKeys) };
    sgRemaining = addSlots(sgRemaining, free);
  }
  // what one new session could get: the tightest of keypair, project and resource-group room
  const room: Slots = {};
  for (const k of slotKeys) room[k] = Math.min(remaining[k] ?? 0, groupRemaining[k] ?? 0);
  const bestGroupFree = groups.map((g) => freeIn(ctx.world, g.name, ctx.now, ctx.fast));
  return {
    presets: ctx.world.presets.map((p) => ({
      id: p.id,
      name: p.name,
      resource_slots: slotStrings(p.resourceSlots),
      shared_memory: p.sharedMemory === null ? null : String(p.sharedMemory),
      allocatable: fits(p.resourceSlots, room) && bestGroupFree.some((free) => fits(p.resourceSlots, free)),
    })),
    keypair_limits: slotStrings(limits, slotKeys),
    keypair_using: slotStrings(using, slotKeys),
    keypair_remaining: slotStrings(remaining, slotKeys),
    group_limits: slotStrings(groupLimits, slotKeys),
    group_using: slotStrings(groupUsing, slotKeys),
    group_remaining: slotStrings(groupRemaining, slotKeys),
    scaling_group_remaining: slotStrings(sgRemaining, slotKeys),
    scaling_groups: perGroup,
  };
}

function monthStats(ctx: HandlerContext) {
  const monthStart = new Date(ctx.now);
  monthStart.setUTCDate(1);
  monthStart.setUTCHours(0, 0, 0, 0);
  return ctx.world.sessions
    .filter((s) => s.ownerAccessKey === ctx.caller.accessKey && s.createdAt >= monthStart.getTime())
    .map((s) => ({
      session_id: s.id,
      session_name: s.name,
      status: sessionStatus(s, ctx.now, ctx.fast),
      created_at: iso(s.createdAt),
      resource_group: s.resourceGroup,
      requested_slots: slotStrings(requestedTotal(s)),
    }));
}

const entries = (slots: Slots, keys: string[]) => keys.map((k) => ({ resource_type: k, quantity: decimalString(slots[k] ?? 0) }));

/** v2 resource-allocation views. Upstream documents no response schema for these; the shapes are the sandbox's. */
function myKeypairUsage(ctx: HandlerContext) {
  const keys = Object.keys(ctx.world.slotTypes);
  const limits = keypairLimits(ctx);
  const used = keypairUsing(ctx.world, ctx.caller.accessKey, ctx.now, ctx.fast);
  const live = ctx.world.sessions.filter((s) => s.ownerAccessKey === ctx.caller.accessKey && isLive(sessionStatus(s, ctx.now, ctx.fast))).length;
  return {
    access_key: ctx.caller.accessKey,
    limits: entries(limits, keys),
    used: entries(used, keys),
    remaining: entries(subtractSlots(limits, used), keys),
    concurrent_sessions: { used: live, max: ctx.caller.user.role === 'user' ? ctx.world.keypairPolicy.maxConcurrentSessions : null },
  };
}

function effectiveAllocation(ctx: HandlerContext) {
  const b = bodyObject(ctx.body);
  const project = callerProject(ctx.world, ctx.caller, String(b.project_id));
  const g = findResourceGroup(ctx.world, String(b.resource_group_name));
  if (!g || !g.projects.includes(project.name)) throw new Problem(400, 'no-available-scaling-group', `The resource group "${String(b.resource_group_name)}" is not allowed for the project "${project.name}"`);
  const keys = Object.keys(ctx.world.slotTypes);
  const keypairRemaining = subtractSlots(keypairLimits(ctx), keypairUsing(ctx.world, ctx.caller.accessKey, ctx.now, ctx.fast));
  const free = freeIn(ctx.world, g.name, ctx.now, ctx.fast);
  const effective: Slots = {};
  for (const k of keys) effective[k] = Math.max(0, Math.min(keypairRemaining[k] ?? 0, free[k] ?? 0));
  return { project, group: g, keys, effective };
}

export const resourceHandlers: HandlerTable = {
  'v2/resource-allocation.my_keypair_usage': (ctx) => json(200, myKeypairUsage(ctx)),
  'v2/resource-allocation.effective_allocation': (ctx) => {
    const { project, group, keys, effective } = effectiveAllocation(ctx);
    return json(200, { project_id: project.id, resource_group_name: group.name, allocatable: entries(effective, keys) });
  },
  'v2/resource-allocation.check_preset_availability': (ctx) => {
    const { project, group, effective } = effectiveAllocation(ctx);
    return json(200, {
      project_id: project.id,
      resource_group_name: group.name,
      presets: ctx.world.presets.map((p) => ({ id: p.id, name: p.name, resource_slots: slotStrings(p.resourceSlots), available: fits(p.resourceSlots, effective) })),
    });
  },
  'v2/resource-policies.my_keypair_resource_policy': (ctx) => {
    const keys = Object.keys(ctx.world.slotTypes);
    const p = ctx.world.keypairPolicy;
    const unlimited = ctx.caller.user.role !== 'user';
    return json(200, {
      name: unlimited ? 'default' : p.name,
      max_concurrent_sessions: unlimited ? null : p.maxConcurrentSessions,
      total_resource_slots: entries(keypairLimits(ctx), keys),
      idle_timeout: 3600,
      max_session_lifetime: 0,
      max_pending_session_count: null,
      allowed_vfolder_hosts: { 'local:volume1': ['create-vfolder', 'modify-vfolder', 'delete-vfolder', 'mount-in-session', 'upload-file', 'download-file', 'invite-others'] },
    });
  },
  'v2/resource-policies.my_user_resource_policy': () =>
    json(200, { name: 'default', max_vfolder_count: 20, max_quota_scope_size: -1, max_session_count_per_model_session: 10, max_customized_image_count: 3 }),
  'config.get_resource_slots': (ctx) => json(200, { ...ctx.world.slotTypes }),
  'config.get_resource_metadata': (ctx) =>
    json(200, Object.fromEntries(Object.keys(ctx.world.slotTypes).map((k) => [k, SLOT_DETAILS[k] ?? { slot_name: k, human_readable_name: k, display_unit: '', number_format: { binary: false, round_length: 0 } }]))),
  'config.get_vfolder_types': () => json(200, ['user', 'group']),
  'resource.list_presets': (ctx) => json(200, { presets: presetsBody(ctx) }),
  'resource.check_presets': (ctx) => json(200, checkPresets(ctx)),
  'resource.user_month_stats': (ctx) => json(200, monthStats(ctx)),
  'scaling-groups.list_available_sgroups': (ctx) => {
    const ref = ctx.query.get('group') ?? ctx.query.get('group_id') ?? ctx.query.get('group_name');
    if (!ref) throw badParams('the query parameter "group" (project name or id) is required');
    const project = callerProject(ctx.world, ctx.caller, ref);
    return json(200, { scaling_groups: allowedResourceGroups(ctx.world, project.name).map((g) => ({ name: g.name })) });
  },
  'scaling-groups.get_wsproxy_version': (ctx) => {
    if (!findResourceGroup(ctx.world, ctx.params.scaling_group ?? '')) throw new Problem(404, 'object-not-found', `No such resource group: ${ctx.params.scaling_group}`, undefined, 'No such scaling group.');
    return json(200, { wsproxy_version: 'v2' });
  },
  'v2/resource-allocation.resource_group_usage': (ctx) => {
    const g = findResourceGroup(ctx.world, ctx.params.name ?? '');
    if (!g) throw new Problem(404, 'object-not-found', `No such resource group: ${ctx.params.name}`, undefined, 'No such scaling group.');
    const keys = Object.keys(ctx.world.slotTypes);
    const occupied = occupiedIn(ctx.world, g.name, ctx.now, ctx.fast);
    return json(200, {
      resource_group_name: g.name,
      capacity: keys.map((k) => ({ resource_type: k, quantity: decimalString(g.capacity[k] ?? 0) })),
      used: keys.map((k) => ({ resource_type: k, quantity: decimalString(occupied[k] ?? 0) })),
      free: keys.map((k) => ({ resource_type: k, quantity: decimalString((g.capacity[k] ?? 0) - (occupied[k] ?? 0)) })),
    });
  },
  'spec.generate_openapi_spec': () => {
    // the manager's default (api.allow-openapi-schema-introspection = false), facts §11
    throw new Problem(403, 'generic-forbidden', 'OpenAPI schema introspection is disabled on this manager (api.allow-openapi-schema-introspection = false)');
  },
  'auth.get_my_ip': (ctx) => json(200, { ip_address: ctx.req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1', forwarded_for: ctx.req.headers['x-forwarded-for'] ?? null }),
  'auth.test_get': (ctx) => json(200, { authorized: 'yes', echo: ctx.query.get('echo') ?? '' }),
  // the caller's own display name only; the body names the caller's e-mail
  'auth.update_full_name': (ctx) => {
    const b = bodyObject(ctx.body);
    const email = typeof b.email === 'string' ? b.email : '';
    const fullName = typeof b.full_name === 'string' ? b.full_name : undefined;
    if (!email || fullName === undefined) throw badParams('email and full_name are required');
    if (email !== ctx.caller.user.email) throw new Problem(403, 'generic-forbidden', 'You can change only your own full name');
    ctx.caller.user.fullName = fullName;
    return json(200, {});
  },
  'auth.get_role': (ctx) => {
    const group = ctx.query.get('group');
    const role = ctx.caller.user.role;
    return json(200, {
      global_role: role === 'superadmin' ? 'superadmin' : 'user',
      domain_role: role === 'user' ? 'user' : 'admin',
      ...(group ? { group_role: 'user' } : {}),
    });
  },
};
