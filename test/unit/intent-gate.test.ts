/** Which requests count as asking for no change, and which plan steps that makes unasked-for. */
import { describe, expect, it } from 'vitest';
import { requestIsReadOnly, unrequestedWrites } from '../../src/agent/intent-gate.js';
import type { PlanDocument, PlanStep } from '../../src/planner/plan.js';

describe('requestIsReadOnly', () => {
  it('questions and listings are read-only', () => {
    for (const r of ['list my sessions', 'show my folders', 'show the logs of train-job-1', '내 세션 목록 보여줘', 'how much fGPU is left?']) {
      expect(requestIsReadOnly(r), r).toBe(true);
    }
  });

  it('anything asking for a change, or not understood, is not', () => {
    for (const r of ['terminate train-job-1', 'create a session with 2 fGPU', 'list my sessions and delete the folder datasets', 'delete every folder', 'what is the weather', '']) {
      expect(requestIsReadOnly(r), r).toBe(false);
    }
  });
});

function plan(request: string, kind: 'llm' | 'offline' | 'hybrid', steps: Array<Pick<PlanStep, 'id' | 'operationId' | 'effect'>>): PlanDocument {
  return { request, planner: { kind, model: kind === 'offline' ? null : 'm' }, steps } as unknown as PlanDocument;
}

describe('unrequestedWrites', () => {
  const steps = [
    { id: 's1', operationId: 'v2/sessions.my_search', effect: 'read' as const },
    { id: 's2', operationId: 'folders.delete_by_name', effect: 'write' as const },
  ];

  it('are the writes of an LLM plan for a read-only request', () => {
    expect(unrequestedWrites(plan('list my sessions', 'llm', steps)).map((s) => s.id)).toEqual(['s2']);
  });

  it('are none when the request asks for a change', () => {
    expect(unrequestedWrites(plan('delete the folder datasets', 'llm', steps))).toEqual([]);
    expect(unrequestedWrites(plan('delete the folder datasets', 'hybrid', steps))).toEqual([]);
  });

  it('apply to every plan whoever made its steps: hybrid and offline plans too', () => {
    expect(unrequestedWrites(plan('list my sessions', 'hybrid', steps)).map((s) => s.id)).toEqual(['s2']);
    expect(unrequestedWrites(plan('list my sessions', 'offline', steps)).map((s) => s.id)).toEqual(['s2']);
  });
});
