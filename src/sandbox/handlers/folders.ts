/**
 * Virtual folders (facts §5): create/list/info by name or UUID, delete = move to the trash bin
 * (`delete-pending`, restorable), permanent deletes, files (list, mkdir, rename, move, delete,
 * upload/download tickets), invitations for user folders, share/unshare for project folders,
 * and who a folder is shared with.
 */
import { badParams, forbidden, Problem } from '../problem.js';
import type { Folder, FileEntry } from '../world.js';
import { findProject, isUuid, newUuid, normalizeUuid, startBackgroundTask } from './common.js';
import { bodyObject, json, noContent, pick, type HandlerContext, type HandlerTable } from './context.js';

const HOST = 'local:volume1';
const RESERVED_NAMES = new Set(['.ssh', '.jupyter', '.local', '.config', '.cache', '.bashrc', '.profile', '.bash_profile', '.zshrc', '.tmux.conf', '.vimrc', '.linuxbrew', 'bin', 'boot', 'dev', 'etc', 'lib', 'lib64', 'opt', 'proc', 'root', 'run', 'sbin', 'srv', 'sys', 'tmp', 'usr', 'var', 'home']);

const folderNotFound = (ref: string): Problem => new Problem(404, 'object-not-found', `No such virtual folder: ${ref}`, undefined, 'No such virtual folder.');

function canAccess(ctx: HandlerContext, f: Folder): boolean {
  const u = ctx.caller.user;
  if (u.role === 'superadmin') return true;
  if (f.ownerEmail === u.email) return true;
  if (f.sharedWith.some((s) => s.email === u.email)) return true;
  if (f.projectId) {
    const project = ctx.world.projects.find((p) => p.id === f.projectId);
    return Boolean(project && u.projects.includes(project.name));
  }
  return false;
}

const isOwner = (ctx: HandlerContext, f: Folder): boolean => f.ownerEmail === ctx.caller.user.email || (f.projectId !== null && ctx.caller.user.role !== 'user');

/**
 * A folder the caller can access, by name or UUID (dashed or 32-hex). Only `ready` folders
 * unless `anyStatus` (info, trash-bin operations, and callers that check the status themselves).
 */
export function accessibleFolder(ctx: HandlerContext, ref: string, opts: { anyStatus?: boolean } = {}): Folder | undefined {
  const live = ctx.world.folders.filter((f) => f.status !== 'delete-complete' && canAccess(ctx, f) && (opts.anyStatus || f.status === 'ready'));
  if (isUuid(ref)) return live.find((f) => f.id === normalizeUuid(ref));
  // own folders first: a shared folder may carry the same name
  return live.find((f) => f.name === ref && f.ownerEmail === ctx.caller.user.email) ?? live.find((f) => f.name === ref);
}

function requireFolder(ctx: HandlerContext, ref: string, opts: { anyStatus?: boolean } = {}): Folder {
  const f = accessibleFolder(ctx, ref, { anyStatus: true });
  if (!f) throw folderNotFound(ref);
  if (!opts.anyStatus && f.status !== 'ready') throw badParams(`The folder "${f.name}" is in the trash bin (${f.status}); restore it first`);
  return f;
}

function writable(ctx: HandlerContext, f: Folder): void {
  const share = f.sharedWith.find((s) => s.email === ctx.caller.user.email);
  if (share && share.permission === 'ro' && f.ownerEmail !== ctx.caller.user.email) throw forbidden('This folder is shared with you read-only');
}

export function folderItem(ctx: HandlerContext, f: Folder) {
  const owner = f.ownerEmail ? ctx.world.users.find((u) => u.email === f.ownerEmail) : undefined;
  const project = f.projectId ? ctx.world.projects.find((p) => p.id === f.projectId) : undefined;
  const share = f.sharedWith.find((s) => s.email === ctx.caller.user.email);
  return {
    id: f.id.replace(/-/g, ''),
    name: f.name,
    quota_scope_id: owner ? `user:${owner.uuid}` : `project:${f.projectId}`,
    host: f.host,
    usage_mode: f.usageMode,
    permission: share && f.ownerEmail !== ctx.caller.user.email ? share.permission : f.permission,
    max_size: 0,
    max_files: 0,
    creator: f.creatorEmail,
    ownership_type: f.projectId ? 'group' : 'user',
    type: f.projectId ? 'group' : 'user',
    user: owner?.uuid ?? null,
    user_email: owner?.email ?? null,
    group: f.projectId,
    group_name: project?.name ?? null,
    cloneable: f.cloneable,
    status: f.status,
    is_owner: isOwner(ctx, f),
    created_at: f.createdAt,
  };
}

// ---------------------------------------------------------------------------------------------
// paths inside a folder

function cleanPath(raw: unknown, field: string): string {
  if (typeof raw !== 'string') throw badParams(`${field}: must be a string path`);
  const parts = raw.split('/').filter((p) => p && p !== '.');
  if (parts.some((p) => p === '..')) throw badParams(`${field}: must stay inside the folder (no "..")`);
  return parts.join('/');
}

const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function requireDir(f: Folder, dir: string): void {
  if (dir !== '' && f.files[dir]?.type !== 'DIRECTORY') throw new Problem(404, 'object-not-found', `No such directory in "${f.name}": ${dir}`, undefined, 'No such file or directory.');
}

function listFiles(ctx: HandlerContext) {
  const f = requireFolder(ctx, ctx.params.name ?? '');
  const dir = cleanPath(ctx.query.get('path') ?? '', 'path');
  requireDir(f, dir);
  const items = Object.entries(f.files)
    .filter(([p]) => parentOf(p) === dir)
    .map(([p, e]) => ({ name: baseName(p), type: e.type, size: e.size, mode: e.type === 'DIRECTORY' ? '0o755' : '0o644', created: e.created, modified: e.modified }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return json(200, { items });
}

function mkdir(ctx: HandlerContext) {
  const f = requireFolder(ctx, ctx.params.name ?? '');
  writable(ctx, f);
  const b = bodyObject(ctx.body);
  const paths = (Array.isArray(b.path) ? b.path : [b.path]).map((p) => cleanPath(p, 'path'));
  const parents = b.parents !== false;
  const existOk = b.exist_ok === true;
  const stamp = new Date(ctx.now).toISOString();
  for (const p of paths) {
    if (!p) throw badParams('path: must name a directory inside the folder');
    const existing = f.files[p];
    if (existing?.type === 'FILE') throw badParams(`path: "${p}" exists and is a file`);
    if (existing && !existOk) throw badParams(`path: the directory "${p}" already exists (pass "exist_ok": true to accept that)`);
    if (!parents && parentOf(p) && f.files[parentOf(p)]?.type !== 'DIRECTORY') throw badParams(`path: the parent of "${p}" does not exist (pass "parents": true to create it)`);
  }
  const results = paths.map((p) => {
    const segments = p.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const sub = segments.slice(0, i).join('/');
      if (f.files[sub]?.type === 'FILE') throw badParams(`path: "${sub}" is a file`);
      f.files[sub] ??= { type: 'DIRECTORY', size: 4096, created: stamp, modified: stamp };
    }
    return { item: p, msg: null };
  });
  return json(201, { results });
}

/** A move or rename keeps each entry's times, as rename(2) on the storage volume does. */
function move(f: Folder, from: string, to: string): void {
  if (!f.files[from]) throw new Problem(404, 'object-not-found', `No such file or directory in "${f.name}": ${from}`, undefined, 'No such file or directory.');
  if (f.files[to]) throw badParams(`"${to}" already exists`);
  requireDir(f, parentOf(to));
  for (const p of Object.keys(f.files)) {
    if (p === from || p.startsWith(`${from}/`)) {
      const entry = f.files[p]!;
      delete f.files[p];
      f.files[to + p.slice(from.length)] = entry;
    }
  }
}

function deleteFiles(ctx: HandlerContext) {
  const f = requireFolder(ctx, ctx.params.name ?? '');
  writable(ctx, f);
  const b = bodyObject(ctx.body);
  const files = (Array.isArray(b.files) ? b.files : []).map((p) => cleanPath(p, 'files'));
  const recursive = b.recursive === true;
  for (const p of files) {
    const e = f.files[p];
    if (!e) throw new Problem(404, 'object-not-found', `No such file or directory in "${f.name}": ${p}`, undefined, 'No such file or directory.');
    const children = Object.keys(f.files).filter((x) => x.startsWith(`${p}/`));
    if (e.type === 'DIRECTORY' && children.length > 0 && !recursive) throw badParams(`"${p}" is a non-empty directory (pass "recursive": true)`);
  }
  for (const p of files) for (const x of Object.keys(f.files)) if (x === p || x.startsWith(`${p}/`)) delete f.files[x];
  return json(200, {});
}

// ---------------------------------------------------------------------------------------------
// lifecycle

function createFolder(ctx: HandlerContext) {
  const b = bodyObject(ctx.body);
  const name = String(b.name ?? '');
  if (!name || name.length > 64 || name.includes('/') || RESERVED_NAMES.has(name) || /^\.[\w-]+(rc|_profile)$/.test(name)) {
    throw badParams(`name: "${name}" is not allowed as a folder name (reserved, empty, too long, or contains "/")`);
  }
  const host = (b.host as string | null | undefined) ?? HOST;
  if (host !== HOST) throw badParams(`host: no such storage host "${host}" (available: ${HOST})`);
  const groupRef = pick<string>(b, 'group', 'groupId');
  let projectId: string | null = null;
  if (groupRef) {
    if (!isUuid(groupRef)) throw badParams(`group: must be a project UUID, not a name ("${groupRef}")`);
    const project = findProject(ctx.world, groupRef);
    if (!project) throw new Problem(404, 'object-not-found', `No such project: ${groupRef}`, undefined, 'No such project.');
    if (ctx.caller.user.role === 'user' && !ctx.caller.user.projects.includes(project.name)) throw forbidden('You are not a member of this project');
    // only admins create project-owned folders, except in a model-store project (facts §15.4)
    const modelStore = (project.type ?? 'GENERAL') === 'MODEL_STORE';
    if (ctx.caller.user.role === 'user' && !modelStore) throw new Problem(403, 'forbidden', 'no permission');
    if (modelStore && (b.usage_mode ?? 'general') !== 'model') throw badParams('Only Model VFolder can be created under the model store project');
    projectId = project.id;
  }
  const clash = ctx.world.folders.find((f) => f.name === name && f.status !== 'delete-complete' && (projectId ? f.projectId === projectId : f.ownerEmail === ctx.caller.user.email));
  if (clash) {
    throw new Problem(400, 'vfolder-already-exists', `A folder named "${name}" already exists${clash.status === 'delete-pending' ? ' in the trash bin (restore it, or delete it from the trash bin first)' : ''}`, undefined, 'The virtual folder already exists with the same name.');
  }
  const stamp = new Date(ctx.now).toISOString();
  const folder: Folder = {
    id: newUuid(),
    name,
    host,
    usageMode: (b.usage_mode as Folder['usageMode'] | undefined) ?? 'general',
    permission: (b.permission as Folder['permission'] | undefined) ?? 'rw',
    ownerEmail: projectId ? null : ctx.caller.user.email,
    projectId,
    creatorEmail: ctx.caller.user.email,
    status: 'ready',
    cloneable: b.cloneable === true,
    createdAt: stamp,
    lastUsed: null,
    files: {},
    sharedWith: [],
  };
  ctx.world.folders.push(folder);
  return json(201, folderItem(ctx, folder));
}

function deleteTarget(ctx: HandlerContext, ref: string) {
  const f = requireFolder(ctx, ref, { anyStatus: true });
  if (!isOwner(ctx, f)) throw forbidden('Only the owner can delete this folder');
  if (f.status !== 'ready') throw badParams(`The folder "${f.name}" is already in the trash bin`);
  f.status = 'delete-pending';
  return noContent();
}

function trashTarget(ctx: HandlerContext): Folder {
  const b = bodyObject(ctx.body);
  const id = pick<string>(b, 'id', 'vfolder_id', 'vfolderId');
  if (!id) throw badParams('id: the folder UUID is required');
  const f = requireFolder(ctx, id, { anyStatus: true });
  if (!isOwner(ctx, f)) throw forbidden('Only the owner can do this');
  return f;
}

function removeFolder(ctx: HandlerContext, f: Folder): void {
  f.status = 'delete-complete';
  ctx.world.folders = ctx.world.folders.filter((x) => x !== f);
  ctx.world.invitations = ctx.world.invitations.filter((i) => i.folderId !== f.id);
}

// ---------------------------------------------------------------------------------------------
// sharing

function userByEmail(ctx: HandlerContext, email: string) {
  const u = ctx.world.users.find((x) => x.email === email || x.uuid === email);
  if (!u) throw new Problem(404, 'object-not-found', `No such user: ${email}`, undefined, 'No such user.');
  return u;
}

function invite(ctx: HandlerContext) {
  const f = requireFolder(ctx, ctx.params.name ?? '');
  if (f.projectId) throw badParams('Project folders are shared with the project; invitations are for user folders');
  if (!isOwner(ctx, f)) throw forbidden('Only the owner can invite');
  const b = bodyObject(ctx.body);
  const perm = (pick<string>(b, 'perm', 'permission') ?? 'rw') as Folder['permission'];
  const emails = (pick<string[]>(b, 'emails', 'user_ids') ?? []).map(String);
  const users = emails.map((e) => userByEmail(ctx, e));
  const invited_ids: string[] = [];
  for (const u of users) {
    if (u.email === ctx.caller.user.email) throw badParams('You cannot invite yourself');
    if (f.sharedWith.some((s) => s.email === u.email)) continue;
    const pending = ctx.world.invitations.find((i) => i.folderId === f.id && i.inviteeEmail === u.email && i.state === 'pending');
    if (pending) {
      invited_ids.push(pending.id);
      continue;
    }
    const id = newUuid();
    ctx.world.invitations.push({ id, folderId: f.id, inviterEmail: ctx.caller.user.email, inviteeEmail: u.email, permission: perm, state: 'pending', createdAt: new Date(ctx.now).toISOString() });
    invited_ids.push(id);
  }
  return json(201, { invited_ids });
}

function invitationView(ctx: HandlerContext, i: (typeof ctx.world.invitations)[number]) {
  const f = ctx.world.folders.find((x) => x.id === i.folderId);
  return { id: i.id, inviter: i.inviterEmail, invitee: i.inviteeEmail, perm: i.permission, state: i.state, created_at: i.createdAt, vfolder_id: i.folderId, vfolder_name: f?.name ?? null };
}

function share(ctx: HandlerContext, add: boolean) {
  const f = requireFolder(ctx, ctx.params.name ?? '');
  if (!f.projectId) throw new Problem(404, 'object-not-found', 'Only project folders are directly sharable', undefined, 'No such virtual folder.');
  const b = bodyObject(ctx.body);
  const emails = (pick<string[]>(b, 'emails') ?? []).map(String);
  const perm = (pick<string>(b, 'permission', 'perm') ?? 'rw') as Folder['permission'];
  for (const e of emails) userByEmail(ctx, e);
  if (add) {
    for (const e of emails) if (!f.sharedWith.some((s) => s.email === e)) f.sharedWith.push({ email: e, permission: perm });
    return json(201, { shared_emails: emails });
  }
  f.sharedWith = f.sharedWith.filter((s) => !emails.includes(s.email));
  return json(200, { unshared_emails: emails });
}

function ticket(ctx: HandlerContext, f: Folder, path: string, kind: 'upload' | 'download') {
  const token = Buffer.from(JSON.stringify({ op: kind, folder: f.id, path, exp: Math.floor(ctx.now / 1000) + 3600 })).toString('base64url');
  return { token, url: `${ctx.baseUrl}/storage-proxy/${kind}` };
}

// ---------------------------------------------------------------------------------------------

export const folderHandlers: HandlerTable = {
  'folders.create': createFolder,
  'folders.list_folders': (ctx) => {
    const groupId = ctx.query.get('group_id');
    const items = ctx.world.folders
      .filter((f) => canAccess(ctx, f) && f.status !== 'delete-complete')
      .filter((f) => !groupId || groupId === 'all' || (f.projectId !== null && f.projectId === normalizeUuid(groupId)))
      .map((f) => folderItem(ctx, f));
    return json(200, items);
  },
  'folders.get_info': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '', { anyStatus: true });
    const item = folderItem(ctx, f);
    const files = Object.values(f.files).filter((e) => e.type === 'FILE');
    return json(200, {
      name: f.name,
      id: item.id,
      quota_scope_id: item.quota_scope_id,
      host: f.host,
      status: f.status,
      numFiles: files.length,
      used_bytes: files.reduce((n, e: FileEntry) => n + e.size, 0),
      created_at: f.createdAt,
      last_used: f.lastUsed,
      user: item.user,
      group: f.projectId,
      type: item.type,
      is_owner: item.is_owner,
      permission: item.permission,
      usage_mode: f.usageMode,
      cloneable: f.cloneable,
    });
  },
  'folders.get_vfolder_id': (ctx) => {
    const b = bodyObject(ctx.body);
    const name = pick<string>(b, 'vfolder_name', 'name') ?? ctx.query.get('name') ?? '';
    if (!name) throw badParams('vfolder_name: required (in the JSON body)');
    const f = requireFolder(ctx, name, { anyStatus: true });
    return json(200, { id: f.id, name: f.name });
  },
  'folders.list_hosts': () =>
    json(200, {
      default: HOST,
      allowed: [HOST],
      volume_info: { [HOST]: { backend: 'vfs', capabilities: ['file-ops', 'quota'], usage: { percentage: 12.5 }, sftp_scaling_groups: [] } },
    }),
  'folders.list_allowed_types': () => json(200, ['user', 'group']),
  'folders.delete_by_name': (ctx) => deleteTarget(ctx, ctx.params.name ?? ''),
  'folders.delete_by_id': (ctx) => {
    const b = bodyObject(ctx.body);
    const id = pick<string>(b, 'vfolderId', 'id', 'vfolder_id');
    if (!id) throw badParams('vfolderId: the folder UUID is required in the JSON body');
    return deleteTarget(ctx, id);
  },
  'folders.restore': (ctx) => {
    const f = trashTarget(ctx);
    if (f.status !== 'delete-pending') throw badParams(`The folder "${f.name}" is not in the trash bin`);
    f.status = 'ready';
    return noContent();
  },
  'folders.delete_from_trash_bin': (ctx) => {
    const f = trashTarget(ctx);
    if (f.status !== 'delete-pending') throw badParams(`The folder "${f.name}" is not in the trash bin: delete it first`);
    removeFolder(ctx, f);
    return noContent();
  },
  'folders.purge': (ctx) => {
    if (ctx.caller.user.role === 'user') throw forbidden('Insufficient privileges');
    const f = trashTarget(ctx);
    removeFolder(ctx, f);
    return noContent();
  },
  'folders.force_delete': (ctx) => {
    const ref = ctx.params.folder_id ?? '';
    if (!isUuid(ref)) throw badParams('folder_id: must be the folder UUID');
    const f = requireFolder(ctx, ref, { anyStatus: true });
    if (!isOwner(ctx, f)) throw forbidden('Only the owner can delete this folder');
    removeFolder(ctx, f);
    return noContent();
  },
  'folders.rename_vfolder': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    if (!isOwner(ctx, f)) throw forbidden('Only the owner can rename this folder');
    const newName = String(bodyObject(ctx.body).new_name ?? '');
    if (!newName || RESERVED_NAMES.has(newName) || newName.includes('/')) throw badParams(`new_name: "${newName}" is not allowed`);
    if (ctx.world.folders.some((x) => x !== f && x.name === newName && x.ownerEmail === f.ownerEmail && x.projectId === f.projectId)) {
      throw new Problem(400, 'vfolder-already-exists', `A folder named "${newName}" already exists`);
    }
    f.name = newName;
    return noContent();
  },
  'folders.update_vfolder_options': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    if (!isOwner(ctx, f)) throw forbidden('Only the owner can change options');
    const b = bodyObject(ctx.body);
    if (typeof b.cloneable === 'boolean') f.cloneable = b.cloneable;
    if (typeof b.permission === 'string') f.permission = b.permission as Folder['permission'];
    return json(200, {});
  },
  'folders.mkdir': mkdir,
  'folders.list_files': listFiles,
  'folders.rename_file': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    writable(ctx, f);
    const b = bodyObject(ctx.body);
    const target = cleanPath(b.target_path, 'target_path');
    const newName = String(b.new_name ?? '');
    if (!newName || newName.includes('/')) throw badParams('new_name: a plain name without "/" is required');
    move(f, target, parentOf(target) ? `${parentOf(target)}/${newName}` : newName);
    return json(200, {});
  },
  'folders.move_file': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    writable(ctx, f);
    const b = bodyObject(ctx.body);
    const src = cleanPath(b.src, 'src');
    let dst = cleanPath(b.dst, 'dst');
    if (f.files[dst]?.type === 'DIRECTORY') dst = `${dst}/${baseName(src)}`;
    move(f, src, dst);
    return json(200, {});
  },
  'folders.delete_files': deleteFiles,
  'folders.delete_files_async': (ctx) => {
    deleteFiles(ctx);
    return json(202, { bgtask_id: startBackgroundTask(ctx.world, 'delete-files', 'files deleted', ctx.now) });
  },
  'folders.clone': (ctx) => {
    const src = requireFolder(ctx, ctx.params.name ?? '');
    // refused for everyone, the owner included, unless the source is cloneable (facts §15.2)
    if (!src.cloneable) throw new Problem(403, 'forbidden', 'The source vfolder is not permitted to be cloned.');
    const b = bodyObject(ctx.body);
    const target = String(b.target_name ?? '');
    if (!target || RESERVED_NAMES.has(target) || target.includes('/')) throw badParams(`target_name: "${target}" is not allowed as a folder name`);
    if (ctx.world.folders.some((f) => f.name === target && f.ownerEmail === ctx.caller.user.email)) {
      throw new Problem(400, 'vfolder-already-exists', `A folder named "${target}" already exists`);
    }
    const stamp = new Date(ctx.now).toISOString();
    const copy: Folder = {
      ...structuredClone(src),
      id: newUuid(),
      name: target,
      ownerEmail: ctx.caller.user.email,
      projectId: null,
      creatorEmail: ctx.caller.user.email,
      // the copy is `general` unless the request says otherwise (it does not inherit the source's mode)
      usageMode: (b.usage_mode as Folder['usageMode'] | undefined) ?? 'general',
      permission: (b.permission as Folder['permission'] | undefined) ?? 'rw',
      cloneable: b.cloneable === true,
      status: 'ready',
      createdAt: stamp,
      sharedWith: [],
    };
    ctx.world.folders.push(copy);
    return json(201, { ...folderItem(ctx, copy), bgtask_id: startBackgroundTask(ctx.world, 'clone', `cloned ${src.name} to ${target}`, ctx.now) });
  },
  'folders.create_upload_session': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    writable(ctx, f);
    const b = bodyObject(ctx.body);
    const path = cleanPath(b.path, 'path');
    if (!path) throw badParams('path: the file path is required');
    requireDir(f, parentOf(path));
    if (f.files[path]?.type === 'DIRECTORY') throw badParams(`path: "${path}" is a directory`);
    // no storage proxy in the sandbox: the ticket stands for the finished upload
    const stamp = new Date(ctx.now).toISOString();
    f.files[path] = { type: 'FILE', size: Number(b.size ?? 0), created: f.files[path]?.created ?? stamp, modified: stamp };
    return json(200, ticket(ctx, f, path, 'upload'));
  },
  'folders.create_download_session': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    const b = bodyObject(ctx.body);
    const path = cleanPath(pick(b, 'path', 'file'), 'path');
    if (!f.files[path]) throw new Problem(404, 'object-not-found', `No such file in "${f.name}": ${path}`, undefined, 'No such file or directory.');
    return json(200, ticket(ctx, f, path, 'download'));
  },
  'folders.invite': invite,
  'folders.invitations': (ctx) =>
    json(200, { invitations: ctx.world.invitations.filter((i) => i.inviteeEmail === ctx.caller.user.email && i.state === 'pending').map((i) => invitationView(ctx, i)) }),
  'folders.list_sent_invitations': (ctx) =>
    json(200, { invitations: ctx.world.invitations.filter((i) => i.inviterEmail === ctx.caller.user.email).map((i) => invitationView(ctx, i)) }),
  'folders.accept_invitation': (ctx) => {
    const id = String(bodyObject(ctx.body).inv_id ?? '');
    const inv = ctx.world.invitations.find((i) => i.id === id && i.inviteeEmail === ctx.caller.user.email && i.state === 'pending');
    if (!inv) throw new Problem(404, 'object-not-found', `No such invitation: ${id}`, undefined, 'No such invitation.');
    const f = ctx.world.folders.find((x) => x.id === inv.folderId);
    if (!f) throw folderNotFound(inv.folderId);
    inv.state = 'accepted';
    if (!f.sharedWith.some((s) => s.email === inv.inviteeEmail)) f.sharedWith.push({ email: inv.inviteeEmail, permission: inv.permission });
    return json(200, {});
  },
  'folders.delete_invitation': (ctx) => {
    const id = String(bodyObject(ctx.body).inv_id ?? '');
    const inv = ctx.world.invitations.find((i) => i.id === id && (i.inviteeEmail === ctx.caller.user.email || i.inviterEmail === ctx.caller.user.email));
    if (!inv) throw new Problem(404, 'object-not-found', `No such invitation: ${id}`, undefined, 'No such invitation.');
    inv.state = inv.inviteeEmail === ctx.caller.user.email ? 'rejected' : 'canceled';
    return json(200, {});
  },
  // who has access to which folder through a share or an accepted invitation (upstream `VFolderSharedInfoDTO`)
  'folders.list_shared_vfolders': (ctx) => {
    const ref = ctx.query.get('vfolder_id');
    const folders = ref ? [requireFolder(ctx, ref, { anyStatus: true })] : ctx.world.folders.filter((f) => f.status !== 'delete-complete' && isOwner(ctx, f));
    const shared = folders.flatMap((f) =>
      f.sharedWith.map((s) => {
        const u = ctx.world.users.find((x) => x.email === s.email);
        return {
          vfolder_id: f.id,
          vfolder_name: f.name,
          status: f.status,
          owner: f.projectId ?? ctx.world.users.find((x) => x.email === f.ownerEmail)?.uuid ?? '',
          type: f.projectId ? 'project' : 'user',
          shared_to: { uuid: u?.uuid ?? '', email: s.email },
          perm: s.permission,
        };
      }),
    );
    return json(200, { shared });
  },
  'folders.share': (ctx) => share(ctx, true),
  'folders.unshare': (ctx) => share(ctx, false),
  'folders.leave': (ctx) => {
    const f = requireFolder(ctx, ctx.params.name ?? '');
    if (f.projectId) throw badParams('You cannot leave a project folder');
    if (f.ownerEmail === ctx.caller.user.email) throw badParams('The owner cannot leave their own folder');
    f.sharedWith = f.sharedWith.filter((s) => s.email !== ctx.caller.user.email);
    return noContent();
  },
};
