/**
 * Saving a session's container (facts §15.7): `commit` writes a tar snapshot on the agent (the
 * manager names the file itself: `?filename=` is overwritten by `<time>_<session>_<image>.tar.gz`,
 * `registry.py` `commit_session_to_file`) and answers 201 with the agent's background task;
 * `imagify` turns it into a reusable image in the project's registry, visible to its owner only
 * (`image_visibility` `user`; `project` is refused, as upstream does), within the user's
 * customized-image quota, and answers 200 `{task_id}`.
 */
import { badParams, Problem } from '../problem.js';
import type { SandboxImage, SandboxWorld, SessionRecord } from '../world.js';
import { newUuid, startBackgroundTask } from './common.js';
import { bodyObject, json, type HandlerContext, type HandlerResult } from './context.js';

/** The manager's default `max_customized_image_count` of a user resource policy. */
const DEFAULT_MAX_CUSTOMIZED_IMAGES = 3;

export const CUSTOMIZED_OWNER_LABEL = 'ai.backend.customized-image.owner';
const CUSTOMIZED_NAME_LABEL = 'ai.backend.customized-image.name';
const CUSTOMIZED_ID_LABEL = 'ai.backend.customized-image.id';

/** `2026-12-07T10H20M30S`, the agent's timestamp format for commit files. */
function commitStamp(ms: number): string {
  const d = new Date(ms).toISOString();
  return `${d.slice(0, 10)}T${d.slice(11, 13)}H${d.slice(14, 16)}M${d.slice(17, 19)}S`;
}

export function commitToFile(ctx: HandlerContext, s: SessionRecord): HandlerResult {
  const imageName = s.image.split('/').slice(2).join('/') || s.image;
  const filename = `${commitStamp(ctx.now)}_${s.name}_${imageName}.tar.gz`.replace(/:/g, '-');
  const bgtask_id = startBackgroundTask(ctx.world, 'commit', `committed ${s.name} to ${filename}`, ctx.now);
  return json(201, { bgtask_id, kernel: s.id, path: `${ctx.caller.user.email}/${filename}` });
}

/** Customized images a user owns (label `ai.backend.customized-image.owner: user:<uuid>`). */
export function ownsImage(img: SandboxImage, userUuid: string): boolean {
  return img.labels[CUSTOMIZED_OWNER_LABEL] === `user:${userUuid}`;
}

export function imagify(ctx: HandlerContext, s: SessionRecord): HandlerResult {
  const b = bodyObject(ctx.body);
  const name = String(b.image_name ?? '');
  const visibility = String(b.image_visibility ?? 'user');
  if (visibility !== 'user') throw badParams(`Unsupported visibility scope ${visibility}`);
  const owner = ctx.caller.user;
  const mine = ctx.world.images.filter((i) => ownsImage(i, owner.uuid));
  const limit = ctx.world.maxCustomizedImages ?? DEFAULT_MAX_CUSTOMIZED_IMAGES;
  const base = ctx.world.images.find((i) => i.reference === s.image);
  if (!base) throw new Problem(404, 'object-not-found', `No such environment image: ${s.image}`, undefined, 'No such environment image.');
  const tag = base.tag.split('-').filter((t) => !t.startsWith('customized_')).join('-');
  const canonical = `${base.registry}/${base.project}/${base.name}:${tag}`;
  // the same name from the same base image replaces the earlier one (same customized id)
  const existing = mine.find((i) => i.labels[CUSTOMIZED_NAME_LABEL] === name && i.reference.startsWith(`${canonical}-customized_`));
  if (!existing && mine.length >= limit) {
    throw new Problem(400, 'quota-exceeded', `You have reached your customized image count quota. (current: ${mine.length}, limit: ${limit})`, { limit, current: mine.length });
  }
  const id = existing?.labels[CUSTOMIZED_ID_LABEL] ?? newUuid();
  const image: SandboxImage = {
    ...structuredClone(base),
    id: existing?.id ?? newUuid(),
    reference: `${canonical}-customized_${id.replace(/-/g, '')}`,
    tag: `${tag}-customized_${id.replace(/-/g, '')}`,
    aliases: [],
    labels: {
      ...base.labels,
      [CUSTOMIZED_OWNER_LABEL]: `user:${owner.uuid}`,
      [CUSTOMIZED_NAME_LABEL]: name,
      [CUSTOMIZED_ID_LABEL]: id,
      'ai.backend.customized-image.user.email': owner.email,
    },
  };
  replaceImage(ctx.world, existing, image);
  const task_id = startBackgroundTask(ctx.world, 'imagify', `converted ${s.name} to image ${name} (${image.reference})`, ctx.now);
  return json(200, { task_id });
}

function replaceImage(world: SandboxWorld, old: SandboxImage | undefined, image: SandboxImage): void {
  world.images = world.images.filter((i) => i !== old);
  world.images.push(image);
}
