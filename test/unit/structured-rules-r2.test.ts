/**
 * Rules of the structured notation added for terse chat-ops and API lines (issue 13, round 2):
 * short command words, `A -> B` targets, `FOLDER: cmd && cmd`, `exec NAME: command`, API lines
 * with `on X:`, group words and joiners, notes after ` -- `, and sentences before an API line.
 * Planned end to end against a fresh sandbox; wordings differ from the blind items they came from.
 */
import { describe, expect, it } from 'vitest';
import type { PlanDocument } from '../../src/planner/plan.js';
import { useSandboxPlanner } from '../support/sandbox-planner.js';

const plan = useSandboxPlanner('structured-r2');
const writes = (doc: PlanDocument): Array<[string, unknown, unknown, unknown]> =>
  doc.steps.filter((s) => s.effect === 'write').map((s) => [s.operationId, s.pathParams, s.query, s.body]);


const questionOf = (doc: PlanDocument): string => (doc as unknown as { question?: string }).question ?? '';

describe('the API’s own words, tersely', () => {
  it('OPERATION on NAME: fills the one path parameter; exec= is the shell command (options.exec)', async () => {
    const doc = await plan("session.execute on notebook-old: exec='df -h /home/work' mode=batch");
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['session.execute', { session_name: 'notebook-old' }, {}, { mode: 'batch', options: { exec: 'df -h /home/work' } }]]);
  });

  it('a word before pairs groups them; a field one level down is found by its name; the manager’s alias replicas', async () => {
    const doc = await plan('services.create replicas=3 model=models resources cuda.shares=1 name=tiny-svc scalingGroup=default');
    expect(doc.outcome).toBe('planned');
    const [w] = writes(doc);
    expect(w![0]).toBe('services.create');
    expect(w![3]).toMatchObject({ name: 'tiny-svc', desired_session_count: 3, config: { model: 'models', resources: { 'cuda.shares': 1 } } });
  });

  it('sentences before an API line are its reason; "with" only joins the arguments', async () => {
    const doc = await plan('train-job-1 refuses to stop and the UI shows an error! DELETE /session/train-job-1 with forced=true');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['session.destroy', { session_name: 'train-job-1' }, { forced: true }, undefined]]);
  });

  it('a sentence before an API line that asks for something else is a question', async () => {
    const doc = await plan('create a folder named tmp-notes. DELETE /session/train-job-1');
    expect(doc.outcome).toBe('needs_clarification');
    expect(writes(doc)).toEqual([]);
  });

  it('a note after " -- " is read: a question there plans the read only', async () => {
    const doc = await plan('GET /folders -- which of these can I still write to?');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([]);
    expect(doc.steps.map((s) => s.operationId)).toContain('folders.list_folders');
  });

  it('a note asking for no changes keeps a read-only POST, and makes a write a question', async () => {
    const read = await plan('resource.check_presets group=default -- just want the numbers, do not change anything');
    expect(read.outcome).toBe('planned');
    expect(writes(read)).toEqual([]);
    const write = await plan('POST /folders name=probe-9 -- just checking, no changes');
    expect(write.outcome).toBe('needs_clarification');
    expect(writes(write)).toEqual([]);
  });
});

describe('short command words', () => {
  it('"interactive sess," with labelled groups (resources …, resource_opts …, env …) creates that session', async () => {
    const doc = await plan('interactive sess, img=pytorch, resources fgpu=0.5 mem=8g cpu=2, env HF_HOME=/tmp/hf, resource_opts shm=1g');
    expect(doc.outcome).toBe('planned');
    const [w] = writes(doc);
    expect(w![0]).toBe('session.create_from_params');
    expect(w![3]).toMatchObject({
      session_type: 'interactive',
      config: { resources: { cpu: 2, mem: '8g', 'cuda.shares': 0.5 }, resource_opts: { shmem: '1g' }, environ: { HF_HOME: '/tmp/hf' } },
    });
  });

  it('a label that cannot hold the pair after it is a question, never a guess', async () => {
    const doc = await plan('new sess img=python env lower_case=1');
    expect(doc.outcome).toBe('needs_clarification');
    expect(writes(doc)).toEqual([]);
  });

  it('"batch job:" and "batch" start a batch session from pairs', async () => {
    const a = await plan("batch job: timeout=45m img=python cmd='python clean.py --all'");
    expect(a.outcome).toBe('planned');
    expect(writes(a)[0]![3]).toMatchObject({ session_type: 'batch', startup_command: 'python clean.py --all', batch_timeout: 2700 });
    const b = await plan("batch cmd='bash run.sh' img=python cpu=2");
    expect(writes(b)[0]![3]).toMatchObject({ session_type: 'batch', startup_command: 'bash run.sh', config: { resources: { cpu: 2 } } });
  });

  it('"mkvf NAME", and "then sess …" after a separator, create a folder and a session that mounts it', async () => {
    const doc = await plan('mkvf scratch-77 usage=data; then sess mount=scratch-77 name=etl-box img=python shm=2g');
    expect(doc.outcome).toBe('planned');
    const ws = writes(doc);
    expect(ws.map((w) => w[0])).toEqual(['folders.create', 'session.create_from_params']);
    expect(ws[0]![3]).toMatchObject({ name: 'scratch-77', usage_mode: 'data' });
    expect(ws[1]![3]).toMatchObject({ session_name: 'etl-box', config: { mounts: ['scratch-77'], resource_opts: { shmem: '2g' } } });
  });
});

describe('A -> B', () => {
  it('update-options, then clone SRC -> NEW', async () => {
    const doc = await plan('update-options models cloneable=true && then clone models -> models-v2-copy');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc).map((w) => [w[0], w[1]])).toEqual([
      ['folders.update_vfolder_options', { name: 'models' }],
      ['folders.clone', { name: 'models' }],
    ]);
    expect(writes(doc)[1]![3]).toMatchObject({ target_name: 'models-v2-copy' });
  });

  it('invite EMAIL -> FOLDER shares that folder with that permission', async () => {
    const doc = await plan('invite colleague@sandbox.local -> api_helper perm=ro');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([['folders.invite', { name: 'api_helper' }, {}, { emails: ['colleague@sandbox.local'], perm: 'ro' }]]);
  });

  it('ren sess OLD -> NEW renames it; without OLD it asks which session, planning nothing', async () => {
    const named = await plan('ren sess train-job-1 -> train-main');
    expect(writes(named)).toEqual([['session.rename_session', { session_name: 'train-job-1' }, {}, { session_name: 'train-main' }]]);
    const unnamed = await plan('ren session -> scratch-box');
    expect(unnamed.outcome).toBe('needs_clarification');
    expect(writes(unnamed)).toEqual([]);
    expect(questionOf(unnamed)).toMatch(/which session/i);
  });

  it('"clone" without an arrow stays a sentence; "batch" or "sess" alone creates nothing', async () => {
    for (const q of ['clone the folder', 'batch', 'sess', 'interactive session']) expect(writes(await plan(q)), q).toEqual([]);
  });
});

describe('exec, FOLDER:, and chains with sentences', () => {
  it('exec NAME: COMMAND runs the rest of the line as written', async () => {
    const doc = await plan('run notebook-old: df -h /home/work --output=avail');
    expect(doc.outcome).toBe('planned');
    const [w] = writes(doc);
    expect(w![0]).toBe('session.execute');
    expect(w![1]).toEqual({ session_name: 'notebook-old' });
    expect(w![3]).toMatchObject({ mode: 'batch', options: { exec: 'df -h /home/work --output=avail' } });
  });

  it('FOLDER: before shell commands is where they work; mv into DIR/ keeps the file name', async () => {
    const doc = await plan('api_helper: mkdir deps; mv requirements.txt deps/');
    expect(doc.outcome).toBe('planned');
    expect(writes(doc)).toEqual([
      ['folders.mkdir', { name: 'api_helper' }, {}, expect.objectContaining({ path: 'deps' })],
      ['folders.move_file', { name: 'api_helper' }, {}, { src: 'requirements.txt', dst: 'deps/requirements.txt' }],
    ]);
  });

  it('FOLDER:/path in mkdir; ", then a … session" creates it; pairs after a separator complete it', async () => {
    const doc = await plan('mkdir api_helper:/runs/7, then a batch session with api_helper mounted that runs `python score.py --run 7`; cpu=2 image=python');
    expect(doc.outcome).toBe('planned');
    const ws = writes(doc);
    expect(ws.map((w) => w[0])).toEqual(['folders.mkdir', 'session.create_from_params']);
    expect(ws[0]![3]).toMatchObject({ path: 'runs/7' });
    expect(ws[1]![3]).toMatchObject({ session_type: 'batch', startup_command: 'python score.py --run 7', config: { resources: { cpu: 2 }, mounts: ['api_helper'] } });
  });
});
