/**
 * The CLI as scripts use it: real processes against the built-in sandbox, one JSON document on
 * stdout in every outcome (errors included), and each exit code produced by the case it names.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-cli-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json: Record<string, any>;
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_')) delete e[key];
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: dir, BAI_AGENT_CACHE_DIR: join(dir, 'cache'), ...extra };
}

function bai(args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: env(extra), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      let json: Record<string, any> = {};
      if (args.includes('--json')) json = JSON.parse(stdout) as Record<string, any>; // must parse in every outcome
      done({ code, stdout, stderr, json });
    });
  });
}

describe('bai-agent exit codes and --json', () => {
  it('0: a read-only request runs and its data is in the JSON document', async () => {
    const r = await bai(['--json', 'list my sessions']);
    expect(r.code).toBe(0);
    expect(r.json.outcome).toBe('executed');
    expect(r.json.plan.steps.every((s: { effect: string }) => s.effect === 'read')).toBe(true);
    expect(JSON.stringify(r.json.execution.results)).toContain('train-job-1');
    expect(r.stderr).toMatch(/built-in sandbox/); // says it is not a real manager
  });

  it('0 with --yes: creates a 5 fGPU session and reports its id', async () => {
    const r = await bai(['--json', '--yes', 'create a new session with 5 fGPU']);
    expect(r.code).toBe(0);
    const create = r.json.plan.steps.find((s: { effect: string }) => s.effect === 'write');
    expect(create.operationId).toMatch(/^session\.create_from_params/);
    expect(create.body.config.resources['cuda.shares']).toEqual(5);
    expect(r.json.execution.outputs.sessions[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'RUNNING' });
    expect(readFileSync(join(dir, 'audit.jsonl'), 'utf8')).toContain('session.create_from_params');
  });

  it('6: a write that needs confirmation, with no terminal and no --yes, is not executed', async () => {
    const r = await bai(['--json', 'create a folder named unconfirmed-folder']);
    expect(r.code).toBe(6);
    expect(r.json.outcome).toBe('confirmation_required');
    const list = await bai(['--json', 'list my folders']);
    expect(JSON.stringify(list.json.execution.results)).not.toContain('unconfirmed-folder');
  });

  it('3: readonly policy refuses every write, even with --yes', async () => {
    const r = await bai(['--json', '--yes', '--policy', 'readonly', 'create a folder named never-made']);
    expect(r.code).toBe(3);
    expect(r.json.outcome).toBe('refused');
  });

  it('3: not a Backend.AI task', async () => {
    const r = await bai(['--json', 'plan', 'write me a poem about the sea']);
    expect(r.code).toBe(3);
    expect(r.json.outcome).toBe('refused');
  });

  it('4: needs clarification when only the user can say which one', async () => {
    const r = await bai(['--json', 'plan', 'delete the folder']);
    expect(r.code).toBe(4);
    expect(r.json.outcome).toBe('needs_clarification');
    expect(r.json.question).toBeTruthy();
  });

  it('10 and 0: plan --detailed-exitcode tells writes from reads', async () => {
    expect((await bai(['plan', '--detailed-exitcode', 'create a folder named maybe-later'])).code).toBe(10);
    expect((await bai(['plan', '--detailed-exitcode', 'show resource presets'])).code).toBe(0);
  });

  it('2: bad input — empty request, missing or malformed plan file — as one JSON error', async () => {
    const empty = await bai(['--json', 'plan', '   ']);
    expect(empty.code).toBe(2);
    expect(empty.json).toMatchObject({ ok: false, error: { kind: 'bad_input' } });
    const missing = await bai(['--json', 'apply', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    writeFileSync(join(dir, 'bad.json'), '{"version": 1, "steps": "nope"');
    const bad = await bai(['--json', 'apply', join(dir, 'bad.json')]);
    expect(bad.code).toBe(2);
    expect(bad.json.error.message).toMatch(/bad\.json/);
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('2: bad configuration names what is wrong', async () => {
    const r = await bai(['--json', 'plan', 'list my sessions'], { BACKEND_ENDPOINT: 'http://127.0.0.1:9', BACKEND_ACCESS_KEY: 'AKIAEXAMPLE' });
    expect(r.code).toBe(2);
    expect(r.json.error.message).toMatch(/BACKEND_SECRET_KEY/);
  });

  it('8: an unreachable manager is a clear error, not a hang or a stack trace', async () => {
    const r = await bai(['--json', 'plan', 'list my sessions'], {
      BACKEND_ENDPOINT: 'http://127.0.0.1:9',
      BACKEND_ACCESS_KEY: 'AKIAEXAMPLE',
      BACKEND_SECRET_KEY: 'do-not-print-this-secret',
    });
    expect(r.code).toBe(8);
    expect(r.json.error.kind).toBe('unavailable');
    expect(r.stdout + r.stderr).not.toContain('do-not-print-this-secret');
  });

  it('2: credentials the manager rejects while executing a saved plan — nothing written, no retry as a new plan', async () => {
    const sandbox = await startSandbox({ clock: 'fast' });
    try {
      const keys = sandbox.credentials.user;
      const manager = { BACKEND_ENDPOINT: sandbox.url, BACKEND_ACCESS_KEY: keys.accessKey, BACKEND_SECRET_KEY: keys.secretKey };
      const file = join(dir, 'wrong-key-plan.json');
      expect((await bai(['--json', 'plan', '-o', file, 'create a folder named never-with-a-bad-key'], manager)).code).toBe(0);
      const wrongSecret = 'wrong-secret-0000000000000000000000000000000';
      const r = await bai(['--json', '--yes', 'apply', file], { ...manager, BACKEND_SECRET_KEY: wrongSecret });
      expect(r.code, r.stdout).toBe(2);
      expect(r.json.outcome).toBe('execution_failed');
      expect(r.json.execution.error).toMatch(/authentication failed/);
      expect(r.stdout + r.stderr).not.toContain(wrongSecret);
      expect(sandbox.world().folders.map((f) => f.name)).not.toContain('never-with-a-bad-key');
    } finally {
      await sandbox.close();
    }
  });

  it('plan -o then apply: executes exactly the saved plan', async () => {
    const file = join(dir, 'plan.json');
    const planned = await bai(['--json', 'plan', '-o', file, 'create a folder named from-a-plan']);
    expect(planned.code, planned.stdout).toBe(0);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { steps: Array<{ operationId: string }> };
    expect(saved.steps.map((s) => s.operationId)).toContain('folders.create');
    const applied = await bai(['--json', '--yes', 'apply', file]);
    expect(applied.code).toBe(0);
    expect(applied.json.execution.outputs.folders[0].name).toBe('from-a-plan');
    // applying it again: the folder now exists, so the plan no longer holds
    const again = await bai(['--json', '--yes', 'apply', file]);
    expect(again.code).not.toBe(0);
  });
});
