/**
 * Text rendering for the terminal: the plan preview as a tree, execution progress lines, and the
 * final report. Pure functions returning strings; printing is the caller's job (Output).
 *
 * Everything that came from outside — the request, the planner's words, names and messages from
 * the manager, anything in a plan file — goes through `safeText`/`safeBlock` here, so it can never
 * move the cursor, clear the screen or set the clipboard. What a step *is* (write or read,
 * destructive, its method and path) is taken from the operation (step-nature), not from the plan.
 */
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import { isStepValueRef } from '../planner/plan.js';
import type { ExecutionReport, ProgressEvent, StepResult } from '../agent/execute.js';
import type { Catalog } from '../spec/types.js';
import { humanBytes, parseBinarySize } from '../units.js';
import { undoLine } from '../planner/undo.js';
import { stepNature } from './step-nature.js';
import { safeBlock, safeText, style, wrapText } from './terminal-text.js';

const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;
/** Body fields that carry a secret (an access key or an owner's e-mail is an identity, shown). */
const SECRET_FIELD = /(secret|token|password|passwd|credential|private_key|api_key)/i;
/** A value shown bare when it has nothing that could blur where it ends; quoted otherwise. */
const BARE = /^[A-Za-z0-9_.:/@+%=-]+$/;
/** Reads are shown compactly (a long GraphQL read query); writes never are. */
const READ_VALUE_MAX = 100;

function refText(v: unknown): string {
  return isStepValueRef(v) ? `<${v.$from}.${v.path}>` : '';
}

/** One value, whole: strings bare or quoted, lists and small objects inline, refs as <s1.path>. */
function valueText(v: unknown, secretKey = false): string {
  if (secretKey) return '***';
  if (isStepValueRef(v)) return refText(v);
  if (typeof v === 'string') return BARE.test(v) ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => valueText(x)).join(', ')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${k}: ${valueText(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

/** Objects whose members are objects are shown member by member (`config.resources=…`). */
function flatten(prefix: string, v: unknown, out: Array<[string, unknown]>): void {
  if (v && typeof v === 'object' && !Array.isArray(v) && !isStepValueRef(v)) {
    const entries = Object.entries(v as Record<string, unknown>);
    const nested = entries.some(([, x]) => x && typeof x === 'object' && !isStepValueRef(x) && !Array.isArray(x));
    if (nested || prefix === '') {
      for (const [k, x] of entries) flatten(prefix ? `${prefix}.${k}` : k, x, out);
      return;
    }
  }
  if (v !== undefined) out.push([prefix, v]);
}

/**
 * Every argument of a step as `key=value` (path parameters, `?query`, body fields), in the order
 * they are sent. Nothing is left out or cut for a write — commands, scripts, mounts, URLs and
 * owners are shown whole; secret-looking variables are masked. Safe to print.
 */
export function keyArguments(step: PlanStep, opts: { write?: boolean } = {}): string[] {
  // without the caller's derivation, everything is shown in full (as for a write)
  const write = opts.write ?? true;
  const out: string[] = [];
  const fit = (s: string): string => (write || s.length <= READ_VALUE_MAX ? s : `${s.slice(0, READ_VALUE_MAX - 1)}…`);
  for (const [k, v] of Object.entries(step.pathParams)) out.push(`${safeText(k)}=${safeText(fit(valueText(v)))}`);
  for (const [k, v] of Object.entries(step.query)) if (v !== '' && v !== undefined) out.push(`?${safeText(k)}=${safeText(fit(valueText(v)))}`);
  if (step.body !== undefined && step.body !== null) {
    const fields: Array<[string, unknown]> = [];
    if (typeof step.body === 'object' && !Array.isArray(step.body)) flatten('', step.body, fields);
    else fields.push(['body', step.body]);
    for (const [key, v] of fields) {
      const leaf = key.split('.').pop() ?? key;
      // a body field named like a path parameter (rename: session_name → session_name) is the new value
      const label = key in step.pathParams ? `new ${key}` : key;
      let text: string;
      if (/(^|\.)environ$/.test(key) && v && typeof v === 'object') {
        text = `{${Object.entries(v as Record<string, unknown>).map(([name, x]) => `${name}=${valueText(x, SECRET_ENV.test(name))}`).join(', ')}}`;
      } else if (leaf === 'query' && typeof v === 'string') {
        text = valueText(v.replace(/\s+/g, ' ').trim());
      } else {
        text = valueText(v, SECRET_FIELD.test(leaf) && typeof v === 'string');
      }
      out.push(`${safeText(label)}=${safeText(fit(text))}`);
    }

  }
  return out;
}

/** Pack `key=value` items into lines of at most `width` columns; an item is never split. */
function packLines(items: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of items) {
    if (line && line.length + 2 + item.length > width) {
      lines.push(line);
      line = item;
    } else line = line ? `${line}  ${item}` : item;
  }
  if (line) lines.push(line);
  return lines;
}

/** Who plans: the offline planner, an LLM, or the hybrid of both (with which one made this plan). */
function plannerText(plan: PlanDocument): string {
  const { kind, model } = plan.planner;
  if (kind === 'llm') return `LLM ${safeText(model ?? '')}`.trim();
  if (kind === 'offline') return 'offline planner';
  const route = plan.search.route;
  const used = route ? (route.planner === 'offline' ? `planned offline (${safeText(route.why)})` : `asked LLM ${safeText(model ?? '')} (${safeText(route.why)})`) : `LLM ${safeText(model ?? '')}`;
  return `hybrid planner: ${used}`;
}

/** Which planner made a step, when more than one could have (display only: every step is checked alike). */
function byWhom(plan: PlanDocument, step: PlanStep): string {
  if (plan.planner.kind !== 'hybrid' || !step.planner) return '';
  return step.planner === 'llm' ? ' · by LLM' : ' · by offline planner';
}

function verdictText(step: PlanStep, write: boolean): string {
  if (!write) return style('dim', 'read');
  const v = step.policy.verdict;
  if (v === 'deny') return style('red', 'write · DENIED');
  return style('yellow', `write · ${v === 'allow' ? 'allowed by policy' : 'needs confirmation'}`);
}

export interface RenderPlanOptions {
  attempt?: number;
  replanReason?: string;
  /** The catalog the plan runs against: method, path and effect are taken from it. */
  catalog?: Catalog;
  /** Columns to wrap arguments at (default 100). */
  width?: number;
  /** The question or refusal is printed (or asked) by the caller: leave it out here. */
  outcomeShownSeparately?: boolean;
}

export function renderPlan(plan: PlanDocument, opts: RenderPlanOptions = {}): string {
  const lines: string[] = [];
  const width = Math.max(60, Math.min(opts.width ?? 100, 160));
  const planner = plannerText(plan);
  if (opts.attempt && opts.attempt > 1) lines.push(style('bold', `Revised plan (attempt ${opts.attempt})${opts.replanReason ? `: ${safeText(opts.replanReason)}` : ''}`));
  lines.push(style('bold', `Plan for: "${safeText(plan.request)}"`));
  lines.push(`  ${planner} · policy ${safeText(plan.policy.name)} · ${plan.endpoint === 'sandbox' ? 'sandbox manager' : safeText(plan.endpoint)}`);

  if (plan.outcome === 'needs_clarification') {
    if (!opts.outcomeShownSeparately) lines.push('', `? ${safeText(plan.question ?? 'More information is needed.')}`);
    return lines.join('\n');
  }
  if (plan.outcome === 'refused') {
    if (!opts.outcomeShownSeparately) lines.push('', style('red', `✗ Refused: ${safeText(plan.refusal ?? '')}`));
    return lines.join('\n');
  }
  if (plan.steps.length === 0) lines.push('', '  (nothing to do)');
  plan.steps.forEach((step, i) => {
    const nature = stepNature(step, plan, opts.catalog);
    const last = i === plan.steps.length - 1;
    const branch = last ? '└─' : '├─';
    const pad = last ? '   ' : '│  ';
    const head = `${step.id}  ${nature.method} ${safeText(nature.target)}  [${safeText(step.operationId)}]`;
    const headStyled = nature.destructive ? style('red', head) : nature.write ? style('bold', head) : head;
    lines.push(`${branch} ${headStyled}  ${verdictText(step, nature.write)}${byWhom(plan, step)}`);
    // long sentences wrap under their own indent; continuation lines are indented a little more
    const say = (text: string, styleName?: 'yellow' | 'red'): void => {
      wrapText(text, width - pad.length - 5).forEach((l, n) => {
        const line = `${pad}   ${n ? '  ' : ''}${l}`;
        lines.push(styleName ? style(styleName, line) : line);
      });
    };
    say(safeText(step.reason));
    for (const l of packLines(keyArguments(step, { write: nature.write }), width - pad.length - 3)) lines.push(`${pad}   ${l}`);
    for (const ref of step.refs) lines.push(`${pad}   uses ${safeText(ref.from)}.${safeText(ref.path)} for ${safeText(ref.at)}${ref.value !== undefined ? ` = ${safeText(JSON.stringify(ref.value))}` : ''}`);
    if (step.wait) lines.push(`${pad}   then waits until ${step.wait.until} (up to ${formatSeconds(step.wait.timeoutSeconds)})`);
    if (step.observation) lines.push(`${pad}   → ${safeText(step.observation)}`);
    if (nature.write && step.policy.verdict !== 'confirm') lines.push(`${pad}   policy: ${safeText(step.policy.reason)}`);
    if (nature.destructive) lines.push(`${pad}   ${style('red', 'destructive: you will be asked to type what it deletes')}`);
    for (const w of step.warnings ?? []) say(`! ${safeText(w)}`, 'yellow');
    if (nature.write && step.undo) say(safeText(undoLine(step.undo)));
    for (const a of step.assumptions) say(`assumes: ${safeText(a)}`);
  });
  const grounded = plan.grounding.map((e) => `${e.kind} ${safeText(e.name)}${e.source === 'plan' ? ` (created by ${safeText(e.step)})` : ''}`);
  if (grounded.length) {
    lines.push('');
    wrapText(`Checked on the manager: ${grounded.join('; ')}`, width - 2).forEach((l, n) => lines.push(`${n ? '  ' : ''}${l}`));
  }
  for (const sug of plan.suggestions ?? []) lines.push(`To do it rather than ask: bai-agent ${safeText(JSON.stringify(sug))}`);
  if (plan.notUnderstood?.length) lines.push(`Not understood (nothing was planned from these words): ${plan.notUnderstood.map((w) => `"${safeText(w)}"`).join(', ')}`);
  const s = plan.search;
  lines.push(
    style(
      'dim',
      `Search: ${s.nodesExpanded} nodes, ${s.backtracks} backtrack${s.backtracks === 1 ? '' : 's'}` +
        (s.failures.length ? `, ${s.failures.length} rejected candidate${s.failures.length === 1 ? '' : 's'}` : '') +
        (s.llmCalls ? `, ${s.llmCalls} LLM calls, ${s.tokens.prompt + s.tokens.completion} tokens` : '') +
        `, ${s.elapsedMs} ms`,
    ),
  );
  for (const f of s.failures.slice(0, 5)) lines.push(style('dim', `  ✗ ${safeText(f.candidate)}: ${safeText(f.reason)}`));
  return lines.join('\n');
}

/** `600 s`, `1.5 s`: seconds as given, never rounded into another number. */
export function formatSeconds(seconds: number): string {
  return `${Number.isInteger(seconds) ? seconds : Number(seconds.toFixed(3))} s`;
}

/** A progress event as one line (waits are drawn by cli/progress.ts instead). */
export function renderProgress(e: ProgressEvent): string | undefined {
  switch (e.kind) {
    case 'step-start':
      return `→ ${e.step.id} ${e.step.method} ${safeText(e.step.path)} …`;
    case 'step-done':
      return style('green', `✓ ${e.step.id} ${safeText(e.summary)}`);
    case 'step-failed':
      // the error itself is printed once, at the end (run.ts)
      return style('red', `✗ ${e.step.id} failed`);
    case 'recover':
      return style('yellow', `! ${e.step.id} ${safeText(e.message)}`);
    case 'wait':
      return `  … session ${safeText(e.session)}: ${safeText(e.status)}${e.statusInfo ? ` (${safeText(e.statusInfo)})` : ''} (${(e.elapsedMs / 1000).toFixed(1)} s)`;
    case 'output':
      return safeText(e.text.replace(/\n$/, '')) || undefined;
  }
}

export interface RenderExecutionOptions {
  /** -v: also the manager's response bodies of writes. */
  verbose?: boolean;
  catalog?: Catalog;
  /** Session logs are printed by the caller (raw, under --raw-logs). */
  skipLogs?: boolean;
}

/**
 * What ran, for stdout: the data of reads the user asked for (listings, logs, details) and one
 * sentence per write. Failures are not repeated here (the caller prints the error once).
 * Session logs are returned separately so the caller can print them raw when asked.
 */
export function renderExecution(report: ExecutionReport, plan: PlanDocument, opts: RenderExecutionOptions = {}): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status !== 'ok') continue;
    const step = plan.steps.find((s) => s.id === r.id);
    const write = step ? stepNature(step, plan, opts.catalog).write : false;
    if (!write) {
      if (opts.skipLogs && sessionLogs(r.operationId, r.data) !== undefined) continue;
      const shown = showData(r.operationId, r.data);
      if (shown) lines.push(shown);
      continue;
    }
    lines.push(doneSentence(step!, r, report, plan));
    if (opts.verbose && r.data !== undefined && r.data !== null) lines.push(safeBlock(JSON.stringify(r.data, null, 2)));
  }
  return lines.join('\n');
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The name the plan knows for an id (grounding), else the value itself. */
function nameOf(plan: PlanDocument, kind: string, value: unknown): string {
  const v = String(value ?? '');
  const hit = plan.grounding.find((g) => g.kind === kind && (g.id === v || g.name === v));
  return safeText(hit?.name ?? v);
}

/** One sentence saying what a write did, in the user's terms. */
export function doneSentence(step: PlanStep, r: StepResult, report: ExecutionReport, plan: PlanDocument): string {
  const body = obj(step.body);
  const data = obj(r.data);
  const p = step.pathParams;
  switch (step.operationId) {
    case 'session.create_from_params':
    case 'session.create_from_params.2': {
      const s = report.outputs.sessions.find((x) => x.name === (body.session_name ?? body.name)) ?? report.outputs.sessions[0];
      const status = s?.status || String(data.status ?? '');
      if (!s) return 'Session created.';
      const queued = status === 'PENDING' && !step.wait ? ` It starts when there is room; see how it is doing with: bai-agent "show the status of session ${safeText(s.name)}"` : '';
      return `Session ${safeText(s.name)} (${safeText(s.id)}) is ${safeText(status)}.${queued}`;
    }
    case 'session.destroy':
      return `Session ${nameOf(plan, 'session', p.session_name)} is terminating${step.wait?.until === 'TERMINATED' ? ' and has ended' : ''}.`;
    case 'v2/sessions.terminate': {
      const ids = Array.isArray(body.session_ids) ? body.session_ids : [];
      return `Terminating ${ids.length === 1 ? 'session' : `${ids.length} sessions:`} ${ids.map((id) => nameOf(plan, 'session', id)).join(', ')}.`;
    }
    case 'session.rename_session':
      return `Session ${nameOf(plan, 'session', p.session_name)} renamed to ${safeText(body.session_name ?? body.name)}.`;
    case 'folders.create': {
      const f = report.outputs.folders.find((x) => x.name === body.name) ?? report.outputs.folders[0];
      return `Folder ${safeText(f?.name ?? body.name)} created${f?.id ? ` (${safeText(f.id)})` : ''}.`;
    }
    case 'folders.delete_by_name':
    case 'folders.delete_by_id':
      return `Folder ${nameOf(plan, 'folder', p.name ?? body.vfolderId ?? body.id)} moved to the trash bin (restore it with: bai-agent "restore the folder ${nameOf(plan, 'folder', p.name ?? body.vfolderId ?? body.id)}").`;
    case 'folders.delete_from_trash_bin':
    case 'folders.purge':
      return `Folder ${nameOf(plan, 'folder', body.id ?? body.vfolderId ?? p.name)} deleted permanently.`;
    case 'folders.restore':
      return `Folder ${nameOf(plan, 'folder', body.id ?? body.vfolderId ?? p.name)} restored from the trash bin.`;
    case 'folders.rename_vfolder':
      return `Folder ${nameOf(plan, 'folder', p.name)} renamed to ${safeText(body.new_name)}.`;
    case 'services.create': {
      const s = report.outputs.services[0];
      return `Model service ${safeText(s?.name ?? body.name)} created${s?.id ? ` (${safeText(s.id)})` : ''}${s?.endpoint ? ` at ${safeText(s.endpoint)}` : ''}.`;
    }
    case 'services.delete':
      return `Model service ${nameOf(plan, 'service', p.service_id)} deleted.`;
    default:
      return `Done: ${safeText(step.reason)}.`;
  }
}

/** Render read results users ask for (listings, logs, info) readably. Safe to print. */
export function showData(operationId: string, data: unknown): string | undefined {
  if (data === null || data === undefined) return undefined;
  const logs = sessionLogs(operationId, data);
  if (logs !== undefined) return safeBlock(logs.trimEnd()) || '(no log output yet)';
  const d = data as Record<string, unknown>;
  if (operationId === 'v2/sessions.my_search' && Array.isArray(d.items)) {
    if (d.items.length === 0) return 'No sessions.';
    return table(
      ['NAME', 'STATUS', 'TYPE', 'RESOURCE GROUP', 'ID'],
      d.items.map((i) => {
        const it = i as Record<string, Record<string, unknown>>;
        return [it.metadata?.name, it.lifecycle?.status, it.metadata?.session_type, it.resource?.resource_group_name, (i as Record<string, unknown>).id];
      }),
    );
  }
  if (operationId === 'folders.list_folders' && Array.isArray(data)) {
    if (data.length === 0) return 'No folders.';
    return table(['NAME', 'USAGE', 'PERM', 'STATUS', 'HOST', 'ID'], data.map((f) => {
      const x = f as Record<string, unknown>;
      return [x.name, x.usage_mode, x.permission, x.status, x.host, x.id];
    }));
  }
  if (operationId === 'folders.list_files' && Array.isArray(d.items)) {
    if (d.items.length === 0) return '(empty)';
    return table(['NAME', 'TYPE', 'SIZE'], d.items.map((f) => {
      const x = f as Record<string, unknown>;
      return [x.name, x.type, x.type === 'DIRECTORY' ? '' : humanBytes(Number(x.size ?? 0))];
    }));
  }
  if (operationId === 'scaling-groups.list_available_sgroups' && Array.isArray(d.scaling_groups)) {
    return `Resource groups: ${(d.scaling_groups as Array<Record<string, unknown>>).map((g) => safeText(g.name)).join(', ')}`;
  }
  if (operationId === 'resource.check_presets') return renderCheckPresets(d);
  if (operationId === 'session.execute' && d.result && typeof d.result === 'object') {
    // the console of a run in a session, then how it ended
    const r = d.result as Record<string, unknown>;
    const text = (Array.isArray(r.console) ? r.console : []).map((c) => (Array.isArray(c) && typeof c[1] === 'string' ? c[1] : '')).join('');
    return `${text.trimEnd()}${text.trim() ? '\n' : ''}(${String(r.status ?? 'finished')}${typeof r.exitCode === 'number' ? `, exit code ${r.exitCode}` : ''})`;
  }
  if (operationId === 'resource.list_presets' && Array.isArray(d.presets)) {
    return table(['PRESET', 'RESOURCES'], (d.presets as Array<Record<string, unknown>>).map((p) => [p.name, slotsText(p.resource_slots)]));
  }
  return safeBlock(JSON.stringify(data, null, 2));
}

/** The log text of a logs read, if this is one (printed raw only under --raw-logs). */
export function sessionLogs(operationId: string, data: unknown): string | undefined {
  const d = obj(data);
  const logs = obj(d.result).logs ?? (operationId.endsWith('get_logs') ? d.logs : undefined);
  return typeof logs === 'string' ? logs : undefined;
}

function slotsText(v: unknown): string {
  if (!v || typeof v !== 'object') return '';
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${safeText(k)}=${k === 'mem' ? humanBytes(parseBinarySize(x) ?? Number(x)) : safeText(x)}`)
    .join(' ');
}

function renderCheckPresets(d: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push(`Your remaining quota: ${slotsText(d.keypair_remaining)}`);
  const groups = (d.scaling_groups ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, g] of Object.entries(groups)) lines.push(`Free in ${safeText(name)}: ${slotsText(g.available)} (in use: ${slotsText(g.occupied)})`);
  if (Array.isArray(d.presets)) {
    lines.push(
      table(['PRESET', 'FITS NOW', 'RESOURCES'], (d.presets as Array<Record<string, unknown>>).map((p) => [p.name, p.allocatable ? 'yes' : 'no', slotsText(p.resource_slots)])),
    );
  }
  return lines.join('\n');
}

/** Columns of untrusted cells: each cell is one escaped line, so no name can add or hide a row. */
function table(head: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : safeText(c))));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(head), ...cells.map(fmt)].join('\n');
}
