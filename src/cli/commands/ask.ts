/**
 * `bai-agent ask "<question>"`: API question answering, as the original Backend.AI API helper
 * did — which operations answer the question, their parameters, and an example request. Nothing
 * is executed. With an LLM configured, a short written answer grounded in those operations only
 * is added (through the hook below, once the LLM client exists).
 */
import { ExitCode } from '../../errors.js';
import { describeOperation, formatExample, type OperationDescription } from '../../retrieval/describe.js';
import type { CommandContext } from '../main.js';
import { fieldTable, loadCatalogAndIndex, parseK, requestText, retrieverFor, table } from './ops.js';

export interface AskOptions {
  k?: string;
}

/** An operation as `ask` presents it: its description plus its retrieval score. */
export interface AnsweredOperation extends OperationDescription {
  score: number;
}

/**
 * Writes a short answer to the question from the given operations only (an LLM call). The LLM
 * client is not part of this module; `answerWriterFor` returns undefined until it is wired in.
 */
export type AnswerWriter = (question: string, operations: AnsweredOperation[], signal?: AbortSignal) => Promise<string>;

/**
 * HOOK for the LLM client: return a writer when `--llm`/BAI_AGENT_LLM configures a model.
 * Until then `ask` prints the operations without a written answer (and says so when an LLM
 * was asked for).
 */
export async function answerWriterFor(_ctx: CommandContext): Promise<AnswerWriter | undefined> {
  return undefined;
}

export async function run(ctx: CommandContext, parts: string[], opts: AskOptions): Promise<number> {
  const question = requestText(parts, 'question');
  const k = parseK(opts.k, 3);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  const retrieve = await retrieverFor(ctx, index);
  const operations: AnsweredOperation[] = (await retrieve(question, { k })).map((r) => ({
    ...describeOperation(r.operation, catalog),
    score: r.score,
  }));

  let answer: string | null = null;
  const llmWanted = Boolean(ctx.globals.llm ?? process.env.BAI_AGENT_LLM);
  const writer = operations.length ? await answerWriterFor(ctx) : undefined;
  if (writer) answer = await writer(question, operations);
  else if (llmWanted && !ctx.out.json) ctx.out.info('note: written answers need an LLM client, which is not available yet; showing the matching operations');

  if (ctx.out.json) {
    ctx.out.emitJson({ question, spec: { title: catalog.title, version: catalog.version }, answer, operations });
    return ExitCode.OK;
  }
  if (operations.length === 0) {
    ctx.out.print(`No Backend.AI operation matches that question. Try other words, or list operations with: bai-agent ops search "<words>"`);
    return ExitCode.OK;
  }
  const blocks: string[] = [];
  if (answer) blocks.push(answer.trim());
  blocks.push(
    `Operations that answer "${question.length > 80 ? `${question.slice(0, 77)}...` : question}":`,
  );
  for (const [i, op] of operations.entries()) blocks.push(renderAnswered(op, i + 1));
  blocks.push('More: bai-agent ops show <operationId>');
  ctx.out.print(blocks.join('\n\n'));
  return ExitCode.OK;
}

function renderAnswered(op: AnsweredOperation, rank: number): string {
  const lines = [`${rank}. ${op.operationId} — ${op.method} ${op.path}  (${op.privilege}, ${op.effect})`];
  if (op.summary) lines.push(`   ${op.summary}`);
  const params = op.parameters.filter((p) => p.in === 'path' || p.in === 'query');
  if (params.length) {
    lines.push('   parameters:');
    lines.push(pad(table(['name', 'in', 'type', 'required'], params.map((p) => [p.name, p.in, p.type, p.required ? 'yes' : ''])), 5));
  }
  if (op.body?.fields.length) {
    // the required fields and the first few others: `ops show` has the full list
    const required = op.body.fields.filter((f) => f.required);
    const others = op.body.fields.filter((f) => !f.required && !f.name.includes('.')).slice(0, Math.max(0, 8 - required.length));
    lines.push(`   body${op.body.schema ? ` (${op.body.schema})` : ''}:`);
    lines.push(pad(fieldTable([...required, ...others]), 5));
  }
  lines.push('   example:');
  lines.push(pad(formatExample(op.example), 5));
  return lines.join('\n');
}

function pad(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
}
