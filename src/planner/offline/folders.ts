/**
 * Offline proposals for virtual-folder intents: create, delete (to the trash bin), purge,
 * restore, list, info, files, mkdir, rename, share/invite, file operations.
 */
import type { CallCandidate } from '../types.js';
import type { FolderInfo } from '../world.js';
import type {
  FolderCreateIntent,
  FolderFileOpIntent,
  FolderMkdirIntent,
  FolderRenameIntent,
  FolderOptionsIntent,
  FolderShareIntent,
  FolderTargetIntent,
  ParsedIntent,
} from './intents.js';
import { ask, calls, done, findByName, listNames, liveSessions, namesExactly, plannedNames, sessionFilesCall, tagged, usableFolders, type HandlerContext, type HandlerResult } from './context.js';

/**
 * Folder listings give ids as 32 hex digits (facts §5); the trash-bin and delete-by-id bodies
 * are validated as UUIDs, which take the dashed form. Restore and delete-from-trash take the
 * field name `id` (upstream declares only it; `vfolderId` is an alias), delete-by-id `vfolderId`.
 */
function dashedUuid(id: string | undefined): string | undefined {
  if (!id || !/^[0-9a-f]{32}$/i.test(id)) return id;
  return `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
}

/** Ground a folder mention (or ask which one). `trash` selects folders in the trash bin instead. */
async function resolveFolder(
  ctx: HandlerContext,
  name: string | undefined,
  verb: string,
  opts: { trash?: boolean } = {},
): Promise<{ folder: FolderInfo | { name: string; id?: undefined; ownershipType?: undefined }; assumptions: string[] } | string> {
  const all = await ctx.world.folders();
  const pool = opts.trash ? all.filter((f) => f.status.startsWith('delete-')) : usableFolders(all);
  if (!name) {
    return pool.length
      ? `Which folder should I ${verb}? ${opts.trash ? 'In the trash bin' : 'Your folders'}: ${listNames(pool)}.`
      : `Which folder should I ${verb}? You have no ${opts.trash ? 'folders in the trash bin' : 'folders'}.`;
  }
  if (!opts.trash && plannedNames(ctx, 'folder').includes(name)) return { folder: { name }, assumptions: [] };
  const hit = findByName(pool, name, namesExactly(ctx));
  if (!hit) {
    const elsewhere = findByName(opts.trash ? usableFolders(all) : all.filter((f) => f.status.startsWith('delete-')), name);
    if (elsewhere && !opts.trash) return `Folder "${elsewhere.item.name}" is in the trash bin. Should I restore it first?`;
    // "delete X, then restore it": an earlier step of this plan moves it to the trash
    const trashedEarlier = ctx.steps.some((a) => a.step.operationId === 'folders.delete_by_name' && a.step.pathParams.name === elsewhere?.item.name);
    if (elsewhere && opts.trash && trashedEarlier) return { folder: elsewhere.item, assumptions: [] };
    if (elsewhere && opts.trash) return `Folder "${elsewhere.item.name}" is not in the trash bin. Move it to the trash first?`;
    return `There is no folder "${name}". ${opts.trash ? 'In the trash bin' : 'Your folders'}: ${listNames(pool)}. Which one should I ${verb}?`;
  }
  return { folder: hit.item, assumptions: hit.exact ? [] : [`folder "${name}" read as "${hit.item.name}"`] };
}

export async function proposeFolderCreate(ctx: HandlerContext<ParsedIntent<FolderCreateIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  if (!intent.name) return ask('What should the new folder be called?');
  const existing = (await ctx.world.folders()).find((f) => f.name === intent.name);
  if (existing) return ask(`A folder named "${intent.name}" already exists${existing.status.startsWith('delete-') ? ' (in the trash bin)' : ''}. Which name should the new folder have?`);
  const body: Record<string, unknown> = { name: intent.name };
  const assumptions: string[] = [];
  if (intent.usageMode) body.usage_mode = intent.usageMode;
  if (intent.permission) body.permission = intent.permission;
  if (intent.host) body.host = intent.host;
  if (intent.cloneable !== undefined) body.cloneable = intent.cloneable;
  if (intent.project) {
    // project-owned folders need the project's UUID (facts §5), not its name
    const project = findByName(await ctx.world.projects(), intent.project);
    if (!project) return ask(`You are not a member of a project "${intent.project}". Should the folder be yours instead?`);
    const modelStore = (await ctx.world.projectTypes())[project.item.name] === 'MODEL_STORE';
    // only admins create project folders, except model folders in a model-store project (facts §15.4)
    if (!modelStore && (await ctx.world.role()) === 'user') {
      return ask(
        `Only an admin can create a folder owned by project ${project.item.name} (the manager refuses it for other users). Should I create ${intent.name} as your own folder instead? You can invite project members to it.`,
      );
    }
    if (modelStore && intent.usageMode && intent.usageMode !== 'model') {
      return ask(`Project ${project.item.name} is a model store: its folders must be model folders. Create ${intent.name} as a model folder?`);
    }
    if (modelStore && !intent.usageMode) {
      body.usage_mode = 'model';
      assumptions.push(`a model folder: project ${project.item.name} is a model store`);
    }
    body.group = project.item.id;
    assumptions.push(`owned by project ${project.item.name}`);
  }
  const what = [intent.usageMode && intent.usageMode !== 'general' ? `${intent.usageMode}` : '', intent.permission === 'ro' ? 'read-only' : '']
    .filter(Boolean)
    .join(' ');
  return calls(tagged(ctx, { operationId: 'folders.create', body, reason: `create ${what ? `${what} ` : ''}folder ${intent.name}`, assumptions }));
}

export async function proposeFolderTarget(ctx: HandlerContext<ParsedIntent<FolderTargetIntent>>): Promise<HandlerResult> {
  const intent = ctx.parsed.intent;
  const verbs: Record<FolderTargetIntent['kind'], string> = {
    'folder.delete': 'delete',
    'folder.purge': 'delete permanently',
    'folder.restore': 'restore',
    'folder.info': 'look up',
    'folder.files': 'list',
    'folder.leave': 'leave',
  };
  const trash = intent.kind === 'folder.restore';
  // "list the files under /home/work inside train-job-1": no such folder, but a session — its container's files
  if (intent.kind === 'folder.files' && intent.name && !findByName(await ctx.world.folders(), intent.name)) {
    const session = findByName(liveSessions(await ctx.world.sessions()), intent.name);
    if (session?.exact) {
      if (ctx.mine.length > 0) return done;
      return calls(sessionFilesCall(ctx, session.item.name, session.item.name, intent.path));
    }
  }
  // purge works on a folder in the trash, or on a live one that goes to the trash first
  const r = intent.kind === 'folder.purge' ? await resolvePurgeTarget(ctx, intent.name) : await resolveFolder(ctx, intent.name, verbs[intent.kind], { trash });
  if (typeof r === 'string') return ask(r);
  const f = r.folder;
  const assumptions = r.assumptions;

  switch (intent.kind) {
    case 'folder.delete': {
      if (ctx.mine.length > 0) return done;
      const cands: CallCandidate[] = [
        tagged(ctx, { operationId: 'folders.delete_by_name', pathParams: { name: f.name }, reason: `move folder ${f.name} to the trash bin`, assumptions, destructive: true }),
      ];
      if (f.id) cands.push(tagged(ctx, { operationId: 'folders.delete_by_id', body: { vfolderId: dashedUuid(f.id) }, reason: `move folder ${f.name} to the trash bin (by id)`, assumptions, destructive: true }));
      return calls(...cands);
    }
    case 'folder.purge': {
      const inTrash = 'status' in f && f.status.startsWith('delete-');
      // moved to the trash by this intent's own first step, or by an earlier task of the request ("trash X, then purge it")
      const trashed =
        ctx.mine.some((a) => a.candidate.meta?.role === 'trash') ||
        ctx.steps.some((a) => a.step.operationId === 'folders.delete_by_name' && a.step.pathParams.name === f.name);
      if (ctx.mine.some((a) => a.candidate.meta?.role === 'purge')) return done;
      if (!inTrash && !trashed) {
        return calls(tagged(ctx, { operationId: 'folders.delete_by_name', pathParams: { name: f.name }, reason: `move folder ${f.name} to the trash bin first`, assumptions, destructive: true }, { role: 'trash' }));
      }
      return calls(
        tagged(ctx, { operationId: 'folders.delete_from_trash_bin', body: { id: dashedUuid(f.id) }, reason: `delete folder ${f.name} permanently`, assumptions, destructive: true }, { role: 'purge' }),
      );
    }
    case 'folder.restore':
      if (ctx.mine.length > 0) return done;
      return calls(tagged(ctx, { operationId: 'folders.restore', body: { id: dashedUuid(f.id) }, reason: `restore folder ${f.name} from the trash bin`, assumptions }));
    case 'folder.info':
      if (ctx.mine.length > 0) return done;
      return calls(tagged(ctx, { operationId: 'folders.get_info', pathParams: { name: f.name }, reason: `details of folder ${f.name}`, assumptions }));
    case 'folder.files':
      if (ctx.mine.length > 0) return done;
      return calls(
        tagged(ctx, {
          operationId: 'folders.list_files',
          pathParams: { name: f.name },
          query: { path: intent.path ?? '' },
          reason: `list files in ${f.name}${intent.path ? `/${intent.path}` : ''}`,
          assumptions,
        }),
      );
    case 'folder.leave':
      if (ctx.mine.length > 0) return done;
      return calls(tagged(ctx, { operationId: 'folders.leave', pathParams: { name: f.name }, body: {}, reason: `leave the shared folder ${f.name}`, assumptions }));
  }
}

async function resolvePurgeTarget(ctx: HandlerContext, name: string | undefined): Promise<{ folder: FolderInfo; assumptions: string[] } | string> {
  const all = await ctx.world.folders();
  if (!name) return `Which folder should I delete permanently? Your folders: ${listNames(all)}.`;
  const hit = findByName(all, name);
  if (!hit) return `There is no folder "${name}". Your folders: ${listNames(all)}.`;
  return { folder: hit.item, assumptions: hit.exact ? [] : [`folder "${name}" read as "${hit.item.name}"`] };
}

export async function proposeFolderList(ctx: HandlerContext): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  return calls(tagged(ctx, { operationId: 'folders.list_folders', reason: 'list your folders' }));
}

export async function proposeFolderInvitations(ctx: HandlerContext): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  return calls(tagged(ctx, { operationId: 'folders.invitations', reason: 'folder invitations sent to you' }));
}

/** Make a folder read-only / cloneable, or copy it under a new name. */
export async function proposeFolderOptions(ctx: HandlerContext<ParsedIntent<FolderOptionsIntent>>): Promise<HandlerResult> {
  const intent = ctx.parsed.intent;
  if (intent.kind === 'folder.clone') return proposeFolderClone(ctx, intent);
  if (ctx.mine.length > 0) return done;
  const r = await resolveFolder(ctx, intent.name, 'change');
  if (typeof r === 'string') return ask(r);
  const name = r.folder.name;
  const body: Record<string, unknown> = {
    ...(intent.permission ? { permission: intent.permission } : {}),
    ...(intent.cloneable !== undefined ? { cloneable: intent.cloneable } : {}),
  };
  if (Object.keys(body).length === 0) return ask(`What should change on ${name}: read-only, read-write, or whether it can be cloned?`);
  const what = [intent.permission ? `permission ${intent.permission}` : '', intent.cloneable !== undefined ? (intent.cloneable ? 'cloneable' : 'not cloneable') : ''].filter(Boolean).join(', ');
  return calls(tagged(ctx, { operationId: 'folders.update_vfolder_options', pathParams: { name }, body, reason: `set ${what} on folder ${name}`, assumptions: r.assumptions }));
}

/**
 * Copy a folder. The manager refuses a clone, the owner's included, unless the source is
 * `cloneable` (facts §15.2): its owner makes it cloneable first (a confirmed write of its own);
 * anyone else is told to ask the owner. The copy's `usage_mode` is passed explicitly, since the
 * manager would make it `general`.
 */
async function proposeFolderClone(ctx: HandlerContext<ParsedIntent<FolderOptionsIntent>>, intent: FolderOptionsIntent): Promise<HandlerResult> {
  if (ctx.mine.some((a) => a.candidate.meta?.role === 'clone')) return done;
  const r = await resolveFolder(ctx, intent.name, 'copy');
  if (typeof r === 'string') return ask(r);
  const name = r.folder.name;
  if (!intent.newName) return ask(`What should the copy of ${name} be called?`);
  const taken = (await ctx.world.folders()).some((f) => f.name === intent.newName) || plannedNames(ctx, 'folder').includes(intent.newName);
  if (taken) return ask(`A folder named "${intent.newName}" already exists. Which name should the copy have?`);
  const source = await cloneSource(ctx, r.folder);
  const madeCloneable = ctx.steps.some(
    (a) => a.step.operationId === 'folders.update_vfolder_options' && a.step.pathParams.name === name && (a.step.body as Record<string, unknown> | undefined)?.cloneable === true,
  );
  if (!source.cloneable && !madeCloneable) {
    if (!source.isOwner) {
      return ask(
        `Folder ${name} is not cloneable, and only its owner can make it so: the manager refuses to clone it until then. Ask the owner to make ${name} cloneable, then ask me again.`,
      );
    }
    return calls(
      tagged(
        ctx,
        {
          operationId: 'folders.update_vfolder_options',
          pathParams: { name },
          body: { cloneable: true },
          reason: `make folder ${name} cloneable first: the manager clones only cloneable folders`,
          assumptions: [...r.assumptions, `${name} stays cloneable afterwards (say "make ${name} not cloneable" to undo)`],
        },
        { role: 'make-cloneable' },
      ),
    );
  }
  return calls(
    tagged(
      ctx,
      {
        operationId: 'folders.clone',
        pathParams: { name },
        body: { target_name: intent.newName, usage_mode: source.usageMode },
        reason: `copy folder ${name} to ${intent.newName}`,
        assumptions: [...r.assumptions, `the copy is a ${source.usageMode} folder, like ${name}`],
      },
      { role: 'clone' },
    ),
  );
}

/** What a clone needs to know of its source: a listed folder, or one this plan creates (from its create step). */
async function cloneSource(ctx: HandlerContext, folder: { name: string; id?: string }): Promise<{ cloneable: boolean; isOwner: boolean; usageMode: string }> {
  const listed = (await ctx.world.folders()).find((f) => f.name === folder.name && (!folder.id || f.id === folder.id));
  if (listed) return { cloneable: listed.cloneable === true, isOwner: listed.isOwner !== false, usageMode: listed.usageMode };
  const create = ctx.steps.find((a) => a.step.operationId === 'folders.create' && (a.step.body as Record<string, unknown> | undefined)?.name === folder.name);
  const body = (create?.step.body ?? {}) as Record<string, unknown>;
  return { cloneable: body.cloneable === true, isOwner: true, usageMode: typeof body.usage_mode === 'string' ? body.usage_mode : 'general' };
}

export async function proposeFolderMkdir(ctx: HandlerContext<ParsedIntent<FolderMkdirIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const r = await resolveFolder(ctx, intent.name, 'create the directory in');
  if (typeof r === 'string') return ask(r);
  if (!intent.path) return ask(`What should the new directory in ${r.folder.name} be called?`);
  return calls(
    tagged(ctx, {
      operationId: 'folders.mkdir',
      pathParams: { name: r.folder.name },
      body: { path: intent.path, parents: true, exist_ok: false },
      reason: `create directory ${intent.path} in folder ${r.folder.name}`,
      assumptions: r.assumptions,
    }),
  );
}

export async function proposeFolderRename(ctx: HandlerContext<ParsedIntent<FolderRenameIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const r = await resolveFolder(ctx, intent.name, 'rename');
  if (typeof r === 'string') return ask(r);
  if (!intent.newName) return ask(`What should folder ${r.folder.name} be renamed to?`);
  return calls(
    tagged(ctx, {
      operationId: 'folders.rename_vfolder',
      pathParams: { name: r.folder.name },
      body: { new_name: intent.newName },
      reason: `rename folder ${r.folder.name} to ${intent.newName}`,
      assumptions: r.assumptions,
    }),
  );
}

export async function proposeFolderShare(ctx: HandlerContext<ParsedIntent<FolderShareIntent>>): Promise<HandlerResult> {
  if (ctx.mine.length > 0) return done;
  const intent = ctx.parsed.intent;
  const r = await resolveFolder(ctx, intent.name, 'share');
  if (typeof r === 'string') return ask(r);
  if (intent.emails.length === 0) return ask(`Who should I share ${r.folder.name} with? (e-mail addresses)`);
  const perm = intent.permission ?? 'rw';
  const assumptions = [...r.assumptions];
  if (!intent.permission) assumptions.push('permission rw (read-write): say "read-only" for ro');
  const who = intent.emails.join(', ');
  // user-owned folders are shared by invitation; project folders directly (facts §5), by admins only (facts §15.5)
  const project = r.folder.ownershipType === 'group';
  if (project && (await ctx.world.role()) === 'user') {
    return ask(
      `${r.folder.name} is a project folder: sharing it directly needs an admin (the manager refuses it for other users), and project folders take no invitations. Ask a project admin to share it with ${who} — or copy what they need into a folder of your own and I can invite them to that.`,
    );
  }
  const invite = tagged(ctx, {
    operationId: 'folders.invite',
    pathParams: { name: r.folder.name },
    body: { emails: intent.emails, perm },
    reason: `invite ${who} to folder ${r.folder.name} (${perm})`,
    assumptions,
  });
  const share = tagged(ctx, {
    operationId: 'folders.share',
    pathParams: { name: r.folder.name },
    body: { emails: intent.emails, permission: perm },
    reason: `share project folder ${r.folder.name} with ${who} (${perm})`,
    assumptions,
  });
  return calls(...(project ? [share, invite] : [invite]));
}

export async function proposeFolderFileOp(ctx: HandlerContext<ParsedIntent<FolderFileOpIntent>>): Promise<HandlerResult> {
  // a move of several paths is one call each; everything else is one call
  if (ctx.mine.length > 0 && ctx.parsed.intent.kind !== 'folder.move_file') return done;
  const intent = ctx.parsed.intent;
  const r = await resolveFolder(ctx, intent.name, intent.kind === 'folder.download' ? 'download from' : 'change files in');
  if (typeof r === 'string') return ask(r);
  const name = r.folder.name;
  if (intent.paths.length === 0) return ask(`Which file(s) in ${name}?`);
  switch (intent.kind) {
    case 'folder.delete_files':
      return calls(
        tagged(ctx, {
          operationId: 'folders.delete_files',
          pathParams: { name },
          body: { files: intent.paths, recursive: intent.recursive ?? true },
          reason: `delete ${intent.paths.join(', ')} from ${name}`,
          destructive: true,
        }),
      );
    case 'folder.rename_file':
      if (!intent.newName) return ask(`What should ${intent.paths[0]} be renamed to?`);
      return calls(
        tagged(ctx, {
          operationId: 'folders.rename_file',
          pathParams: { name },
          body: { target_path: intent.paths[0], new_name: intent.newName },
          reason: `rename ${intent.paths[0]} to ${intent.newName} in ${name}`,
        }),
      );
    case 'folder.download':
      // the storage proxy answers a short-lived URL and token for this one file
      return calls(
        tagged(ctx, {
          operationId: 'folders.create_download_session',
          pathParams: { name },
          body: { path: intent.paths[0] },
          reason: `a download link for ${intent.paths[0]} in ${name}`,
        }),
      );
    case 'folder.move_file': {
      if (!intent.destination) return ask(`Where should ${intent.paths.join(', ')} be moved?`);
      // one call per path, in the order given; into a directory, each keeps its own name
      const moved = ctx.mine.filter((a) => a.candidate.meta?.role !== 'mkdir').length;
      const next = intent.paths[moved];
      if (next === undefined) return done;
      const intoDir = intent.intoDirectory || intent.paths.length > 1;
      const dst = intoDir ? `${intent.destination.replace(/\/+$/, '')}/${next.replace(/\/+$/, '').split('/').pop()}` : intent.destination;
      // storage refuses a move into a directory that does not exist: make it first, in the same plan
      const inFolder = dst.replace(/^\/+|\/+$/g, '');
      const dir = inFolder.includes('/') ? inFolder.slice(0, inFolder.lastIndexOf('/')) : '';
      if (moved === 0 && dir && !ctx.mine.length && !(await directoryExists(ctx, name, dir))) {
        return calls(
          tagged(
            ctx,
            {
              operationId: 'folders.mkdir',
              pathParams: { name },
              body: { path: dir, parents: true, exist_ok: true },
              reason: `create directory ${dir} in ${name} first: it does not exist yet`,
            },
            { role: 'mkdir' },
          ),
        );
      }
      return calls(tagged(ctx, { operationId: 'folders.move_file', pathParams: { name }, body: { src: next, dst }, reason: `move ${next} to ${dst} in ${name}` }, { role: 'move' }));
    }
  }
}

/** Does directory `dir` exist in the folder, or does an earlier step of this plan make it? */
async function directoryExists(ctx: HandlerContext, folder: string, dir: string): Promise<boolean> {
  const made = ctx.steps.some((a) => {
    if (a.step.operationId !== 'folders.mkdir' || a.step.pathParams.name !== folder) return false;
    const paths = (a.step.body as Record<string, unknown> | undefined)?.path;
    return (Array.isArray(paths) ? paths : [paths]).some((p) => typeof p === 'string' && (p.replace(/^\/+|\/+$/g, '') === dir || p.replace(/^\/+|\/+$/g, '').startsWith(`${dir}/`)));
  });
  if (made) return true;
  // a folder this plan creates is empty
  if (plannedNames(ctx, 'folder').includes(folder)) return false;
  const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  const entries = await ctx.world.folderEntries(folder, parent);
  return Boolean(entries?.some((e) => e.name === dir.split('/').pop() && e.type === 'DIRECTORY'));
}
