/** Lookups and formatting shared by the handlers. */
import { Problem } from '../problem.js';
import type { Caller } from '../auth.js';
import type { ResourceGroup, SandboxProject, SandboxWorld, Slots } from '../world.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** Dashed lowercase form of a dashed or 32-hex UUID. */
export function normalizeUuid(s: string): string {
  const hex = s.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Slot map with decimal-string values (`{"cpu": "4", "mem": "34359738368"}`), as the manager sends. */
export function slotStrings(slots: Slots, keys?: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys ?? Object.keys(slots)) out[k] = decimalString(slots[k] ?? 0);
  return out;
}

export function decimalString(n: number): string {
  if (n === Infinity) return 'Infinity';
  if (Number.isInteger(n)) return String(n);
  return String(Math.round(n * 1e6) / 1e6);
}

/** A project by name or UUID. */
export function findProject(world: SandboxWorld, ref: string): SandboxProject | undefined {
  const id = isUuid(ref) ? normalizeUuid(ref) : undefined;
  return world.projects.find((p) => (id ? p.id === id : p.name === ref));
}

/** The caller's project by name or UUID, or 404/400 as the manager answers. */
export function callerProject(world: SandboxWorld, caller: Caller, ref: string): SandboxProject {
  const project = findProject(world, ref);
  if (!project) throw new Problem(404, 'object-not-found', `No such project (group): ${ref}`, undefined, 'No such project.');
  if (caller.user.role !== 'superadmin' && !caller.user.projects.includes(project.name)) {
    throw new Problem(400, 'invalid-api-params', `You are not a member of the project "${project.name}"`);
  }
  return project;
}

/** Resource groups a project may use. */
export function allowedResourceGroups(world: SandboxWorld, projectName: string): ResourceGroup[] {
  return world.resourceGroups.filter((g) => g.projects.includes(projectName));
}

export function findResourceGroup(world: SandboxWorld, ref: string): ResourceGroup | undefined {
  const id = isUuid(ref) ? normalizeUuid(ref) : undefined;
  return world.resourceGroups.find((g) => (id ? g.id === id : g.name === ref));
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function newUuid(): string {
  return crypto.randomUUID();
}

/** Record a background task (it is already done: the sandbox does the work synchronously). */
export function startBackgroundTask(world: import('../world.js').SandboxWorld, kind: string, message: string, now: number): string {
  const id = newUuid();
  world.backgroundTasks ??= [];
  world.backgroundTasks.push({ id, kind, message, createdAt: now });
  if (world.backgroundTasks.length > 200) world.backgroundTasks.splice(0, world.backgroundTasks.length - 200);
  return id;
}
