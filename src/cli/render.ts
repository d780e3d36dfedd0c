/**
 * Text rendering for the terminal: the plan preview as a tree, execution progress lines, and the
 * final report. Pure functions returning strings; printing is the caller's job.
 */
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import type { ExecutionReport, ProgressEvent } from '../agent/execute.js';
import { humanBytes, parseBinarySize } from '../units.js';
import { undoLine } from '../planner/undo.js';

const SECRET_ENV = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

function short(v: unknown, max = 80): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The arguments worth showing for a step, as `key=value` pairs. */
export function keyArguments(step: PlanStep): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(step.pathParams)) out.push(`${k}=${short(refText(v))}`);
  for (const [k, v] of Object.entries(step.query)) if (v !== '' && v !== undefined) out.push(`?${k}=${short(refText(v))}`);
  const body = step.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const config = (b.config ?? {}) as Record<string, unknown>;
    for (const key of ['session_name', 'name', 'image', 'session_type', 'group', 'startup_command', 'cluster_size', 'cluster_mode', 'new_name', 'path', 'usage_mode', 'permission', 'perm', 'emails', 'runtime_variant', 'desired_session_count', 'to', 'duration', 'vfolderId', 'target_name', 'app', 'cloneable', 'src', 'dst', 'target_path', 'files', 'id', 'full_name', 'starts_at', 'bootstrap_script', 'dependencies', 'mode', 'code', 'image_name', 'image_visibility']) {
      // an empty `code` (a shell command goes in options.exec) says nothing
      if (key === 'code' && b.code === '' && b.options) continue;
      // a body field named like a path parameter (rename: session_name → session_name) is the new value
      if (b[key] !== undefined) out.push(`${key in step.pathParams ? 'new ' : ''}${key}=${short(refText(b[key]))}`);
    }
    const exec = (b.options as Record<string, unknown> | undefined)?.exec;
    if (typeof exec === 'string') out.push(`options.exec=${short(exec)}`);
    if (config.resources && typeof config.resources === 'object') {
      const r = Object.entries(config.resources as Record<string, unknown>).map(([k, v]) => `${k}: ${k === 'mem' ? humanBytes(parseBinarySize(v) ?? 0) : String(v)}`);
      out.push(`resources={${r.join(', ')}}`);
    }
    for (const key of ['scaling_group', 'scalingGroup', 'model', 'vfolder_subpath', 'model_definition_path', 'preopen_ports']) if (config[key] !== undefined) out.push(`${key}=${short(config[key])}`);
    if (Array.isArray(config.mounts)) out.push(`mounts=${config.mounts.join(',')}`);
    const shmem = (config.resource_opts as Record<string, unknown> | undefined)?.shmem;
    if (shmem !== undefined) out.push(`shmem=${String(shmem)}`);
    if (config.environ && typeof config.environ === 'object') {
      const env = Object.entries(config.environ as Record<string, unknown>).map(([k, v]) => `${k}=${SECRET_ENV.test(k) ? '***' : short(v, 30)}`);
      out.push(`environ={${env.join(', ')}}`);
    }
    if (b.open_to_public === true) out.push('open_to_public=true');
    if (b.filter !== undefined) out.push(`filter=${short(b.filter, 60)}`);
    if (typeof b.query === 'string') out.push(`graphql=${short(b.query.replace(/\s+/g, ' '), 60)}`);
  }
  return out;
}

function refText(v: unknown): unknown {
  if (v && typeof v === 'object' && '$from' in (v as Record<string, unknown>)) {
    const r = v as { $from: string; path: string };
    return `<${r.$from}.${r.path}>`;
  }
  return v;
}

function verdictText(step: PlanStep): string {
  if (step.effect === 'read') return 'read';
  const v = step.policy.verdict;
  return `write · ${v === 'allow' ? 'allowed by policy' : v === 'confirm' ? 'needs confirmation' : 'DENIED'}`;
}

export function renderPlan(plan: PlanDocument, opts: { attempt?: number; replanReason?: string } = {}): string {
  const lines: string[] = [];
  const planner = plan.planner.kind === 'llm' ? `LLM ${plan.planner.model ?? ''}`.trim() : 'offline planner';
  if (opts.attempt && opts.attempt > 1) lines.push(`Revised plan (attempt ${opts.attempt})${opts.replanReason ? `: ${opts.replanReason}` : ''}`);
  lines.push(`Plan for: "${plan.request}"`);
  lines.push(`  ${planner} · policy ${plan.policy.name} · ${plan.endpoint === 'sandbox' ? 'sandbox manager' : plan.endpoint}`);

  if (plan.outcome === 'needs_clarification') {
    lines.push('', `? ${plan.question ?? 'More information is needed.'}`);
    return lines.join('\n');
  }
  if (plan.outcome === 'refused') {
    lines.push('', `✗ Refused: ${plan.refusal ?? ''}`);
    return lines.join('\n');
  }
  if (plan.steps.length === 0) lines.push('', '  (nothing to do)');
  plan.steps.forEach((step, i) => {
    const last = i === plan.steps.length - 1;
    const branch = last ? '└─' : '├─';
    const pad = last ? '   ' : '│  ';
    lines.push(`${branch} ${step.id}  ${step.method} ${step.path}  [${step.operationId}]  ${verdictText(step)}`);
    lines.push(`${pad}   ${step.reason}`);
    const args = keyArguments(step);
    if (args.length) lines.push(`${pad}   ${args.join('  ')}`);
    for (const ref of step.refs) lines.push(`${pad}   uses ${ref.from}.${ref.path} for ${ref.at}`);
    if (step.wait) lines.push(`${pad}   then waits until ${step.wait.until} (up to ${step.wait.timeoutSeconds} s)`);
    if (step.observation) lines.push(`${pad}   → ${step.observation}`);
    if (step.effect === 'write' && step.policy.verdict !== 'confirm') lines.push(`${pad}   policy: ${step.policy.reason}`);
    if (step.destructive) lines.push(`${pad}   destructive: you will be asked to type a confirmation`);
    if (step.effect === 'write' && step.undo) lines.push(`${pad}   ${undoLine(step.undo)}`);
    for (const a of step.assumptions) lines.push(`${pad}   assumes: ${a}`);
  });
  const grounded = plan.grounding.map((e) => `${e.kind} ${e.name}${e.source === 'plan' ? ` (created by ${e.step})` : ''}`);
  if (grounded.length) lines.push('', `Checked on the manager: ${grounded.join('; ')}`);
  for (const sug of plan.suggestions ?? []) lines.push(`To do it rather than ask: bai-agent ${JSON.stringify(sug)}`);
  if (plan.notUnderstood?.length) lines.push(`Not understood (nothing was planned from these words): ${plan.notUnderstood.map((w) => `"${w}"`).join(', ')}`);
  const s = plan.search;
  lines.push(
    `Search: ${s.nodesExpanded} nodes, ${s.backtracks} backtrack${s.backtracks === 1 ? '' : 's'}` +
      (s.failures.length ? `, ${s.failures.length} rejected candidate${s.failures.length === 1 ? '' : 's'}` : '') +
      (s.llmCalls ? `, ${s.llmCalls} LLM calls, ${s.tokens.prompt + s.tokens.completion} tokens` : '') +
      `, ${s.elapsedMs} ms`,
  );
  for (const f of s.failures.slice(0, 5)) lines.push(`  ✗ ${f.candidate}: ${f.reason}`);
  return lines.join('\n');
}

export function renderProgress(e: ProgressEvent): string | undefined {
  switch (e.kind) {
    case 'step-start':
      return `→ ${e.step.id} ${e.step.method} ${e.step.path} …`;
    case 'step-done':
      return `✓ ${e.step.id} ${e.summary}`;
    case 'step-failed':
      return `✗ ${e.step.id} ${e.error}`;
    case 'recover':
      return `! ${e.step.id} ${e.message}`;
    case 'wait':
      return `  … session ${e.session}: ${e.status} (${(e.elapsedMs / 1000).toFixed(1)} s)`;
    case 'output':
      return e.text.replace(/\n$/, '') || undefined;
  }
}

/** Human summary of what ran. Read results are shown compactly (logs in full). */
export function renderExecution(report: ExecutionReport): string {
  const lines: string[] = [];
  for (const r of report.results) {
    if (r.status === 'failed') lines.push(`✗ ${r.id} ${r.operationId}: ${r.error}`);
  }
  for (const r of report.results) {
    if (r.status !== 'ok') continue;
    const shown = showData(r.operationId, r.data);
    if (shown) lines.push(shown);
  }
  const o = report.outputs;
  for (const s of o.sessions) lines.push(`Session ${s.name} (${s.id}) is ${s.status}.`);
  for (const f of o.folders) lines.push(`Folder ${f.name}${f.id ? ` (${f.id})` : ''} created.`);
  for (const s of o.services) lines.push(`Service ${s.name}${s.id ? ` (${s.id})` : ''}${s.endpoint ? ` at ${s.endpoint}` : ''} created.`);
  return lines.join('\n');
}

/** Render read results users ask for (listings, logs, info) readably. */
export function showData(operationId: string, data: unknown): string | undefined {
  if (data === null || data === undefined) return undefined;
  const d = data as Record<string, unknown>;
  const logs = (d.result as Record<string, unknown> | undefined)?.logs ?? (operationId.endsWith('get_logs') ? d.logs : undefined);
  if (typeof logs === 'string') return logs.trimEnd() || '(no log output yet)';
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
    return `Resource groups: ${(d.scaling_groups as Array<Record<string, unknown>>).map((g) => g.name).join(', ')}`;
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
  return JSON.stringify(data, null, 2);
}

function slotsText(v: unknown): string {
  if (!v || typeof v !== 'object') return '';
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${k}=${k === 'mem' ? humanBytes(parseBinarySize(x) ?? Number(x)) : String(x)}`)
    .join(' ');
}

function renderCheckPresets(d: Record<string, unknown>): string {
  const lines: string[] = [];
  lines.push(`Your remaining quota: ${slotsText(d.keypair_remaining)}`);
  const groups = (d.scaling_groups ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, g] of Object.entries(groups)) lines.push(`Free in ${name}: ${slotsText(g.available)} (in use: ${slotsText(g.occupied)})`);
  if (Array.isArray(d.presets)) {
    lines.push(
      table(['PRESET', 'FITS NOW', 'RESOURCES'], (d.presets as Array<Record<string, unknown>>).map((p) => [p.name, p.allocatable ? 'yes' : 'no', slotsText(p.resource_slots)])),
    );
  }
  return lines.join('\n');
}

function table(head: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '' : String(c))));
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(head), ...cells.map(fmt)].join('\n');
}
