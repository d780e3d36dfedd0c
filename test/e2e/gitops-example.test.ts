/**
 * The pull-request workflow's script (examples/gitops/bai-gitops.sh), run as shipped against the
 * built-in sandbox, as the workflow's jobs would: plan the requests file (markdown comment + plan
 * file), apply the reviewed plan on merge with the ci policy — and refuse when the manager changed
 * since the review, or when the requests file is not the one that was planned.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const script = join(root, 'examples', 'gitops', 'bai-gitops.sh');
const dir = mkdtempSync(join(tmpdir(), 'bai-gitops-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_')) delete e[key];
  return {
    ...e,
    HOME: dir, // no ~/.backend.ai credentials of the machine's user
    BAI_AGENT: `${process.execPath} ${join(root, 'dist', 'bundle', 'bin.js')}`,
    BAI_AGENT_STATE_DIR: dir,
    BAI_AGENT_CACHE_DIR: join(dir, 'cache'),
  };
}

function sh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', [script, ...args], { env: env(), timeout: 120_000 }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function bai(...args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'dist', 'bundle', 'bin.js'), ...args], { env: env(), timeout: 60_000 }, (err, stdout) => {
      done({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout });
    });
  });
}

describe('examples/gitops/bai-gitops.sh', () => {
  it('plans the shipped requests file for the pull request and applies the reviewed plan on merge', async () => {
    const requests = join(dir, 'requests.txt');
    copyFileSync(join(root, 'examples', 'gitops', 'requests.txt'), requests);
    const planned = await sh('plan', requests, join(dir, 'pr'));
    expect(planned.code, planned.stderr).toBe(0);
    const md = readFileSync(join(dir, 'pr', 'plan.md'), 'utf8');
    expect(md).toContain('### bai-agent plan');
    expect(md).toContain('1. create a session named nightly-eval with 2 fGPU');
    expect(md).toMatch(/\| s1 \| 1 \| `POST \/session`<br>`session\.create_from_params` \|/);
    expect(md).toContain('✅ allowed'); // the ci policy's verdict
    expect(md).toMatch(/undo: terminate session nightly-eval/);
    expect(md).toContain('`session_name=nightly-eval`');
    expect(md).toContain('**Assumptions**');
    const plan = JSON.parse(readFileSync(join(dir, 'pr', 'plan.json'), 'utf8'));
    expect(plan.requests.map((r: { request: string }) => r.request)).toEqual([
      'create a session named nightly-eval with 2 fGPU',
      "create a batch session named nightly-train that runs 'python train.py --epochs 3'",
    ]);
    expect(plan.policy.name).toBe('ci');

    const applied = await sh('apply', join(dir, 'pr', 'plan.json'), requests);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toMatch(/applied: run [0-9a-f]{10}/);
    expect(applied.stdout).toMatch(/session nightly-eval [0-9a-f-]{36} RUNNING/);
    const audit = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { operationId: string; runId: string; outcome: string });
    // two creates, each a `started` line and then its outcome
    expect(audit.filter((a) => a.operationId === 'session.create_from_params' && a.outcome !== 'started')).toHaveLength(2);
    expect(audit.filter((a) => a.operationId === 'session.create_from_params' && a.outcome === 'started')).toHaveLength(2);
  }, 240_000);

  it('refuses a plan when the manager changed since the review, or the requests file is not the planned one', async () => {
    const requests = join(dir, 'stale.txt');
    writeFileSync(requests, '# clean up\nterminate session notebook-old\n');
    const planned = await sh('plan', requests, join(dir, 'stale'));
    expect(planned.code, planned.stderr).toBe(0);
    expect(readFileSync(join(dir, 'stale', 'plan.md'), 'utf8')).toMatch(/cannot be undone/);

    // someone edits the requests file after the review
    writeFileSync(join(dir, 'edited.txt'), 'terminate session train-job-1\n');
    const edited = await sh('apply', join(dir, 'stale', 'plan.json'), join(dir, 'edited.txt'));
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/not the requests file that was planned/);

    // the session is terminated by someone else before the merge
    expect((await bai('--json', '--yes', 'terminate session notebook-old')).code).toBe(0);
    const stale = await sh('apply', join(dir, 'stale', 'plan.json'), requests);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toMatch(/apply failed \(exit 2\): the manager changed since the plan was made/);

    // a request the ci policy denies: the comment says so and the job fails
    writeFileSync(join(dir, 'denied.txt'), 'create a folder called ci-made\n');
    const denied = await sh('plan', join(dir, 'denied.txt'), join(dir, 'denied'));
    expect(denied.code).toBe(3);
    expect(readFileSync(join(dir, 'denied', 'plan.md'), 'utf8')).toMatch(/⛔ \*\*Refused:\*\*/);
  }, 240_000);
});
