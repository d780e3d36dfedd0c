#!/usr/bin/env node
/**
 * The installed `bai-agent` command. It is bundled (src/build/bundle.ts → dist/bundle/bin.js)
 * so that a cold start reads a few files instead of hundreds of LangGraph/LangChain modules;
 * `node dist/cli/main.js` runs the same CLI unbundled.
 */
// main.ts runs itself when it is the script node was given; tell it that this file is
(globalThis as Record<symbol, unknown>)[Symbol.for('bai-agent.bin')] = true;
const { main } = await import('./main.js');
await main();
