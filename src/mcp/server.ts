/**
 * `bai-agent mcp`: the agent as a Model Context Protocol server, so other agents (Claude
 * Desktop, IDE assistants, CI bots) can plan and run Backend.AI work through it. Each tool runs
 * the same code as the CLI command it names, in --json mode, with the same connection and policy
 * (the global flags the server was started with). Approval is an explicit argument of `apply`:
 * nothing that needs confirmation is written unless the client passes `approve: true`.
 *
 * stdout is the transport: every command writes its document to a private stream, and logs go to
 * stderr (and, when the client asked for progress, to progress notifications).
 */
import { Writable } from 'node:stream';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { BaiError } from '../errors.js';
import type { GlobalOptions } from '../cli/main.js';
import { runJsonCommand, type CommandImpl } from '../cli/json-command.js';
import { summariseApply, summariseOperations, summarisePlan, toToolResult } from './results.js';
import type { ConfirmRequest, Decision } from '../agent/graph.js';
import type { Catalog } from '../spec/types.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

export const TOOL_NAMES = ['plan', 'apply', 'ask', 'ops_search'] as const;

export function createMcpServer(globals: GlobalOptions): McpServer {
  // approval comes only from apply's argument: a server-wide --yes would approve every client
  const base: GlobalOptions = { ...globals, yes: false, json: true };
  const server = new McpServer({ name: 'bai-agent', version: '0.1.0' });
  const serial = serialiser();

  const call = (extra: Extra, impl: CommandImpl) => runJsonCommand(base, impl, { stderr: logStream(extra) });

  server.registerTool(
    'plan',
    {
      title: 'Plan a Backend.AI request',
      description:
        'Turn a plain-language request for the Backend.AI cluster ("create a new session with 5 fGPU", "list my sessions") into a plan of manager API calls. ' +
        'Read calls run (their results are in plan.steps[].observation); nothing is written. Returns the plan document: outcome (planned | needs_clarification with a question | refused with why) and plan. ' +
        'To carry out a plan with writes, show it to the user and pass it to apply.',
      inputSchema: {
        request: z.string().trim().min(1).describe('what to do, in plain language'),
        k: z.number().int().min(1).max(50).optional().describe('how many operations retrieval offers the planner (default 8)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ request, k }, extra) => {
      const { plan } = await import('../cli/commands/run.js');
      const result = await serial(() => call(extra, (ctx) => plan(ctx, request, k === undefined ? {} : { k: String(k) })));
      return toToolResult(result, summarisePlan);
    },
  );

  server.registerTool(
    'apply',
    {
      title: 'Execute a plan',
      description:
        'Execute exactly the plan given (the `plan` object returned by the plan tool, or that whole result). The spec and the entities it names are re-checked and the policy re-evaluated first. ' +
        'Writes that need confirmation run only with approve=true: ask the user before passing it. Without it nothing is written and the result says confirmation is required (exitCode 6). ' +
        'Returns the execution results and outputs (e.g. the new session id and status).',
      inputSchema: {
        plan: z.union([z.record(z.string(), z.unknown()), z.string()]).describe('the plan document (object, or its JSON text)'),
        approve: z.boolean().describe('true only if the user approved the writes in this plan'),
        confirm: z
          .array(z.string())
          .optional()
          .describe(
            'when the plan deletes folders or terminates sessions: the name of every one of them, as the user confirmed them (the plan result lists them in typedConfirmation.targets). Required with approve=true for such plans',
          ),
        waitTimeoutSeconds: z
          .number()
          .positive()
          .max(3600)
          .optional()
          .describe('how long to wait for a new session to reach RUNNING (default: the plan\'s, usually 600; many MCP clients time a call out after 60 s)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
    },
    async ({ plan, approve, confirm, waitTimeoutSeconds }, extra) => {
      const { applyDocument, parsePlanDocument } = await import('../cli/commands/run.js');
      const { typedConfirmation } = await import('../cli/approve.js');
      // approve=true is the user's yes; what a plan destroys must also be named, as typed at a terminal
      const decide = async (req: ConfirmRequest, catalog: Catalog): Promise<Decision> => {
        if (approve !== true || req.unrequested?.length) return 'unavailable';
        const typed = typedConfirmation(req.steps, req.plan, catalog);
        return !typed || typed.accepts(confirm ?? []) ? 'approve' : 'unavailable';
      };
      const result = await serial(() =>
        call(extra, (ctx) =>
          applyDocument(
            ctx,
            parsePlanDocument(planArgument(plan), 'the plan argument'),
            { yes: false, ...(waitTimeoutSeconds === undefined ? {} : { waitTimeout: String(waitTimeoutSeconds) }) },
            'the plan argument',
            decide,
          ),
        ),
      );
      return toToolResult(result, summariseApply);
    },
  );

  server.registerTool(
    'ask',
    {
      title: 'Which API operations answer a question',
      description:
        'Answer a question about the Backend.AI manager API ("how do I mount a folder in a new session?") with the operations that answer it: method, path, parameters, body fields and an example request. Nothing runs.',
      inputSchema: {
        question: z.string().trim().min(1).describe('the question, in plain language'),
        k: z.number().int().min(1).max(100).optional().describe('how many operations to return (default 3)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ question, k }, extra) => {
      const ask = await import('../cli/commands/ask.js');
      const result = await call(extra, (ctx) => ask.run(ctx, [question], k === undefined ? {} : { k: String(k) }));
      return toToolResult(result, summariseOperations);
    },
  );

  server.registerTool(
    'ops_search',
    {
      title: 'Search the API operation catalog',
      description: 'The Backend.AI manager operations that match a sentence, best first (operationId, method, path, privilege, read/write effect, summary): what the planner would be offered.',
      inputSchema: {
        text: z.string().trim().min(1).describe('words describing the operation, e.g. "create a session"'),
        k: z.number().int().min(1).max(100).optional().describe('how many operations to list (default 10)'),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    async ({ text, k }, extra) => {
      const ops = await import('../cli/commands/ops.js');
      const result = await call(extra, (ctx) => ops.search(ctx, [text], k === undefined ? {} : { k: String(k) }));
      return toToolResult(result, summariseOperations);
    },
  );

  return server;
}

/**
 * The plan argument as the client sent it: the plan document, or the whole result of the plan
 * tool (its `plan` member), either as an object or as JSON text.
 */
export function planArgument(raw: unknown): unknown {
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch (err) {
      throw new BaiError(`the plan argument is not valid JSON (${(err as Error).message})`, 'bad_input');
    }
  }
  if (value && typeof value === 'object' && !('version' in value) && 'plan' in value && typeof (value as { plan: unknown }).plan === 'object') {
    return (value as { plan: unknown }).plan;
  }
  return value;
}

/**
 * Calls that connect to the manager run one at a time: each starts its own connection (with no
 * manager configured, an in-process sandbox on the shared state file), and two at once would
 * race on that file. Lookups in the catalog (ask, ops_search) do not wait for them.
 */
function serialiser(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = tail.then(fn, fn);
    tail = next.catch(() => undefined);
    return next;
  };
}

/**
 * Where a call's log lines go: stderr always, and each line also as a progress notification
 * when the client sent a progress token (so it sees "waiting for session … RUNNING", and can
 * keep its request timeout alive).
 */
function logStream(extra: Extra): NodeJS.WritableStream {
  const token = extra._meta?.progressToken;
  let progress = 0;
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      process.stderr.write(chunk);
      if (token !== undefined) {
        for (const line of chunk.toString().split('\n')) {
          if (!line.trim()) continue;
          progress += 1;
          extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message: line } }).catch(() => undefined);
        }
      }
      done();
    },
  });
}
