/**
 * Issue 4's target on a set the planner was not developed on: the offline planner scores plan
 * accuracy ≥ 0.95 with no hallucinated operation or entity on test/fixtures/eval-heldout.jsonl
 * (English and Korean requests in the format of shared/eval/README.md), run in-process through
 * the eval command exactly as `bai-agent eval FILE --json` runs it. The probe sets written while
 * generalising the parser are checked too, as a guard against regressions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as evalCommand } from '../../src/cli/commands/eval.js';
import { Output } from '../../src/cli/output.js';
import type { EvalReport } from '../../src/eval/run.js';
import { repoRoot } from '../support/shared.js';

const HELDOUT = join(repoRoot, 'test', 'fixtures', 'eval-heldout.jsonl');
const PROBES = join(repoRoot, 'test', 'fixtures', 'eval-probes.jsonl');

let dir: string;
const saved = { HOME: process.env.HOME, BAI_AGENT_STATE_DIR: process.env.BAI_AGENT_STATE_DIR, BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bai-heldout-'));
  process.env.HOME = dir;
  process.env.BAI_AGENT_STATE_DIR = join(dir, 'state');
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function evalReport(file: string): Promise<{ report: EvalReport; failures: string[] }> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (d) => (text += String(d)));
  const out = new Output({ json: true, stdout, stderr: new PassThrough() });
  const code = await evalCommand({ globals: { json: true }, out }, file, { k: '5' });
  expect(code).toBe(0);
  const report = JSON.parse(text) as EvalReport;
  return { report, failures: report.results.filter((r) => !r.ok).map((r) => `${r.id}: ${r.why}`) };
}

describe('held-out eval set (offline planner, bundled spec)', () => {
  it('plan accuracy ≥ 0.95, no hallucinated operations or entities, in English and in Korean', async () => {
    const { report, failures } = await evalReport(HELDOUT);

    expect(report.items).toBeGreaterThanOrEqual(80);
    expect(report.plan.accuracy, failures.join('\n')).toBeGreaterThanOrEqual(0.95);
    expect(report.plan.by_tag.korean, failures.join('\n')).toBeGreaterThanOrEqual(0.9);
    expect(report.hallucinations).toEqual({ operations: 0, entities: 0 });
    // every outcome kind is exercised, so a planner that always plans (or always asks) cannot pass
    expect(new Set(report.results.map((r) => r.outcome))).toEqual(new Set(['planned', 'needs_clarification', 'refused']));
  }, 60_000);
});

describe('probe sets the parser was generalised on (not held out: a regression guard)', () => {
  it('eval-probes.jsonl (~1470 requests, ~40% Korean) stays ≥ 0.97 with no hallucination', async () => {
    const { report, failures } = await evalReport(PROBES);
    expect(report.items).toBeGreaterThanOrEqual(450);
    expect(report.plan.accuracy, failures.join('\n')).toBeGreaterThanOrEqual(0.97);
    expect(report.hallucinations).toEqual({ operations: 0, entities: 0 });
  }, 300_000);
});
