/**
 * A scripted tool-calling chat model for in-process tests. @langchain/core's fakes either ignore
 * tools (FakeListChatModel returns text) or repeat one response (FakeStreamingChatModel), so
 * this small BaseChatModel returns one scripted AIMessage per call and records what each call
 * was given: the messages and the tools bound with bindTools.
 */
import { BaseChatModel, type BaseChatModelCallOptions } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';

export interface ScriptedCall {
  name: string;
  args: Record<string, unknown>;
}

/** One scripted turn: tool calls (first = best), text, or a function of the messages. */
export type ScriptedTurn = ScriptedCall[] | string | AIMessage | ((messages: BaseMessage[]) => AIMessage | ScriptedCall[] | string);

interface ScriptedCallOptions extends BaseChatModelCallOptions {
  tools?: unknown[];
}

export interface RecordedCall {
  messages: BaseMessage[];
  /** As bound: LangChain's `{name, description, schema}` tool form. */
  tools: Array<{ name: string; description: string; schema: Record<string, unknown> }>;
}

let idCounter = 0;

export function toAIMessage(turn: AIMessage | ScriptedCall[] | string, usage = { input: 100, output: 10 }): AIMessage {
  if (turn instanceof AIMessage) return turn;
  const usage_metadata = { input_tokens: usage.input, output_tokens: usage.output, total_tokens: usage.input + usage.output };
  if (typeof turn === 'string') return new AIMessage({ content: turn, usage_metadata });
  return new AIMessage({
    content: '',
    tool_calls: turn.map((c) => ({ name: c.name, args: c.args, id: `call_${++idCounter}`, type: 'tool_call' as const })),
    usage_metadata,
  });
}

export class ScriptedChatModel extends BaseChatModel<ScriptedCallOptions> {
  readonly calls: RecordedCall[] = [];
  readonly model = 'scripted-model';
  private turn = 0;

  constructor(private readonly script: ScriptedTurn[]) {
    super({});
  }

  _llmType(): string {
    return 'scripted';
  }

  override bindTools(tools: unknown[]) {
    return this.withConfig({ tools } as Partial<ScriptedCallOptions>);
  }

  async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    options.signal?.throwIfAborted();
    this.calls.push({ messages, tools: (options.tools ?? []) as RecordedCall['tools'] });
    const turn = this.script[Math.min(this.turn++, this.script.length - 1)];
    if (turn === undefined) throw new Error('ScriptedChatModel: empty script');
    const reply = typeof turn === 'function' ? turn(messages) : turn;
    const message = toAIMessage(reply);
    return { generations: [{ message, text: typeof message.content === 'string' ? message.content : '' }] };
  }
}
