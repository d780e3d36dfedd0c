/**
 * The three front ends as separate processes, for end-to-end tests: the CLI (one process per
 * command), `bai-agent mcp` (an MCP client over stdio) and `bai-agent serve` (HTTP), each on the
 * built-in sandbox with its own state directory, audit log and sandbox request log
 * (BAI_AGENT_SANDBOX_REQUEST_LOG: every request that reached the simulated manager).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const repo = resolve(import.meta.dirname, '..', '..');
/** The installed command (the esbuild bundle `npm run build` makes): what users run, and the quickest to start. */
export const cliPath = join(repo, 'dist', 'bundle', 'bin.js');

/** A clean environment: no manager, no credentials of the machine's user, everything under `stateDir`. */
export function frontEnv(stateDir: string, cacheDir: string, extra: Record<string, string> = {}): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(BACKEND_|BAI_AGENT_|OPENAI_)/.test(k)) e[k] = v;
  mkdirSync(stateDir, { recursive: true });
  return {
    ...e,
    HOME: stateDir,
    BAI_AGENT_STATE_DIR: stateDir,
    BAI_AGENT_CACHE_DIR: cacheDir,
    BAI_AGENT_SANDBOX_REQUEST_LOG: join(stateDir, 'requests.jsonl'),
    ...extra,
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, any> | undefined;
}

export function runCli(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<CliRun> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [cliPath, ...args], { env, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      let json: Record<string, any> | undefined;
      try {
        json = JSON.parse(stdout) as Record<string, any>;
      } catch {
        json = undefined;
      }
      done({ code, stdout, stderr, json });
    });
    child.stdin?.end(); // no terminal, nobody to ask
  });
}

/** A request the simulated manager received. */
export interface SandboxRequest {
  method: string;
  path: string;
  operationId?: string;
  status: number;
  graphql?: string;
}

export function readRequests(stateDir: string): SandboxRequest[] {
  const file = join(stateDir, 'requests.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as SandboxRequest);
}

export interface AuditLine {
  stepId: string;
  operationId: string;
  outcome: string;
  request: string;
  body?: unknown;
}

export function readAudit(stateDir: string): AuditLine[] {
  const file = join(stateDir, 'audit.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
}

const READ_POSTS = /\/(my\/)?search$|\/check-presets$|\/check-preset-availability$|\/compute-schedule$|\/resource-allocation\/effective$/;

/**
 * Whether a request the manager received changes anything — decided here independently of the
 * agent's own rule: GET/HEAD and the search/check POSTs read; a GraphQL call reads only when its
 * document is plainly a query with no mutation or subscription in it; everything else writes.
 */
export function isWriteRequest(r: SandboxRequest): boolean {
  if (r.method === 'GET' || r.method === 'HEAD') return false;
  if (r.method === 'POST' && READ_POSTS.test(r.path)) return false;
  if (r.method === 'POST' && /^\/admin\/(gql|graphql)/.test(r.path)) {
    const doc = r.graphql ?? '';
    return !(/^\s*(query\b[^{]*)?\{/.test(doc) && !/\b(mutation|subscription)\b/.test(doc));
  }
  return true;
}

// ------------------------------------------------------------------------------------- MCP

export interface McpServer {
  client: Client;
  stderr(): string;
  close(): Promise<void>;
}

export async function startMcp(globalFlags: string[], env: Record<string, string>): Promise<McpServer> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cliPath, ...globalFlags, 'mcp'], env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'bai-agent-tamper', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

export type ToolResult = CallToolResult & { structuredContent: Record<string, any> };

export async function mcpCall(server: McpServer, name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return (await server.client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as ToolResult;
}

// ------------------------------------------------------------------------------------- serve

export interface Served {
  base: string;
  token: string;
  stateDir: string;
  stderr(): string;
  stop(): Promise<void>;
}

export function startServe(globalFlags: string[], env: Record<string, string>, stateDir: string): Promise<Served> {
  const child: ChildProcess = spawn(process.execPath, [cliPath, ...globalFlags, 'serve', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not print its URL within 30 s:\n${stderr}`)), 30_000);
    child.on('exit', (code) => fail(new Error(`serve exited with ${code}:\n${stderr}`)));
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const m = /open (http:\/\/[^/\s]+)\/#token=(\S+)/.exec(stderr);
      if (!m) return;
      clearTimeout(timer);
      done({
        base: m[1]!,
        token: m[2]!,
        stateDir,
        stderr: () => stderr,
        stop: () =>
          new Promise<void>((stopped) => {
            if (child.exitCode !== null) return stopped();
            child.once('exit', () => stopped());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

export async function api(s: Served, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(s.base + path, {
    method,
    headers: { Authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, json };
}

/** POST /api/apply and, when it starts a run, follow its events to the result document. */
export async function webApply(s: Served, body: Record<string, unknown>): Promise<{ status: number; result?: Record<string, any>; error?: string }> {
  const started = await api(s, 'POST', '/api/apply', body);
  if (started.status !== 202) return { status: started.status, error: started.json?.error?.message };
  const res = await fetch(s.base + started.json.events, { headers: { Authorization: `Bearer ${s.token}` } });
  const text = await res.text();
  let result: Record<string, any> | undefined;
  for (const block of text.split('\n\n')) {
    const event = /^event: (.+)$/m.exec(block)?.[1];
    const data = /^data: (.+)$/m.exec(block)?.[1];
    if (event === 'result' && data) result = JSON.parse(data) as Record<string, any>;
  }
  return { status: 202, ...(result ? { result } : {}) };
}
