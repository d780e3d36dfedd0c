/**
 * What an intent handler of the offline proposer works with: the parsed intent, the live world,
 * the steps already planned (its own and the others'), and helpers shared by all handlers.
 */
import type { Catalog } from '../../spec/types.js';
import type { AcceptedStep, Candidate, CallCandidate, FailedSibling, PlannerDefaults } from '../types.js';
import type { WorldView, FolderInfo, SessionInfo } from '../world.js';
import type { ParsedIntent } from './intents.js';
import { createdEntities, isUuid } from '../entities.js';

export interface HandlerContext<I extends ParsedIntent = ParsedIntent> {
  parsed: I;
  /** position of the intent in the request (links steps to intents via `meta.intent`) */
  index: number;
  world: WorldView;
  catalog: Catalog;
  defaults: PlannerDefaults;
  /** steps of this plan so far, in order */
  steps: AcceptedStep[];
  /** steps that served this intent so far */
  mine: AcceptedStep[];
  failed: FailedSibling[];
  /** rank of an operation in retrieval for this request (lower is better; Infinity if absent) */
  retrievalRank(operationId: string): number;
  /** a value generated once per planning run and intent (e.g. a session name suffix) */
  memo<T>(key: string, make: () => T): T;
}

export type HandlerResult = { done: true } | { candidates: Candidate[] };

export const done: HandlerResult = { done: true };
export const ask = (question: string): HandlerResult => ({ candidates: [{ kind: 'clarify', question }] });
export const calls = (...cands: Candidate[]): HandlerResult => ({ candidates: cands });

/** Keep only operations the catalog has, ordered by retrieval rank where the handler allows. */
export function available(ctx: HandlerContext, cands: CallCandidate[]): CallCandidate[] {
  return cands.filter((c) => ctx.catalog.has(c.operationId));
}

export function tagged(ctx: HandlerContext, cand: Omit<CallCandidate, 'kind'>, extra: Record<string, unknown> = {}): CallCandidate {
  return { kind: 'call', ...cand, meta: { ...(cand.meta ?? {}), intent: ctx.index, ...extra } };
}

/** List a directory inside a session's container (asked as a session task, or as "files in" a name that is a session). */
export function sessionFilesCall(ctx: HandlerContext, sessionName: unknown, label: string, path: string | undefined): CallCandidate {
  return tagged(ctx, {
    operationId: 'session.list_files',
    pathParams: { session_name: sessionName },
    query: { path: path ?? '.' },
    reason: `files in ${path ?? 'the work directory'} of ${label}'s container`,
  });
}

/** Folder names created by earlier steps of this plan. */
export function plannedNames(ctx: HandlerContext, kind: 'folder' | 'session' | 'service'): string[] {
  return ctx.steps.flatMap((a) => createdEntities(a.step).filter((e) => e.kind === kind).map((e) => e.name));
}

/** Damerau-free Levenshtein distance, for "did you mean" suggestions on names. */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (Math.abs(m - n) > 3) return 99;
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[n]!;
}

/**
 * Find a named thing: exact, then case-insensitive, then a unique close match (typo). A request in
 * structured notation (a command line, key=value pairs) names things exactly: `exactOnly`.
 */
export function findByName<T extends { name: string; id?: string }>(
  items: T[],
  mention: string,
  opts: { exactOnly?: boolean } = {},
): { item: T; exact: boolean } | undefined {
  // ids match with or without dashes (folders are listed with hex ids, users paste dashed UUIDs)
  const bare = (s: string): string => s.replace(/-/g, '').toLowerCase();
  const byId = isUuid(mention);
  const exact = items.find((i) => i.name === mention || i.id === mention || (byId && i.id !== undefined && bare(i.id) === bare(mention)));
  if (exact) return { item: exact, exact: true };
  if (opts.exactOnly) return undefined;
  const lower = mention.toLowerCase();
  const ci = items.filter((i) => i.name.toLowerCase() === lower);
  if (ci.length === 1) return { item: ci[0]!, exact: false };
  // a typo never changes a number: train-job-99 is another session than train-job-1
  const close = items.filter((i) => editDistance(i.name.toLowerCase(), lower) <= (lower.length > 5 ? 2 : 1) && numbersOf(i.name) === numbersOf(mention));
  if (close.length === 1) return { item: close[0]!, exact: false };
  return undefined;
}

const numbersOf = (s: string): string => (s.match(/\d+/g) ?? []).join(',');

export function listNames(items: Array<{ name: string }>, max = 8): string {
  if (items.length === 0) return 'none';
  const names = items.slice(0, max).map((i) => i.name);
  return names.join(', ') + (items.length > max ? `, … (${items.length} in all)` : '');
}

export function usableFolders(folders: FolderInfo[]): FolderInfo[] {
  return folders.filter((f) => !f.status.startsWith('delete-'));
}

export function liveSessions(sessions: SessionInfo[]): SessionInfo[] {
  return sessions.filter((s) => !['TERMINATED', 'CANCELLED', 'ERROR', 'TERMINATING'].includes(s.status));
}

/** Names in a structured request (a command line, key=value pairs) are matched exactly, never as typos. */
export function namesExactly(ctx: HandlerContext): { exactOnly: boolean } {
  const rule = ctx.parsed.rule;
  return { exactOnly: rule !== undefined && rule !== 'sentence+pairs' };
}
