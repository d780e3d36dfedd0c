/**
 * `group=X` in a structured request: the API and the Backend.AI CLI call a project a *group*, and
 * people also say "group" for a resource group. Which one X is follows from what the manager has,
 * never from a guess: a project named X, or a resource group named X that one of the user's
 * projects may use. When both exist, or neither, the user is asked.
 */
import type { SessionCreateIntent } from './intents.js';
import { listNames, type HandlerContext } from './context.js';

export type GroupReading = { slots: Pick<SessionCreateIntent, 'project' | 'scalingGroup'>; assumption: string } | string;

export async function readGroupName(ctx: HandlerContext, intent: SessionCreateIntent, name: string): Promise<GroupReading> {
  const reading = await read(ctx, name);
  if (typeof reading === 'string') return reading;
  // group=X must not silently replace a project= or sg= given too
  const clash = (['project', 'scalingGroup'] as const).find((k) => reading.slots[k] !== undefined && intent[k] !== undefined && intent[k] !== reading.slots[k]);
  if (clash) return `group=${name} is a ${clash === 'project' ? 'project' : 'resource group'}, and ${clash === 'project' ? 'project' : 'sg'}=${intent[clash]} was given too: which one?`;
  return reading;
}

async function read(ctx: HandlerContext, name: string): Promise<GroupReading> {
  const projects = await ctx.world.projects();
  const project = projects.find((p) => p.name === name);
  const groups = new Set<string>();
  for (const p of projects) for (const g of await ctx.world.resourceGroups(p.name).catch(() => [] as string[])) groups.add(g);
  const isGroup = groups.has(name);
  if (project && isGroup) return `group=${name} is both a project and a resource group: write project=${name} or sg=${name}`;
  if (project) return { slots: { project: name }, assumption: `group=${name} read as the project ${name}` };
  if (isGroup) return { slots: { scalingGroup: name }, assumption: `group=${name} read as the resource group ${name}` };
  return `group=${name} is neither one of your projects (${listNames(projects)}) nor a resource group you can use (${[...groups].join(', ') || 'none'}). Which one?`;
}
