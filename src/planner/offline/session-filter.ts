/**
 * Evaluates a bulk action's filter (parse/filters.ts) on what the manager lists: which live
 * sessions hold GPU slots, run an image, mount a folder, or carry a name. One place, so "the
 * pytorch session", "every session on the pytorch image" and "leave the CPU-only ones" agree.
 */
import type { SessionFilter } from './intents.js';
import type { ImageRecord } from './match-image.js';
import type { SessionInfo } from '../world.js';

/** Holds any accelerator slot (cuda.shares, cuda.device, rocm, tpu, …) above zero. */
export function usesGpu(s: SessionInfo): boolean {
  return Object.entries(s.requestedSlots ?? {}).some(([k, v]) => /^cuda\.|gpu|rocm|tpu|ipu|npu/i.test(k) && Number(v) > 0);
}

/** The image's name (not its tag) holds the word as a whole part: "python" is not "python-pytorch". */
export function runsImage(s: SessionInfo, word: string, images: readonly ImageRecord[]): boolean {
  const refs = [...(s.imageRefs ?? []), ...images.filter((i) => (s.imageIds ?? []).includes(i.id ?? '')).flatMap((i) => [i.name, ...i.aliases])];
  return refs.some((r) => {
    const base = r.replace(/:[^/]*$/, '').split('/').pop() ?? r;
    return base === word || base.split('-').pop() === word || base.replace(/^python-/, '') === word || r === word;
  });
}

/** What a filter is checked against besides the session itself. */
export interface FilterWorld {
  images: readonly ImageRecord[];
  /** folders, to read mounts reported by id */
  folders: ReadonlyArray<{ id: string; name: string }>;
}

/** The folder names a session mounts (the manager may report ids). */
function mountedNames(s: SessionInfo, folders: FilterWorld['folders']): string[] | undefined {
  if (s.mounts === undefined) return undefined;
  const norm = (x: string) => x.replace(/-/g, '').toLowerCase();
  return s.mounts.map((m) => folders.find((f) => f.name === m || norm(f.id) === norm(m))?.name ?? m);
}

export function fitsFilter(s: SessionInfo, f: SessionFilter, world: FilterWorld): boolean {
  const { images } = world;
  if (f.accelerator === 'gpu' && !usesGpu(s)) return false;
  if (f.accelerator === 'cpu' && usesGpu(s)) return false;
  if (f.image !== undefined && !runsImage(s, f.image, images)) return false;
  // a manager that does not report mounts cannot show that a session mounts a folder: it does not fit
  const mounts = mountedNames(s, world.folders);
  if (f.mounted !== undefined && !(mounts ?? []).includes(f.mounted)) return false;
  if (f.notMounted !== undefined && (mounts === undefined || mounts.includes(f.notMounted))) return false;
  if (f.namePrefix !== undefined && !s.name.startsWith(f.namePrefix)) return false;
  if (f.nameContains !== undefined && !s.name.includes(f.nameContains)) return false;
  return true;
}

/** "on image pytorch, holding GPUs": the filter in the preview's words. */
export function describeFilter(f: SessionFilter): string {
  const parts: string[] = [];
  if (f.accelerator === 'gpu') parts.push('holding GPUs');
  if (f.accelerator === 'cpu') parts.push('CPU-only');
  if (f.image) parts.push(`on image ${f.image}`);
  if (f.mounted) parts.push(`mounting ${f.mounted}`);
  if (f.notMounted) parts.push(`not mounting ${f.notMounted}`);
  if (f.namePrefix) parts.push(`named ${f.namePrefix}…`);
  if (f.nameContains) parts.push(`with "${f.nameContains}" in the name`);
  return parts.join(', ');
}

export const needsImages = (...filters: Array<SessionFilter | undefined>): boolean => filters.some((f) => f?.image !== undefined);
export const needsFolders = (...filters: Array<SessionFilter | undefined>): boolean => filters.some((f) => f?.mounted !== undefined || f?.notMounted !== undefined);
