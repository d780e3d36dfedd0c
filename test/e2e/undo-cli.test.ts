/**
 * `bai-agent undo` and the undo offered after a failed step, as separate CLI processes sharing the
 * built-in sandbox's state and the audit log (as a user's successive commands would): runs are
 * undone by id or by default the last one, a target changed since refuses the undo, an undo is
 * confirmed like any plan, and a failed apply undoes what already succeeded with --on-failure undo.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const stateDir = mkdtempSync(join(tmpdir(), 'bai-undo-cli-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (key.startsWith('BACKEND_') || key.startsWith('BAI_AGENT_')) delete e[key];
  return { ...e, HOME: stateDir, BAI_AGENT_STATE_DIR: stateDir, BAI_AGENT_CACHE_DIR: join(stateDir, 'cache') };
}

/** Run the CLI with --json; its document and exit code. */
function cli(...args: string[]): Promise<{ code: number; doc: any; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'dist', 'bundle', 'bin.js'), '--json', ...args], { env: env(), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      let doc: unknown;
      try {
        doc = JSON.parse(stdout);
      } catch {
        doc = undefined;
      }
      done({ code, doc, stderr });
    });
  });
}

async function folderNames(): Promise<Record<string, string>> {
  const { doc } = await cli('list my folders');
  const list = doc.execution.results.find((r: any) => Array.isArray(r.data)).data as Array<{ name: string; status: string }>;
  return Object.fromEntries(list.map((f) => [f.name, f.status]));
}

describe('bai-agent undo', () => {
  it('undoes a run by id or the last one; a target changed since refuses the undo', async () => {
    const first = await cli('--yes', 'rename the folder api_helper to tools');
    expect(first.code).toBe(0);
    const r1 = first.doc.runId as string;
    expect(r1).toMatch(/^[0-9a-f]{10}$/);
    expect(first.doc.plan.steps[0].undo).toMatchObject({ kind: 'compensate', summary: 'rename folder tools back to api_helper' });

    const second = await cli('--yes', 'rename the folder tools to tools2');
    const r2 = second.doc.runId as string;

    // run 1's undo would rename "tools", which is now "tools2": stale, nothing is written
    const stale = await cli('--yes', 'undo', r1);
    expect(stale.code).toBe(2);
    expect(stale.doc.error.message).toMatch(/changed since.*renamed to tools2/);
    expect(await folderNames()).toHaveProperty('tools2');

    // an undo is a plan like any other: the policy applies
    const denied = await cli('--policy', 'readonly', '--yes', 'undo');
    expect(denied.code).toBe(3);
    expect(denied.doc.error.message).toMatch(/cannot undo run .*rename_vfolder/);

    // the default is the last run; without --yes or a terminal nothing is written
    const unconfirmed = await cli('undo');
    expect(unconfirmed.code).toBe(6);
    expect(unconfirmed.doc.undoOf).toBe(r2);
    expect(unconfirmed.doc.plan.undoOf).toEqual({ runId: r2, request: 'rename the folder tools to tools2' });
    expect(await folderNames()).toHaveProperty('tools2');

    const undone2 = await cli('--yes', 'undo');
    expect(undone2.code).toBe(0);
    expect(undone2.doc.outcome).toBe('executed');
    expect(await folderNames()).toHaveProperty('tools');

    // now run 1 applies again (a unique prefix of its id is enough)
    const undone1 = await cli('--yes', 'undo', r1.slice(0, 6));
    expect(undone1.code).toBe(0);
    const names = await folderNames();
    expect(names).toHaveProperty('api_helper');
    expect(names).not.toHaveProperty('tools');

    const again = await cli('--yes', 'undo', r1);
    expect(again.code).toBe(0);
    expect(again.doc.outcome).toBe('nothing_to_undo');
    expect(again.doc.notes.join(' ')).toMatch(/already has its old name/);

    const list = await cli('undo', '--list');
    const rows = list.doc.runs as Array<{ runId: string; undoOf?: string; undoneBy?: string }>;
    expect(rows.find((r) => r.runId === r1)?.undoneBy).toBeDefined();
    expect(rows.find((r) => r.runId === undone2.doc.runId)?.undoOf).toBe(r2);

    const unknown = await cli('undo', 'ffffffffff');
    expect(unknown.code).toBe(2);
    expect(unknown.doc.error.message).toMatch(/no run ffffffffff/);
  }, 180_000);

  it('a failed apply undoes the steps that succeeded with --on-failure undo, keeps them with keep', async () => {
    const planFile = join(stateDir, 'saga.json');
    const planned = await cli('plan', 'create a folder called saga-f and rename nothing.txt to x.txt in api_helper', '-o', planFile);
    expect(planned.doc.plan.steps.map((s: any) => s.operationId)).toEqual(['folders.create', 'folders.rename_file']);

    const undone = await cli('--yes', 'apply', planFile, '--on-failure', 'undo');
    expect(undone.code).toBe(7); // the run failed, whatever its undo did
    expect(undone.doc.outcome).toBe('execution_failed');
    expect(undone.doc.afterFailure).toMatchObject({ outcome: 'executed', execution: { ok: true } });
    expect(undone.doc.afterFailure.plan.steps.map((s: any) => s.operationId)).toEqual(['folders.delete_by_name']);
    expect((await folderNames())['saga-f']).toBe('delete-pending'); // as announced: the folder stays in the trash bin

    const keepFile = join(stateDir, 'keep.json');
    await cli('plan', 'create a folder called keep-f and rename nothing.txt to x.txt in api_helper', '-o', keepFile);
    const kept = await cli('--yes', 'apply', keepFile, '--on-failure', 'keep');
    expect(kept.code).toBe(7);
    expect(kept.doc.afterFailure).toEqual({ outcome: 'kept', runId: kept.doc.runId });
    expect(kept.stderr).toMatch(new RegExp(`bai-agent undo ${kept.doc.runId}`));
    expect((await folderNames())['keep-f']).toBe('ready');

    const bad = await cli('--yes', 'apply', keepFile, '--on-failure', 'maybe');
    expect(bad.code).toBe(2);
  }, 180_000);
});
