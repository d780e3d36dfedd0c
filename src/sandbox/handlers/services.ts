/**
 * Model services (facts §8): a service is a set of `inference` sessions (routes) scheduled like
 * any other session; it gets a `service_endpoint` once a route is RUNNING. Tokens are JWT-shaped
 * and signed with the world's token key; the endpoint `/services/<id>/proxy` (../inference-proxy.ts)
 * verifies them before forwarding to the sandbox's OpenAI-compatible upstream.
 */
import { createHmac } from 'node:crypto';
import { badParams, Problem } from '../problem.js';
import { sessionStatus, isLive, advanceWorld } from '../scheduler.js';
import type { SandboxWorld, ServiceRecord } from '../world.js';
import { callerProject, findResourceGroup, allowedResourceGroups, isUuid, newUuid, normalizeUuid, startBackgroundTask } from './common.js';
import { bodyObject, json, noContent, pick, type HandlerContext, type HandlerTable } from './context.js';
import { accessibleFolder } from './folders.js';
import { createSession, findImage, terminateSession } from './sessions.js';

const SERVICE_NAME_RE = /^(?=.{4,24}$)\w[\w-]*\w$/;

function runningRoutes(ctx: HandlerContext, svc: ServiceRecord) {
  return svc.routes.filter((r) => {
    const s = ctx.world.sessions.find((x) => x.id === r.session_id);
    return s && sessionStatus(s, ctx.now, ctx.fast) === 'RUNNING';
  });
}

export function serviceEndpointUrl(baseUrl: string, serviceId: string): string {
  return `${baseUrl}/services/${serviceId}/proxy`;
}

function serveInfo(ctx: HandlerContext, svc: ServiceRecord) {
  const active = runningRoutes(ctx, svc);
  return {
    endpoint_id: svc.id,
    model_id: svc.modelFolderId,
    extra_mounts: [],
    name: svc.name,
    replicas: svc.replicas,
    desired_session_count: svc.replicas,
    model_definition_path: svc.modelDefinitionPath,
    active_routes: active,
    service_endpoint: active.length > 0 ? serviceEndpointUrl(ctx.baseUrl, svc.id) : null,
    is_public: svc.isPublic,
    runtime_variant: svc.runtimeVariant,
  };
}

function listItem(ctx: HandlerContext, svc: ServiceRecord) {
  const active = runningRoutes(ctx, svc);
  return {
    id: svc.id,
    name: svc.name,
    replicas: svc.replicas,
    desired_session_count: svc.replicas,
    active_route_count: active.length,
    service_endpoint: active.length > 0 ? serviceEndpointUrl(ctx.baseUrl, svc.id) : null,
    is_public: svc.isPublic,
    runtime_variant: svc.runtimeVariant,
    resource_group: svc.resourceGroup,
  };
}

function ownService(ctx: HandlerContext): ServiceRecord {
  const ref = ctx.params.service_id ?? '';
  const svc = isUuid(ref) ? ctx.world.services.find((s) => s.id === normalizeUuid(ref)) : undefined;
  if (!svc || (svc.ownerAccessKey !== ctx.caller.accessKey && ctx.caller.user.role !== 'superadmin')) {
    throw new Problem(404, 'object-not-found', `No such model service: ${ref}`, undefined, 'No such model service.');
  }
  return svc;
}

/** Start `count` more replicas (inference sessions) for a service. */
function addRoutes(ctx: HandlerContext, svc: ServiceRecord, count: number): void {
  const image = findImage(ctx.world, svc.image);
  if (!image) throw new Problem(404, 'object-not-found', `No such environment image: ${svc.image}`, undefined, 'No such environment image.');
  for (let i = 0; i < count; i++) {
    const { session } = createSession(ctx, {
      name: `${svc.name}-${newUuid().slice(0, 8)}`,
      image,
      type: 'inference',
      projectName: svc.group,
      domain: svc.domain,
      resources: svc.resources,
      resourceOpts: {},
      resourceGroup: svc.resourceGroup,
      mounts: [],
      mountIds: [svc.modelFolderId],
      environ: {},
      clusterSize: 1,
      clusterMode: 'single-node',
      startupCommand: null,
      bootstrapScript: null,
      tag: null,
      priority: 10,
      batchOnly: { startsAt: null, batchTimeout: null },
      reuse: false,
      serviceId: svc.id,
    });
    svc.routes.push({ route_id: newUuid(), session_id: session.id, traffic_ratio: 1 });
  }
}

function removeRoutes(ctx: HandlerContext, svc: ServiceRecord, count: number): void {
  for (const r of svc.routes.splice(svc.routes.length - count, count)) {
    const s = ctx.world.sessions.find((x) => x.id === r.session_id);
    if (s) terminateSession(ctx.world, s, ctx.now, ctx.fast);
  }
  advanceWorld(ctx.world, ctx.now, ctx.fast);
}

function createService(ctx: HandlerContext) {
  const b = bodyObject(ctx.body);
  const config = bodyObject(b.config);
  const name = pick<string>(b, 'service_name', 'name', 'clientSessionToken') ?? '';
  if (!SERVICE_NAME_RE.test(name)) throw badParams(`name: a service name is 4–24 letters, digits, "_" or "-", starting and ending with a letter or digit (got ${JSON.stringify(name)})`);
  const replicas = pick<number>(b, 'replicas', 'desired_session_count', 'desiredSessionCount');
  if (replicas === undefined) throw badParams('replicas (desired_session_count): required');
  const runtimeVariant = pick<string>(b, 'runtime_variant') ?? 'custom';
  if (!ctx.world.runtimeVariants.some((r) => r.name === runtimeVariant)) {
    throw badParams(`runtime_variant: "${runtimeVariant}" is not offered here (available: ${ctx.world.runtimeVariants.map((r) => r.name).join(', ')})`);
  }
  const imageRef = pick<string>(b, 'image', 'lang');
  if (!imageRef) throw badParams('image (lang): required');
  const image = findImage(ctx.world, imageRef, pick<string>(b, 'architecture', 'arch'));
  if (!image) throw new Problem(404, 'object-not-found', `No such environment image: ${imageRef}`, undefined, 'No such environment image.');
  const project = callerProject(ctx.world, ctx.caller, pick<string>(b, 'group') ?? 'default');
  const modelRef = pick<string>(config, 'model');
  if (!modelRef) throw badParams('config.model: the model folder (name or id) is required');
  const model = accessibleFolder(ctx, modelRef);
  if (!model) throw new Problem(404, 'object-not-found', `No such model folder: ${modelRef}`, undefined, 'No such virtual folder.');
  if (model.usageMode !== 'model') throw badParams(`config.model: the folder "${model.name}" is not a model folder (usage_mode ${model.usageMode}); create one with usage_mode "model"`);
  if (model.projectId) throw badParams(`config.model: project folders cannot be served; use a personal model folder`);
  const mountDest = pick<string>(config, 'model_mount_destination', 'modelMountDestination') ?? '/models';
  if (mountDest !== '/models' && !['custom', 'cmd'].includes(runtimeVariant)) throw badParams('config.model_mount_destination: must stay /models unless the runtime variant is custom or cmd');
  const rgRef = pick<string>(config, 'scaling_group', 'scalingGroup');
  if (!rgRef) throw badParams('config.scaling_group: required (see GET /scaling-groups?group=<project>)');
  const rg = findResourceGroup(ctx.world, rgRef);
  const allowed = allowedResourceGroups(ctx.world, project.name);
  if (!rg) throw new Problem(400, 'unresolvable-resource-group', `No such resource group: ${rgRef}`);
  if (!allowed.includes(rg)) throw new Problem(400, 'no-available-scaling-group', `The resource group "${rg.name}" is not allowed for the project "${project.name}"`);
  if (ctx.world.services.some((s) => s.name === name && s.ownerAccessKey === ctx.caller.accessKey)) {
    throw badParams(`A model service named "${name}" already exists`);
  }
  const svc: ServiceRecord = {
    id: newUuid(),
    name,
    ownerAccessKey: ctx.caller.accessKey,
    ownerEmail: ctx.caller.user.email,
    group: project.name,
    domain: pick<string>(b, 'domain') ?? ctx.world.domain,
    image: image.reference,
    runtimeVariant,
    modelFolderId: model.id,
    modelDefinitionPath: pick<string>(config, 'model_definition_path') ?? null,
    modelMountDestination: mountDest,
    resourceGroup: rg.name,
    resources: bodyObject(config.resources),
    replicas,
    isPublic: b.open_to_public === true,
    createdAt: ctx.now,
    routes: [],
    tokens: [],
  } as ServiceRecord;
  ctx.world.services.push(svc);
  try {
    addRoutes(ctx, svc, replicas);
  } catch (err) {
    ctx.world.services = ctx.world.services.filter((s) => s !== svc);
    throw err;
  }
  return json(201, serveInfo(ctx, svc));
}

/** `1h`, `30m`, `2d`, `1w`, `90s` or a number of seconds. */
function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number' && v > 0) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$/i.exec(v);
  if (!m) return undefined;
  const unit: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  return Number(m[1]) * unit[m[2]!.toLowerCase()]!;
}

export function signServiceToken(world: SandboxWorld, payload: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc(payload)}`;
  return `${head}.${createHmac('sha256', world.tokenSigningKey).update(head).digest('base64url')}`;
}

/** The service a token was issued for, if the token is valid and unexpired at `nowMs`. */
export function verifyServiceToken(world: SandboxWorld, token: string, nowMs: number): ServiceRecord | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const expected = createHmac('sha256', world.tokenSigningKey).update(`${parts[0]}.${parts[1]}`).digest('base64url');
  if (expected !== parts[2]) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { endpoint_id?: string; exp?: number };
    if (!payload.exp || payload.exp * 1000 < nowMs) return undefined;
    return world.services.find((s) => s.id === payload.endpoint_id);
  } catch {
    return undefined;
  }
}

function generateToken(ctx: HandlerContext) {
  const svc = ownService(ctx);
  const b = bodyObject(ctx.body);
  const nowS = Math.floor(ctx.now / 1000);
  let exp: number;
  if (b.valid_until !== undefined && b.valid_until !== null) {
    exp = Number(b.valid_until);
  } else if (b.duration !== undefined && b.duration !== null) {
    const d = parseDuration(b.duration);
    if (d === undefined) throw badParams(`duration: not a duration: ${JSON.stringify(b.duration)} (e.g. "1h", "30d", or seconds)`);
    exp = nowS + Math.floor(d);
  } else {
    throw badParams('Give either duration (e.g. "1h") or valid_until (a Unix timestamp)');
  }
  if (!Number.isFinite(exp) || exp <= nowS) throw badParams('The token expiry must be in the future');
  const token = signServiceToken(ctx.world, { endpoint_id: svc.id, user: ctx.caller.user.uuid, iat: nowS, exp });
  svc.tokens.push({ token, expiresAt: exp * 1000 });
  return json(200, { token });
}

export const serviceHandlers: HandlerTable = {
  'services.create': createService,
  'services.list_serve': (ctx) => {
    const name = ctx.query.get('name');
    return json(200, ctx.world.services.filter((s) => s.ownerAccessKey === ctx.caller.accessKey && (!name || s.name === name)).map((s) => listItem(ctx, s)));
  },
  'services.search_services': (ctx) => {
    const b = bodyObject(ctx.body);
    const nf = bodyObject(bodyObject(b.filter).name);
    const limit = Math.min(Number(b.limit ?? 20), 100);
    const offset = Number(b.offset ?? 0);
    const all = ctx.world.services
      .filter((s) => s.ownerAccessKey === ctx.caller.accessKey)
      .filter((s) => (nf.equals === undefined || s.name === nf.equals) && (nf.contains === undefined || s.name.includes(String(nf.contains))) && (nf.i_contains === undefined || s.name.toLowerCase().includes(String(nf.i_contains).toLowerCase())));
    return json(200, { items: all.slice(offset, offset + limit).map((s) => listItem(ctx, s)), pagination: { offset, limit, total_count: all.length } });
  },
  'services.try_start': (ctx) => {
    // a dry run: validate like a create, start nothing
    const b = bodyObject(ctx.body);
    const imageRef = pick<string>(b, 'image', 'lang');
    if (imageRef && !findImage(ctx.world, imageRef)) throw new Problem(404, 'object-not-found', `No such environment image: ${imageRef}`, undefined, 'No such environment image.');
    return json(200, { task_id: startBackgroundTask(ctx.world, 'service-try', 'the model service can start', ctx.now) });
  },
  'services.list_supported_runtimes': (ctx) => json(200, { runtimes: ctx.world.runtimeVariants }),
  'services.get_info': (ctx) => json(200, serveInfo(ctx, ownService(ctx))),
  'services.delete': (ctx) => {
    const svc = ownService(ctx);
    removeRoutes(ctx, svc, svc.routes.length);
    ctx.world.services = ctx.world.services.filter((s) => s !== svc);
    return json(200, { success: true });
  },
  'services.scale': (ctx) => {
    const svc = ownService(ctx);
    const to = Number(bodyObject(ctx.body).to);
    if (!Number.isInteger(to) || to < 0) throw badParams('to: a non-negative whole number of replicas is required');
    const current = svc.routes.length;
    if (to > current) addRoutes(ctx, svc, to - current);
    else if (to < current) removeRoutes(ctx, svc, current - to);
    svc.replicas = to;
    return json(200, { current_route_count: current, target_count: to });
  },
  'services.generate_token': generateToken,
  'services.list_errors': (ctx) => {
    ownService(ctx);
    return json(200, { errors: [], retries: 0 });
  },
  'services.clear_error': (ctx) => {
    ownService(ctx);
    return noContent();
  },
  'services.sync': (ctx) => {
    ownService(ctx);
    return json(200, { success: true });
  },
  'services.update_route': (ctx) => {
    const svc = ownService(ctx);
    const route = svc.routes.find((r) => r.route_id === ctx.params.route_id);
    if (!route) throw new Problem(404, 'object-not-found', `No such route: ${ctx.params.route_id}`, undefined, 'No such route.');
    const ratio = Number(bodyObject(ctx.body).traffic_ratio);
    if (!(ratio >= 0)) throw badParams('traffic_ratio: a non-negative number is required');
    route.traffic_ratio = ratio;
    return json(200, { success: true });
  },
  'services.delete_route': (ctx) => {
    const svc = ownService(ctx);
    const idx = svc.routes.findIndex((r) => r.route_id === ctx.params.route_id);
    if (idx < 0) throw new Problem(404, 'object-not-found', `No such route: ${ctx.params.route_id}`, undefined, 'No such route.');
    const [route] = svc.routes.splice(idx, 1);
    const s = ctx.world.sessions.find((x) => x.id === route!.session_id);
    if (s && isLive(sessionStatus(s, ctx.now, ctx.fast))) terminateSession(ctx.world, s, ctx.now, ctx.fast);
    svc.replicas = svc.routes.length;
    return json(200, { success: true });
  },
};

