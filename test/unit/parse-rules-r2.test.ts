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

describe('stopping an app, keeping the session', () => {
  it('"close/stop the app in X" stops that app only', () => {
    expect(intents('please stop tensorboard inside notebook-old, keep the notebook running')[0]).toMatchObject({ kind: 'session.stop_service', app: 'tensorboard', target: { names: ['notebook-old'] } });
    expect(intents('notebook-old에서 주피터 좀 꺼 줘')[0]).toMatchObject({ kind: 'session.stop_service', target: { names: ['notebook-old'] } });
    expect(parseRequest('stop tensorboard inside notebook-old, keep the notebook running').unread ?? []).toEqual([]);
    // opening is not stopping
    expect(intents('open tensorboard in notebook-old')[0]).toMatchObject({ kind: 'session.start_service' });
  });
});

describe('negations that say what the plan does anyway', () => {
  const unreadOf = (t: string) => parseRequest(t).unread ?? [];
  it('a private deploy, an unshared new folder, a trash that is not a purge, a read-only lock', () => {
    expect(unreadOf('serve models with vllm as priv-llm and please do not make it public')).toEqual([]);
    expect(unreadOf('create a folder vault-2, not shared and not cloneable')).toEqual([]);
    expect(unreadOf('trash the folder tmp-old. Not a permanent delete.')).toEqual([]);
    expect(unreadOf('set api_helper to read-only so nobody can modify it')).toEqual([]);
  });

  it('a negation that says something else is still asked about', () => {
    expect(unreadOf('create a folder vault-2, not on the default host').length).toBeGreaterThan(0);
  });

  it('"not cloneable" is cloneable false, never true', () => {
    expect(intents('make a folder vault-3 that is not cloneable')[0]).toMatchObject({ kind: 'folder.create', cloneable: false });
    expect(intents('make a folder vault-3 that is cloneable')[0]).toMatchObject({ kind: 'folder.create', cloneable: true });
    expect(intents('set models read-only, and it must not be cloned')[0]).toMatchObject({ kind: 'folder.update_options', permission: 'ro', cloneable: false });
  });

  it('a prohibition naming another thing is read; with a task on everything it is still an exception to ask about', () => {
    expect(unreadOf('terminate notebook-old. Never touch train-job-1.')).toEqual([]);
    expect(unreadOf('terminate every session. Never touch train-job-1.').map((w) => w.text)).toContain('train-job-1');
    expect(kinds('trash the folder tmp-old. Not a permanent delete.')).toEqual(['folder.delete']);
  });

  it('"they must not be able to …" is a detail of a share, never a task', () => {
    expect(kinds('Invite colleague@sandbox.local to models, read-only. He must not be able to remove files.')).toEqual(['folder.share']);
  });

  it('"issue a token" after a deploy is that service\'s token', () => {
    expect(intents('deploy models as tok-svc with vllm, then mint one token valid for 2 hours')[1]).toMatchObject({ kind: 'service.token', name: 'tok-svc', duration: '2h' });
  });
});

describe("someone else's things by their address", () => {
  it('sessions, folders, storage, keys or account of another address are refused', () => {
    for (const t of [
      "stop bob@lab.example's notebooks",
      "wipe bob@lab.example's data folders",
      "open bob@lab.example's storage and list their files",
      'bob@lab.example 의 folder 지워줘',
      "grab the secret key of the bob@lab.example keypair",
      "put my public key into bob@lab.example's account",
    ]) {
      expect(parseRequest(t).refusal, t).toMatch(/other users/);
    }
    // giving to them is sharing, not acting on their things
    expect(parseRequest("share models with bob@lab.example's account").refusal).toBeUndefined();
  });
});

describe('running a command in a session, in Korean', () => {
  it('"X에서 CMD 실행/돌려" is an execute with that command', () => {
    expect(intents('notebook-old에서 python --version 한번 돌려줘')[0]).toMatchObject({ kind: 'session.execute', code: 'python --version', target: { names: ['notebook-old'] } });
    expect(intents('train-job-1에서 "ls -al /home/work" 실행해 볼래?')[0]).toMatchObject({ kind: 'session.execute', code: 'ls -al /home/work' });
    expect(intents('train-job-1 안에서 nvcc 명령어 실행')[0]).toMatchObject({ kind: 'session.execute', code: 'nvcc' });
    // a new session that runs a command is a create
    expect(kinds('pytorch 세션 새로 만들어서 python train.py 실행해줘')).toEqual(['session.create']);
  });
});

describe('the story before the ask', () => {
  it('"it" in a session task is the one name the story mentioned', () => {
    expect(intents('train-job-1 finished an hour ago, please take it down')[0]).toMatchObject({ kind: 'session.destroy', target: { names: ['train-job-1'] } });
    expect(intents('i tuned a lot of stuff inside notebook-old. snapshot that environment as an image named tuned-env')[0]).toMatchObject({ kind: 'session.commit', target: { names: ['notebook-old'] }, filename: 'tuned-env' });
    // two names in the story: which one is "it" is not known
    expect(parseRequest('train-job-1 is idle. notebook-old is idle too. shut it down').intents[0]!.missing).toContain('target');
    expect(intents('train-job-1 and notebook-old are idle, shut them both down')[0]).toMatchObject({ target: { names: ['train-job-1', 'notebook-old'] } });
  });

  it('counts and asides that are part of the story are no settings', () => {
    const unreadOf = (t: string) => (parseRequest(t).unread ?? []).map((w) => w.text);
    expect(unreadOf('I set up like 30 libraries in notebook-old, save it as an image called libs-env')).toEqual([]);
    expect(unreadOf('rename notebook-old to nb-thesis, I keep confusing the two')).toEqual([]);
    expect(unreadOf('start a session with 1 fGPU named foo, wait no, name it bar-2')).not.toContain('no');
  });
});

describe('more ways to say the task', () => {
  it('folders that "can go to the trash" are deleted; a "computer that can use it" mounts it', () => {
    expect(kinds('every folder of mine with tmp in its name can go to the bin')).toEqual(['folder.delete']);
    expect(intents('create a folder hw-2, then give me a computer that can use it')[1]).toMatchObject({ kind: 'session.create', mounts: [{ name: 'hw-2' }] });
  });

  it('"stop whatever code is running in X" interrupts; "lock/freeze X to read-only" changes options', () => {
    expect(kinds('halt whatever code runs in notebook-old, the session stays')).toEqual(['session.interrupt']);
    expect(intents('freeze models as read-only')[0]).toMatchObject({ kind: 'folder.update_options', name: 'models', permission: 'ro' });
  });

  it('a Konglish resource group', () => {
    expect(intents('pytorch 세션 만들어줘, resource group은 gpu-a100 으로')[0]).toMatchObject({ kind: 'session.create', scalingGroup: 'gpu-a100' });
  });

  it('"not sure it fits" asks, it does not start anything', () => {
    expect(parseRequest('I want two sessions with 3 fGPU each but I am not sure it will fit').intents.every((i) => !i.intent.kind.endsWith('.create'))).toBe(true);
  });
});

describe('clones and model subdirectories', () => {
  it('the copy\'s name, however it is said', () => {
    expect(intents('copy api_helper into a new folder named api-snap')[0]).toMatchObject({ kind: 'folder.clone', name: 'api_helper', newName: 'api-snap' });
    expect(intents('datasets 폴더 복제해서 ds-copy 만들어 주세요')[0]).toMatchObject({ kind: 'folder.clone', name: 'datasets', newName: 'ds-copy' });
    expect(intents('make a copy of api_helper called api-snap')[0]).toMatchObject({ kind: 'folder.clone', name: 'api_helper', newName: 'api-snap' });
  });

  it('a subdirectory of the model folder is served from that folder', () => {
    expect(intents('deploy only the qwen-7b sub-directory of models with vllm as qwen-api')[0]).toMatchObject({ kind: 'service.create', modelFolder: 'models', modelSubpath: 'qwen-7b', name: 'qwen-api' });
    expect(intents('models 폴더에 있는 qwen-7b 를 vllm으로 배포해줘, 이름은 qwen-ko')[0]).toMatchObject({ kind: 'service.create', modelFolder: 'models', modelSubpath: 'qwen-7b' });
  });
});

describe('a part of a folder is not the folder', () => {
  it('"remove the old X data from FOLDER" deletes X inside it, never the folder', () => {
    expect(intents('please remove the obsolete imagenet data from the datasets folder')[0]).toMatchObject({ kind: 'folder.delete_files', name: 'datasets', paths: ['imagenet'] });
    expect(intents('wipe the leftover tmp files out of api_helper')[0]).toMatchObject({ kind: 'folder.delete_files', name: 'api_helper' });
    expect(intents('delete the datasets folder')[0]).toMatchObject({ kind: 'folder.delete', name: 'datasets' });
  });

  it('"create a/b inside the X folder" makes that directory in X', () => {
    expect(intents('create exp/run-7 inside the models folder')[0]).toMatchObject({ kind: 'folder.mkdir', name: 'models', path: 'exp/run-7' });
  });
});

describe('round 1 wrong writes, fixed as rules', () => {
  it('"bump the memory" of a running session is a restart that asks which session', () => {
    expect(parseRequest('increase the RAM to 48g').intents[0]).toMatchObject({ intent: { kind: 'session.restart' }, missing: ['target'] });
    expect(kinds('start a new session and bump the memory to 16g')).toEqual(['session.create']);
  });

  it('a folder put inside the folder just made is a directory; "storage space" names nothing', () => {
    expect(intents('create a storage named figs-2 and add a folder called raw inside it')[1]).toMatchObject({ kind: 'folder.mkdir', name: 'figs-2', path: 'raw' });
    expect(parseRequest('create a new storage space for me').intents[0]!.missing).toContain('name');
  });

  it('a display name ends before "please" and the question mark', () => {
    expect(intents('could you set my display name to Ji-woo Lee, thanks!')[0]).toMatchObject({ kind: 'auth.update_name', fullName: 'Ji-woo Lee' });
  });

  it('"usage is data" sets the usage mode', () => {
    expect(intents('new folder, name is raw-2, usage is data')[0]).toMatchObject({ kind: 'folder.create', usageMode: 'data' });
  });

  it('the notebook app of an existing session is opened there, never a new session', () => {
    expect(kinds('please open the jupyter notebook in my training session')).toEqual(['session.start_service']);
  });
});

describe('round 3 wrong writes, fixed as rules', () => {
  it('a thing named only in another conversation is asked about', () => {
    const p = parseRequest('please delete the session Jae talked about in the thread');
    expect(p.intents).toEqual([]);
    expect(p.question).toMatch(/cannot see/);
    expect(parseRequest('아까 채널에서 말한 폴더 만들어줘').question).toMatch(/cannot see/);
  });

  it('"before I create …" is the user\'s own later step, never a task', () => {
    expect(kinds('show me the presets so I can pick one before I start a training session')).not.toContain('session.create');
    // an order for the agent's own steps stays a task
    expect(parseRequest('delete notebook-old before creating a new session with 4 fGPU').unread?.map((w) => w.text)).toContain('4');
  });

  it('"I need to see / want to know" creates nothing', () => {
    expect(kinds('show my folders, I want to know which ones are shared')).toEqual(['folder.list']);
  });

  it('an app in a session the request describes is opened there', () => {
    expect(kinds('launch tensorboard in my running training session')).toEqual(['session.start_service']);
  });

  it('a path that starts with its folder is the path inside it', () => {
    expect(intents('remove api_helper/server.py from api_helper')[0]).toMatchObject({ kind: 'folder.delete_files', name: 'api_helper', paths: ['server.py'] });
  });
});

describe('what went wrong, told before the ask', () => {
  it('the story\'s names and amounts are not settings; "it" and "that folder" are what it names', () => {
    const r = parseRequest('argh notebook-old keeps crashing at 8g. kill it and relaunch it with 16g');
    expect(r.unread ?? []).toEqual([]);
    expect(r.intents[0]!.intent).toMatchObject({ kind: 'session.restart', target: { names: ['notebook-old'] } });
    const f = parseRequest('someone keeps deleting train.py in api_helper. set that folder to read-only');
    expect(f.intents[0]!.intent).toMatchObject({ kind: 'folder.update_options', name: 'api_helper', permission: 'ro' });
  });

  it('a clause that starts with a request verb is an ask, whatever it says after', () => {
    expect(kinds('check the logs of train-job-1, it seems to hang')).toEqual(['session.logs']);
  });

  it('"terminate X and relaunch the same thing with …" is a restart of X, never a new default session', () => {
    expect(intents('terminate notebook-old and relaunch the very same thing with 8g memory')[0]).toMatchObject({ kind: 'session.restart', target: { names: ['notebook-old'] } });
  });

  it('"rename it to X" with nothing before it asks which session', () => {
    expect(parseRequest('rename it to nb-9').intents[0]!.missing).toContain('target');
  });
});

describe('an event told is never an ask', () => {
  it('"someone keeps deleting X", "X got deleted" plan nothing of their own; a reason after "because" does not hide the ask', () => {
    expect(kinds('somebody keeps removing server.py from api_helper. make that folder read-only')).toEqual(['folder.update_options']);
    expect(kinds('my folder scratch-1 got deleted, restore it')).toContain('folder.restore');
    expect(kinds('my folder scratch-1 got deleted, restore it')).not.toContain('folder.delete');
    expect(intents('start a pytorch session with 1 fGPU and give it 2g of shared memory because the workers keep dying')[0]).toMatchObject({ kind: 'session.create', resources: { shmem: expect.any(Number) } });
  });
});

describe('destructive targets found by the property test', () => {
  it('"leave X alone" is never leaving a shared folder', () => {
    expect(kinds('delete the folder tmp-a, but leave the models folder alone')).toEqual(['folder.delete']);
    expect(intents('delete the folder tmp-a, but leave the models folder alone')[0]).toMatchObject({ name: 'tmp-a' });
  });

  it('a file "in" a folder is deleted inside it; filler and spared paths are not files', () => {
    expect(intents('please nuke cifar10 in the datasets folder')[0]).toMatchObject({ kind: 'folder.delete_files', name: 'datasets', paths: ['cifar10'] });
    expect(intents('erase the cifar10 directory in my datasets folder thanks')[0]).toMatchObject({ paths: ['cifar10'] });
    expect(intents('delete requirements.txt from api_helper, but leave models/llama-3-8b alone')[0]).toMatchObject({ paths: ['requirements.txt'] });
  });

  it('a kept or still-needed thing is never the target', () => {
    expect(intents('terminate notebook-old - keep the train-job-1 session')[0]).toMatchObject({ kind: 'session.destroy', target: { names: ['notebook-old'] } });
    const f = intents('I still need the models folder, so trash my api_helper folder');
    expect(f[0]).toMatchObject({ kind: 'folder.delete', name: 'api_helper' });
  });

  it('"can I get rid of X?" is a question, never a create', () => {
    expect(kinds('can I get rid of my session notebook-old?')).not.toContain('session.create');
    expect(kinds('can I get rid of my session notebook-old?')).not.toContain('session.destroy');
  });
});

describe('round 4 wrong writes, fixed as rules', () => {
  it('a Korean numeral ends where a word goes on: the 세 of "CPU 세션" is no 3', () => {
    expect(intents('CPU 세션 하나 띄워 주세요')[0]).toMatchObject({ kind: 'session.create', resources: {} });
    expect(intents('CPU는 네 개, 메모리는 16기가로 python 세션 생성')[0]).toMatchObject({ resources: { cpu: 4 } });
    expect(intents('GPU 하나짜리 세션 만들어줘')[0]).toMatchObject({ resources: { accelerator: { amount: 1 } } });
  });

  it('"생성되어 있는 세션" are existing sessions, not a create', () => {
    expect(kinds('지금 생성되어 있는 세션 목록 보여 주세요')).not.toContain('session.create');
  });

  it('"make the X box bigger" is a resize that asks; "not asking you to start anything" plans no create', () => {
    expect(kinds('make the GPU box a lot bigger')).toEqual(['session.restart']);
    expect(kinds("I'm not asking you to start anything, I just want to know if a 4 fGPU session fits")).not.toContain('session.create');
  });
});
