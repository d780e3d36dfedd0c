/**
 * Offline proposals for resources (presets, remaining quota, resource groups, slots, usage),
 * images, model services and identity.
 */
import { randomBytes } from 'node:crypto';
import { formatBinarySize } from '../../units.js';
import type { CallCandidate } from '../types.js';
import type {
  AccountNameIntent,
  ImageListIntent,
  ParsedIntent,
  ResourceIntent,
  ServiceCreateIntent,
  ServiceListIntent,
  ServiceTargetIntent,
} from './intents.js';
import { isConnectionFailure } from '../../client/errors.js';
import { createdEntities } from '../entities.js';
import { matchImages, type ImageRecord } from './match-image.js';
import { ask, calls, done, findByName, listNames, namesExactly, tagged, usableFolders, type HandlerContext, type HandlerResult } from './context.js';

export const IMAGE_LIST_QUERY = `query {
  images(is_installed: true) {
    id name namespace tag registry architecture aliases humanized_name supported_accelerators
  }
}`;

/**
 * The project to ask about a named resource group: the configured one if the group is open to it,
 * else the first of the user's other projects that may use it ("how much is free in gpu-a100?"
 * when only project research may use gpu-a100). Unknown groups stay with the configured project,
 * so the manager's answer (or the preflight) says what is wrong.
 */
async function projectOpenTo(ctx: HandlerContext, group: string): Promise<string> {
  const configured = ctx.defaults.group;
  const projects = [configured, ...(await ctx.world.projects()).map((p) => p.name).filter((p) => p !== configured)];
  for (const project of projects) {
    const groups = await ctx.world.resourceGroups(project).catch((err: unknown) => {
      if (isConnectionFailure(err)) throw err;
      return [] as string[];
    });
    if (groups.some((g) => g.toLowerCase() === group.toLowerCase())) return project;
  }
  return configured;
}

export async function proposeResource(ctx: HandlerContext<ParsedIntent<ResourceIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const project = intent.scalingGroup ? await projectOpenTo(ctx, intent.scalingGroup) : ctx.defaults.group;
  const sg = intent.scalingGroup ? { scaling_group: intent.scalingGroup } : {};
  switch (intent.kind) {
    case 'resource.presets':
      return calls(
        tagged(ctx, { operationId: 'resource.check_presets', body: { group: project, ...sg }, reason: 'presets, and which of them fit in your free resources now' }),
        tagged(ctx, { operationId: 'resource.list_presets', query: intent.scalingGroup ? { scaling_group: intent.scalingGroup } : {}, reason: 'list the resource presets' }),
      );
    case 'resource.remaining':
      return calls(tagged(ctx, { operationId: 'resource.check_presets', body: { group: project, ...sg }, reason: 'your remaining quota and free capacity per resource group' }));
    case 'resource.groups':
      return calls(tagged(ctx, { operationId: 'scaling-groups.list_available_sgroups', query: { group: project }, reason: `resource groups project ${project} may use` }));
    case 'resource.slots':
      return calls(tagged(ctx, { operationId: 'config.get_resource_slots', reason: 'the resource slot types this cluster offers' }));
    case 'resource.usage':
      return calls(tagged(ctx, { operationId: 'resource.user_month_stats', reason: 'your resource usage over the last month' }));
    case 'resource.policy':
      return calls(
        tagged(ctx, { operationId: 'v2/resource-policies.my_keypair_resource_policy', reason: 'your limits: concurrent sessions, resources per session' }),
        tagged(ctx, { operationId: 'resource.check_presets', body: { group: project, ...sg }, reason: 'your remaining quota and free capacity' }),
      );
  }
}

export async function proposeImageList(ctx: HandlerContext<ParsedIntent<ImageListIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  return calls(
    tagged(ctx, {
      operationId: 'admin.handle_gql_graphene',
      body: { query: IMAGE_LIST_QUERY },
      reason: ctx.parsed.intent.filter ? `list images (looking for ${ctx.parsed.intent.filter})` : 'list the images you can use',
    }),
  );
}

const DEFAULT_SERVICE_RESOURCES = { cpu: 4, mem: '16g' };

export async function proposeServiceCreate(ctx: HandlerContext<ParsedIntent<ServiceCreateIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const assumptions: string[] = [];
  const folders = usableFolders(await ctx.world.folders());
  const models = folders.filter((f) => f.usageMode === 'model');
  if (!intent.modelFolder) {
    return ask(models.length ? `Which model folder should the service serve? Your model folders: ${listNames(models)}.` : 'Which model folder should the service serve? You have no model-type folders.');
  }
  const hit = findByName(folders, intent.modelFolder, namesExactly(ctx)) ?? plannedModelFolder(ctx, intent.modelFolder);
  if (!hit) return ask(`There is no folder "${intent.modelFolder}". Your model folders: ${listNames(models)}.`);
  if (hit.item.usageMode !== 'model') {
    return ask(`Folder "${hit.item.name}" is a ${hit.item.usageMode} folder; a service needs a model folder (${listNames(models)}). Which one?`);
  }
  if (!hit.exact) assumptions.push(`folder "${intent.modelFolder}" read as "${hit.item.name}"`);

  const images = await ctx.world.images();
  // neither runtime nor image said: the image the site labels as a serving runtime (vLLM here), else custom
  const served = intent.runtimeVariant || intent.image ? undefined : servingImage(images);
  const runtime = intent.runtimeVariant?.toLowerCase() ?? served?.runtime ?? 'custom';
  if (served) assumptions.push(`runtime ${runtime} with image ${served.image.aliases[0] ?? served.image.name}: the serving image this manager offers`);
  else if (!intent.runtimeVariant) assumptions.push('runtime variant custom (needs a model-definition.yaml in the folder)');
  const imageMention = intent.image ?? (runtime === 'custom' ? undefined : runtime);
  // a custom runtime runs whatever image the model-definition expects; without one named, the configured GPU default
  const ranked = imageMention ? matchImages(imageMention, images, { wantsGpu: true }) : matchImages(ctx.defaults.gpuImage, images, { wantsGpu: true });
  const image = ranked[0]?.image;
  if (!imageMention && image) assumptions.push(`image ${image.aliases[0] ?? image.name} for the custom runtime: the default for GPU requests`);
  if (!image) return ask(`Which image should the service run${imageMention ? ` (none matches "${imageMention}")` : ''}? Available: ${images.map((i) => i.aliases[0] ?? i.name).join(', ')}.`);
  if (!intent.image && !served && imageMention) assumptions.push(`image ${image.aliases[0] ?? image.name} for the ${runtime} runtime`);

  const name =
    intent.name ??
    ctx.memo(`service-name-${ctx.index}`, () => `${hit.item.name.replace(/[^\w-]/g, '-').slice(0, 14)}-svc-${randomBytes(2).toString('hex')}`);
  if (!intent.name) assumptions.push(`service name ${name} (generated)`);
  if (!/^\w[\w-]*\w$/.test(name) || name.length < 4 || name.length > 24) {
    return ask(`A service name must be 4–24 letters, digits, "_" or "-" ("${name}" is not). What should it be called?`);
  }

  const slots = await ctx.world.resourceSlots();
  const resources: Record<string, number | string> = {};
  if (intent.resources.cpu !== undefined) resources.cpu = intent.resources.cpu;
  if (intent.resources.mem !== undefined) resources.mem = formatBinarySize(intent.resources.mem);
  if (intent.resources.accelerator) {
    const slot = intent.resources.accelerator.unit === 'gpu' && 'cuda.device' in slots ? 'cuda.device' : 'cuda.shares';
    resources[slot] = intent.resources.accelerator.amount;
  }
  if (Object.keys(resources).length === 0) {
    Object.assign(resources, DEFAULT_SERVICE_RESOURCES, 'cuda.shares' in slots ? { 'cuda.shares': 1 } : {});
    assumptions.push(`resources ${Object.entries(resources).map(([k, v]) => `${k}=${v}`).join(', ')} per replica (default)`);
  }
  const placed = await servicePlacements(ctx, intent.scalingGroup);
  if (typeof placed === 'string') return ask(placed);
  const replicas = intent.replicas ?? 1;
  if (intent.replicas === undefined) assumptions.push('1 replica');

  const cands: CallCandidate[] = placed.map(({ project, group: sg }) =>
    tagged(ctx, {
      operationId: 'services.create',
      body: {
        name,
        desired_session_count: replicas,
        image: image.name,
        runtime_variant: runtime,
        group: project,
        domain: ctx.defaults.domain,
        open_to_public: intent.openToPublic ?? false,
        config: {
          model: hit.item.name,
          ...(intent.modelSubpath ? { vfolder_subpath: intent.modelSubpath } : {}),
          ...(intent.modelDefinitionPath ? { model_definition_path: intent.modelDefinitionPath } : {}),
          // the wire name upstream's ServiceConfigModel declares (and requires); the manager also takes scaling_group
          scalingGroup: sg,
          resources,
          ...(Object.keys(intent.environ).length ? { environ: intent.environ } : {}),
        },
      },
      reason: `serve folder ${hit.item.name} as model service ${name} (${runtime}, ${replicas} replica${replicas > 1 ? 's' : ''}) in ${sg}`,
      assumptions: [
        ...assumptions,
        ...(intent.scalingGroup ? [] : [`resource group ${sg}`]),
        ...(project !== ctx.defaults.group ? [`project ${project}: resource group ${sg} is only open to it`] : []),
      ],
    }),
  );
  return calls(...cands);
}

/**
 * (project, resource group) pairs a service may run in, best first. Without a named group: the
 * configured project's groups. A named group open only to another of the user's projects runs
 * in that project, as the manager requires the group to be allowed for the service's project.
 */
async function servicePlacements(ctx: HandlerContext, wanted: string | undefined): Promise<Array<{ project: string; group: string }> | string> {
  const home = ctx.defaults.group;
  const homeGroups = await ctx.world.resourceGroups(home);
  if (!wanted) return homeGroups.length ? homeGroups.map((group) => ({ project: home, group })) : `Project ${home} has no resource group a service can use.`;
  const others = (await ctx.world.projects()).map((p) => p.name).filter((p) => p !== home);
  const seen = new Set<string>(homeGroups);
  for (const project of [home, ...others]) {
    const groups = project === home ? homeGroups : await ctx.world.resourceGroups(project).catch(() => [] as string[]);
    groups.forEach((g) => seen.add(g));
    const hit = groups.find((g) => g === wanted) ?? groups.find((g) => g.toLowerCase() === wanted.toLowerCase());
    if (hit) return [{ project, group: hit }];
  }
  return `Resource group "${wanted}" is not available to you. You can use: ${[...seen].join(', ') || 'none'}. Which one?`;
}

/** A folder an earlier step of this plan creates ("create a model folder phi-3 and deploy it"), with its usage mode. */
function plannedModelFolder(ctx: HandlerContext, name: string): { item: { name: string; usageMode: string }; exact: true } | undefined {
  const step = ctx.steps.find((a) => a.step.operationId === 'folders.create' && (a.step.body as { name?: unknown } | undefined)?.name === name);
  if (!step) return undefined;
  const body = step.step.body as { usage_mode?: unknown; usageMode?: unknown };
  return { item: { name, usageMode: String(body.usage_mode ?? body.usageMode ?? 'general') }, exact: true };
}

/** The image labelled with a model-serving runtime (`ai.backend.runtime-variant`), if exactly one kind is offered. */
function servingImage(images: ImageRecord[]): { image: ImageRecord; runtime: string } | undefined {
  const labelled = images
    .map((image) => ({ image, runtime: image.labels?.find((l) => l.key === 'ai.backend.runtime-variant')?.value?.toLowerCase() }))
    .filter((x): x is { image: ImageRecord; runtime: string } => Boolean(x.runtime) && x.runtime !== 'custom');
  return new Set(labelled.map((x) => x.runtime)).size === 1 ? labelled[0] : undefined;
}

export async function proposeServiceList(ctx: HandlerContext<ParsedIntent<ServiceListIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  if (ctx.parsed.intent.kind === 'service.runtimes') {
    return calls(tagged(ctx, { operationId: 'services.list_supported_runtimes', reason: 'the inference runtimes model services can use' }));
  }
  return calls(tagged(ctx, { operationId: 'services.list_serve', reason: 'list your model services' }));
}

export async function proposeServiceTarget(ctx: HandlerContext<ParsedIntent<ServiceTargetIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const services = await ctx.world.services();
  if (!intent.name) return ask(services.length ? `Which service? Yours: ${listNames(services)}.` : 'Which service? You have no model services.');
  const hit = findByName(services, intent.name, namesExactly(ctx)) ?? plannedService(ctx, intent.name);
  if (!hit) return ask(`There is no model service "${intent.name}". Yours: ${listNames(services)}.`);
  const s = hit.item;
  const assumptions = hit.exact ? [] : [`service "${intent.name}" read as "${s.name}"`];
  switch (intent.kind) {
    case 'service.delete':
      return calls(tagged(ctx, { operationId: 'services.delete', pathParams: { service_id: s.id }, reason: `delete model service ${s.name}`, assumptions, destructive: true }));
    case 'service.info':
      return calls(tagged(ctx, { operationId: 'services.get_info', pathParams: { service_id: s.id }, reason: `details of model service ${s.name}`, assumptions }));
    case 'service.scale':
      if (intent.replicas === undefined) return ask(`How many replicas should ${s.name} have?`);
      return calls(
        tagged(ctx, { operationId: 'services.scale', pathParams: { service_id: s.id }, body: { to: intent.replicas }, reason: `scale ${s.name} to ${intent.replicas} replicas`, assumptions }),
      );
    case 'service.token': {
      const duration = intent.duration ?? '1h';
      if (!intent.duration) assumptions.push('token valid for 1h');
      return calls(
        tagged(ctx, { operationId: 'services.generate_token', pathParams: { service_id: s.id }, body: { duration }, reason: `issue an API token for ${s.name}`, assumptions }),
      );
    }
  }
}

/** A service an earlier step of this plan creates: its id is known only from that step's response. */
function plannedService(ctx: HandlerContext, name: string): { item: { name: string; id: { $from: string; path: string }; createdBy: string }; exact: true } | undefined {
  for (const a of ctx.steps) {
    if (createdEntities(a.step).some((e) => e.kind === 'service' && e.name === name)) {
      return { item: { name, id: { $from: a.step.id, path: 'endpoint_id' }, createdBy: a.step.id }, exact: true };
    }
  }
  return undefined;
}

export async function proposeProjectList(ctx: HandlerContext): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  return calls(tagged(ctx, { operationId: 'admin.handle_gql_graphene', body: { query: 'query { groups { id name } }' }, reason: 'the projects you are a member of' }));
}

/** Change the caller's display name: the call names the caller's e-mail, which the manager tells us. */
export async function proposeAccountName(ctx: HandlerContext<ParsedIntent<AccountNameIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const fullName = ctx.parsed.intent.fullName?.trim();
  if (!fullName) return ask('What should your display name be?');
  let me;
  try {
    me = await ctx.world.me();
  } catch (err) {
    if (isConnectionFailure(err)) throw err;
    return ask(`I could not look up your account (${(err as Error).message}). What is your account e-mail?`);
  }
  return calls(
    tagged(ctx, {
      operationId: 'auth.update_full_name',
      body: { email: me.email, full_name: fullName },
      reason: `change your display name${me.fullName ? ` from "${me.fullName}"` : ''} to "${fullName}"`,
    }),
  );
}

export async function proposeWhoami(ctx: HandlerContext): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  // the role endpoint takes the project's UUID, not its name
  const project = (await ctx.world.projects()).find((p) => p.name === ctx.defaults.group);
  return calls(
    tagged(ctx, {
      operationId: 'auth.get_role',
      query: project ? { group: project.id } : {},
      reason: project ? `your role (global, domain and in project ${project.name})` : 'your role (global and domain)',
    }),
  );
}
