/**
 * A secret-looking variable in a request (`WANDB_API_KEY=abc123secret`): the manager gets the real
 * value, and it is masked everywhere it is shown or written down — the `Plan for:` header, the
 * `--json` document (request and environ), the plan file, the audit log (request and
 * body.config.environ). A saved plan cannot carry the value, so `apply` asks for the request instead.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frontEnv, readAudit, runCli } from '../support/frontends.js';

const work = mkdtempSync(join(tmpdir(), 'bai-secret-vars-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const SECRET = 'abc123secret';
const REQUEST = `create a session named secret-env with 1 fGPU and WANDB_API_KEY=${SECRET}`;

describe('secret-looking variables', () => {
  it('are masked in the header, --json, the plan file and the audit log; the manager gets the real value', { timeout: 120_000 }, async () => {
    const env = frontEnv(work, join(work, 'cache'));
    const planFile = join(work, 'plan.json');
    const planned = await runCli(['plan', REQUEST, '-o', planFile], env);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout + planned.stderr).toContain('Plan for: "create a session named secret-env with 1 fGPU and WANDB_API_KEY=***"');
    expect(planned.stdout + planned.stderr).not.toContain(SECRET);
    const file = readFileSync(planFile, 'utf8');
    expect(file).not.toContain(SECRET);
    expect(JSON.parse(file).steps[0].body.config.environ.WANDB_API_KEY).toBe('***');

    const ran = await runCli(['--json', '--yes', REQUEST], env);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout + ran.stderr).not.toContain(SECRET);
    expect(ran.json!.plan.request).toContain('WANDB_API_KEY=***');
    expect(ran.json!.plan.steps[0].body.config.environ.WANDB_API_KEY).toBe('***');

    const audit = readAudit(work);
    expect(audit.map((a) => a.outcome)).toEqual(['started', 'ok']);
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect((audit[0]!.body as { config: { environ: Record<string, string> } }).config.environ.WANDB_API_KEY).toBe('***');

    // the session on the manager has the real value
    const state = JSON.parse(readFileSync(join(work, 'sandbox', 'state.json'), 'utf8')) as { sessions: Array<{ name: string; environ: Record<string, string> }> };
    expect(state.sessions.find((s) => s.name === 'secret-env')?.environ.WANDB_API_KEY).toBe(SECRET);

    // the saved plan has no value to send: apply says so instead of sending "***"
    const applied = await runCli(['--json', '--yes', 'apply', planFile], env);
    expect(applied.code).toBe(2);
    expect(applied.json!.error.message).toMatch(/sets WANDB_API_KEY, whose value is never saved in a plan/);
  });
});
