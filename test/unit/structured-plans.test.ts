/**
 * Structured requests planned end to end against a fresh sandbox of the contract world, as
 * `bai-agent eval` builds them: key=value lines, command lines and the API's own words become
 * exactly the calls they say (reads run, writes are planned), and what cannot be read exactly is a
 * question with no write planned.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../src/planner/plan.js';
import { useSandboxPlanner } from '../support/sandbox-planner.js';

const plan = useSandboxPlanner('structured-plans');
const writes = (doc: PlanDocument): Array<[string, unknown, unknown, unknown]> =>
  doc.steps.filter((s) => s.effect === 'write').map((s) => [s.operationId, s.pathParams, s.query, s.body]);

const TRAIN_JOB = '11111111-1111-4111-8111-111111111111';

describe('key=value lines', () => {
  it('a CI line creates exactly the session it describes', async () => {
    const doc = await plan('image=pytorch fgpu=2 name=ci-train-42 mount=datasets env=WANDB_MODE=offline,SEED=42');
    expect(doc.outcome).toBe('planned');
    const [create] = doc.steps;
    expect(create!.operationId).toBe('session.create_from_params');
    expect(create!.body).toMatchObject({
      session_name: 'ci-train-42',
      image: 'cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1',
      config: { resources: { 'cuda.shares': 2 }, mounts: ['datasets'], environ: { WANDB_MODE: 'offline', SEED: '42' } },
    });
  });

  it('a batch line carries its command and timeout; a preset line its group and preset', async () => {
    const batch = await plan('type=batch image=python cmd="python x.py --shard 3" timeout=30m name=ci-batch-1');
    expect(batch.steps[0]!.body).toMatchObject({ session_name: 'ci-batch-1', session_type: 'batch', startup_command: 'python x.py --shard 3', batch_timeout: 1800 });
    const preset = await plan('resource_group=gpu-a100 preset=gpu-large');
    expect(preset.outcome).toBe('planned');
    expect(preset.steps.find((s) => s.effect === 'write')!.body).toMatchObject({ group: 'research', config: { scaling_group: 'gpu-a100', resources: { cpu: 16, 'cuda.shares': 5 } } });
  });

  it('group= is the project or the resource group the manager has by that name, and asks when it is both', async () => {
    const sg = await plan('group=gpu-a100 fgpu=2 image=pytorch name=grp-1');
    expect(sg.steps.find((s) => s.effect === 'write')!.body).toMatchObject({ group: 'research', config: { scaling_group: 'gpu-a100' } });
    expect(sg.steps.find((s) => s.effect === 'write')!.assumptions).toContain('group=gpu-a100 read as the resource group gpu-a100');
    const project = await plan('group=research image=python name=grp-2');
    expect(project.steps.find((s) => s.effect === 'write')!.body).toMatchObject({ group: 'research' });
    const both = await plan('group=default image=python');
    expect(both.outcome).toBe('needs_clarification');
    expect(both.question).toMatch(/both a project and a resource group/);
    expect((await plan('group=nowhere image=python')).question).toMatch(/neither one of your projects/);
  });

  it('pairs in a sentence join the task the sentence asks for', async () => {
    const doc = await plan('spin up pytorch 2fgpu mount=datasets name=rn50-ft');
    expect(doc.steps[0]!.body).toMatchObject({ session_name: 'rn50-ft', config: { resources: { 'cuda.shares': 2 }, mounts: ['datasets'] } });
    const svc = await plan('deploy models via vllm svc=llama-chat replicas=2');
    expect(writes(svc).map(([id, , , body]) => [id, (body as Record<string, unknown>).name, (body as Record<string, unknown>).desired_session_count])).toEqual([['services.create', 'llama-chat', 2]]);
  });
});

describe('command lines', () => {
  it('a chain is one task per command, in order, and a later one may use what an earlier one creates', async () => {
    const folder = await plan('vfolder create exp1 --host local:volume1 && vfolder mkdir exp1 raw');
    expect(writes(folder)).toEqual([
      ['folders.create', {}, {}, { name: 'exp1', host: 'local:volume1' }],
      ['folders.mkdir', { name: 'exp1' }, {}, { path: 'raw', parents: true, exist_ok: false }],
    ]);
    const mount = await plan('vfolder create exp2; session create pytorch -m exp2 -r cuda.shares=1 -t use-exp2');
    expect(mount.outcome).toBe('planned');
    expect(writes(mount).map(([id]) => id)).toEqual(['folders.create', 'session.create_from_params']);
    expect(mount.steps[1]!.body).toMatchObject({ session_name: 'use-exp2', config: { mounts: ['exp2'], resources: { 'cuda.shares': 1 } } });
  });

  it('vfolder rm deletes the files named, recursively only with -r, never the folder', async () => {
    expect(writes(await plan('vfolder rm datasets/mnist -r'))).toEqual([['folders.delete_files', { name: 'datasets' }, {}, { files: ['mnist'], recursive: true }]]);
    expect(writes(await plan('vfolder rm datasets cifar10'))).toEqual([['folders.delete_files', { name: 'datasets' }, {}, { files: ['cifar10'], recursive: false }]]);
    const bare = await plan('rm datasets');
    expect(bare.outcome).toBe('needs_clarification');
    expect(bare.steps).toEqual([]);
  });

  it('names in a command are matched exactly: a typo is a question, never another session or folder', async () => {
    const typo = await plan('session destroy notebok-old');
    expect(typo.outcome).toBe('needs_clarification');
    expect(writes(typo)).toEqual([]);
    expect(typo.question).toMatch(/notebok-old/);
    expect((await plan('vfolder rm datset/mnist -r')).outcome).toBe('needs_clarification');
    expect((await plan('image=python mount=datset')).outcome).toBe('needs_clarification');
  });

  it('session commands read and terminate what they name', async () => {
    const list = await plan('sess ls --running');
    expect(list.outcome).toBe('planned');
    expect(writes(list)).toEqual([]);
    expect(list.steps.length).toBeGreaterThan(0);
    expect(writes(await plan('session destroy train-job-1'))).toEqual([['session.destroy', { session_name: 'train-job-1' }, {}, undefined]]);
  });
});

describe('the API’s own words', () => {
  it('an operationId with arguments is that call, fields placed by the schema', async () => {
    expect(writes(await plan('folders.update_vfolder_options name=api_helper cloneable=true'))).toEqual([
      ['folders.update_vfolder_options', { name: 'api_helper' }, {}, { cloneable: true }],
    ]);
    expect(writes(await plan(`session.execute session_name=${TRAIN_JOB} mode=batch options.exec="nvidia-smi"`))).toEqual([
      ['session.execute', { session_name: TRAIN_JOB }, {}, { mode: 'batch', options: { exec: 'nvidia-smi' } }],
    ]);
  });

  it('a slot name with a dot stays one key, and the create passes the same checks as any other', async () => {
    const doc = await plan('session.create_from_params session_name=api-ok image=python config.resources.cuda.shares=1');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['session.create_from_params', {}, {}, { session_name: 'api-ok', image: 'python', config: { resources: { 'cuda.shares': 1 } } }]]);
    expect(doc.grounding).toContainEqual(expect.objectContaining({ kind: 'image', name: 'cr.backend.ai/stable/python:3.11-ubuntu22.04', source: 'manager' }));
    // an image that does not exist fails grounding: nothing is planned
    const missing = await plan('session.create_from_params session_name=api-no image=no-such-image');
    expect(missing.outcome).toBe('needs_clarification');
    expect(writes(missing)).toEqual([]);
  });

  it('METHOD /path: a write is planned, a read runs while planning', async () => {
    expect(writes(await plan('POST /folders name=ft-outputs usage_mode=model host=local:volume1'))).toEqual([
      ['folders.create', {}, {}, { name: 'ft-outputs', usage_mode: 'model', host: 'local:volume1' }],
    ]);
    expect(writes(await plan(`DELETE /session/${TRAIN_JOB}`))).toEqual([['session.destroy', { session_name: TRAIN_JOB }, {}, undefined]]);
    const logs = await plan('GET /session/train-job-1/logs');
    expect(logs.outcome).toBe('planned');
    expect(logs.steps.map((s) => [s.operationId, s.effect, s.pathParams])).toEqual([['session.get_container_logs', 'read', { session_name: 'train-job-1' }]]);
    expect(logs.steps[0]!.observation).toBeDefined();
    const mkdir = await plan('POST /folders/datasets/mkdir path=a/b parents=true');
    expect(writes(mkdir)).toEqual([['folders.mkdir', { name: 'datasets' }, {}, { path: 'a/b', parents: true }]]);
  });

  it('deleting a folder by its path is destructive (typed confirmation)', async () => {
    const doc = await plan('DELETE /folders/datasets');
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((s) => [s.operationId, s.destructive])).toEqual([['folders.delete_by_name', true]]);
  });
});

describe('what is never guessed', () => {
  it.each([
    ['image=pytorch fgpu=${GPU_COUNT}', /"\$\{GPU_COUNT\}" is a variable that was not expanded/],
    ['image=pytorch colour=blue', /unknown key "colour"/],
    ['fgpu= image=pytorch', /fgpu= has no value/],
    ["new session img=pytorch cmd='python x.py", /never closed/],
    ['folders.nope name=x', /no operation folders\.nope/],
    ['folders.create nme=x', /"nme" is not a field of the body/],
  ])('%s → a question, no write', async (query, question) => {
    const doc = await plan(query);
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toMatch(question);
    expect(doc.steps.filter((s) => s.effect === 'write')).toEqual([]);
  });
});

describe('API words that would carry or fetch secrets, or never end', () => {
  it('a password argument or a keypair-returning operation is refused; an event stream is a question', async () => {
    const password = await plan('auth.update_password old_password=a new_password=b new_password2=b');
    expect(password.outcome).toBe('refused');
    expect(password.steps).toEqual([]);
    expect(password.refusal).toMatch(/never put passwords or secret keys into a plan/);
    expect((await plan('POST /auth/authorize type=keypair domain=default username=u password=p')).outcome).toBe('refused');
    const stream = await plan('GET /events/session');
    expect(stream.outcome).toBe('needs_clarification');
    expect(stream.question).toMatch(/event stream/);
  });
});
