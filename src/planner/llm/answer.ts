/**
 * `bai-agent ask` with a model configured: a short written answer to a question about the API,
 * grounded only in the operations retrieval found. The model sees those operations (method,
 * path, summary, compact arguments) and nothing else, and is told not to mention any other.
 */
import { HumanMessage, SystemMessage, type AIMessage } from '@langchain/core/messages';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { BaiError } from '../../errors.js';
import { toolDefinition } from '../../spec/compact.js';
import type { Catalog, Operation } from '../../spec/types.js';
import { modelError } from './proposer.js';

export const ANSWER_SYSTEM_PROMPT = `You answer questions about the Backend.AI manager REST API.
Use only the operations listed in <operations>. Do not mention, invent or guess any other operation, path or field.
If the listed operations do not answer the question, say that they do not.
Answer briefly (a few sentences), in the language of the question, naming the operationId, method and path of each operation you use.`;

/** Characters of compact argument schema shown per operation. */
const ARGS_CHARS = 800;

export function describeOperationsForAnswer(operations: readonly Operation[], catalog: Catalog): string {
  return operations
    .map((op) => {
      const params = JSON.stringify(toolDefinition(op, catalog).function.parameters);
      const args = params.length > ARGS_CHARS ? `${params.slice(0, ARGS_CHARS)}…` : params;
      const who = op.privilege === 'admin' || op.privilege === 'superadmin' ? ` (${op.privilege} only)` : '';
      return `- ${op.operationId}: ${op.method} ${op.path} — ${op.summary || 'no summary'}${who}; ${op.effect}; arguments ${args}`;
    })
    .join('\n');
}

/** A short answer to `question` using only `operations`. */
export async function answerQuestion(model: BaseChatModel, question: string, operations: Operation[], catalog: Catalog, signal?: AbortSignal): Promise<string> {
  if (operations.length === 0) throw new BaiError('no operations match the question, so there is nothing to answer from', 'bad_input');
  const messages = [
    new SystemMessage(ANSWER_SYSTEM_PROMPT),
    new HumanMessage(`<operations>\n${describeOperationsForAnswer(operations, catalog)}\n</operations>\n\nQuestion: ${question}`),
  ];
  let response: AIMessage;
  try {
    response = (await model.invoke(messages, { signal })) as AIMessage;
  } catch (err) {
    throw modelError(err, (model as unknown as { model?: string }).model ?? model.getName(), signal);
  }
  const content = response.content;
  const text = typeof content === 'string' ? content : Array.isArray(content) ? content.map((p) => (typeof p === 'string' ? p : 'text' in p && typeof p.text === 'string' ? p.text : '')).join('') : '';
  if (!text.trim()) throw new BaiError('the model returned an empty answer', 'unavailable');
  return text.trim();
}
