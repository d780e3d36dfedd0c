/**
 * Turn a command's JSON document into an MCP tool result: a one-line summary for the model to
 * read, the document itself as `structuredContent` (and serialised in a second text block, for
 * clients that ignore structured content). `isError` mirrors the CLI: true exactly when
 * `bai-agent --json` would exit non-zero, and `structuredContent.exitCode` is that exit code.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { JsonCommandResult } from '../cli/json-command.js';
import { safeJson, safeText } from '../cli/terminal-text.js';

/** A line for a model to read: no control characters, and `<`/`>` escaped so text cannot pose as a tag. */
function forModel(text: string): string {
  return safeText(text).replace(/</g, '\\u003c').replace(/>/g, '\\u003e');
}

type Doc = Record<string, any>;

export function toToolResult(result: JsonCommandResult, summarise: (doc: Doc) => string): CallToolResult {
  const doc: Doc = { ...result.doc, exitCode: result.exitCode };
  const failed = result.exitCode !== 0;
  const summary = doc.error ? String(doc.error.message ?? 'failed') : summarise(doc);
  return {
    content: [
      { type: 'text', text: forModel(oneLine(summary)) },
      // names and logs from the manager stay data: no control characters, no tags a model could take for its own
      { type: 'text', text: safeJson(doc, 0, { forModel: true }) },
    ],
    structuredContent: doc,
    ...(failed ? { isError: true } : {}),
  };
}

/** A thrown error outside any command (e.g. unparseable arguments): one line, isError. */
export function errorResult(message: string, exitCode: number): CallToolResult {
  const doc = { ok: false, error: { kind: 'bad_input', message }, exitCode };
  return { content: [{ type: 'text', text: oneLine(message) }], structuredContent: doc, isError: true };
}

export function summarisePlan(doc: Doc): string {
  const plan = doc.plan as { steps?: Array<{ operationId: string; effect: string }> } | undefined;
  switch (doc.outcome) {
    case 'refused':
      return `refused: ${doc.refusal ?? 'not allowed'}`;
    case 'needs_clarification':
      return `needs clarification: ${doc.question ?? 'more information is needed'}`;
  }
  const steps = plan?.steps ?? [];
  const writes = steps.filter((s) => s.effect === 'write');
  if (writes.length === 0) {
    return `planned ${steps.length} read step(s) (${steps.map((s) => s.operationId).join(', ')}); their results are in plan.steps[].observation; nothing to apply`;
  }
  return (
    `planned ${steps.length} step(s) with ${writes.length} write(s): ${writes.map((s) => s.operationId).join(', ')}; nothing was written. ` +
    'Show the plan to the user; to run it, call apply with this plan and approve=true once they agree'
  );
}

export function summariseApply(doc: Doc): string {
  switch (doc.outcome) {
    case 'confirmation_required': {
      const targets: string[] = doc.typedConfirmation?.targets ?? [];
      return targets.length
        ? `confirmation required: the plan destroys ${targets.join(', ')}; nothing was written. Once the user agrees to exactly that, call apply again with approve=true and confirm=${JSON.stringify(targets)}`
        : 'confirmation required: the plan has writes that need approval, and approve was not true; nothing was written. Call apply again with approve=true once the user agrees';
    }
    case 'execution_failed':
      return `execution failed: ${doc.execution?.error ?? 'unknown error'}`;
    case 'refused':
      return `refused: ${doc.refusal ?? 'not allowed'}`;
    case 'needs_clarification':
      return `needs clarification: ${doc.question ?? 'more information is needed'}`;
  }
  const outputs = doc.execution?.outputs as
    | { sessions?: Array<{ name: string; id: string; status: string }>; folders?: Array<{ name: string; id?: string }>; services?: Array<{ name: string; id?: string }> }
    | undefined;
  const made = [
    ...(outputs?.sessions ?? []).map((s) => `session ${s.name} (${s.id}) ${s.status}`),
    ...(outputs?.folders ?? []).map((f) => `folder ${f.name}${f.id ? ` (${f.id})` : ''}`),
    ...(outputs?.services ?? []).map((s) => `service ${s.name}${s.id ? ` (${s.id})` : ''}`),
  ];
  const n = Array.isArray(doc.execution?.results) ? doc.execution.results.length : 0;
  return `executed ${n} step(s)${made.length ? `: ${made.join('; ')}` : ''}`;
}

export function summariseOperations(doc: Doc): string {
  // `ops search` lists `results[].operation…`, `ask` lists `operations[]`
  const ids: string[] = Array.isArray(doc.results)
    ? doc.results.map((r: { operationId: string }) => r.operationId)
    : Array.isArray(doc.operations)
      ? doc.operations.map((o: { operationId: string }) => o.operationId)
      : [];
  if (ids.length === 0) return 'no operation matches; try other words';
  return `${ids.length} operation(s), best first: ${ids.join(', ')}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
