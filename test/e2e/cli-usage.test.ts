/**
 * The newcomer's path (issue 12 §4, issue 16): usage errors, a mistyped command, a wrong endpoint,
 * bad --wait-timeout values, the sandbox's one world and its reset, `--json sandbox`, the sandbox
 * note once per state file, `plan -o`, errors said once. Each case: its exit code and its message.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'bai-usage-'));
  dirs.push(d);
  return d;
}

function env(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_')) delete e[key];
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: join(dir, 'state'), BAI_AGENT_CACHE_DIR: join(dir, 'cache'), ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bai(dir: string, args: string[], extra: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { env: env(dir, extra), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

const shared = home();

describe('usage errors: exit 2, one line, a JSON error under --json', () => {
  it.each([
    [['--frobnicate'], /unknown option '--frobnicate'/],
    [['apply'], /missing required argument 'file'/],
    [['ops', 'show'], /missing required argument 'operationId'/],
    [['plan', '--k', 'many', 'list my sessions'], /--k must be an integer/],
  ])('bai-agent %j', async (args, message) => {
    const human = await bai(shared, args);
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(message);
    expect(human.stderr).not.toMatch(/internal error|\n\s+at /);
    const json = await bai(shared, ['--json', ...args]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { kind: 'bad_input', message: expect.stringMatching(message) }, exitCode: 2 });
    // a usage error comes before anything else: no sandbox was started, no note printed
    expect(human.stderr + json.stderr).not.toMatch(/sandbox manager/);
  });

  it('bai-agent alone prints the help, exit 0', async () => {
    const r = await bai(shared, []);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: bai-agent/);
    expect(r.stdout).toContain('Exit codes:');
  });

  it('a mistyped command name is said to look like one, exit 2 (not planned and "refused")', async () => {
    const r = await bai(shared, ['aply', 'plan.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/"aply" looks like the command name "apply" mistyped/);
    expect(r.stderr).toContain('bai-agent "aply plan.json"');
    // quoted as one sentence, it is a request
    const quoted = await bai(shared, ['--json', 'plan', 'aply the plan']);
    expect(quoted.code).not.toBe(2);
  });
});

describe('configuration and flags', () => {
  it('BACKEND_ENDPOINT with a path the manager does not serve: exit 2, "should have no path"', async () => {
    const sandbox = await startSandbox({ clock: 'fast' });
    try {
      const keys = sandbox.credentials.user;
      const r = await bai(shared, ['--json', 'plan', 'list my sessions'], {
        BACKEND_ENDPOINT: `${sandbox.url}/api/v1`,
        BACKEND_ACCESS_KEY: keys.accessKey,
        BACKEND_SECRET_KEY: keys.secretKey,
      });
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error.message).toMatch(new RegExp(`^BACKEND_ENDPOINT should have no path: .*under /api/v1.*use ${sandbox.url.replace(/[.]/g, '\\.')}$`));
    } finally {
      await sandbox.close();
    }
  });

  it.each([
    ['1e9', /between 1 and 86400 \(got "1e9"\)/],
    ['', /between 1 and 86400 \(got ""\)/],
    ['0', /between 1 and 86400/],
    ['-5', /between 1 and 86400/],
    ['100000', /between 1 and 86400/],
  ])('--wait-timeout %j: exit 2 before anything starts', async (value, message) => {
    const r = await bai(shared, ['--json', 'run', '--wait-timeout', value, 'list my sessions']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(message);
  });

  it('--wait-timeout 1.5 is 1.5 s, said as such', async () => {
    const { parseWaitTimeout } = await import('../../src/cli/commands/run.js');
    const { formatSeconds } = await import('../../src/cli/render.js');
    expect(parseWaitTimeout('1.5')).toBe(1.5);
    expect(formatSeconds(1.5)).toBe('1.5 s');
    expect(formatSeconds(600)).toBe('600 s');
  });
});

describe('the sandbox: one world, one reset, JSON when asked', () => {
  it('bai-agent sandbox uses the same state file as runs without a manager, and --reset starts it over', async () => {
    const dir = home();
    const made = await bai(dir, ['--json', '--yes', 'create a folder called kept-between-runs']);
    expect(made.code, made.stdout).toBe(0);
    const state = join(dir, 'state', 'sandbox', 'state.json');
    expect(readFileSync(state, 'utf8')).toContain('kept-between-runs');
    // the explicit sandbox sees the same world …
    const check = await bai(dir, ['--json', 'sandbox', '--check']);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), state, resourceSlots: { cpu: 'count' } });
    expect(readFileSync(state, 'utf8')).toContain('kept-between-runs');
    // … and its --reset is the reset of that world
    const reset = await bai(dir, ['sandbox', '--reset', '--check']);
    expect(reset.code).toBe(0);
    expect(reset.stderr).toContain(`reset: discarded ${state}`);
    const list = await bai(dir, ['--json', 'list my folders']);
    expect(list.stdout).not.toContain('kept-between-runs');
  });

  it('--json sandbox prints one document with the URL and the keys, then serves', async () => {
    const dir = home();
    const child = spawn(process.execPath, [cli, '--json', 'sandbox', '--port', '0', '--no-state'], { env: env(dir) });
    try {
      const doc = await new Promise<Record<string, any>>((done, fail) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += String(d);
          try {
            done(JSON.parse(out));
          } catch {
            // not the whole document yet
          }
        });
        child.on('exit', () => fail(new Error(`exited: ${out}`)));
      });
      expect(doc).toMatchObject({ ok: true, state: null, env: { BACKEND_ACCESS_KEY: 'AKIASANDBOXUSER00001', BACKEND_SECRET_KEY: expect.any(String) } });
      expect(doc.env.BACKEND_ENDPOINT).toBe(doc.url);
      const answer = await fetch(`${doc.url}/`);
      expect(answer.status).toBe(200);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('the "no manager configured" note comes once per state file (and under -v)', async () => {
    const dir = home();
    const first = await bai(dir, ['plan', 'list my sessions']);
    expect(first.stderr).toMatch(/note: no manager configured.*built-in sandbox/);
    const second = await bai(dir, ['plan', 'list my sessions']);
    expect(second.stderr).not.toMatch(/built-in sandbox/);
    expect(second.stdout).toContain('sandbox manager'); // the preview still says which manager
    const verbose = await bai(dir, ['-v', 'plan', 'list my sessions']);
    expect(verbose.stderr).toMatch(/built-in sandbox/);
  });
});

describe('what the run says', () => {
  it('plan prints the tree on stdout; -o says where it saved the plan and how to apply it', async () => {
    const dir = home();
    const file = join(dir, 'my plan.json');
    const r = await bai(dir, ['plan', '-o', file, 'create a folder called from-a-plan']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Plan for: "create a folder called from-a-plan"');
    expect(r.stdout).toContain(`Saved the plan to ${file}. To run exactly this plan: bai-agent apply '${file}'`);
    expect(existsSync(file)).toBe(true);
  });

  it('a failed step is reported once', async () => {
    const dir = home();
    const file = join(dir, 'p.json');
    expect((await bai(dir, ['--json', 'plan', '-o', file, 'rename the folder api_helper to api-helper-2'])).code).toBe(0);
    // the new name is taken before the plan runs: the manager refuses the rename
    expect((await bai(dir, ['--json', '--yes', 'create a folder called api-helper-2'])).code).toBe(0);
    const r = await bai(dir, ['--yes', 'apply', file]);
    expect(r.code).toBe(7);
    const mentions = (r.stdout + r.stderr).split('\n').filter((l) => /already exists|failed:/i.test(l));
    expect(mentions).toHaveLength(1);
    expect(mentions[0]).toMatch(/^error: s1 \(.*\) failed: /);
  });

  it('a variable named without a value is asked for (exit 4 with the question, without a terminal)', async () => {
    const r = await bai(shared, ['--json', 'plan', 'create a session with the environment variable WANDB_API_KEY']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).question).toMatch(/What value should WANDB_API_KEY have\?/);
  });
});
