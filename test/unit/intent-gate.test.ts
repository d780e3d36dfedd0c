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

function plan(request: string, kind: 'llm' | 'offline' | 'hybrid', steps: Array<Pick<PlanStep, 'id' | 'operationId' | 'effect' | 'method' | 'path'>>): PlanDocument {
  return { request, planner: { kind, model: kind === 'offline' ? null : 'm' }, steps } as unknown as PlanDocument;
}

describe('unrequestedWrites', () => {
  const steps = [
    { id: 's1', operationId: 'v2/sessions.my_search', effect: 'read' as const, method: 'POST' as const, path: '/v2/sessions/my/search' },
    { id: 's2', operationId: 'folders.delete_by_name', effect: 'write' as const, method: 'DELETE' as const, path: '/folders/{name}' },
  ];

  it('are the writes of any plan for a read-only request, whatever its planner field says', () => {
    expect(unrequestedWrites(plan('list my sessions', 'llm', steps)).map((s) => s.id)).toEqual(['s2']);
    expect(unrequestedWrites(plan('list my sessions', 'offline', steps)).map((s) => s.id)).toEqual(['s2']);
    expect(unrequestedWrites(plan('list my sessions', 'hybrid', steps)).map((s) => s.id)).toEqual(['s2']);
  });

  it('a step that says "read" but writes by its method and path still counts', () => {
    const relabelled = [steps[0]!, { ...steps[1]!, effect: 'read' as const }];
    expect(unrequestedWrites(plan('list my sessions', 'offline', relabelled)).map((s) => s.id)).toEqual(['s2']);
  });

  it('are none when the request asks for that change', () => {
    expect(unrequestedWrites(plan('delete the folder datasets', 'llm', steps))).toEqual([]);
    expect(unrequestedWrites(plan('delete datasets', 'offline', steps))).toEqual([]); // a bare name may be a folder
  });

  it('a removal the request did not ask for is unrequested even when it asks for other changes', () => {
    expect(unrequestedWrites(plan('create a session with 2 fGPU', 'llm', steps)).map((s) => s.id)).toEqual(['s2']);
    expect(unrequestedWrites(plan('create a folder called exp-9', 'offline', steps)).map((s) => s.id)).toEqual(['s2']);
    const create = { id: 's3', operationId: 'folders.create', effect: 'write' as const, method: 'POST' as const, path: '/folders' };
    expect(unrequestedWrites(plan('create a folder called exp-9', 'offline', [create]))).toEqual([]);
    expect(unrequestedWrites(plan('create a session with 2 fGPU', 'offline', [create])).map((s) => s.id)).toEqual(['s3']);
  });

  it('a request the parser does not understand is left to policy', () => {
    expect(unrequestedWrites(plan('what is the weather', 'llm', steps))).toEqual([]);
  });
});
