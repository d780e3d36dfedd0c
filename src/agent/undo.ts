/**
 * Undoing a run: the audit log records, for every write that took effect, how to undo it with the
 * ids the manager returned (src/planner/undo.ts). From a run's records this builds the
 * compensating plan — the undos in reverse order — after checking each against the manager as it
 * is now: a compensation already in effect is left out (said why), one whose target changed since
 * (a folder renamed, a session ended, files added to a directory it would delete) refuses the whole
 * undo. The calls then go through the planner's own checks (schema, grounding, policy, preflight).
 */
import { readFileSync } from 'node:fs';
import { BaiError } from '../errors.js';
import { PlanChecker, type PolicyGate } from '../planner/check.js';
import { PLAN_VERSION, StepUndo, type GroundedEntity, type PlanDocument, type PlanStep, type UndoCall } from '../planner/plan.js';
import { withUndo } from '../planner/undo.js';
import type { AcceptedStep, CallCandidate } from '../planner/types.js';
import { WorldView, type ApiCaller } from '../planner/world.js';
import { validatorFor } from '../spec/validator.js';
import type { Catalog } from '../spec/types.js';
import type { AuditEntry } from './execute.js';

/** One audit line as this module needs it (older lines without a run id are not undoable). */
export interface WriteRecord {
  time: string;
  runId: string;
  request: string;
  stepId: string;
  operationId: string;
  pathParams: Record<string, unknown>;
  body?: unknown;
  outcome: AuditEntry['outcome'];
  undo?: StepUndo;
  endpoint?: string;
  undoOf?: string;
}

export interface RunRecord {
  runId: string;
  request: string;
  time: string;
  endpoint?: string;
  /** Set when the run was itself an undo. */
  undoOf?: string;
  writes: WriteRecord[];
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The audit log's writes, grouped by run in log order. Unreadable lines are skipped (counted). */
export function readRuns(path: string): { runs: RunRecord[]; skipped: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { runs: [], skipped: 0 };
    throw new BaiError(`cannot read the audit log ${path}: ${(err as Error).message}`, 'bad_input');
  }
  return parseRuns(text);
}

export function parseRuns(text: string): { runs: RunRecord[]; skipped: number } {
  const runs = new Map<string, RunRecord>();
  // a write's `started` line, until the line with its outcome replaces it (without one: outcome unknown)
  const started = new Map<string, { run: RunRecord; index: number }>();
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let raw: Record<string, unknown>;
    try {
      raw = obj(JSON.parse(line));
    } catch {
      skipped++;
      continue;
    }
    if (typeof raw.runId !== 'string' || typeof raw.operationId !== 'string' || typeof raw.stepId !== 'string') {
      skipped++;
      continue;
    }
    const undo = raw.undo === undefined ? undefined : StepUndo.safeParse(raw.undo);
    const rec: WriteRecord = {
      time: String(raw.time ?? ''),
      runId: raw.runId,
      request: String(raw.request ?? ''),
      stepId: raw.stepId,
      operationId: raw.operationId,
      pathParams: obj(raw.pathParams),
      ...(raw.body !== undefined ? { body: raw.body } : {}),
      outcome: (['ok', 'failed', 'recovered', 'unknown'].includes(String(raw.outcome)) ? raw.outcome : 'unknown') as WriteRecord['outcome'],
      ...(undo?.success ? { undo: undo.data } : {}),
      ...(typeof raw.endpoint === 'string' ? { endpoint: raw.endpoint } : {}),
      ...(typeof raw.undoOf === 'string' ? { undoOf: raw.undoOf } : {}),
    };
    let run = runs.get(rec.runId);
    if (!run) {
      run = { runId: rec.runId, request: rec.request, time: rec.time, ...(rec.endpoint ? { endpoint: rec.endpoint } : {}), ...(rec.undoOf ? { undoOf: rec.undoOf } : {}), writes: [] };
      runs.set(rec.runId, run);
    }
    const key = `${rec.runId}\u0000${rec.stepId}`;
    const before = started.get(key);
    if (before) {
      before.run.writes[before.index] = rec;
      started.delete(key);
    } else {
      run.writes.push(rec);
    }
    if (raw.outcome === 'started') started.set(key, { run, index: run.writes.length - 1 });
  }
  return { runs: [...runs.values()], skipped };
}

/** The run `id` (a unique prefix is enough), or by default the last run that was not itself an undo. */
export function pickRun(runs: RunRecord[], id?: string): RunRecord {
  if (id) {
    const hits = runs.filter((r) => r.runId === id || r.runId.startsWith(id));
    if (hits.length === 0) throw new BaiError(`no run ${id} in the audit log (bai-agent undo --list shows the recent runs)`, 'bad_input');
    if (hits.length > 1 && !hits.some((r) => r.runId === id)) throw new BaiError(`run id ${id} is ambiguous: ${hits.map((r) => r.runId).join(', ')}`, 'bad_input');
    return hits.find((r) => r.runId === id) ?? hits[0]!;
  }
  const last = [...runs].reverse().find((r) => !r.undoOf);
  if (!last) throw new BaiError('the audit log has no run to undo yet', 'bad_input');
  return last;
}

/** Is a compensation still to do, already in effect, or aimed at something that changed since? */
type Standing = { state: 'ok' } | { state: 'already'; why: string } | { state: 'stale'; why: string };
const ok: Standing = { state: 'ok' };
const already = (why: string): Standing => ({ state: 'already', why });
const stale = (why: string): Standing => ({ state: 'stale', why });

const sameId = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
const parentOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
const joinPath = (...parts: string[]): string => parts.filter(Boolean).join('/');

class Standings {
  private readonly files = new Map<string, Promise<Array<Record<string, unknown>> | undefined>>();
  /** What the compensations accepted so far will have changed (they run before the next one). */
  private readonly gone = new Set<string>();
  private readonly added = new Set<string>();
  private readonly folderNames = new Map<string, string>();
  private readonly folderTrashed = new Map<string, boolean>();

  constructor(
    private readonly world: WorldView,
    private readonly api: ApiCaller,
  ) {}

  /** Entries of a directory in a folder; undefined when it does not exist. */
  private list(folder: string, dir: string): Promise<Array<Record<string, unknown>> | undefined> {
    const key = `${folder}\u0000${dir}`;
    let p = this.files.get(key);
    if (!p) {
      p = this.api.call<{ items?: unknown[] }>('folders.list_files', { pathParams: { name: folder }, query: { path: dir } }).then(
        (r) => (Array.isArray(r.data?.items) ? r.data.items.map(obj) : []),
        (err: unknown) => {
          if ((err as { status?: unknown }).status === 404) return undefined;
          throw err;
        },
      );
      this.files.set(key, p);
    }
    return p;
  }

  private async exists(folder: string, path: string): Promise<boolean> {
    const key = `${folder}/${path}`;
    if (this.added.has(key)) return true;
    if ([...this.gone].some((g) => key === g || key.startsWith(`${g}/`))) return false;
    return Boolean((await this.list(folder, parentOf(path)))?.some((i) => i.name === baseName(path)));
  }

  /** Entries in a directory, after the compensations accepted so far. */
  private async entries(folder: string, dir: string): Promise<string[]> {
    const here = ((await this.list(folder, dir)) ?? []).map((i) => joinPath(folder, dir, String(i.name))).filter((p) => !this.gone.has(p));
    const moved = [...this.added].filter((p) => parentOf(p) === joinPath(folder, dir));
    return [...new Set([...here, ...moved])];
  }

  /** Record what an accepted compensation will change, for the checks of the ones after it. */
  applied(c: UndoCall): void {
    const body = obj(c.body);
    const folder = String(c.pathParams.name ?? '');
    const move = (from: string, to: string) => {
      this.gone.add(`${folder}/${from}`);
      this.added.delete(`${folder}/${from}`);
      this.added.add(`${folder}/${to}`);
      this.gone.delete(`${folder}/${to}`);
    };
    const id = typeof c.target?.id === 'string' ? c.target.id.replace(/-/g, '').toLowerCase() : undefined;
    switch (c.operationId) {
      case 'folders.delete_files':
        for (const f of Array.isArray(body.files) ? body.files : []) this.gone.add(`${folder}/${String(f)}`);
        break;
      case 'folders.move_file':
        move(String(body.src), String(body.dst));
        break;
      case 'folders.rename_file': {
        const from = String(body.target_path);
        move(from, parentOf(from) ? `${parentOf(from)}/${String(body.new_name)}` : String(body.new_name));
        break;
      }
      case 'folders.rename_vfolder':
        if (id) this.folderNames.set(id, String(body.new_name));
        break;
      case 'folders.delete_by_name':
      case 'folders.restore':
        if (id) this.folderTrashed.set(id, c.operationId === 'folders.delete_by_name');
        break;
    }
  }

  private async folderById(id: unknown) {
    const found = (await this.world.folders()).find((f) => sameId(f.id, id));
    if (!found) return undefined;
    const key = found.id.replace(/-/g, '').toLowerCase();
    const trashed = this.folderTrashed.get(key);
    return {
      ...found,
      name: this.folderNames.get(key) ?? found.name,
      status: trashed === undefined ? found.status : trashed ? 'delete-pending' : 'ready',
    };
  }

  async of(c: UndoCall, forward: WriteRecord): Promise<Standing> {
    const body = obj(c.body);
    if (c.target?.kind === 'folder') {
      const folder = await this.folderById(c.target.id);
      const named = String(c.pathParams.name ?? folder?.name ?? '');
      if (!folder) return c.operationId === 'folders.delete_by_name' ? already(`folder ${named} no longer exists`) : stale(`folder ${named} no longer exists`);
      const inTrash = folder.status.startsWith('delete-');
      if (c.operationId === 'folders.delete_by_name') {
        if (inTrash) return already(`folder ${folder.name} is already in the trash bin`);
        return folder.name === named ? ok : stale(`folder ${named} was renamed to ${folder.name} since`);
      }
      if (c.operationId === 'folders.restore') return inTrash ? ok : already(`folder ${folder.name} is not in the trash bin`);
      if (c.operationId === 'folders.rename_vfolder' && folder.name === body.new_name && !inTrash) return already(`folder ${folder.name} already has its old name`);
      if (inTrash) return stale(`folder ${folder.name} is in the trash bin now`);
      if (folder.name !== named) return stale(`folder ${named} was renamed to ${folder.name} since`);
      return this.folderContent(c, forward, folder.name);
    }
    if (c.target?.kind === 'session') {
      const session = (await this.world.sessions()).find((s) => sameId(s.id, c.target!.id));
      if (c.operationId === 'session.destroy') return session ? ok : already('the session has already ended');
      const named = String(c.pathParams.session_name ?? '');
      if (!session) return stale(`session ${named} has ended`);
      if (c.operationId === 'session.rename_session' && session.name === body.session_name) return already(`session ${session.name} already has its old name`);
      return session.name === named ? ok : stale(`session ${named} was renamed to ${session.name} since`);
    }
    if (c.target?.kind === 'service') {
      const service = (await this.world.services()).find((s) => sameId(s.id, c.target!.id));
      if (c.operationId === 'services.delete') return service ? ok : already('the service no longer exists');
      if (!service) return stale('the service no longer exists');
      if (c.operationId === 'services.scale') {
        const info = obj((await this.api.call('services.get_info', { pathParams: { service_id: service.id } })).data);
        return this.changedBy(info.replicas ?? info.desired_session_count, body.to, obj(forward.body).to, `${service.name}'s replica count`);
      }
      return ok;
    }
    if (c.operationId === 'auth.update_full_name') {
      const me = await this.world.me();
      return this.changedBy(me.fullName ?? '', body.full_name, obj(forward.body).full_name, 'your display name');
    }
    return ok;
  }

  /** Undo sets `back`; the step set `done`: now is one of them, or someone else changed it since. */
  private changedBy(now: unknown, back: unknown, done: unknown, what: string): Standing {
    if (now === back) return already(`${what} is already ${String(back)}`);
    if (now === done || done === undefined) return ok;
    return stale(`${what} is ${String(now)} now, not ${String(done)} as this run left it`);
  }

  private async folderContent(c: UndoCall, forward: WriteRecord, folder: string): Promise<Standing> {
    const body = obj(c.body);
    switch (c.operationId) {
      case 'folders.update_vfolder_options': {
        const info = obj((await this.api.call('folders.get_info', { pathParams: { name: folder } })).data);
        const keys = Object.keys(body);
        if (keys.every((k) => info[k] === body[k])) return already(`folder ${folder} already has ${keys.map((k) => `${k} ${String(body[k])}`).join(', ')}`);
        const done = obj(forward.body);
        const changed = keys.find((k) => k in done && info[k] !== done[k]);
        return changed ? stale(`folder ${folder}'s ${changed} is ${String(info[changed])} now, not ${String(done[changed])} as this run left it`) : ok;
      }
      case 'folders.delete_files': {
        const dir = String((Array.isArray(body.files) ? body.files[0] : '') ?? '');
        if (!(await this.exists(folder, dir))) return already(`directory ${dir} is no longer in ${folder}`);
        const inside = await this.entries(folder, dir);
        return inside.length > 0 ? stale(`directory ${dir} in ${folder} has ${inside.map((p) => baseName(p)).join(', ')} in it now`) : ok;
      }
      case 'folders.move_file':
      case 'folders.rename_file': {
        const from = String(c.operationId === 'folders.move_file' ? body.src : body.target_path);
        const to = c.operationId === 'folders.move_file' ? String(body.dst) : parentOf(from) ? `${parentOf(from)}/${String(body.new_name)}` : String(body.new_name);
        const fromThere = await this.exists(folder, from);
        const toThere = await this.exists(folder, to);
        if (fromThere && !toThere) return ok;
        if (!fromThere && toThere) return already(`${to} is back in place in ${folder}`);
        return stale(fromThere ? `${to} exists in ${folder} again` : `neither ${from} nor ${to} is in ${folder}`);
      }
      case 'folders.delete_invitation': {
        const sent = obj((await this.api.call('folders.list_sent_invitations')).data).invitations;
        const inv = (Array.isArray(sent) ? sent.map(obj) : []).find((i) => sameId(i.id, body.inv_id));
        if (!inv || inv.state === 'canceled' || inv.state === 'rejected') return already(`the invitation${inv ? ` of ${String(inv.invitee)}` : ''} is no longer pending`);
        if (inv.state === 'accepted') return stale(`${String(inv.invitee)} accepted the invitation to ${folder} since (only the folder's members can be changed now)`);
        return ok;
      }
      default:
        return ok;
    }
  }
}

/** Compensations that delete are confirmed the way the planner's own would be (directories it deletes must be empty). */
const DESTRUCTIVE = new Set(['folders.delete_by_name', 'services.delete']);

export interface UndoPlanDeps {
  catalog: Catalog;
  api: ApiCaller;
  policy: { gate: PolicyGate; name: string; sha256?: string };
  endpoint: string;
  /** project used when a call does not name one */
  defaultProject: string;
}

export interface UndoPlan {
  /** `undefined` when nothing is left to undo (see notes). */
  plan?: PlanDocument;
  /** Writes of the run that are not undone, and why: cannot be, already in effect, outcome unknown. */
  notes: string[];
}

/**
 * The plan that undoes the writes of `run` that took effect, last first. `steps` limits it to some
 * step ids (the saga undoes what succeeded before a failure). Throws a one-line error when the
 * manager changed in a way that makes the undo wrong (stale), or when the policy denies a call.
 */
export async function buildUndoPlan(run: RunRecord, deps: UndoPlanDeps): Promise<UndoPlan> {
  if (run.endpoint && run.endpoint !== deps.endpoint) {
    throw new BaiError(`run ${run.runId} wrote to ${run.endpoint}, but this run is connected to ${deps.endpoint}: connect to that manager to undo it`, 'bad_input');
  }
  const world = new WorldView(deps.api);
  const standings = new Standings(world, deps.api);
  const checker = new PlanChecker({ catalog: deps.catalog, validator: validatorFor(deps.catalog), world, policy: deps.policy.gate, defaultProject: deps.defaultProject });
  const notes: string[] = [];
  const accepted: AcceptedStep[] = [];

  for (const w of [...run.writes].reverse()) {
    const what = `${w.stepId} ${w.operationId}`;
    if (w.outcome === 'failed') continue;
    if (w.outcome === 'unknown') {
      notes.push(`${what}: its outcome was never known, so it is not undone (check it on the manager)`);
      continue;
    }
    if (!w.undo) {
      notes.push(`${what}: the audit log does not say how to undo it (written by an older bai-agent)`);
      continue;
    }
    if (w.undo.kind === 'irreversible') {
      notes.push(`${what}: cannot be undone: ${w.undo.reason}`);
      continue;
    }
    if (w.undo.calls.length === 0) {
      notes.push(`${what}: ${w.undo.summary}`);
      continue;
    }
    for (const c of w.undo.calls) {
      let standing: Standing;
      try {
        standing = await standings.of(c, w);
      } catch (err) {
        const kind = err instanceof BaiError ? err.kind : 'unavailable';
        throw new BaiError(`cannot check whether ${w.stepId} (${c.reason}) can still be undone: ${(err as Error).message.split('\n')[0]}`, kind, { cause: err });
      }
      if (standing.state === 'already') {
        notes.push(`${what}: nothing to do for "${c.reason}": ${standing.why}`);
        continue;
      }
      if (standing.state === 'stale') {
        throw new BaiError(`cannot undo run ${run.runId}: the manager changed since: ${w.stepId} (${c.reason}): ${standing.why}`, 'bad_input');
      }
      const candidate: CallCandidate = {
        kind: 'call',
        operationId: c.operationId,
        pathParams: c.pathParams,
        query: c.query,
        ...(c.body !== undefined ? { body: c.body } : {}),
        reason: `${c.reason} (undoes ${w.stepId} of run ${run.runId})`,
        destructive: DESTRUCTIVE.has(c.operationId),
      };
      const stepId = `s${accepted.length + 1}`;
      const checked = await checker.check(candidate, accepted, stepId);
      if (!checked.ok) {
        const kind = checked.deniedByPolicy ? 'refused' : 'bad_input';
        throw new BaiError(`cannot undo run ${run.runId}: ${w.stepId} (${c.reason}): ${checked.reason}`, kind);
      }
      accepted.push({ step: checked.step, candidate });
      standings.applied(c);
    }
  }
  if (accepted.length === 0) return { notes };

  // several terminations in one undo are confirmed by count, as the planner's own
  const terminations = accepted.filter((a) => a.step.operationId === 'session.destroy');
  const steps: PlanStep[] = accepted.map((a) => ({ ...a.step, destructive: a.step.destructive || (terminations.length > 1 && a.step.operationId === 'session.destroy') }));
  const grounding: GroundedEntity[] = [];
  for (const s of steps) for (const e of checker.grounding.get(s.id) ?? []) if (!grounding.some((g) => g.kind === e.kind && g.name === e.name)) grounding.push(e);
  const plan: PlanDocument = {
    version: PLAN_VERSION,
    request: `undo run ${run.runId}: ${run.request}`,
    createdAt: new Date().toISOString(),
    spec: { title: deps.catalog.title, version: deps.catalog.version, sha256: deps.catalog.sha256 },
    endpoint: deps.endpoint,
    planner: { kind: 'offline', model: null },
    policy: { name: deps.policy.name, ...(deps.policy.sha256 ? { sha256: deps.policy.sha256 } : {}) },
    outcome: 'planned',
    steps: await withUndo(steps, { world, api: deps.api }),
    assumptions: [],
    grounding,
    search: {
      algorithm: 'dfsdt',
      nodesExpanded: steps.length,
      backtracks: 0,
      maxDepthReached: steps.length,
      llmCalls: 0,
      tokens: { prompt: 0, completion: 0 },
      elapsedMs: 0,
      budgets: { maxDepth: Math.max(1, steps.length), width: 1, maxNodes: Math.max(1, steps.length), maxLlmCalls: 0, timeMs: 60_000 },
      failures: [],
    },
    undoOf: { runId: run.runId, request: run.request },
  };
  return { plan, notes };
}

/** A run made of only some of its writes (the saga: the steps that succeeded in this invocation). */
export function runFromEntries(runId: string, request: string, endpoint: string, entries: AuditEntry[]): RunRecord {
  return {
    runId,
    request,
    time: entries[0]?.time ?? new Date().toISOString(),
    endpoint,
    writes: entries.map((e) => ({
      time: e.time,
      runId,
      request: e.request,
      stepId: e.stepId,
      operationId: e.operationId,
      pathParams: e.pathParams,
      ...(e.body !== undefined ? { body: e.body } : {}),
      outcome: e.outcome,
      ...(e.undo ? { undo: e.undo } : {}),
    })),
  };
}

