/**
 * Serve an MCP server on stdin/stdout until the client is done. The SDK's stdio transport does
 * not notice the end of input; here the end of stdin means "no more requests", and the server
 * closes once every request already received has been answered — so `printf '…' | bai-agent mcp`
 * gets all its answers, and a client that closes stdin does not cut a running apply short.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';

/** Delegates to the stdio transport and counts requests that still await their answer. */
class DrainingTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private readonly pending = new Set<RequestId>();
  private waiters: Array<() => void> = [];

  constructor(private readonly inner: Transport) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (e) => this.onerror?.(e);
    inner.onmessage = (message, extra) => {
      if (isJSONRPCRequest(message)) this.pending.add(message.id);
      // a cancelled request gets no answer (the SDK drops it): stop waiting for one
      if (isJSONRPCNotification(message) && message.method === 'notifications/cancelled') {
        const id = (message.params as { requestId?: RequestId } | undefined)?.requestId;
        if (id !== undefined) this.settle(id);
      }
      this.onmessage?.(message, extra);
    };
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    await this.inner.send(message, options);
    if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) this.settle(message.id);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** Resolves when no received request is waiting for its answer. */
  drained(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(id: RequestId): void {
    this.pending.delete(id);
    if (this.pending.size > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** Connect `server` to stdin/stdout; resolves when the client has finished and the server closed. */
export async function serveStdio(
  server: McpServer,
  opts: { onListening?: () => void; stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<void> {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const transport = new DrainingTransport(new StdioServerTransport(stdin as typeof process.stdin, stdout as typeof process.stdout));
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  stdin.once('end', () => {
    void transport.drained().then(() => server.close());
  });
  await server.connect(transport);
  opts.onListening?.();
  await closed;
}
