/**
 * Token counts of what the LLM path sends, with a real tokenizer (js-tiktoken, o200k_base as
 * used by current OpenAI models). The JSON text of the tool list is counted: providers render
 * tools in their own prompt format, so treat the figure as an estimate of the same order.
 */
import type { ToolDefinition } from '../spec/compact.js';

type Encoder = { encode(text: string): number[] };
let encoder: Encoder | undefined;

/** js-tiktoken is a dev dependency: loaded on first use, and only by the bench and tests. */
async function getEncoder(): Promise<Encoder> {
  if (!encoder) {
    const { Tiktoken } = await import('js-tiktoken/lite');
    const ranks = (await import('js-tiktoken/ranks/o200k_base')).default;
    encoder = new Tiktoken(ranks);
  }
  return encoder;
}

export const TOKENIZER = 'o200k_base';

export async function countTokens(text: string): Promise<number> {
  return (await getEncoder()).encode(text).length;
}

/** Tokens of a tool list as sent (`tools: [...]`, compact JSON). */
export async function countToolTokens(tools: readonly ToolDefinition[]): Promise<number> {
  return countTokens(JSON.stringify(tools));
}
