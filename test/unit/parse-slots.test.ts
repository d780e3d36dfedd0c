/** Focused tests per slot extractor, plus the splitter and the refusal check. */
import { describe, expect, it } from 'vitest';
import { extractAccelerator, extractCluster, extractCount, extractCpu, extractDuration, extractMemory, extractReplicas } from '../../src/planner/offline/parse/resources.js';
import { extractCommand, extractEmails, extractEnv, extractImage, extractMounts, extractPermission, type Clause } from '../../src/planner/offline/parse/mentions.js';
import { splitClauses } from '../../src/planner/offline/parse/split.js';
import { refusalReason } from '../../src/planner/offline/parse/refuse.js';
import { prepare, toNumber } from '../../src/planner/offline/parse/text.js';

const G = 1024 ** 3;
const clause = (text: string): Clause => {
  const p = prepare(text);
  return { masked: p.masked, lower: p.lower, quotes: p.quotes };
};
const lower = (t: string): string => prepare(t).lower;

describe('accelerators', () => {
  it.each([
    ['5 fGPU', 5, 'fgpu'],
    ['5 fgpus', 5, 'fgpu'],
    ['five fGPU', 5, 'fgpu'],
    ['2.5 fGPU', 2.5, 'fgpu'],
    ['half a GPU', 0.5, 'gpu'],
    ['half of a gpu', 0.5, 'gpu'],
    ['2 GPUs', 2, 'gpu'],
    ['1 GPU', 1, 'gpu'],
    ['a GPU', 1, 'gpu'],
    ['3 A100s', 3, 'gpu'],
    ['GPU 2개', 2, 'gpu'],
    ['fGPU 5개', 5, 'fgpu'],
    ['지피유 두 개', 2, 'gpu'],
    ['GPU 반 개', 0.5, 'gpu'],
    ['5 fGPU로', 5, 'fgpu'],
    ['gpu=4', 4, 'gpu'],
    ['12 gpu shares', 12, 'fgpu'],
  ])('%s', (text, amount, unit) => {
    expect(extractAccelerator(lower(text))?.value).toMatchObject({ amount, unit });
  });
  it('ignores names and other numbers', () => {
    expect(extractAccelerator(lower('kill gpu-job-2'))).toBeUndefined();
    expect(extractAccelerator(lower('a gpu session'))?.value.amount).toBe(1);
    expect(extractAccelerator(lower('8 cores and 16GB'))).toBeUndefined();
  });
});

describe('cpu and memory', () => {
  it.each([
    ['2 CPU cores', 2],
    ['8 cores', 8],
    ['4 vCPUs', 4],
    ['CPU 4개', 4],
    ['4코어', 4],
    ['cpu: 6', 6],
    ['twelve cores', 12],
  ])('cpu %s', (text, n) => expect(extractCpu(lower(text))?.value).toBe(n));
  it('cpu number is not a memory size', () => expect(extractCpu(lower('cpu 4gb'))).toBeUndefined());

  it.each([
    ['4GB of memory', 4 * G],
    ['128GB RAM', 128 * G],
    ['32 gigs', 32 * G],
    ['512MB', 512 * 1024 ** 2],
    ['1.5 TB', 1.5 * 1024 ** 4],
    ['메모리 16기가', 16 * G],
    ['16GB 메모리', 16 * G],
    ['8g', 8 * G],
    ['4 GiB', 4 * G],
  ])('mem %s', (text, bytes) => {
    const m = extractMemory(lower(text));
    expect(m.mem?.value).toBe(bytes);
    expect(m.shmem).toBeUndefined();
  });
  it.each([
    ['8g shared memory', 8 * G],
    ['shm 2g', 2 * G],
    ['공유 메모리 1기가', G],
    ['shared memory of 512MB', 512 * 1024 ** 2],
    ['/dev/shm 4g', 4 * G],
  ])('shmem %s', (text, bytes) => {
    const m = extractMemory(lower(text));
    expect(m.shmem?.value).toBe(bytes);
    expect(m.mem).toBeUndefined();
  });
  it('memory and shared memory together', () => {
    const m = extractMemory(lower('16GB RAM and 2GB shared memory'));
    expect(m.mem?.value).toBe(16 * G);
    expect(m.shmem?.value).toBe(2 * G);
  });
  it('a folder quota is not session memory', () => expect(extractMemory(lower('with a quota of 10GB')).mem).toBeUndefined());
});

describe('cluster, count, replicas, durations', () => {
  it('cluster size and mode', () => {
    expect(extractCluster(lower('a 2-node cluster'))?.value).toEqual({ size: 2, mode: 'multi-node' });
    expect(extractCluster(lower('on 3 nodes'))?.value).toEqual({ size: 3, mode: 'multi-node' });
    expect(extractCluster(lower('노드 4개'))?.value).toEqual({ size: 4, mode: 'multi-node' });
    expect(extractCluster(lower('a cluster of 4 containers'))?.value).toEqual({ size: 4, mode: 'single-node' });
    expect(extractCluster(lower('2 fGPU'))).toBeUndefined();
  });
  it('count', () => {
    expect(extractCount(lower('start 3 sessions'))?.value).toBe(3);
    expect(extractCount(lower('two pytorch notebooks'))?.value).toBe(2);
    expect(extractCount(lower('세션 세 개'))?.value).toBe(3);
    expect(extractCount(lower('세션 2개'))?.value).toBe(2);
    expect(extractCount(lower('a session'))).toBeUndefined();
  });
  it('replicas and durations', () => {
    expect(extractReplicas(lower('with 2 replicas'))?.value).toBe(2);
    expect(extractReplicas(lower('scale to 5'))?.value).toBe(5);
    expect(extractReplicas(lower('레플리카 3개'))?.value).toBe(3);
    expect(extractDuration(lower('valid for 2 hours'))).toEqual({ seconds: 7200, compact: '2h' });
    expect(extractDuration(lower('30분'))).toEqual({ seconds: 1800, compact: '30m' });
    expect(extractDuration(lower('7 days'))?.compact).toBe('7d');
  });
  it('number words', () => {
    expect(toNumber('half a')).toBe(0.5);
    expect(toNumber('두')).toBe(2);
    expect(toNumber('1,024')).toBe(1024);
    expect(toNumber('2,5')).toBe(2.5);
    expect(toNumber('lots')).toBeUndefined();
  });
});

describe('mentions', () => {
  it('images: frameworks with versions, references verbatim, commands are not images', () => {
    expect(extractImage(clause('from the NGC PyTorch 23.07 image'))?.value).toBe('NGC PyTorch 23.07');
    expect(extractImage(clause('a tensorflow 2.15 notebook'))?.value).toBe('tensorflow 2.15');
    expect(extractImage(clause('python 3.11 please'))?.value).toBe('python 3.11');
    expect(extractImage(clause('use cr.backend.ai/stable/python:3.11-ubuntu22.04 now'))?.value).toBe('cr.backend.ai/stable/python:3.11-ubuntu22.04');
    expect(extractImage(clause('a jupyter notebook'))).toBeUndefined();
    expect(extractImage(clause('run python train.py'))).toBeUndefined();
    expect(extractImage(clause('파이토치 세션'))?.value).toBe('파이토치');
  });
  it('startup commands', () => {
    expect(extractCommand(clause("that executes 'python train.py'"))?.value).toBe('python train.py');
    expect(extractCommand(clause('run `python train.py --epochs 3` as a batch job'))?.value).toBe('python train.py --epochs 3');
    expect(extractCommand(clause('running python eval.py --fast on 1 fGPU'))?.value).toBe('python eval.py --fast');
    expect(extractCommand(clause('`bash run.sh` 실행해'))?.value).toBe('bash run.sh');
    expect(extractCommand(clause('named "tf-exp"'))).toBeUndefined();
  });
  it('environment variables', () => {
    expect(extractEnv(clause('with env WANDB_MODE=offline and HF_HOME=/cache')).env).toEqual({ WANDB_MODE: 'offline', HF_HOME: '/cache' });
    expect(extractEnv(clause('environment variable SEED set to 7')).env).toEqual({ SEED: '7' });
    expect(extractEnv(clause('with MSG="hello world"')).env).toEqual({ MSG: 'hello world' });
    expect(extractEnv(clause('환경 변수 LANG=ko_KR.UTF-8 넣어서')).env).toEqual({ LANG: 'ko_KR.UTF-8' });
    expect(extractEnv(clause('python train.py --lr=0.1')).env).toEqual({});
  });
  it('mounts with paths, read-only and coreference', () => {
    expect(extractMounts(clause('mount data at /home/work/data read-only'))).toEqual([{ name: 'data', path: '/home/work/data', readOnly: true }]);
    expect(extractMounts(clause('mount alpha and beta-2'))).toEqual([{ name: 'alpha' }, { name: 'beta-2' }]);
    expect(extractMounts(clause('with the corpus folder mounted'))).toEqual([{ name: 'corpus' }]);
    expect(extractMounts(clause('x-1 폴더를 마운트해서'))).toEqual([{ name: 'x-1' }]);
    expect(extractMounts(clause('with it mounted'))).toHaveLength(1);
    expect(extractMounts(clause('a model folder'))).toEqual([]);
  });
  it('emails and permissions', () => {
    expect(extractEmails(clause('share with a@b.co and c.d@e.org.'))).toEqual(['a@b.co', 'c.d@e.org']);
    expect(extractPermission('read-only')).toBe('ro');
    expect(extractPermission('읽기 전용으로')).toBe('ro');
    expect(extractPermission('read-write access')).toBe('rw');
    expect(extractPermission('with full access')).toBe('wd');
    expect(extractPermission('share it')).toBeUndefined();
  });
});

describe('splitting and refusals', () => {
  const parts = (t: string): string[] => {
    const p = prepare(t);
    return splitClauses(p.masked, p.lower).map((c) => c.masked.trim());
  };
  it('splits where a new task verb starts, not at every "and"', () => {
    expect(parts('create a folder named x-1 and start a session with it mounted and 2 fGPU')).toEqual([
      'create a folder named x-1',
      'start a session with it mounted and 2 fGPU',
    ]);
    expect(parts('kill a-1 and b-2')).toEqual(['kill a-1 and b-2']);
    expect(parts('x-1 폴더 만들고 세션 시작해')).toEqual(['x-1 폴더 만들고', '세션 시작해']);
    expect(parts('세션 하나 만들고 싶어')).toEqual(['세션 하나 만들고 싶어']);
    expect(parts("run 'a and then b' in a job")).toHaveLength(1);
  });
  it('refuses what is not a Backend.AI task', () => {
    expect(refusalReason(lower('order me a pizza'))).toMatch(/not a Backend.AI task/);
    expect(refusalReason(lower('mine bitcoin on a gpu session'))).toMatch(/mining/);
    expect(refusalReason(lower('run python train.py in a session'))).toBeUndefined();
  });
});
