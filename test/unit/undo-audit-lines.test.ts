/** The audit log has a `started` line before each write and one with its outcome after: undo reads the outcome. */
import { describe, expect, it } from 'vitest';
import { parseRuns } from '../../src/agent/undo.js';

const line = (stepId: string, outcome: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ time: 't', runId: 'r1', request: 'x', stepId, operationId: 'folders.create', pathParams: {}, outcome, ...extra });

describe('parseRuns', () => {
  it('a started line is replaced by the outcome line of the same step', () => {
    const { runs } = parseRuns([line('s1', 'started'), line('s1', 'ok'), line('s2', 'started'), line('s2', 'failed')].join('\n'));
    expect(runs[0]!.writes.map((w) => [w.stepId, w.outcome])).toEqual([
      ['s1', 'ok'],
      ['s2', 'failed'],
    ]);
  });

  it('a started line with no outcome after it (the process died) is a write whose outcome is unknown', () => {
    const { runs } = parseRuns([line('s1', 'started'), line('s1', 'ok'), line('s2', 'started')].join('\n'));
    expect(runs[0]!.writes.map((w) => [w.stepId, w.outcome])).toEqual([
      ['s1', 'ok'],
      ['s2', 'unknown'],
    ]);
  });

  it('older logs without started lines read as before', () => {
    const { runs } = parseRuns([line('s1', 'ok'), line('s2', 'recovered')].join('\n'));
    expect(runs[0]!.writes.map((w) => w.outcome)).toEqual(['ok', 'recovered']);
  });
});
