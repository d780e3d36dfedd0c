/**
 * The LLM planning path. Import this module lazily (only when `--llm` is given): it pulls in
 * @langchain/core, and createChatModel pulls in @langchain/openai on first use.
 */
export { parseLlmSpec, createChatModel, modelLabel, type LlmSpec, type LlmProvider, type ChatModelOptions, type ServiceResolver } from './model.js';
export { LlmProposer, CONTROL_TOOL_DEFINITIONS, splitArguments, type LlmProposerOptions } from './proposer.js';
export { SYSTEM_PROMPT, CONTROL_TOOLS, contextMessage, diversityMessage, renderObservation } from './prompt.js';
export { answerQuestion } from './answer.js';
