/**
 * The installed command is the bundled CLI (package.json bin → dist/bundle/bin.js). The README's
 * main command through it: a 5 fGPU session created in the built-in sandbox, RUNNING, and every
 * command still reachable (lazy chunks load).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const bin = join(root, pkg.bin['bai-agent']!);
const dir = mkdtempSync(join(tmpdir(), 'bai-bin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_')) delete env[key];
  Object.assign(env, { HOME: dir, BAI_AGENT_STATE_DIR: dir, BAI_AGENT_CACHE_DIR: join(dir, 'cache') });
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
});
