/**
 * A plan as Markdown, for a pull-request comment (`plan --format markdown`): the requests, each
 * step with its call, arguments, policy verdict and undo, the assumptions, what was checked on the
 * manager, and the outcome. Everything in a plan may come from untrusted text (the request, names
 * and descriptions the manager returned, an LLM's reasons), so nothing is pasted raw: prose is
 * escaped, values go in code spans, and `@` cannot mention anyone.
 */
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import { shown, undoLine } from '../planner/undo.js';

/** Escape prose for Markdown: no HTML, no emphasis or links, no table breaks, no mentions. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]{}()#+!|~])/g, '\\$1')
    .replace(/^([-=])/, '\\$1')
    .replace(/^(\d+)\./, '$1\\.')
    // a zero-width space after @ keeps GitHub from turning "@team" into a mention
    .replace(/@/g, '@\u200b');
}

/** A value in a code span: a fence longer than any run of backticks inside it, on one line. */
export function code(value: string): string {
  const text = value.replace(/\r?\n|\r/g, ' ').replace(/\|/g, '\u2502'); // a pipe would end a table cell even in code
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function short(v: string, max = 120): string {
  return v.length > max ? `${v.slice(0, max - 1)}…` : v;
}

/** A value as compact JSON, step references as `<s1.sessionId>`. */
function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && '$from' in x ? shown(x) : x));
}

/** The arguments of a step as `name=value` code spans (top-level body fields each). */
function args(step: PlanStep): string {
  const out: string[] = [];
  for (const [k, v] of Object.entries(step.pathParams)) out.push(code(`${k}=${short(shown(v))}`));
  for (const [k, v] of Object.entries(step.query)) if (v !== '' && v !== undefined) out.push(code(`?${k}=${short(shown(v))}`));
  const body = step.body;
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) if (v !== undefined) out.push(code(`${k}=${short(valueText(v))}`));
  } else if (body !== undefined) out.push(code(short(valueText(body))));
  return out.join(' ') || '—';
}

function verdict(step: PlanStep): string {
  if (step.effect === 'read') return 'read';
  const v = step.policy.verdict;
  const word = v === 'allow' ? '✅ allowed' : v === 'confirm' ? '⚠️ needs confirmation' : '⛔ denied';
  return `${word}${step.destructive ? ' · destructive' : ''}`;
}

function undoCell(step: PlanStep): string {
  if (step.effect !== 'write') return '';
  if (!step.undo) return 'not computed';
  return escapeMarkdown(undoLine(step.undo));
}

export function renderMarkdown(plan: PlanDocument): string {
  const lines: string[] = [];
  const writes = plan.steps.filter((s) => s.effect === 'write');
  lines.push('### bai-agent plan');
  lines.push('');
  const requests = plan.requests?.map((r) => r.request) ?? [plan.request];
  if (requests.length === 1) lines.push(`**Request:** ${escapeMarkdown(requests[0]!)}`);
  else {
    lines.push('**Requests:**');
    requests.forEach((r, i) => lines.push(`${i + 1}. ${escapeMarkdown(r)}`));
  }
  lines.push('');
  const planner = plan.planner.kind === 'llm' ? `LLM ${plan.planner.model ?? ''}`.trim() : 'offline planner';
  lines.push(
    `${escapeMarkdown(planner)} · policy ${code(plan.policy.name)} · manager ${code(plan.endpoint)} · spec ${code(`${plan.spec.version} ${plan.spec.sha256.slice(0, 12)}`)} · ${plan.steps.length} step${plan.steps.length === 1 ? '' : 's'}, ${writes.length} write${writes.length === 1 ? '' : 's'}`,
  );
  lines.push('');
  if (plan.outcome === 'needs_clarification') {
    lines.push(`> ❓ **Needs clarification:** ${escapeMarkdown(plan.question ?? 'more information is needed')}`);
    lines.push('');
  } else if (plan.outcome === 'refused') {
    lines.push(`> ⛔ **Refused:** ${escapeMarkdown(plan.refusal ?? '')}`);
    lines.push('');
  }
  if (plan.steps.length > 0) {
    const requestOf = new Map<string, number>();
    plan.requests?.forEach((r, i) => r.steps.forEach((id) => requestOf.set(id, i + 1)));
    const byRequest = requestOf.size > 0 && requests.length > 1;
    lines.push(`| step |${byRequest ? ' request |' : ''} call | what | arguments | policy | undo |`);
    lines.push(`|---|${byRequest ? '---|' : ''}---|---|---|---|---|`);
    for (const s of plan.steps) {
      const refs = s.refs.map((r) => ` (uses ${code(`${r.from}.${r.path}`)})`).join('');
      lines.push(
        `| ${s.id} |${byRequest ? ` ${requestOf.get(s.id) ?? ''} |` : ''} ${code(`${s.method} ${s.path}`)}<br>${code(s.operationId)} | ${escapeMarkdown(s.reason)}${refs} | ${args(s)} | ${verdict(s)}${s.effect === 'write' && s.policy.verdict !== 'confirm' ? `<br>${escapeMarkdown(s.policy.reason)}` : ''} | ${undoCell(s)} |`,
      );
    }
    lines.push('');
  } else if (plan.outcome === 'planned') {
    lines.push('Nothing to do.');
    lines.push('');
  }
  for (const sug of plan.suggestions ?? []) lines.push(`To do it rather than ask: ${code(`bai-agent ${JSON.stringify(sug)}`)}`, '');
  if (plan.notUnderstood?.length) lines.push(`**Not understood** (nothing was planned from these words): ${plan.notUnderstood.map((w) => code(w)).join(', ')}`, '');
  if (plan.assumptions.length > 0) {
    lines.push('**Assumptions**');
    lines.push('');
    for (const a of plan.assumptions) lines.push(`- ${escapeMarkdown(a)}`);
    lines.push('');
  }
  if (plan.grounding.length > 0) {
    const checked = plan.grounding.map((e) => `${e.kind} ${code(e.name)}${e.source === 'plan' ? ` (created by ${e.step ?? 'the plan'})` : ''}`);
    lines.push(`**Checked on the manager:** ${checked.join(', ')}`);
    lines.push('');
  }
  if (writes.length > 0 && plan.outcome === 'planned') {
    const irreversible = writes.filter((s) => s.undo?.kind === 'irreversible').map((s) => s.id);
    lines.push(
      irreversible.length > 0
        ? `Applying this plan cannot be fully undone (${irreversible.join(', ')}): check those steps.`
        : `Every write can be undone after it is applied: \`bai-agent undo RUN_ID\`.`,
    );
    lines.push('');
  }
  lines.push(`<sub>plan ${code(plan.createdAt)} · applying re-checks the spec and every entity the plan names: it is refused if the manager changed since this review.</sub>`);
  return `${lines.join('\n')}\n`;
}
