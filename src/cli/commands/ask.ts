/**
 * `bai-agent ask "<question>"`: API question answering, as the original Backend.AI API helper
 * did — which operations answer the question, their parameters, and an example request. Nothing
 * is executed. With an LLM configured (`--llm`, BAI_AGENT_LLM), a short written answer grounded
 * in those operations only is printed above them.
 */
import { ExitCode } from '../../errors.js';
import { describeOperation, formatExample, type OperationDescription } from '../../retrieval/describe.js';
import { clientTermsLines } from '../../retrieval/client-terms.js';
import type { Catalog, Operation } from '../../spec/types.js';
import type { CommandContext } from '../main.js';
import { connect, type Connection } from '../connect.js';
import { chatModelFor, llmSpecOf } from '../llm.js';
import { exampleRequest } from '../example-requests.js';
import { fieldTable, loadCatalogAndIndex, parseK, requestText, retrieverFor, table } from './ops.js';

export interface AskOptions {
  k?: string;
}

/** An operation as `ask` presents it: its description plus its retrieval score. */
export interface AnsweredOperation extends OperationDescription {
  score: number;
  /** a sentence bai-agent plans into this operation (example-requests.ts) */
  request?: string;
}

/** Writes a short answer to the question from the given operations only (an LLM call). */
export type AnswerWriter = (question: string, operations: AnsweredOperation[], signal?: AbortSignal) => Promise<string>;

export interface OpenAnswerWriter {
  write: AnswerWriter;
  /** The model as the answer reports it (e.g. `gpt-4o-mini`, `backendai:llm (qwen2.5)`). */
  model: string;
  /** Closes the manager connection a `backendai:*` model needed (its endpoint may be served by it). */
  close(): Promise<void>;
}

/**
 * A writer over the model `--llm`/BAI_AGENT_LLM configures (the same setup as planning), or
 * undefined without one. A manager connection is opened only for `backendai:SERVICE`.
 */
export async function openAnswerWriter(ctx: CommandContext, catalog: Catalog): Promise<OpenAnswerWriter | undefined> {
  const spec = llmSpecOf(ctx);
  if (!spec) return undefined;
  let conn: Connection | undefined;
  const close = async () => {
    await conn?.close();
    conn = undefined;
  };
  try {
    const chat = await chatModelFor(ctx, spec, async () => (conn ??= await connect(ctx, catalog)));
    const { answerQuestion, modelLabel } = await import('../../planner/llm/index.js');
    const write: AnswerWriter = (question, operations, signal) =>
      answerQuestion(chat, question, operations.map((o) => catalog.get(o.operationId)).filter((o): o is Operation => o !== undefined), catalog, signal);
    return { write, model: modelLabel(chat) ?? spec, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export async function run(ctx: CommandContext, parts: string[], opts: AskOptions): Promise<number> {
  const question = requestText(parts, 'question');
  const k = parseK(opts.k, 3);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  const retrieve = await retrieverFor(ctx, index);
  const operations: AnsweredOperation[] = (await retrieve(question, { k })).map((r) => {
    const sentence = exampleRequest(r.operation.operationId);
    return { ...describeOperation(r.operation, catalog), score: r.score, ...(sentence ? { request: sentence } : {}) };
  });

  // with a model configured, a short answer grounded in these operations only (none to ground in: none)
  let answer: string | null = null;
  let model: string | undefined;
  const writer = operations.length ? await openAnswerWriter(ctx, catalog) : undefined;
  if (writer) {
    try {
      answer = await writer.write(question, operations);
      model = writer.model;
    } finally {
      await writer.close();
    }
  }

  if (ctx.out.json) {
    ctx.out.emitJson({ question, spec: { title: catalog.title, version: catalog.version }, ...(model ? { model } : {}), answer, operations });
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
  if (op.request) lines.push(`   to do it: bai-agent "${op.request}"`);
  lines.push('   HTTP example:');
  lines.push(pad(formatExample(op.example), 5));
  // what the official client calls it (the source files are in `ops show`)
  const client = clientTermsLines(op.client).filter((l) => !l.trim().startsWith('src/'));
  if (client.length) {
    lines.push('   in the Backend.AI client:');
    lines.push(pad(client.join('\n'), 5));
  }
  return lines.join('\n');
}

function pad(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => `${' '.repeat(n)}${l}`)
    .join('\n');
}
