/**
 * Every word accounted for (issue 13): words that could change a write and that no rule read
 * are reported, and the planner asks about them instead of planning around them.
 */
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import { unreadQuestion } from '../../src/planner/offline/proposer.js';

const unread = (text: string): string[] => (parseRequest(text).unread ?? []).map((w) => `${w.kind}:${w.text}`);

describe('words no rule read', () => {
  it('a name, a number, a variable or a quoted span left over is reported', () => {
    expect(unread('delete folder a-1 and folder b-2')).toEqual(['name:b-2']);
    // a key=value pair is read by the structured grammar (grammar/structured): nothing is left over
    expect(unread('create a session with 2 fGPU, name=ft-run-3')).toEqual([]);
    expect(parseRequest('create a session with 2 fGPU, name=ft-run-3').intents[0]!.intent).toMatchObject({ kind: 'session.create', name: 'ft-run-3' });
    expect(unread('start a python session with ${GPU_COUNT} fGPU')).toEqual(['variable:${GPU_COUNT}']);
    expect(unread('make a folder called $RUN_NAME')).toContainEqual(expect.stringMatching(/^variable:\$RUN_NAME/));
  });

  it('exceptions, filters and negations no slot holds are reported', () => {
    expect(unread('terminate all my sessions, leave the blue ones alone')).toEqual(expect.arrayContaining([expect.stringMatching(/^(?:exception|name):/)]));
    // (a CPU-only exception is read: parse-rules-r2)
    expect(parseRequest('terminate all my sessions, leave the CPU-only ones alone').intents[0]!.intent).toMatchObject({ target: { all: true, exceptFilter: { accelerator: 'cpu' } } });
    expect(unread('start a session with 2 fGPU, no datasets').some((w) => w.startsWith('negation:'))).toBe(true);
    // a negation read as a filter is accounted for
    expect(unread('GPU 안 쓰는 세션은 다 정리해줘')).toEqual([]);
    expect(unread('terminate all my sessions except notebook-old')).toEqual([]); // the exception is a slot here
  });

  it('what the intents hold is accounted for, in any form the request said it', () => {
    expect(unread('start a pytorch session named rn50-ft with 2 fGPU, 16g memory and datasets mounted at /data')).toEqual([]);
    expect(unread('start a session with 2 fGPU and environment variables A=1, B=2')).toEqual([]);
    expect(unread('create three folders: run-a, run-b and run-c')).toEqual([]);
    expect(unread('kill train-job-1 and relaunch it with 4 fGPU instead of 2')).toEqual([]);
    expect(unread('train-job-1 is stuck, force-kill it')).toEqual([]);
    expect(unread('mount models read-only and datasets read-write in a new session with 1 fGPU')).toEqual([]);
    expect(unread('notebook-old 이제 안 쓰니까 꺼 줘')).toEqual([]); // a reason, not a setting
    expect(unread("shut down notebook-old, I don't need it anymore")).toEqual([]);
    expect(unread('Ticket #4411: terminate notebook-old')).toEqual([]);
  });

  it('reads are answered even with words left over; only writes are held back', async () => {
    const parsed = parseRequest('list my sessions on board-7');
    expect(parsed.intents.map((p) => p.intent.kind)).toEqual(['session.list']);
    expect(parsed.notUnderstood).toEqual(['board-7']);
  });

  it('the question quotes the words, and says nothing was planned', () => {
    expect(unreadQuestion([{ text: 'b-2', kind: 'name' }])).toMatch(/"b-2".*planned nothing/);
    expect(unreadQuestion([{ text: '${GPU_COUNT}', kind: 'variable' }])).toMatch(/"\$\{GPU_COUNT\}" looks like a variable that the shell did not expand/);
    expect(unreadQuestion([{ text: 'except', kind: 'exception' }])).toMatch(/"except".*planned nothing/);
  });
});
