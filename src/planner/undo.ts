/**
 * Undo, decided before anything runs: for every write step, the calls that would put back what it
 * changes (its compensation), computed from what the planning reads saw — or why it cannot be
 * undone. There is no third kind: an operation without a rule here cannot be undone.
 *
 * A compensation's arguments may refer to the step's own response (`{$from: <this step>, path}`,
 * e.g. the id of the session it creates) and to earlier steps' responses; `resolveUndo` fills them
 * in once the step has run, and that resolved record goes to the audit log, from which
 * `bai-agent undo` and the undo offered after a failed step build their plans (src/agent/undo.ts).
 */
import { isStepValueRef, type PlanStep, type StepUndo, type UndoCall } from './plan.js';
import { getPath } from './refs.js';
import type { ApiCaller, WorldView } from './world.js';

/** What computing an undo may read: the planning run's world view and its client (reads only). */
export interface UndoReads {
  world: Pick<WorldView, 'folders' | 'sessions' | 'services' | 'me'>;
  api: ApiCaller;
}

interface RuleContext {
  step: PlanStep;
  /** The steps before this one in the same plan. */
  earlier: PlanStep[];
  reads: UndoReads;
  /** One read per planning run (list the same directory once for several steps). */
  memo<T>(key: string, read: () => Promise<T>): Promise<T>;
}

type Rule =
  | { kind: 'irreversible'; reason: string }
  | {
      kind: 'compensate';
      /** One line for the table in the README: what undoes it. */
      does: string;
      plan(ctx: RuleContext): Promise<StepUndo>;
    };

const irreversible = (reason: string): Rule => ({ kind: 'irreversible', reason });

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A value for display: a reference reads `<s1.sessionId>`. */
export function shown(v: unknown): string {
  if (isStepValueRef(v)) return `<${v.$from}.${v.path}>`;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const self = (step: PlanStep, path: string) => ({ $from: step.id, path });

type Target = NonNullable<UndoCall['target']>;

function call(
  operationId: string,
  reason: string,
  args: { pathParams?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; target?: Target | undefined } = {},
): UndoCall {
  return {
    operationId,
    pathParams: args.pathParams ?? {},
    query: args.query ?? {},
    ...(args.body !== undefined ? { body: args.body } : {}),
    reason,
    ...(args.target && args.target.id !== undefined ? { target: args.target } : {}),
  };
}

/** The folder `name` by id: found while planning, or the response of the earlier step that makes it. */
async function folderTarget(ctx: RuleContext, name: unknown): Promise<Target | undefined> {
  const created = folderCreatedEarlier(ctx, name);
  if (created) return { kind: 'folder', id: { $from: created.id, path: 'id' } };
  const folder = await folderNamed(ctx, name);
  return folder ? { kind: 'folder', id: folder.id } : undefined;
}

function compensate(summary: string, calls: UndoCall[], leaves?: string): StepUndo {
  return { kind: 'compensate', summary, calls, ...(leaves ? { leaves } : {}) };
}

const none = (reason: string): StepUndo => ({ kind: 'irreversible', reason });

/** Folder ids in listings are 32 hex digits; the trash-bin bodies are validated as dashed UUIDs. */
export function dashedUuid(id: string): string {
  if (!/^[0-9a-f]{32}$/i.test(id)) return id;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

const sameId = (a: string, b: string): boolean => a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();

/** The earlier step of this plan that creates folder `name`, if any. */
function folderCreatedEarlier(ctx: RuleContext, name: unknown): PlanStep | undefined {
  return ctx.earlier.find(
    (s) => (s.operationId === 'folders.create' && obj(s.body).name === name) || (s.operationId === 'folders.clone' && obj(s.body).target_name === name),
  );
}

const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const cleanPath = (p: string): string => p.split('/').filter((x) => x && x !== '.').join('/');

/**
 * What `path` is in folder `folder` as the planning reads saw it, counting directories that earlier
 * mkdir steps of this plan make. `undefined`: the listing could not be read.
 */
async function entryType(ctx: RuleContext, folder: string, path: string): Promise<'FILE' | 'DIRECTORY' | 'none' | undefined> {
  if (!path) return 'DIRECTORY';
  // made by an earlier step of this plan
  for (const s of ctx.earlier) {
    if (s.operationId !== 'folders.mkdir' || s.pathParams.name !== folder) continue;
    const made = (Array.isArray(obj(s.body).path) ? (obj(s.body).path as unknown[]) : [obj(s.body).path]).map((p) => cleanPath(String(p ?? '')));
    if (made.some((m) => m === path || m.startsWith(`${path}/`))) return 'DIRECTORY';
  }
  if (folderCreatedEarlier(ctx, folder)) return 'none';
  const parent = parentOf(path);
  if (parent && (await entryType(ctx, folder, parent)) !== 'DIRECTORY') return 'none';
  const items = await ctx.memo(`files:${folder}:${parent}`, async () => {
    try {
      const res = await ctx.reads.api.call<{ items?: unknown[] }>('folders.list_files', { pathParams: { name: folder }, query: { path: parent } });
      return Array.isArray(res.data?.items) ? res.data.items.map(obj) : [];
    } catch (err) {
      if ((err as { status?: unknown }).status === 404) return [];
      return undefined;
    }
  });
  if (!items) return undefined;
  const hit = items.find((i) => i.name === baseName(path));
  return hit ? (hit.type === 'DIRECTORY' ? 'DIRECTORY' : 'FILE') : 'none';
}

/** The live folder named `name` as the planning reads saw it. */
async function folderNamed(ctx: RuleContext, name: unknown) {
  return (await ctx.reads.world.folders()).find((f) => f.name === name);
}

// ---------------------------------------------------------------------------------------------
// the rules

const terminateCreatedSession: Rule = {
  kind: 'compensate',
  does: 'terminate the session it created (by the id the manager returned)',
  async plan({ step }) {
    const name = shown(obj(step.body).session_name ?? obj(step.body).name ?? 'the new session');
    return compensate(
      `terminate session ${name}`,
      [call('session.destroy', `terminate session ${name}`, { pathParams: { session_name: self(step, 'sessionId') }, target: { kind: 'session', id: self(step, 'sessionId') } })],
      `session ${name} stays in the session history as TERMINATED`,
    );
  },
};

const trashCreatedFolder = (field: 'name' | 'target_name', what: string): Rule => ({
  kind: 'compensate',
  does: `move the ${what} to the trash bin`,
  async plan({ step }) {
    const name = str(obj(step.body)[field]);
    if (!name) return none(`the ${what}'s name is not in the plan`);
    return compensate(
      `move ${what} ${name} to the trash bin`,
      [call('folders.delete_by_name', `move ${what} ${name} to the trash bin`, { pathParams: { name }, target: { kind: 'folder', id: self(step, 'id') } })],
      `${what} ${name} stays in the trash bin`,
    );
  },
});

const restoreTrashedFolder: Rule = {
  kind: 'compensate',
  does: 'restore the folder from the trash bin',
  async plan(ctx) {
    const { step } = ctx;
    const ref = step.operationId === 'folders.delete_by_id' ? str(obj(step.body).vfolderId ?? obj(step.body).id) : undefined;
    const folders = await ctx.reads.world.folders();
    const folder = ref ? folders.find((f) => sameId(f.id, ref)) : folders.find((f) => f.name === step.pathParams.name);
    const created = folderCreatedEarlier(ctx, step.pathParams.name);
    if (!folder && created) {
      const name = shown(step.pathParams.name);
      const id = { $from: created.id, path: 'id' };
      return compensate(`restore folder ${name} from the trash bin`, [call('folders.restore', `restore folder ${name}`, { body: { id }, target: { kind: 'folder', id } })]);
    }
    if (!folder) return none('the folder was not found while planning, so its id is unknown');
    const target: Target = { kind: 'folder', id: folder.id };
    return compensate(`restore folder ${folder.name} from the trash bin`, [call('folders.restore', `restore folder ${folder.name} from the trash bin`, { body: { id: dashedUuid(folder.id) }, target })]);
  },
};

const retrashRestoredFolder: Rule = {
  kind: 'compensate',
  does: 'move the folder back to the trash bin',
  async plan(ctx) {
    const id = str(obj(ctx.step.body).id ?? obj(ctx.step.body).vfolderId);
    const folder = id ? (await ctx.reads.world.folders()).find((f) => sameId(f.id, id)) : undefined;
    if (!folder) return none('the folder was not found in the trash bin while planning');
    const target: Target = { kind: 'folder', id: folder.id };
    return compensate(`move folder ${folder.name} back to the trash bin`, [call('folders.delete_by_name', `move folder ${folder.name} back to the trash bin`, { pathParams: { name: folder.name }, target })]);
  },
};

const renameFolderBack: Rule = {
  kind: 'compensate',
  does: 'rename it back',
  async plan(ctx) {
    const { step } = ctx;
    const from = str(step.pathParams.name);
    const to = str(obj(step.body).new_name);
    if (!from || !to) return none('the names are not in the plan');
    const target = await folderTarget(ctx, from);
    return compensate(`rename folder ${to} back to ${from}`, [call('folders.rename_vfolder', `rename folder ${to} back to ${from}`, { pathParams: { name: to }, body: { new_name: from }, target })]);
  },
};

const renameSessionBack: Rule = {
  kind: 'compensate',
  does: 'rename it back',
  async plan(ctx) {
    const { step } = ctx;
    let from = step.pathParams.session_name;
    const to = str(obj(step.body).session_name ?? obj(step.body).name);
    // a session an earlier step of this plan creates is named by that step's response
    if (isStepValueRef(from)) {
      const ref = from;
      from = obj(ctx.earlier.find((s) => s.id === ref.$from)?.body).session_name;
    }
    if (typeof from !== 'string' || !to) return none('the session was named by a value only known at run time');
    const ref = step.pathParams.session_name;
    const live = (await ctx.reads.world.sessions()).find((x) => x.name === from);
    const id = isStepValueRef(ref) ? ref : live?.id;
    return compensate(`rename session ${to} back to ${from}`, [
      call('session.rename_session', `rename session ${to} back to ${from}`, { pathParams: { session_name: to }, body: { session_name: from }, target: { kind: 'session', id } }),
    ]);
  },
};

const previousFolderOptions: Rule = {
  kind: 'compensate',
  does: 'set the previous options again (read before the change)',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    if (!name) return none('the folder is not named in the plan');
    const changed = Object.keys(obj(step.body)).filter((k) => k === 'permission' || k === 'cloneable');
    let before: Record<string, unknown>;
    const created = folderCreatedEarlier(ctx, name);
    if (created) {
      const b = obj(created.body);
      before = { permission: b.permission ?? 'rw', cloneable: b.cloneable ?? false };
    } else {
      try {
        before = obj((await ctx.reads.api.call('folders.get_info', { pathParams: { name } })).data);
      } catch (err) {
        return none(`the folder's current options could not be read (${(err as Error).message.split('\n')[0]})`);
      }
    }
    const previous: Record<string, unknown> = {};
    for (const k of changed) if (before[k] !== undefined) previous[k] = before[k];
    if (Object.keys(previous).length !== changed.length) return none(`the folder's current ${changed.join(' and ')} could not be read`);
    const text = Object.entries(previous).map(([k, v]) => `${k} ${String(v)}`).join(', ');
    const target = await folderTarget(ctx, name);
    return compensate(`set ${text} on folder ${name} again`, [call('folders.update_vfolder_options', `set ${text} on folder ${name} again`, { pathParams: { name }, body: previous, target })]);
  },
};

const removeMadeDirectories: Rule = {
  kind: 'compensate',
  does: 'delete the directories it made (only while they are empty)',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    const paths = (Array.isArray(obj(step.body).path) ? (obj(step.body).path as unknown[]) : [obj(step.body).path]).map((p) => cleanPath(String(p ?? ''))).filter(Boolean);
    if (!name || paths.length === 0) return none('the directory is not named in the plan');
    const made: string[] = [];
    for (const p of paths) {
      const parts = p.split('/');
      for (let i = 1; i <= parts.length; i++) {
        const sub = parts.slice(0, i).join('/');
        if (made.includes(sub)) continue;
        const type = await entryType(ctx, name, sub);
        if (type === undefined) return none(`the files of folder ${name} could not be read to tell which directories already exist`);
        if (type === 'none') made.push(sub);
      }
    }
    // deepest first; not recursive, so anything added to them since keeps them (and the undo stops)
    const order = [...made].sort((a, b) => b.split('/').length - a.split('/').length);
    if (order.length === 0) return compensate(`nothing to undo: ${paths.join(', ')} already existed in ${name}`, []);
    const extra = order.length > 1 ? ` (and ${order.slice(1).join(', ')}, made with it)` : '';
    const target = await folderTarget(ctx, name);
    return compensate(
      `delete the empty directory ${order[0]}${extra} from folder ${name}`,
      order.map((d) => call('folders.delete_files', `delete the empty directory ${d} from ${name}`, { pathParams: { name }, body: { files: [d], recursive: false }, target })),
    );
  },
};

const moveFileBack: Rule = {
  kind: 'compensate',
  does: 'move it back',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    const src = cleanPath(String(obj(step.body).src ?? ''));
    let dst = cleanPath(String(obj(step.body).dst ?? ''));
    if (!name || !src || !dst) return none('the paths are not in the plan');
    // into an existing directory, the manager keeps the file's name
    const type = await entryType(ctx, name, dst);
    if (type === undefined) return none(`the files of folder ${name} could not be read to tell where ${src} lands`);
    if (type === 'DIRECTORY') dst = `${dst}/${baseName(src)}`;
    const target = await folderTarget(ctx, name);
    return compensate(`move ${dst} back to ${src} in folder ${name}`, [call('folders.move_file', `move ${dst} back to ${src} in ${name}`, { pathParams: { name }, body: { src: dst, dst: src }, target })]);
  },
};

const renameFileBack: Rule = {
  kind: 'compensate',
  does: 'rename it back',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    const target = cleanPath(String(obj(step.body).target_path ?? ''));
    const newName = str(obj(step.body).new_name);
    if (!name || !target || !newName) return none('the paths are not in the plan');
    const renamed = parentOf(target) ? `${parentOf(target)}/${newName}` : newName;
    const folder = await folderTarget(ctx, name);
    return compensate(
      `rename ${renamed} back to ${baseName(target)} in folder ${name}`,
      [call('folders.rename_file', `rename ${renamed} back to ${baseName(target)} in ${name}`, { pathParams: { name }, body: { target_path: renamed, new_name: baseName(target) }, target: folder })],
    );
  },
};

/**
 * Invitations this step creates are cancelled: the manager answers `invited_ids` in the order of
 * `emails`, skipping users who already share the folder and repeating the id of an invitation
 * that was already pending (which stays).
 */
const cancelInvitations: Rule = {
  kind: 'compensate',
  does: 'cancel the invitations it sent, while they are pending (`folders.delete_invitation`)',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    const emails = (Array.isArray(obj(step.body).emails) ? (obj(step.body).emails as unknown[]) : []).map(String);
    if (!name || emails.length === 0) return none('the folder or the invitees are not in the plan');
    const folder = await folderNamed(ctx, name);
    const created = folderCreatedEarlier(ctx, name);
    let pending: string[] = [];
    let sharing: string[] = [];
    if (folder && !created) {
      try {
        const sent = obj((await ctx.memo('sent-invitations', () => ctx.reads.api.call('folders.list_sent_invitations'))).data).invitations;
        pending = (Array.isArray(sent) ? sent.map(obj) : [])
          .filter((i) => i.state === 'pending' && (sameId(String(i.vfolder_id ?? ''), folder.id) || i.vfolder_name === folder.name))
          .map((i) => String(i.invitee));
        sharing = await sharedEmails(ctx, folder.id);
      } catch (err) {
        return none(`the folder's pending invitations and members could not be read (${(err as Error).message.split('\n')[0]})`);
      }
    }
    const calls: UndoCall[] = [];
    let index = 0;
    for (const email of emails) {
      if (sharing.includes(email)) continue; // no invitation: the manager skips them
      if (!pending.includes(email)) calls.push(call('folders.delete_invitation', `cancel the invitation of ${email} to ${name}`, { body: { inv_id: self(step, `invited_ids.${index}`) }, target: await folderTarget(ctx, name) }));
      index++;
    }
    const who = calls.length === emails.length ? emails.join(', ') : emails.filter((e) => !sharing.includes(e) && !pending.includes(e)).join(', ');
    if (calls.length === 0) return compensate(`nothing to undo: ${emails.join(', ')} already had access or a pending invitation to ${name}`, []);
    return compensate(`cancel the invitation of ${who} to folder ${name}`, calls, 'the invitation stays in your sent list, marked canceled; one already accepted cannot be cancelled');
  },
};

async function sharedEmails(ctx: RuleContext, folderId: string): Promise<string[]> {
  const res = await ctx.memo(`shared:${folderId}`, () => ctx.reads.api.call('folders.list_shared_vfolders', { query: { vfolder_id: dashedUuid(folderId) } }));
  const rows = obj(res.data).shared;
  return (Array.isArray(rows) ? rows.map(obj) : []).map((r) => String(obj(r.shared_to).email ?? ''));
}

const unshareProjectFolder: Rule = {
  kind: 'compensate',
  does: 'stop sharing it with the users it added (`folders.unshare`)',
  async plan(ctx) {
    const { step } = ctx;
    const name = str(step.pathParams.name);
    const emails = (Array.isArray(obj(step.body).emails) ? (obj(step.body).emails as unknown[]) : []).map(String);
    if (!name || emails.length === 0) return none('the folder or the users are not in the plan');
    let before: string[] = [];
    const folder = await folderNamed(ctx, name);
    if (folder && !folderCreatedEarlier(ctx, name)) {
      try {
        before = await sharedEmails(ctx, folder.id);
      } catch (err) {
        return none(`who already has access to ${name} could not be read (${(err as Error).message.split('\n')[0]}): unsharing could take away access they had before`);
      }
    }
    const added = emails.filter((e) => !before.includes(e));
    if (added.length === 0) return compensate(`nothing to undo: ${emails.join(', ')} already had access to ${name}`, []);
    const target = await folderTarget(ctx, name);
    return compensate(`stop sharing folder ${name} with ${added.join(', ')}`, [call('folders.unshare', `stop sharing ${name} with ${added.join(', ')}`, { pathParams: { name }, body: { emails: added }, target })]);
  },
};

const deleteCreatedService: Rule = {
  kind: 'compensate',
  does: 'delete the service it created (by the id the manager returned)',
  async plan({ step }) {
    const name = shown(obj(step.body).name ?? obj(step.body).service_name ?? 'the new service');
    return compensate(
      `delete model service ${name}`,
      [call('services.delete', `delete model service ${name}`, { pathParams: { service_id: self(step, 'endpoint_id') }, target: { kind: 'service', id: self(step, 'endpoint_id') } })],
      `its replica sessions stay in the session history as TERMINATED`,
    );
  },
};

const previousReplicaCount: Rule = {
  kind: 'compensate',
  does: 'scale it back to the previous replica count (read before the change)',
  async plan(ctx) {
    const { step } = ctx;
    const id = step.pathParams.service_id;
    const to = Number(obj(step.body).to);
    let before: number | undefined;
    if (isStepValueRef(id)) {
      const creator = ctx.earlier.find((s) => s.id === id.$from && s.operationId === 'services.create');
      before = Number(obj(creator?.body).desired_session_count ?? obj(creator?.body).replicas);
    } else if (typeof id === 'string') {
      try {
        const info = obj((await ctx.reads.api.call('services.get_info', { pathParams: { service_id: id } })).data);
        before = Number(info.replicas ?? info.desired_session_count);
      } catch (err) {
        return none(`the service's current replica count could not be read (${(err as Error).message.split('\n')[0]})`);
      }
    }
    if (before === undefined || !Number.isInteger(before) || before < 0) return none("the service's current replica count is unknown");
    const services = await ctx.reads.world.services().catch(() => []);
    const name = (typeof id === 'string' && services.find((s) => s.id === id)?.name) || shown(id);
    const leaves =
      to > before ? 'the replicas it added stay in the session history as TERMINATED' : to < before ? 'the replicas it removed come back as new sessions (new ids)' : undefined;
    const target: Target = { kind: 'service', id };
    return compensate(`scale ${name} back to ${before} replica${before === 1 ? '' : 's'}`, [call('services.scale', `scale ${name} back to ${before}`, { pathParams: { service_id: id }, body: { to: before }, target })], leaves);
  },
};

const previousFullName: Rule = {
  kind: 'compensate',
  does: 'set the previous display name again (read before the change)',
  async plan(ctx) {
    let me;
    try {
      me = await ctx.reads.world.me();
    } catch (err) {
      return none(`your current display name could not be read (${(err as Error).message.split('\n')[0]})`);
    }
    const email = str(obj(ctx.step.body).email) ?? me.email;
    const previous = me.fullName ?? '';
    return compensate(`set your display name back to "${previous}"`, [call('auth.update_full_name', `set your display name back to "${previous}"`, { body: { email, full_name: previous } })]);
  },
};

const SESSION_GONE = 'a terminated session cannot be brought back: its containers and their memory are gone (a new session can be created)';
const FILES_GONE = 'deleted files are gone: folders have no trash bin for files';

/**
 * Operation → how it is undone. Every write the offline planner can produce is here (a test
 * enforces it); others (from an LLM plan) cannot be undone.
 */
export const UNDO_RULES: Readonly<Record<string, Rule>> = {
  'session.create_from_params': terminateCreatedSession,
  'session.create_from_params.2': terminateCreatedSession,
  'session.rename_session': renameSessionBack,
  'session.destroy': irreversible(SESSION_GONE),
  'v2/sessions.terminate': irreversible(SESSION_GONE),
  'session.execute': irreversible('code that ran cannot be un-run; what it changed is not known to the planner'),
  'session.interrupt': irreversible('interrupted code does not resume'),
  'session.start_service': irreversible('whether the app was already running cannot be read beforehand, and its connection token cannot be revoked'),
  'session.shutdown_service': irreversible('a stopped app starts again with a new connection (and token): start it again with "open APP in SESSION"'),
  'session.commit_session': irreversible('image creation: the API offers no way to remove the snapshot it writes'),
  'session.convert_session_to_image': irreversible('image creation: the new image is pushed to the registry, and removing images needs an administrator'),
  'folders.create': trashCreatedFolder('name', 'folder'),
  'folders.clone': trashCreatedFolder('target_name', 'copy'),
  'folders.delete_by_name': restoreTrashedFolder,
  'folders.delete_by_id': restoreTrashedFolder,
  'folders.restore': retrashRestoredFolder,
  'folders.delete_from_trash_bin': irreversible('a folder deleted from the trash bin is gone for good'),
  'folders.purge': irreversible('a purged folder is gone for good'),
  'folders.force_delete': irreversible('a force-deleted folder is gone for good'),
  'folders.rename_vfolder': renameFolderBack,
  'folders.update_vfolder_options': previousFolderOptions,
  'folders.mkdir': removeMadeDirectories,
  'folders.move_file': moveFileBack,
  'folders.rename_file': renameFileBack,
  'folders.delete_files': irreversible(FILES_GONE),
  'folders.delete_files_async': irreversible(FILES_GONE),
  'folders.invite': cancelInvitations,
  'folders.share': unshareProjectFolder,
  'folders.leave': irreversible('only the owner can invite you to the folder again'),
  'folders.create_download_session': irreversible('the download link cannot be revoked; it stays valid until it expires'),
  'services.create': deleteCreatedService,
  'services.scale': previousReplicaCount,
  'services.delete': irreversible('a deleted model service cannot be restored (deploy it again)'),
  'services.generate_token': irreversible('service tokens cannot be revoked; it stays valid until it expires'),
  'auth.update_full_name': previousFullName,
};

/** The table for documentation and the report: operation → what undoes it, or why nothing can. */
export function undoTable(): Array<{ operationId: string; undo: string; compensated: boolean }> {
  return Object.entries(UNDO_RULES).map(([operationId, r]) => ({
    operationId,
    compensated: r.kind === 'compensate',
    undo: r.kind === 'compensate' ? r.does : `cannot be undone: ${r.reason}`,
  }));
}

/** How one write step would be undone. Reads may run (never writes); a failed read means "cannot". */
export async function undoFor(step: PlanStep, earlier: PlanStep[], reads: UndoReads, memo: RuleContext['memo'] = (_k, read) => read()): Promise<StepUndo> {
  if (step.effect !== 'write') return none('it changes nothing');
  const rule = UNDO_RULES[step.operationId];
  if (!rule) return none(`there is no known way to undo ${step.operationId}`);
  if (rule.kind === 'irreversible') return none(rule.reason);
  try {
    return await rule.plan({ step, earlier, reads, memo });
  } catch (err) {
    return none(`what it would need to put back could not be read (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * Each write step of a plan with its undo (a new array). Steps in `keep` (already executed, e.g.
 * the prefix of a replan) keep the undo computed before they ran: the manager has changed since.
 */
export async function withUndo(steps: PlanStep[], reads: UndoReads, keep: ReadonlySet<string> = new Set()): Promise<PlanStep[]> {
  const cache = new Map<string, Promise<unknown>>();
  const memo = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      cache.set(key, p);
    }
    return p;
  };
  const out: PlanStep[] = [];
  for (const [i, step] of steps.entries()) {
    if (step.effect !== 'write') {
      const { undo: _ignored, ...rest } = step;
      out.push(rest);
      continue;
    }
    if (keep.has(step.id) && step.undo) {
      out.push(step);
      continue;
    }
    out.push({ ...step, undo: await undoFor(step, steps.slice(0, i), reads, memo) });
  }
  return out;
}

/**
 * The undo of a step that has run, with every reference filled from the responses (`results`
 * holds earlier steps' data and this step's own). A value the manager did not return makes it
 * "cannot be undone", saying which.
 */
export function resolveUndo(undo: StepUndo | undefined, step: Pick<PlanStep, 'id' | 'operationId'>, results: ReadonlyMap<string, unknown>): StepUndo {
  if (!undo) return none(`there is no known way to undo ${step.operationId}`);
  if (undo.kind === 'irreversible') return undo;
  let missing: string | undefined;
  const sub = (v: unknown): unknown => {
    if (isStepValueRef(v)) {
      const value = results.has(v.$from) ? getPath(results.get(v.$from), v.path) : undefined;
      if (value === undefined || value === null || value === '') missing ??= `${v.$from === step.id ? 'its' : `${v.$from}'s`} "${v.path}"`;
      return value;
    }
    if (Array.isArray(v)) return v.map(sub);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, sub(x)]));
    return v;
  };
  const calls = undo.calls.map((c) => ({
    ...c,
    pathParams: sub(c.pathParams) as Record<string, unknown>,
    query: sub(c.query) as Record<string, unknown>,
    ...(c.body !== undefined ? { body: byIdBody(c.operationId, sub(c.body)) } : {}),
    ...(c.target ? { target: { ...c.target, id: sub(c.target.id) } } : {}),
  }));
  if (missing) return none(`the manager's answer did not include ${missing}, which undoing it needs`);
  const text = (s: string) => s.replace(/<(s\d+)\.([\w.]+)>/g, (m, from: string, path: string) => {
    const v = results.has(from) ? getPath(results.get(from), path) : undefined;
    return typeof v === 'string' || typeof v === 'number' ? String(v) : m;
  });
  return { ...undo, summary: text(undo.summary), calls: calls.map((c) => ({ ...c, reason: text(c.reason) })) };
}

/** The trash-bin bodies take a dashed UUID; a folder create answers 32 hex digits. */
function byIdBody(operationId: string, body: unknown): unknown {
  const b = obj(body);
  return operationId === 'folders.restore' && typeof b.id === 'string' ? { ...b, id: dashedUuid(b.id) } : body;
}

/** One line for the preview under a write step. */
export function undoLine(undo: StepUndo): string {
  if (undo.kind === 'irreversible') return `cannot be undone: ${undo.reason}`;
  return `undo: ${undo.summary}${undo.leaves ? `; afterwards ${undo.leaves}` : ''}`;
}
