/** World records in the shapes the GraphQL schema exposes. */
import { findProject, iso, slotStrings, decimalString } from './handlers/common.js';
import type { HandlerContext } from './handlers/context.js';
import { endedAt, requestedTotal, sessionResult, sessionStatus } from './scheduler.js';
import type { SandboxImage, SessionRecord } from './world.js';
import { statusInfoOf } from './handlers/sessions.js';
import { CUSTOMIZED_OWNER_LABEL, ownsImage } from './handlers/session-images.js';

export function imageNode(i: SandboxImage) {
  const [version, ...platform] = i.tag.split('-');
  return {
    id: i.id,
    // the manager's `images.image` column: the path under the registry, project included
    name: `${i.project}/${i.name}`,
    namespace: `${i.project}/${i.name}`,
    base_image_name: i.name,
    project: i.project,
    humanized_name: `${i.project}/${i.name}`,
    tag: i.tag,
    tags: platform.map((p) => ({ key: p.replace(/[\d.]+$/, ''), value: p.replace(/^[a-z]+/, '') })),
    version,
    registry: i.registry,
    architecture: i.architecture,
    is_local: false,
    digest: i.digest,
    labels: Object.entries(i.labels).map(([key, value]) => ({ key, value })),
    aliases: i.aliases,
    size_bytes: i.sizeBytes,
    status: 'ALIVE',
    resource_limits: Object.entries(i.minSlots).map(([key, min]) => ({ key, min: decimalString(min), max: 'Infinity' })),
    supported_accelerators: i.supportedAccelerators,
    installed: true,
    installed_agents: ['i-sandbox-agent-01'],
    hash: i.digest,
  };
}

/** Images the caller may see: customized images (imagify) only by their owner (and superadmins). */
export function visibleImages(ctx: HandlerContext): SandboxImage[] {
  const me = ctx.caller.user;
  return ctx.world.images.filter((i) => !i.labels[CUSTOMIZED_OWNER_LABEL] || me.role === 'superadmin' || ownsImage(i, me.uuid));
}

export function callerProjectsOf(ctx: HandlerContext) {
  const names = ctx.caller.user.role === 'superadmin' ? ctx.world.projects.map((p) => p.name) : ctx.caller.user.projects;
  return ctx.world.projects
    .filter((p) => names.includes(p.name))
    .map((p) => ({
      id: p.id,
      name: p.name,
      description: '',
      is_active: true,
      domain_name: p.domain,
      type: p.type ?? 'GENERAL',
      scaling_groups: ctx.world.resourceGroups.filter((g) => g.projects.includes(p.name)).map((g) => g.name),
    }));
}

export function sessionListItem(ctx: HandlerContext, s: SessionRecord) {
  const status = sessionStatus(s, ctx.now, ctx.fast);
  const project = findProject(ctx.world, s.group);
  const holding = !['PENDING', 'TERMINATED', 'CANCELLED', 'ERROR'].includes(status);
  return {
    id: s.id,
    session_id: s.id,
    name: s.name,
    session_name: s.name,
    type: s.type,
    session_type: s.type,
    image: s.image,
    architecture: s.architecture,
    status,
    status_info: statusInfoOf(s, status, sessionResult(s, ctx.now, ctx.fast)),
    result: sessionResult(s, ctx.now, ctx.fast).toUpperCase(),
    created_at: iso(s.createdAt)!,
    terminated_at: iso(endedAt(s, ctx.now, ctx.fast)),
    access_key: s.ownerAccessKey,
    user_email: s.ownerEmail,
    group_id: project?.id ?? null,
    group_name: s.group,
    domain_name: s.domain,
    scaling_group: s.resourceGroup,
    occupied_slots: JSON.stringify(holding ? slotStrings(requestedTotal(s)) : {}),
    requested_slots: JSON.stringify(slotStrings(requestedTotal(s))),
    cluster_size: s.clusterSize,
    cluster_mode: s.clusterMode,
    mounts: s.mounts.map((id) => ctx.world.folders.find((f) => f.id === id)?.name ?? id),
  };
}
