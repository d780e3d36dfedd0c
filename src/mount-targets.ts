/**
 * Where a folder may not be mounted inside a session's container (facts §15.3): the manager
 * takes `/home/work/` off the target and refuses a reserved system path or a dotfile the
 * container needs (`common/defs` `RESERVED_VFOLDERS`, `RESERVED_VFOLDER_PATTERNS`,
 * `mount_name_validation_rule.py`) with 400 `invalid-api-params`. Sub-paths (`/mnt/data`,
 * `/home/work/data`) are fine. Shared by the planner (it asks before planning such a mount) and
 * the sandbox (it refuses like the manager).
 */
const RESERVED = new Set([
  '.terminfo', '.jupyter', '.tmux.conf', '.ssh', '/home/work', '/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/media', '/mnt',
  '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/home',
  // the container's root itself (not in the manager's list; a mount there fails when the container starts)
  '/',
]);
const RESERVED_PATTERNS = [/^\.[a-z0-9]+rc$/, /^\.[a-z0-9]+_profile$/];

/** The path inside the container: relative targets land under /home/work; trailing slashes go. */
export function kernelPath(target: string): string {
  const trimmed = target.length > 1 ? target.replace(/\/+$/, '') : target;
  return trimmed.startsWith('/') ? trimmed : `/home/work/${trimmed}`;
}

export function isReservedMountTarget(target: string): boolean {
  const path = kernelPath(target.trim());
  const tail = path.startsWith('/home/work/') ? path.slice('/home/work/'.length) : path;
  return tail === '' || RESERVED.has(tail) || RESERVED_PATTERNS.some((p) => p.test(tail));
}
