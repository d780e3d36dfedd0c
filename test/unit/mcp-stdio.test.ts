/**
 * serveStdio: end of input closes the server only after every received request is answered,
 * and a request the client cancelled (which gets no answer) does not keep it open.
 */
import { PassThrough } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serveStdio } from '../../src/mcp/stdio.js';

function slowServer(ms: number): McpServer {
  const server = new McpServer({ name: 'test', version: '0' });
  server.registerTool('slow', { inputSchema: { word: z.string() } }, async ({ word }, extra) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      extra.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()));
    });
    return { content: [{ type: 'text', text: `done ${word}` }] };
  });
  return server;
}

const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
const slowCall = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow', arguments: { word: 'x' } } };

function harness(ms: number) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let written = '';
  stdout.on('data', (c: Buffer) => (written += c.toString()));
  const served = serveStdio(slowServer(ms), { stdin, stdout });
  const send = (...messages: object[]) => stdin.write(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  const answers = () => written.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: number; result?: { content?: Array<{ text: string }> } });
  return { stdin, served, send, answers };
}

describe('serveStdio', () => {
  it('answers a request still running when stdin ends, then closes', async () => {
    const h = harness(150);
    h.send(init, initialized, slowCall);
    h.stdin.end();
    await h.served;
    const slow = h.answers().find((a) => a.id === 2);
    expect(slow?.result?.content?.[0]?.text).toBe('done x');
  });

  it('does not wait for a cancelled request', async () => {
    const h = harness(60_000);
    h.send(init, initialized, slowCall, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 2, reason: 'test' } });
    h.stdin.end();
    await h.served; // would time out if the cancelled request were still awaited
    expect(h.answers().map((a) => a.id)).toEqual([1]);
  });
});
