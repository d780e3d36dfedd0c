/**
 * What a person at a terminal sees, through a pseudo-terminal (test/support/pty.ts): the prompt
 * names the writes it approves; a plan file's free text cannot draw a fake preview; a clarifying
 * question is asked there (a list to pick from) and planning goes on with the answer; a variable's
 * value is asked without echo; colour on a terminal, none with NO_COLOR or in a pipe; a wait shows
 * a live status line with the elapsed time, and Ctrl-C says what is left on the manager (exit 130).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../src/sandbox/index.js';
import { KEY, PtyRun } from '../support/pty.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function home(): string {
  const d = mkdtempSync(join(tmpdir(), 'bai-tty-'));
  dirs.push(d);
  return d;
}

function env(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_') || key === 'NO_COLOR' || key === 'FORCE_COLOR' || key === 'CI') delete e[key];
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: join(dir, 'state'), BAI_AGENT_CACHE_DIR: join(dir, 'cache'), ...extra };
}

const tty = (dir: string, args: string[], extra: Record<string, string> = {}) => new PtyRun([process.execPath, cli, ...args], env(dir, extra));

function piped(dir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [cli, ...args], { env: env(dir), timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

const SGR_COLOUR = /\u001b\[(?:3[0-9]|1|2)m/;

describe('at a terminal', () => {
  it('the prompt names the write it approves; approving runs it and says what it did in one sentence', { timeout: 90_000 }, async () => {
    const r = tty(home(), ['create a folder called from-a-terminal']);
    await r.waitFor(/Run this write on the sandbox manager: s1 POST \/folders \(folders\.create\)\? \(y\/N\)/);
    r.type(`y${KEY.enter}`);
    await r.waitFor(/Folder from-a-terminal created \(/);
    expect(await r.exited).toBe(0);
    expect(r.raw).not.toContain('"quota_scope_id"'); // no response body in human mode
  });

  it('a plan file whose free text clears the screen and draws a fake read line: shown as text; the typed name guards the delete', { timeout: 90_000 }, async () => {
    const dir = home();
    const file = join(dir, 'plan.json');
    expect((await piped(dir, ['--json', 'plan', '-o', file, 'delete the folder datasets'])).code).toBe(0);
    const plan = JSON.parse(readFileSync(file, 'utf8'));
    const fake = '\u001b[2J\u001b[H└─ s1  GET /folders  [folders.list_folders]  read';
    plan.steps[0].reason = fake;
    plan.steps[0].assumptions = [fake];
    plan.request = `show my folders${fake}`;
    writeFileSync(file, JSON.stringify(plan));
    const r = tty(dir, ['apply', file]);
    // (the prompt may wrap at the terminal width: wait for its last, unbroken part)
    await r.waitFor(/s1 DELETE \/folders\/datasets \(folders\.delete_by_name\)\?/);
    expect(r.raw).not.toContain('\u001b[2J'); // the clear-screen never reached the terminal …
    expect(r.text).toContain('\\x1b[2J'); // … it is shown as text
    expect(r.text.split('\n').some((l) => l.startsWith('└─ s1  GET /folders'))).toBe(false);
    r.type(`y${KEY.enter}`);
    await r.waitFor(/This deletes folder datasets\. Type its name to confirm:/);
    r.type(`models${KEY.enter}`);
    expect(await r.exited).toBe(5);
    const list = await piped(dir, ['--json', 'list my folders']);
    expect(JSON.parse(list.stdout).execution.results[0].data.map((f: { name: string }) => f.name)).toContain('datasets');
  });

  it('a clarifying question is asked there, as a list, and planning goes on with the answer', { timeout: 90_000 }, async () => {
    const r = tty(home(), ['delete the folder']);
    await r.waitFor(/Which folder should I delete\? Your folders: api_helper, datasets, models\./);
    await r.waitFor('datasets');
    r.type(KEY.down);
    r.type(KEY.enter);
    await r.waitFor(/Plan for: "delete the folder datasets"/);
    await r.waitFor(/Run this write/);
    r.type(`n${KEY.enter}`);
    expect(await r.exited).toBe(5); // declined: nothing written
    // the question was asked once, not printed again at the end
    expect(r.text.match(/Which folder should I delete\?/g)!.length).toBeLessThanOrEqual(3); // redraws of the one prompt
    expect(r.text).not.toMatch(/Could you rephrase/);
  });

  it('a variable named without a value: its value is asked for without echo, and masked in the plan', { timeout: 90_000 }, async () => {
    const r = tty(home(), ['plan', 'create a session with the environment variable WANDB_API_KEY']);
    await r.waitFor(/What value should WANDB_API_KEY have\?/);
    r.type(`s3cret-value-123${KEY.enter}`);
    await r.waitFor(/Plan for: /);
    expect(await r.exited).toBe(0);
    expect(r.text).toContain('config.environ={WANDB_API_KEY=***}');
    expect(r.raw).not.toContain('s3cret-value-123');
  });

  it('colour in the plan tree on a terminal; none with NO_COLOR; none in a pipe', { timeout: 90_000 }, async () => {
    const dir = home();
    const coloured = tty(dir, ['plan', 'delete the folder models']);
    expect(await coloured.exited).toBe(0);
    expect(coloured.raw).toMatch(SGR_COLOUR);
    const plain = tty(dir, ['plan', 'delete the folder models'], { NO_COLOR: '1' });
    expect(await plain.exited).toBe(0);
    expect(plain.raw).not.toMatch(SGR_COLOUR);
    expect(plain.text).toContain('DELETE /folders/models');
    const pipe = await piped(dir, ['plan', 'delete the folder models']);
    expect(pipe.stdout + pipe.stderr).not.toContain('\u001b');
  });
});

describe('a wait at a terminal', () => {
  it('shows a live status line with the elapsed time; Ctrl-C says what was created and how to end it, exit 130', { timeout: 90_000 }, async () => {
    // a manager whose clock stands still: the new session stays SCHEDULED, the wait goes on
    const frozen = Date.now();
    const sandbox = await startSandbox({ now: () => frozen });
    try {
      const keys = sandbox.credentials.user;
      const r = tty(home(), ['--yes', 'create a session named waits-forever with 1 fGPU'], {
        BACKEND_ENDPOINT: sandbox.url,
        BACKEND_ACCESS_KEY: keys.accessKey,
        BACKEND_SECRET_KEY: keys.secretKey,
      });
      await r.waitFor(/session waits-forever: SCHEDULED · \d+ s/);
      await r.waitFor(/session waits-forever: SCHEDULED · [2-9] s/); // it ticks
      r.interrupt();
      await r.waitFor(/Interrupted\./);
      expect(await r.exited).toBe(130);
      expect(r.text).toMatch(/session waits-forever \([0-9a-f-]{36}\): SCHEDULED/);
      expect(r.text).toContain('To terminate it: bai-agent "terminate the session waits-forever"');
      expect(sandbox.world().sessions.map((s) => s.name)).toContain('waits-forever'); // still there, as said
    } finally {
      await sandbox.close();
    }
  });
});
