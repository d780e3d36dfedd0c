/**
 * The installed command is the bundled CLI (package.json bin → dist/bundle/bin.js). The README's
 * main command through it: a 5 fGPU session created in the built-in sandbox, RUNNING, and every
 * command still reachable (lazy chunks load). Every dependency is bundled, CommonJS ones too, and
 * those break at run time rather than at build time (a lost named export, a dynamic require): so
 * each path that loads a different package runs here once — YAML policies and specs, the LLM
 * client, the MCP server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { startOpenAIStub } from '../../src/sandbox/openai-stub.js';

const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const bin = join(root, pkg.bin['bai-agent']!);
const dir = mkdtempSync(join(tmpdir(), 'bai-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(BACKEND_|BAI_AGENT_|OPENAI_)/.test(key)) env[key] = value;
  }
  return { ...env, HOME: dir, BAI_AGENT_STATE_DIR: dir, BAI_AGENT_CACHE_DIR: join(dir, 'cache') };
}

function run(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...cleanEnv(), ...extraEnv };
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env, timeout: 60_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0, stdout, stderr });
    });
  });
}

describe('the installed (bundled) bai-agent command', () => {
  it('is the bundle', () => {
    expect(pkg.bin['bai-agent']).toBe('dist/bundle/bin.js');
  });

  it('runs the README main command against the built-in sandbox', async () => {
    const r = await run(['--json', '--yes', 'create a new session with 5 fGPU']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { execution: { outputs: { sessions: Array<{ status: string }> } }; plan: { steps: Array<{ body: { config: { resources: Record<string, number> } } }> } };
    expect(doc.plan.steps[0]!.body.config.resources['cuda.shares']).toBe(5);
    expect(doc.execution.outputs.sessions[0]!.status).toBe('RUNNING');
    expect(r.stderr).toMatch(/built-in sandbox/);
  });

  it('loads the lazily split commands: ops, ask, sandbox --check, and errors without a stack', async () => {
    expect((await run(['ops', 'search', 'create a session', '--k', '3'])).stdout).toMatch(/session\.create_from_params/);
    expect((await run(['ask', 'how do I list my folders?'])).stdout).toMatch(/folders\./);
    const check = await run(['sandbox', '--fast', '--port', '0', '--check']);
    expect(check.code, check.stderr).toBe(0);
    const bad = await run(['apply', join(dir, 'missing.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('reads YAML through the bundle: a policy error names file:line, a YAML spec loads', async () => {
    const policy = join(dir, 'broken-policy.yaml');
    writeFileSync(policy, 'name: broken\nallow:\n  - operation: [unclosed\n');
    const bad = await run(['--policy', policy, 'plan', 'list my sessions']);
    expect(bad.code, bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/broken-policy\.yaml:\d+/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);

    const spec = join(dir, 'spec.yaml'); // a path never seen: parsed from YAML, not read from the cache
    writeFileSync(spec, readFileSync(join(root, 'specs', 'backendai-manager.yaml'), 'utf8'));
    const ops = await run(['--spec', spec, 'ops', 'search', 'list folders', '--k', '2']);
    expect(ops.code, ops.stderr).toBe(0);
    expect(ops.stdout).toMatch(/folders\./);
  });

  it('plans through an OpenAI-compatible model (the LLM client is bundled too)', async () => {
    const stub = await startOpenAIStub();
    try {
      stub.setScript((req) => {
        const asked = (req.messages ?? []).map((m) => String(m.content ?? '')).join('\n');
        if (asked.includes('Steps planned so far')) return [{ name: 'finish', arguments: { reason: 'creates the session' } }];
        return [{ name: 'session_create_from_params', arguments: { body: { session_name: 'bundle-llm', image: 'pytorch', enqueue_only: true, config: { resources: { 'cuda.shares': 2 }, scaling_group: 'default' } } } }];
      });
      const r = await run(['--json', '--planner', 'llm', '--llm', 'openai:stub-model', '--llm-base-url', stub.url, 'plan', 'create a new session with 2 fGPU'], { OPENAI_API_KEY: 'sk-bundle-test-0123456789' });
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code, r.stdout).toBe(0);
      const doc = JSON.parse(r.stdout) as { plan: { planner: { kind: string }; steps: Array<{ operationId: string }> } };
      expect(doc.plan.planner.kind).toBe('llm');
      expect(doc.plan.steps.map((s) => s.operationId)).toEqual(['session.create_from_params']);
      expect(stub.chatRequests().length).toBe(2);
    } finally {
      await stub.close();
    }
  });

  it('serves MCP over stdio', async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp'], env: cleanEnv(), stderr: 'pipe' });
    const client = new Client({ name: 'bundle-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['apply', 'ask', 'ops_search', 'plan']);
    } finally {
      await client.close();
    }
  });

  it('keeps graphql-js out of the cold start: its chunk is only ever imported dynamically', () => {
    const bundle = join(root, 'dist', 'bundle');
    const chunks = readdirSync(bundle).filter((f) => f.endsWith('.js'));
    const graphql = chunks.filter((f) => readFileSync(join(bundle, f), 'utf8').includes('Syntax Error: ${description}'));
    expect(graphql.length).toBeGreaterThan(0);
    for (const f of chunks) {
      const text = readFileSync(join(bundle, f), 'utf8');
      for (const g of graphql) expect(text.includes(`from"./${g}"`) || text.includes(`from "./${g}"`), `${f} imports ${g} statically`).toBe(false);
    }
    // the rule that needs it (spec/call-facts) loads it on demand, as the sandbox does
    expect(chunks.some((f) => /import\("\.\/graphql-[^"]+"\)/.test(readFileSync(join(bundle, f), 'utf8')) && readFileSync(join(bundle, f), 'utf8').includes('check-preset-availability'))).toBe(true);
  });
});

