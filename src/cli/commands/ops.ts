/**
 * `bai-agent ops search "<text>" [--k N]` and `bai-agent ops show <operationId>`: look through
 * the operation catalog the way the planner does (retrieval), and read one operation in full.
 */
import { BaiError, ExitCode } from '../../errors.js';
import type { Catalog } from '../../spec/types.js';
import type { OperationIndex, RetrievedOperation } from '../../retrieval/index.js';
import { describeOperation, formatExample, type FieldRow, type OperationDescription } from '../../retrieval/describe.js';
import { clientTermsLines } from '../../retrieval/client-terms.js';

/** The client source the command names were read from (specs/domain/client-commands.yaml). */
export const CLIENT_SOURCE = 'lablup/backend.ai c0032c472e';
import type { CommandContext } from '../main.js';
import { loadCommandCatalog } from '../connect.js';
import { safeText, wrapText } from '../terminal-text.js';

export interface SearchOptions {
  k?: string;
  /** Admin/superadmin operations compete on equal terms (they are down-weighted by default). */
  admin?: boolean;
  explain?: boolean;
}

/** The catalog from --spec and its retrieval index (cached on disk). */
export async function loadCatalogAndIndex(ctx: CommandContext): Promise<{ catalog: Catalog; index: OperationIndex }> {
  const catalog = await loadCommandCatalog(ctx);
  const { loadOperationIndex } = await import('../../retrieval/index.js');
  return { catalog, index: await loadOperationIndex(catalog) };
}

/**
 * The retriever for people-facing commands: hybrid (lexical + embeddings) when
 * BAI_AGENT_EMBEDDINGS_URL is set, else the lexical index. The embeddings module is only
 * imported when configured.
 */
export async function retrieverFor(ctx: CommandContext, index: OperationIndex): Promise<(q: string, o?: { k?: number; includePrivileged?: boolean }) => Promise<RetrievedOperation[]>> {
  if (!process.env.BAI_AGENT_EMBEDDINGS_URL) return async (q, o) => index.search(q, o);
  const { retrieverFor: hybrid } = await import('../../retrieval/embeddings.js');
  return hybrid(index, (m) => ctx.out.warn(m));
}

export function parseK(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new BaiError('--k must be an integer between 1 and 100', 'bad_input');
  return k;
}

/** The request text from commander's variadic argument; empty input is bad input. */
export function requestText(parts: unknown, what: string): string {
  const text = (Array.isArray(parts) ? parts.join(' ') : String(parts ?? '')).trim();
  if (!text) throw new BaiError(`give the ${what} to search for, e.g. bai-agent ops search "list my sessions"`, 'bad_input');
  return text;
}

export async function search(ctx: CommandContext, parts: string[], opts: SearchOptions): Promise<number> {
  const text = requestText(parts, 'text');
  const k = parseK(opts.k, 10);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  const searchOpts = { k, ...(opts.admin ? { includePrivileged: true } : {}) };
  const explained = index.explain(text, searchOpts);
  // --explain shows the lexical ranking it explains; otherwise hybrid search when configured
  const results: (RetrievedOperation & { prior?: number; matched?: Record<string, string[]> })[] = opts.explain
    ? explained.results
    : await (await retrieverFor(ctx, index))(text, searchOpts);
  if (ctx.out.json) {
    ctx.out.emitJson({
      query: text,
      spec: { title: catalog.title, version: catalog.version, sha256: catalog.sha256 },
      results: results.map((r, i) => ({
        rank: i + 1,
        operationId: r.operation.operationId,
        method: r.operation.method,
        path: r.operation.path,
        privilege: r.operation.privilege,
        effect: r.operation.effect,
        summary: r.operation.summary,
        score: r.score,
        ...(opts.explain ? { prior: r.prior, matched: r.matched } : {}),
      })),
    });
    return ExitCode.OK;
  }
  if (results.length === 0) {
    ctx.out.print(`no operation matches "${oneLine(text)}" in ${catalog.title} (${catalog.operations.length} operations)`);
    return ExitCode.OK;
  }
  const rows = results.map((r, i) => [
    String(i + 1),
    r.operation.operationId,
    `${r.operation.method} ${r.operation.path}`,
    r.operation.privilege,
    r.operation.effect,
    r.operation.summary,
  ]);
  ctx.out.print(table(['#', 'operationId', 'method path', 'privilege', 'effect', 'summary'], rows));
  if (opts.explain) {
    ctx.out.print('');
    ctx.out.print(`terms: ${[...explained.query.weights].map(([t, w]) => (w === 1 ? t : `${t}(${w})`)).join(' ')}`);
    if (explained.query.actions.size) ctx.out.print(`actions: ${[...explained.query.actions].join(', ')}`);
    for (const [i, r] of results.entries()) {
      const matched = Object.entries(r.matched ?? {}).map(([t, fields]) => `${t}:${fields.join('/')}`).join(' ');
      ctx.out.print(`${i + 1}. score ${r.score} prior ${r.prior}  ${matched}`);
    }
  }
  return ExitCode.OK;
}

export async function show(ctx: CommandContext, operationId: string): Promise<number> {
  const id = String(operationId ?? '').trim();
  if (!id) throw new BaiError('give an operationId, e.g. bai-agent ops show session.create_from_params', 'bad_input');
  const catalog = await loadCommandCatalog(ctx);
  const op = catalog.get(id);
  if (!op) {
    const { loadOperationIndex } = await import('../../retrieval/index.js');
    const suggestions = suggest(id, catalog, await loadOperationIndex(catalog));
    const hint = suggestions.length ? ` — did you mean ${suggestions.join(', ')}?` : '';
    throw new BaiError(`unknown operation "${oneLine(id)}"${hint}`, 'bad_input');
  }
  const d = describeOperation(op, catalog);
  if (ctx.out.json) {
    ctx.out.emitJson(d);
    return ExitCode.OK;
  }
  ctx.out.print(renderDescription(d));
  return ExitCode.OK;
}

/** Close operationIds: same words in another order, a typo, or what retrieval finds for the words. */
function suggest(id: string, catalog: Catalog, index: OperationIndex): string[] {
  const lower = id.toLowerCase();
  const out = new Set<string>();
  for (const op of catalog.operations) {
    if (out.size >= 3) break;
    const other = op.operationId.toLowerCase();
    if (other.includes(lower) || lower.includes(other) || editDistance(lower, other) <= 2) out.add(op.operationId);
  }
  for (const r of index.search(id.replace(/[._/-]+/g, ' '), { k: 3, includePrivileged: true })) {
    if (out.size >= 3) break;
    out.add(r.operation.operationId);
  }
  return [...out];
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export function renderDescription(d: OperationDescription): string {
  const lines: string[] = [];
  lines.push(`${d.operationId}   ${d.method} ${d.path}`);
  lines.push(`privilege ${d.privilege} · effect ${d.effect}${d.deprecated ? ' · deprecated' : ''}${d.tags.length ? ` · tags ${d.tags.join(', ')}` : ''}`);
  if (d.summary) lines.push('', d.summary);
  if (d.description && d.description !== d.summary) lines.push('', d.description.trim());
  if (d.parameters.length) {
    lines.push('', 'Parameters');
    lines.push(
      indent(
        table(
          ['name', 'in', 'type', 'required', 'default'],
          d.parameters.map((p) => [p.name, p.in, p.type, p.required ? 'yes' : '', fmt(p.default)]),
        ),
      ),
    );
  }
  if (d.body) {
    lines.push('', `Body${d.body.schema ? ` (${d.body.schema})` : ''}${d.body.required ? ', required' : ''}`);
    lines.push(d.body.fields.length ? indent(fieldTable(d.body.fields)) : '  (free-form JSON object)');
  }
  lines.push('', `Example request${d.example.source === 'synthesised' ? ' (required fields only)' : ''}`);
  if (d.example.summary) lines.push(`  # ${d.example.summary}`);
  lines.push(indent(formatExample(d.example)));
  const client = clientTermsLines(d.client);
  if (client.length) lines.push('', `In the Backend.AI client (${CLIENT_SOURCE})`, indent(client.join('\n')));
  return lines.join('\n');
}

export function fieldTable(fields: FieldRow[]): string {
  return table(
    ['field', 'type', 'required', 'default'],
    fields.map((f) => [f.name, f.type, f.required ? 'yes' : '', fmt(f.default)]),
  );
}

function fmt(v: unknown): string {
  return v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/**
 * Left-aligned columns that fit the terminal: when the rows are wider than it, the widest columns
 * are narrowed and their cells wrap onto more lines — nothing is cut, no column is lost. Output
 * that is not a terminal (a pipe, a file) is not wrapped.
 */
export function table(header: string[], rows: string[][], width: number = process.stdout.isTTY ? Math.max(40, process.stdout.columns || 100) : Infinity): string {
  // one line per cell: a spec given with --spec is untrusted text too
  const all = [header, ...rows].map((r) => header.map((_, c) => safeText(r[c] ?? '')));
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const gap = 2;
  const floor = header.map((h) => Math.max(6, h.length));
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  while (total() > width) {
    // narrow the widest column that can still give
    let widest = -1;
    for (let c = 0; c < widths.length; c++) if (widths[c]! > floor[c]! && (widest < 0 || widths[c]! > widths[widest]!)) widest = c;
    if (widest < 0) break;
    widths[widest]! -= 1;
  }
  const lines: string[] = [];
  for (const row of all) {
    const cells = row.map((cell, c) => wrapText(cell, widths[c]!));
    const height = Math.max(...cells.map((l) => l.length));
    for (let i = 0; i < height; i++) {
      lines.push(cells.map((l, c) => (c === cells.length - 1 ? (l[i] ?? '') : (l[i] ?? '').padEnd(widths[c]!))).join(' '.repeat(gap)).trimEnd());
    }
  }
  return lines.join('\n');
}
