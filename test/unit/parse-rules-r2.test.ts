/**
 * Rules of the request language added after the second round of blind sets (issue 13). Each rule
 * is tested with wording different from the blind item that showed it missing.
 */
import { describe, expect, it } from 'vitest';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import { extractDuration } from '../../src/planner/offline/parse/resources.js';
import { extractPermission } from '../../src/planner/offline/parse/mentions.js';

const intents = (text: string) => parseRequest(text).intents.map((p) => p.intent as unknown as Record<string, unknown>);
const kinds = (text: string) => intents(text).map((i) => i.kind);

describe('durations said in words', () => {
  it('spelled-out amounts and Korean day words are durations', () => {
    expect(extractDuration('good for an hour')).toMatchObject({ compact: '1h', seconds: 3600 });
    expect(extractDuration('valid for two weeks')).toMatchObject({ compact: '2w' });
    expect(extractDuration('유효기간은 하루')).toMatchObject({ compact: '1d' });
    expect(extractDuration('일주일 동안 쓸 토큰')).toMatchObject({ compact: '1w' });
    expect(extractDuration('a token please')).toBeUndefined();
  });

  it('a token request keeps the lifetime said in words', () => {
    const token = intents('issue a token for the service llm-svc that lasts three days').find((i) => i.kind === 'service.token');
    expect(token).toMatchObject({ duration: '3d' });
  });
});

describe('names end where the sentence does', () => {
  it('the full stop after a host is not part of it', () => {
    expect(intents('make a folder scratch-9 on nfs:fast-pool.')[0]).toMatchObject({ kind: 'folder.create', name: 'scratch-9', host: 'nfs:fast-pool' });
  });
});

describe('saving a session as an image', () => {
  it('"image name is X" names the image', () => {
    expect(intents('notebook-old를 이미지로 만들어 줘. 이미지 이름: nb-env-2')[0]).toMatchObject({ kind: 'session.commit', filename: 'nb-env-2' });
    expect(intents('save train-job-1 as an image, the image name should be tj-env')[0]).toMatchObject({ kind: 'session.commit', filename: 'tj-env' });
  });
});

describe('details in a sentence of their own complete the session before them', () => {
  it('amounts and a mount after the create verb sentence make one session, not two', () => {
    const r = intents('tensorflow 세션 하나 열어줘. 메모리 16g, fGPU 1개, models 마운트하고');
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ kind: 'session.create', mounts: [{ name: 'models' }] });
  });
});

describe('storage, online, keys: how newcomers name things', () => {
  it('"my X storage" is the folder X', () => {
    expect(intents('start a python box with my models storage attached')[0]).toMatchObject({ kind: 'session.create', mounts: [{ name: 'models' }] });
  });

  it('putting a model online is serving it; a key for an app is the service token', () => {
    expect(kinds('bring the model in my models storage online as qa-svc, and give me a key so my frontend can call it')).toEqual(['service.create', 'service.token']);
    expect(intents('bring the model in my models storage online as qa-svc')[0]).toMatchObject({ name: 'qa-svc', modelFolder: 'models' });
  });
});

describe('letting someone see a folder', () => {
  it('"can see / use" in Korean shares the folder, with the permission the request says', () => {
    expect(intents('colleague@sandbox.local 님도 models 폴더 쓸 수 있게 해 주세요')[0]).toMatchObject({ kind: 'folder.share', name: 'models', emails: ['colleague@sandbox.local'] });
    expect(intents('bob@lab.example이 api_helper 볼 수 있도록 해줘, 편집은 못 하게')[0]).toMatchObject({ kind: 'folder.share', name: 'api_helper', permission: 'ro' });
  });

  it('saying what they must not do is read-only', () => {
    expect(extractPermission('they must not be able to edit it')).toBe('ro');
    expect(extractPermission("he can't modify anything")).toBe('ro');
    expect(extractPermission('수정은 불가하게')).toBe('ro');
    expect(extractPermission('they must not be able to delete anything')).toBe('ro');
    expect(extractPermission('they can also delete files')).toBe('wd');
  });

  it('an English "let my teammate … look at" shares, and the refusal to change is no unread negation', () => {
    const p = parseRequest('let my teammate bob@lab.example look at api_helper; he should not change anything');
    expect(p.intents[0]!.intent).toMatchObject({ kind: 'folder.share', name: 'api_helper', permission: 'ro' });
    expect(p.unread ?? []).toEqual([]);
  });
});

describe('a pronoun that names the folder just mentioned', () => {
  it('"mount it together with X" mounts both', () => {
    const r = intents('make a folder eval-out, then launch a tensorflow session that mounts it along with models');
    expect(r[1]).toMatchObject({ kind: 'session.create', mounts: [{ name: 'eval-out' }, { name: 'models' }] });
  });

  it('after renaming a bare name, "it" is the new name', () => {
    const r = intents('rename models to models-v2, then open a session with it mounted');
    expect(r[1]).toMatchObject({ kind: 'session.create', mounts: [{ name: 'models-v2' }] });
  });

  it('"the folder" with nothing before it is asked about, not dropped', () => {
    expect(intents('attach the folder to a new tensorflow session')[0]).toMatchObject({ kind: 'session.create', mountUnnamed: true });
    // an "it" next to a named folder is the session
    expect(intents('start a session and mount api_helper into it')[0]).not.toHaveProperty('mountUnnamed');
  });
});

describe('copies of a session the request does not name', () => {
  it('"like my other one", "same settings as before" ask which', () => {
    expect(parseRequest('spin up a session like my previous one but with 2 fGPU').intents[0]!.missing).toContain('template');
    expect(parseRequest('아까랑 똑같은 세션 하나 더 만들어줘').intents[0]!.missing).toContain('template');
    expect(parseRequest('start a session with 2 fGPU like train-job-1 has').intents[0]!.missing).not.toContain('template');
  });
});

describe('a session cannot grow in place', () => {
  it('"bigger", "more memory" without an amount is a restart that asks how much', () => {
    expect(intents('could you make train-job-1 larger?')[0]).toMatchObject({ kind: 'session.restart', resizeUnsaid: true });
    expect(intents('give train-job-1 extra RAM')[0]).toMatchObject({ kind: 'session.restart', resizeUnsaid: true });
    expect(intents('train-job-1 세션 메모리 좀 늘려줘')[0]).toMatchObject({ kind: 'session.restart', resizeUnsaid: true });
  });

  it('with an amount it is a restart with that amount', () => {
    const r = intents('make notebook-old bigger: 64 GB memory');
    expect(r[0]).toMatchObject({ kind: 'session.restart', resources: { mem: expect.anything() } });
    expect(r[0]).not.toHaveProperty('resizeUnsaid');
  });

  it('"start X again" is a restart', () => {
    expect(intents('please launch notebook-old again')[0]).toMatchObject({ kind: 'session.restart' });
  });
});

describe('wanting to know before acting', () => {
  it('"I want to know … before I create one" plans no create', () => {
    const p = parseRequest('Is there enough GPU left? I need to check before starting a session with 4 fGPU');
    expect(p.intents.every((i) => !i.intent.kind.endsWith('.create'))).toBe(true);
    const ko = parseRequest('세션 만들기 전에 먼저 확인하고 싶어요, 남은 GPU 얼마나 돼요?');
    expect(ko.intents.every((i) => !i.intent.kind.endsWith('.create'))).toBe(true);
  });
});
