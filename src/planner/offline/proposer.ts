/**
 * The offline proposer: the default planner, no network beyond the manager itself.
 *
 * The semantic parser turns the request into intents with slots; each intent has a handler that,
 * given what the plan has done so far and what the manager has (images, folders, sessions,
 * resource groups…), proposes the next call with ranked alternatives (another resource group,
 * another image match, the manager's alternative route) — the siblings DFSDT backtracks over.
 * Requests the parser does not cover fall back to retrieval: a confident read-only operation
 * that needs no arguments is proposed as is.
 */
import type { Candidate, Proposal, ProposalContext, Proposer, PlannerDefaults } from '../types.js';
import type { WorldView } from '../world.js';
import { READ_INTENTS, type FolderBulk, type FolderFilter, type Intent, type ParsedIntent, type ParsedRequest, type UnreadWord } from './intents.js';
import type { FolderInfo } from '../world.js';
import { parseRequest } from './parse/index.js';
import type { HandlerContext, HandlerResult } from './context.js';
import { proposeSessionAction,
  proposeSessionRestart,
  proposeSessionExecute, proposeSessionCreate, proposeSessionDestroy, proposeSessionRead, proposeSessionRename } from './sessions.js';
import {
  proposeFolderCreate,
  proposeFolderFileOp,
  proposeFolderInvitations,
  proposeFolderList,
  proposeFolderMkdir,
  proposeFolderOptions,
  proposeFolderRename,
  proposeFolderShare,
  proposeFolderTarget,
} from './folders.js';
import {
  proposeImageList,
  proposeResource,
  proposeServiceCreate,
  proposeServiceList,
  proposeServiceTarget,
  proposeWhoami,
  proposeAccountName,
  proposeProjectList,
} from './services.js';
import { proposeApiCall } from './api-call.js';

type Handler = (ctx: HandlerContext<ParsedIntent<never>>) => Promise<HandlerResult>;

const HANDLERS: Record<Intent['kind'], Handler> = {
  'session.create': proposeSessionCreate as Handler,
  'session.destroy': proposeSessionDestroy as Handler,
  'session.list': proposeSessionRead as Handler,
  'session.info': proposeSessionRead as Handler,
  'session.logs': proposeSessionRead as Handler,
  'session.status_history': proposeSessionRead as Handler,
  'session.rename': proposeSessionRename as Handler,
  'session.interrupt': proposeSessionAction as Handler,
  'session.start_service': proposeSessionAction as Handler,
  'session.commit': proposeSessionAction as Handler,
  'session.restart': proposeSessionRestart as Handler,
  'session.files': proposeSessionAction as Handler,
  'session.execute': proposeSessionExecute as Handler,
  'folder.create': proposeFolderCreate as Handler,
  'folder.delete': proposeFolderTarget as Handler,
  'folder.purge': proposeFolderTarget as Handler,
  'folder.restore': proposeFolderTarget as Handler,
  'folder.info': proposeFolderTarget as Handler,
  'folder.files': proposeFolderTarget as Handler,
  'folder.leave': proposeFolderTarget as Handler,
  'folder.list': proposeFolderList as Handler,
  'folder.invitations': proposeFolderInvitations as Handler,
  'folder.update_options': proposeFolderOptions as Handler,
  'folder.clone': proposeFolderOptions as Handler,
  'folder.mkdir': proposeFolderMkdir as Handler,
  'folder.rename': proposeFolderRename as Handler,
  'folder.share': proposeFolderShare as Handler,
  'folder.delete_files': proposeFolderFileOp as Handler,
  'folder.download': proposeFolderFileOp as Handler,
  'project.list': proposeProjectList as Handler,
  'folder.rename_file': proposeFolderFileOp as Handler,
  'folder.move_file': proposeFolderFileOp as Handler,
  'resource.presets': proposeResource as Handler,
  'resource.remaining': proposeResource as Handler,
  'resource.groups': proposeResource as Handler,
  'resource.slots': proposeResource as Handler,
  'resource.usage': proposeResource as Handler,
  'resource.policy': proposeResource as Handler,
  'image.list': proposeImageList as Handler,
  'service.create': proposeServiceCreate as Handler,
  'service.list': proposeServiceList as Handler,
  'service.runtimes': proposeServiceList as Handler,
  'service.delete': proposeServiceTarget as Handler,
  'service.info': proposeServiceTarget as Handler,
  'service.scale': proposeServiceTarget as Handler,
  'service.token': proposeServiceTarget as Handler,
  'auth.whoami': proposeWhoami as Handler,
  'auth.update_name': proposeAccountName as Handler,
  'api.call': proposeApiCall as Handler,
};

/** Questions for values only the user can give, by intent and slot. */
function missingQuestion(p: ParsedIntent): string | undefined {
  const m = p.missing[0];
  if (!m) return undefined;
  if (m.startsWith('environ:')) {
    const name = m.slice('environ:'.length);
    return `What value should ${name} have? Add it as ${name}=VALUE (values of variables named *KEY*, *TOKEN*, *SECRET* are masked in the preview).`;
  }
  const k = p.intent.kind;
  const what: Record<string, string> = {
    name: k.startsWith('folder.') ? 'Which folder?' : k.startsWith('service.') ? 'Which service?' : 'Which name?',
    target: 'Which session?',
    newName: 'What should the new name be?',
    emails: 'Who should I share it with (e-mail addresses)?',
    modelFolder: 'Which model folder should be served?',
    path: 'Which path?',
    fullName: 'What should your display name be?',
    template: 'Your request does not say which session the new one should copy. Please give its image and amounts (e.g. "a pytorch session with 4 fGPU and 16 GB memory").',
  };
  return what[m] ?? `Please tell me the ${m}.`;
}

/** The question for words no rule read, quoting them; the request is not planned around them. */
export function unreadQuestion(unread: readonly UnreadWord[]): string {
  const quote = (ws: readonly UnreadWord[]): string => ws.map((w) => `"${w.text}"`).join(', ');
  const variables = unread.filter((w) => w.kind === 'variable');
  if (variables.length > 0) {
    return `${quote(variables)} ${variables.length === 1 ? 'looks like a variable' : 'look like variables'} that the shell did not expand: give the value${variables.length === 1 ? '' : 's'} instead (nothing was planned).`;
  }
  const limits = unread.filter((w) => w.kind === 'exception' || w.kind === 'filter' || w.kind === 'negation');
  if (limits.length > 0) {
    return `I could not tell what ${quote(limits)} should change in the plan, so I planned nothing. Please name exactly which ones to act on (or leave out), e.g. by their names.`;
  }
  return `I did not understand ${quote(unread)} in your request, so I planned nothing rather than guess. What should ${unread.length === 1 ? 'it' : 'they'} be — a name, an amount, a setting? Please say it another way (e.g. "named X", "with 2 fGPU").`;
}

/** The folders a bulk folder task acts on, and the preview's note of what was chosen and kept. */
export function chooseFolders(all: readonly FolderInfo[], kind: Intent['kind'], bulk: FolderBulk): { folders: FolderInfo[]; note: string } {
  const inTrash = (f: FolderInfo) => f.status.startsWith('delete-');
  // restore and purge act on what is in the trash; everything else on live folders the caller owns
  const pool = all.filter((f) => (kind === 'folder.restore' || kind === 'folder.purge' ? inTrash(f) : !inTrash(f) && f.ownershipType !== 'group'));
  const fits = (f: FolderInfo, filter: FolderFilter): boolean =>
    (filter.usageMode === undefined || f.usageMode === filter.usageMode) &&
    (filter.namePrefix === undefined || f.name.startsWith(filter.namePrefix)) &&
    (filter.nameContains === undefined || f.name.includes(filter.nameContains));
  const except = new Set(bulk.except ?? []);
  const folders = pool.filter((f) => !except.has(f.name) && (!bulk.filter || fits(f, bulk.filter)) && (!bulk.exceptFilter || !fits(f, bulk.exceptFilter)));
  const kept = pool.filter((f) => !folders.includes(f)).map((f) => f.name);
  const note = `folders chosen: ${folders.map((f) => f.name).join(', ') || 'none'}; kept: ${kept.join(', ') || 'none'}`;
  return { folders, note };
}

/** The list that answers a question about one thing of a kind that is not there. */
const LIST_FOR: Record<string, Intent['kind']> = { session: 'session.list', folder: 'folder.list', service: 'service.list' };

/** Slots the handlers can ask about better themselves (with the manager's current options). */
const HANDLER_ASKS = new Set(['name', 'target', 'modelFolder', 'newName', 'path']);

/** Server-sent event streams and websocket routes (`/events/session`, `/stream/session/{name}/pty`). */
const STREAMING_PATH = /^\/(?:events|stream)\//;

export interface OfflineProposerOptions {
  world: WorldView;
  defaults: PlannerDefaults;
  /** Minimum retrieval score for the read-only fallback when no intent was recognised. */
  fallbackMinScore?: number;
}

export class OfflineProposer implements Proposer {
  readonly kind = 'offline' as const;
  readonly model = null;
  private parsed?: { text: string; result: ParsedRequest };
  private readonly memos = new Map<string, unknown>();

  constructor(private readonly opts: OfflineProposerOptions) {}

  parse(text: string): ParsedRequest {
    if (this.parsed?.text !== text) this.parsed = { text, result: parseRequest(text) };
    return this.parsed.result;
  }

  /** What the offline reading did not understand (for the plan document and other planners). */
  understanding(request: string): { notUnderstood: string[]; suggestions: string[] } {
    const parsed = this.parse(request);
    return { notUnderstood: parsed.notUnderstood ?? [], suggestions: parsed.suggestions ?? [] };
  }

  async propose(ctx: ProposalContext): Promise<Proposal> {
    const parsed = this.parse(ctx.request);
    // the request cannot be read as written (structured notation with an unknown key, an unexpanded ${VAR}, …)
    if (parsed.question) return { candidates: [{ kind: 'clarify', question: parsed.question }] };
    if (parsed.intents.length === 0) return { candidates: this.fallback(ctx, parsed) };
    // never plan a change around words no rule read: ask about them instead
    const writes = parsed.intents.some((p) => !READ_INTENTS.has(p.intent.kind));
    if (writes && parsed.unread && parsed.unread.length > 0) return { candidates: [{ kind: 'clarify', question: unreadQuestion(parsed.unread) }] };

    for (let index = 0; index < parsed.intents.length; index++) {
      const p = parsed.intents[index]!;
      const mine = ctx.steps.filter((a) => a.candidate.meta?.intent === index);
      const unresolved = p.missing.filter((m) => !HANDLER_ASKS.has(m));
      if (unresolved.length > 0 && mine.length === 0) {
        return { candidates: [{ kind: 'clarify', question: missingQuestion({ ...p, missing: unresolved })! }] };
      }
      const rank = new Map(ctx.retrieved.map((r, i) => [r.operation.operationId, i]));
      const hctx: HandlerContext = {
        parsed: p,
        index,
        world: this.opts.world,
        catalog: ctx.catalog,
        defaults: ctx.defaults,
        steps: ctx.steps,
        mine,
        failed: ctx.failedSiblings,
        retrievalRank: (id) => rank.get(id) ?? Number.POSITIVE_INFINITY,
        memo: <T>(key: string, make: () => T): T => {
          if (!this.memos.has(key)) this.memos.set(key, make());
          return this.memos.get(key) as T;
        },
      };
      const bulk = (p.intent as { bulk?: FolderBulk }).bulk;
      let result = bulk
        ? await this.proposeBulk(hctx, p, bulk)
        : await HANDLERS[p.intent.kind](hctx as HandlerContext<ParsedIntent<never>>);
      // a question about something that is not there ("could I call it ckpt?"): the list answers it
      const list = p.inQuestion ? LIST_FOR[p.intent.kind.split('.')[0]!] : undefined;
      if (list && READ_INTENTS.has(p.intent.kind) && 'candidates' in result && result.candidates.every((c) => c.kind === 'clarify')) {
        result = await HANDLERS[list]({ ...hctx, parsed: { ...p, intent: { kind: list } as Intent } } as HandlerContext<ParsedIntent<never>>);
      }
      if ('done' in result) continue;
      // drop alternatives that already failed at this node
      const failed = new Set(ctx.failedSiblings.map((f) => JSON.stringify([f.candidate.operationId, f.candidate.pathParams, f.candidate.body])));
      const fresh = result.candidates.filter(
        (c) => c.kind !== 'call' || !failed.has(JSON.stringify([c.operationId, c.pathParams, c.body])),
      );
      return { candidates: fresh };
    }
    const served = parsed.intents.map((p) => p.intent.kind).join(', ');
    return { candidates: [{ kind: 'finish', reason: `planned: ${served}` }] };
  }

  /**
   * A folder task over several folders ("delete all my folders except models"): the folders are
   * chosen from the manager's list by the filter, and each gets the single-folder handler in turn.
   * The first call says which folders were chosen and which were kept; none chosen plans nothing.
   */
  private async proposeBulk(hctx: HandlerContext, p: ParsedIntent, bulk: FolderBulk): Promise<HandlerResult> {
    const chosen = chooseFolders(await hctx.world.folders(), p.intent.kind, bulk);
    for (const [k, folder] of chosen.folders.entries()) {
      const mine = hctx.mine.filter((a) => a.candidate.meta?.bulkItem === k);
      const intent = { ...p.intent, name: folder.name } as Intent & { bulk?: FolderBulk };
      delete intent.bulk;
      const result = await HANDLERS[p.intent.kind]({ ...hctx, mine, parsed: { ...p, intent } } as HandlerContext<ParsedIntent<never>>);
      if ('done' in result) continue;
      return {
        candidates: result.candidates.map((c) =>
          c.kind === 'call' ? { ...c, meta: { ...(c.meta ?? {}), bulkItem: k }, ...(k === 0 && mine.length === 0 ? { assumptions: [...(c.assumptions ?? []), chosen.note] } : {}) } : c,
        ),
      };
    }
    return { done: true };
  }

  /**
   * No intent recognised. Not a Backend.AI request → refuse. Otherwise, if retrieval is
   * confident about a read-only operation that needs no arguments, propose it; else ask.
   */
  private fallback(ctx: ProposalContext, parsed: ParsedRequest): Candidate[] {
    if (parsed.refusal) return [{ kind: 'refuse', reason: parsed.refusal }];
    if (ctx.steps.length > 0) return [{ kind: 'finish', reason: 'answered by a read-only call' }];
    const min = this.opts.fallbackMinScore ?? 0;
    const reads = ctx.retrieved.filter(
      (r) =>
        r.score >= min &&
        r.operation.effect === 'read' &&
        // an event stream or terminal never ends: planning would wait on it forever
        !STREAMING_PATH.test(r.operation.path) &&
        r.operation.privilege !== 'superadmin' &&
        !r.operation.requestBodyRequired &&
        r.operation.parameters.every((p) => !p.required),
    );
    const top = reads[0];
    if (top && ctx.retrieved[0]?.operation.operationId === top.operation.operationId) {
      return [
        {
          kind: 'call',
          operationId: top.operation.operationId,
          reason: top.operation.summary || `call ${top.operation.operationId}`,
          assumptions: ['no specific intent recognised: answered with the best-matching read-only operation'],
          meta: { intent: -1 },
        },
      ];
    }
    return [
      {
        kind: 'clarify',
        question:
          "I couldn't tell what you want to do. Try e.g. \"create a session with 2 fGPU\", \"list my folders\", or \"terminate session NAME\".",
      },
    ];
  }
}
