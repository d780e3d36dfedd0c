/**
 * `bai-agent mcp` as another agent uses it: the SDK's Client spawning the built CLI over stdio,
 * against the built-in sandbox (temp HOME and state dir). Covers the four tools, approval as an
 * explicit argument, errors as isError results, the policy flag, and end of input.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-mcp-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BACKEND_') && !key.startsWith('BAI_AGENT_')) e[key] = value;
  }
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: dir, BAI_AGENT_CACHE_DIR: join(dir, 'cache') };
}

interface Server {
  client: Client;
  stderr: () => string;
}

async function startServer(globalFlags: string[] = []): Promise<Server> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [cli, ...globalFlags, 'mcp'], env: env(), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'bai-agent-e2e', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

type Result = CallToolResult & { structuredContent: Record<string, any> };

async function call(server: Server, name: string, args: Record<string, unknown>, onprogress?: (p: { message?: string }) => void): Promise<Result> {
  return (await server.client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : {})) as Result;
}

const summary = (r: CallToolResult): string => (r.content as Array<{ type: string; text: string }>)[0]!.text;

function sandboxSessionNames(): string[] {
  const state = JSON.parse(readFileSync(join(dir, 'sandbox', 'state.json'), 'utf8')) as { sessions: Array<{ name: string }> };
  return state.sessions.map((s) => s.name);
}

describe('bai-agent mcp (default policy)', () => {
  let server: Server;
  let planResult: Result;

  beforeAll(async () => {
    server = await startServer();
  }, 30_000);
  afterAll(async () => {
    await server?.client.close();
  });

  it('lists its four tools, with apply requiring an explicit approve', async () => {
    const { tools } = await server.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['apply', 'ask', 'ops_search', 'plan']);
    const apply = tools.find((t) => t.name === 'apply')!;
    expect(apply.inputSchema.required).toEqual(expect.arrayContaining(['plan', 'approve']));
    expect(tools.find((t) => t.name === 'plan')!.annotations?.readOnlyHint).toBe(true);
    expect(server.stderr()).toMatch(/MCP server on stdio.*policy default/);
  });

  it('ops_search finds session.create_from_params for "create a session"', async () => {
    const r = await call(server, 'ops_search', { text: 'create a session', k: 5 });
    expect(r.isError).toBeFalsy();
    const ids = r.structuredContent.results.map((x: { operationId: string }) => x.operationId);
    expect(ids).toContain('session.create_from_params');
    expect(ids.length).toBeLessThanOrEqual(5);
    expect(summary(r)).toContain('session.create_from_params');
  });

  it('ask answers with operations, parameters and an example', async () => {
    const r = await call(server, 'ask', { question: 'how do I list the files in a virtual folder?' });
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent.question).toBe('how do I list the files in a virtual folder?');
    expect(r.structuredContent.operations.length).toBeGreaterThan(0);
    expect(r.structuredContent.operations.map((o: { operationId: string }) => o.operationId).join(' ')).toMatch(/folders\./);
    expect(r.structuredContent.operations[0].example).toBeDefined();
  });

  it('plan returns a planned write and writes nothing', async () => {
    planResult = await call(server, 'plan', { request: 'create a new session with 5 fGPU' });
    expect(planResult.isError).toBeFalsy();
    expect(planResult.structuredContent).toMatchObject({ ok: true, exitCode: 0, outcome: 'planned' });
    const create = planResult.structuredContent.plan.steps.find((s: { effect: string }) => s.effect === 'write');
    expect(create.operationId).toMatch(/^session\.create_from_params/);
    expect(create.body.config.resources['cuda.shares']).toBe(5);
    expect(summary(planResult)).toMatch(/1 write.*approve=true/);
    // the second text block is the same document, for clients without structured content
    expect(JSON.parse((planResult.content as Array<{ text: string }>)[1]!.text)).toEqual(planResult.structuredContent);
    expect(sandboxSessionNames()).not.toContain(create.body.session_name);
  }, 30_000);

  it('apply without approve writes nothing and says confirmation is required (exit code 6)', async () => {
    const plan = planResult.structuredContent.plan;
    const r = await call(server, 'apply', { plan, approve: false });
    expect(r.isError).toBe(true);
    expect(r.structuredContent).toMatchObject({ ok: false, exitCode: 6, outcome: 'confirmation_required' });
    expect(summary(r)).toMatch(/confirmation required.*nothing was written/);
    const sessionName = plan.steps.find((s: { effect: string }) => s.effect === 'write').body.session_name;
    expect(sandboxSessionNames()).not.toContain(sessionName);
    const list = await call(server, 'plan', { request: 'list my sessions' });
    expect(list.structuredContent.plan.steps[0].observation).toBe('2 items'); // the two seed sessions only
  }, 30_000);

  it('apply with approve runs exactly that plan: the session is RUNNING with an id, with progress on the way', async () => {
    const progress: string[] = [];
    // the whole plan result is accepted as well as its `plan` member
    const r = await call(server, 'apply', { plan: planResult.structuredContent, approve: true }, (p) => progress.push(p.message ?? ''));
    expect(r.isError).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ ok: true, exitCode: 0, outcome: 'executed' });
    const session = r.structuredContent.execution.outputs.sessions[0];
    expect(session).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'RUNNING' });
    const planned = planResult.structuredContent.plan.steps.find((s: { effect: string }) => s.effect === 'write');
    expect(session.name).toBe(planned.body.session_name);
    expect(summary(r)).toContain(session.id);
    expect(sandboxSessionNames()).toContain(session.name);
    expect(progress.join('\n')).toMatch(/RUNNING/);
  }, 60_000);

  it('a plan that deletes folders needs, besides approve=true, every folder named in confirm: one name approves nothing', async () => {
    const planned = await call(server, 'plan', { request: 'delete the folders api_helper and models' });
    expect(planned.structuredContent.typedConfirmation.targets.sort()).toEqual(['api_helper', 'models']);
    const folders = () => (JSON.parse(readFileSync(join(dir, 'sandbox', 'state.json'), 'utf8')) as { folders: Array<{ name: string; status: string }> }).folders;
    const ready = () => folders().filter((f) => f.status === 'ready').map((f) => f.name);
    for (const confirm of [undefined, ['api_helper'], ['models'], ['api_helper', 'models', 'datasets']]) {
      const r = await call(server, 'apply', { plan: planned.structuredContent.plan, approve: true, ...(confirm ? { confirm } : {}) });
      expect(r.structuredContent).toMatchObject({ exitCode: 6, outcome: 'confirmation_required' });
      expect(summary(r)).toMatch(/the plan destroys (api_helper, models|models, api_helper); nothing was written.*confirm=/);
      expect(ready()).toEqual(expect.arrayContaining(['api_helper', 'models']));
    }
    const r = await call(server, 'apply', { plan: planned.structuredContent.plan, approve: true, confirm: ['models', 'api_helper'] });
    expect(r.structuredContent).toMatchObject({ exitCode: 0, outcome: 'executed' });
    expect(ready()).not.toContain('api_helper');
    expect(ready()).not.toContain('models');
  }, 90_000);

  it('a malformed plan is an isError result with a one-line message, and the server keeps serving', async () => {
    const bad = structuredClone(planResult.structuredContent.plan);
    bad.steps[0].method = 'FETCH';
    const r = await call(server, 'apply', { plan: bad, approve: true });
    expect(r.isError).toBe(true);
    expect(summary(r)).toMatch(/^the plan argument is not a bai-agent plan: steps\.0\.method: /);
    expect(summary(r)).not.toContain('\n');
    expect(r.structuredContent).toMatchObject({ ok: false, exitCode: 2, error: { kind: 'bad_input' } });

    const notJson = await call(server, 'apply', { plan: '{"version": 1,', approve: false });
    expect(notJson.isError).toBe(true);
    expect(summary(notJson)).toMatch(/not valid JSON/);

    const missing = await call(server, 'apply', { plan: planResult.structuredContent.plan });
    expect(missing.isError).toBe(true);
    expect(summary(missing)).toMatch(/approve/);

    const ok = await call(server, 'ops_search', { text: 'list folders', k: 1 });
    expect(ok.isError).toBeFalsy();
  }, 30_000);
});

describe('bai-agent --policy readonly mcp', () => {
  it('refuses writes, in plan and in apply, and still answers reads', async () => {
    const server = await startServer(['--policy', 'readonly']);
    try {
      expect(server.stderr()).toMatch(/policy readonly/);
      const planned = await call(server, 'plan', { request: 'create a folder named never-made' });
      expect(planned.isError).toBe(true);
      expect(planned.structuredContent).toMatchObject({ exitCode: 3, outcome: 'refused' });
      expect(summary(planned)).toMatch(/^refused: /);

      // a plan made elsewhere (the default policy would have allowed it after approval)
      const foreign = await call(server, 'plan', { request: 'list my sessions' });
      const write = structuredClone(foreign.structuredContent.plan);
      write.steps = [
        {
          id: 's1',
          operationId: 'folders.create',
          method: 'POST',
          path: '/folders',
          pathParams: {},
          query: {},
          body: { name: 'never-made-either' },
          effect: 'write',
          policy: { verdict: 'confirm', reason: 'writes need confirmation' },
          reason: 'create the folder',
          assumptions: [],
          refs: [],
          destructive: false,
        },
      ];
      const applied = await call(server, 'apply', { plan: write, approve: true });
      expect(applied.isError).toBe(true);
      expect(applied.structuredContent.exitCode).toBe(3);
      expect(summary(applied)).toMatch(/denied by policy readonly/);

      const reads = await call(server, 'plan', { request: 'list my sessions' });
      expect(reads.isError).toBeFalsy();
    } finally {
      await server.client.close();
    }
  }, 60_000);
});

describe('bai-agent mcp as a process', () => {
  function runMcp(args: string[], input: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((done) => {
      const child = execFile(process.execPath, [cli, ...args, 'mcp'], { env: env(), timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
        done({ code, stdout, stderr });
      });
      child.stdin!.end(input);
    });
  }

  it('answers every request it received before stdin ended, then exits 0', async () => {
    const lines = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ops_search', arguments: { text: 'create a session', k: 2 } } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'ask', arguments: { question: 'how do I delete a folder?' } } },
    ];
    const r = await runMcp([], lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: number; result?: { isError?: boolean } });
    expect(answers.map((a) => a.id).sort()).toEqual([1, 2, 3]); // stdout carries protocol messages only
    expect(answers.every((a) => a.result && !a.result.isError)).toBe(true);
  }, 30_000);

  it('a bad --policy is one error line and exit 2, before serving', async () => {
    const r = await runMcp(['--policy', join(dir, 'no-such-policy.yaml')], '');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: .*no-such-policy/);
  }, 30_000);
});
