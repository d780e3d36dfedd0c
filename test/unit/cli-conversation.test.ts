/**
 * The small pieces of the terminal conversation: the answers a question offers and how an answer
 * joins the request; near misses of command names; progress during a wait (a heartbeat line when
 * stderr is not a terminal, a ticking live line when it is); tables that wrap instead of cutting.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { clarifyChoices, withAnswer } from '../../src/cli/clarify.js';
import { nearestCommand } from '../../src/cli/command-typo.js';
import { table } from '../../src/cli/commands/ops.js';
import { Output } from '../../src/cli/output.js';
import { ProgressReporter, formatElapsed } from '../../src/cli/progress.js';
import type { PlanStep } from '../../src/planner/plan.js';

describe('clarifying questions', () => {
  it.each([
    ['Which folder should I delete? Your folders: api_helper, datasets, models.', ['api_helper', 'datasets', 'models']],
    ['There is no folder "x" to mount. Your folders: a, b. Which one should I mount?', ['a', 'b']],
    ['Resource group "x" is not available to you. You can use: default, gpu-a100. Which one?', ['default', 'gpu-a100']],
    ['I restart one session at a time: which first, train-job-1 or notebook-old?', ['train-job-1', 'notebook-old']],
    ['Which GPU session: a-one, b-two or c-three?', ['a-one', 'b-two', 'c-three']],
    ['Which session should I terminate? Your sessions: a, b, … (12 in all).', ['a', 'b']],
  ])('%s lists its answers', (question, choices) => {
    expect(clarifyChoices(question)).toEqual(choices);
  });

  it('a question without listed answers is free text', () => {
    expect(clarifyChoices('What should the new folder be called?')).toBeUndefined();
    expect(clarifyChoices('What command should the batch job run? (e.g. "python train.py")')).toBeUndefined();
  });

  it('the answer joins the request in the words the planner reads', () => {
    expect(withAnswer('delete the folder', 'Which folder should I delete? Your folders: a, b.', 'datasets')).toBe('delete the folder datasets');
    expect(withAnswer('create a folder', 'What should the new folder be called?', 'experiments')).toBe('create a folder called experiments');
    expect(withAnswer('rename the folder datasets', 'What should folder datasets be renamed to?', 'data2')).toBe('rename the folder datasets to data2');
    expect(withAnswer('create a batch session', 'What command should the batch job run? (e.g. "python train.py")', 'python train.py')).toBe(
      "create a batch session that runs 'python train.py'",
    );
    expect(withAnswer('create a session with env FOO', 'What value should FOO have? Add it as FOO=VALUE', 'bar baz')).toBe("create a session with env FOO with FOO='bar baz'");
  });
});

describe('command names', () => {
  it('near misses are named; real words and real commands are not', () => {
    expect(nearestCommand('aply')).toBe('apply');
    expect(nearestCommand('sandbx')).toBe('sandbox');
    expect(nearestCommand('pln')).toBe('plan');
    expect(nearestCommand('evla')).toBe('eval');
    expect(nearestCommand('apply')).toBeUndefined();
    expect(nearestCommand('create')).toBeUndefined();
    expect(nearestCommand('list')).toBeUndefined();
    expect(nearestCommand('세션')).toBeUndefined();
  });
});

function capture(isTTY: boolean) {
  let text = '';
  const stream = Object.assign(new Writable({ write(c, _e, cb) { text += String(c); cb(); } }), { isTTY, columns: 100 });
  return { stream, text: () => text };
}

const step = { id: 's1', operationId: 'session.create_from_params', method: 'POST', path: '/session', reason: 'create interactive session job-a' } as PlanStep;

describe('progress during a wait', () => {
  afterEach(() => vi.useRealTimers());

  it('without a terminal: a line per status change and a heartbeat with the reason while it waits', async () => {
    vi.useFakeTimers();
    let now = 0;
    const err = capture(false);
    const p = new ProgressReporter(new Output({ stderr: err.stream }), { heartbeatMs: 15_000, now: () => now });
    p.handle({ kind: 'step-start', step });
    p.handle({ kind: 'wait', step, session: 'job-a', status: 'PENDING', elapsedMs: 0, statusInfo: 'no-available-instances' });
    for (let t = 1; t <= 31; t++) {
      now = t * 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    p.handle({ kind: 'wait', step, session: 'job-a', status: 'RUNNING', elapsedMs: 31_000 });
    p.handle({ kind: 'step-done', step, summary: 'session job-a RUNNING' });
    await p.close();
    const lines = err.text().trim().split('\n');
    expect(lines[0]).toBe('→ s1 POST /session …');
    expect(lines[1]).toBe('  … session job-a: PENDING (no-available-instances) (0.0 s)');
    expect(lines.filter((l) => l.startsWith('  … session job-a: still PENDING (no-available-instances)')).length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-2)).toBe('  … session job-a: RUNNING (31.0 s)');
    expect(lines.at(-1)).toBe('✓ s1 session job-a RUNNING');
    expect(p.sessions.get('job-a')?.status).toBe('RUNNING');
  });

  it('at a terminal: one live line with status, reason and elapsed time, ticking', async () => {
    vi.useFakeTimers();
    let now = 0;
    const shown: string[] = [];
    const spinner = {
      text: '',
      isSpinning: false,
      start(t?: string) { this.isSpinning = true; if (t) shown.push(t); return this; },
      stop() { this.isSpinning = false; return this; },
      success(t?: string) { shown.push(`ok ${t}`); this.isSpinning = false; return this; },
      error(t?: string) { shown.push(`err ${t}`); this.isSpinning = false; return this; },
    };
    const live = new Proxy(spinner, { set(target, key, value) { if (key === 'text') shown.push(String(value)); (target as Record<string | symbol, unknown>)[key] = value; return true; } });
    const err = capture(true);
    const p = new ProgressReporter(new Output({ stderr: err.stream, colour: false }), { now: () => now, spinner: async () => live });
    p.handle({ kind: 'step-start', step });
    p.handle({ kind: 'wait', step, session: 'job-a', status: 'PENDING', elapsedMs: 0, statusInfo: 'waiting for 2 fGPU' });
    await vi.advanceTimersByTimeAsync(10);
    for (let i = 1; i <= 3; i++) {
      now = i * 1000;
      await vi.advanceTimersByTimeAsync(1000);
    }
    p.handle({ kind: 'step-done', step, summary: 'x' });
    await vi.advanceTimersByTimeAsync(10);
    await p.close();
    expect(shown).toContain('session job-a: PENDING — waiting for 2 fGPU · 0 s');
    expect(shown).toContain('session job-a: PENDING — waiting for 2 fGPU · 3 s');
    expect(shown.at(-1)).toBe('ok s1 create interactive session job-a');
    expect(err.text()).toBe(''); // nothing else was written around it
  });

  it('elapsed time reads as people say it', () => {
    expect(formatElapsed(5_400)).toBe('5 s');
    expect(formatElapsed(125_000)).toBe('2 min 5 s');
    expect(formatElapsed(3_725_000)).toBe('1 h 2 min');
  });
});

describe('tables that fit the terminal', () => {
  it('wrap long cells instead of cutting them or dropping columns', () => {
    const text = table(['field', 'type', 'required', 'default'], [['config.resources', 'object<string, string | number | null> with a long explanation', 'yes', '{"cpu": 1}']], 60);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
    expect(text).toContain('required');
    expect(text).toContain('{"cpu": 1}');
    expect(text.replace(/\s+/g, ' ')).toContain('with a long explanation');
    expect(text).not.toContain('…');
  });
});
