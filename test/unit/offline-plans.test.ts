/**
 * Offline plans against a fresh sandbox of the contract world, as `bai-agent eval` builds them:
 * reads of a session the same plan creates wait for its id, and a model service in a resource
 * group open only to another of the user's projects runs in that project.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalPlannerFor, type EvalPlanner } from '../../src/cli/commands/eval.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import type { WorldView } from '../../src/planner/world.js';
import { loadCatalog } from '../../src/spec/load.js';

const defaults = { domain: 'default', group: 'default', cpuImage: 'python', gpuImage: 'pytorch', sessionNamePrefix: 'bai' };

let dir: string;
let planner: EvalPlanner;
const saved = { HOME: process.env.HOME, BAI_AGENT_STATE_DIR: process.env.BAI_AGENT_STATE_DIR, BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bai-offline-plans-'));
  process.env.HOME = dir;
  process.env.BAI_AGENT_STATE_DIR = join(dir, 'state');
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
  const ctx: CommandContext = { globals: { json: true }, out: new Output({ json: true, stdout: new PassThrough(), stderr: new PassThrough() }) };
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  planner = (await evalPlannerFor(ctx, catalog, index, 5))!;
});

afterAll(async () => {
  await planner?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const plan = async (query: string): Promise<PlanDocument> => (await planner.plan({ id: 't', query, tags: [], outcome: 'planned', writes: [] })).plan;

describe('offline plans', () => {
  it('free capacity in a resource group is asked of the project that may use it', async () => {
    const a100 = await plan('how much GPU is free in gpu-a100?');
    expect(a100.outcome).toBe('planned');
    expect(a100.steps.map((s) => [s.operationId, s.body])).toEqual([['resource.check_presets', { group: 'research', scaling_group: 'gpu-a100' }]]);
    const mine = await plan('how many fGPUs do I have left?');
    expect(mine.steps.map((s) => s.body)).toEqual([{ group: 'default' }]);
  });

  it('"… and then show me its logs" reads the new session by the id its create step returns', async () => {
    const doc = await plan('start a pytorch session with 2 fGPU and then show me its logs');
    expect(doc.outcome).toBe('planned');
    const create = doc.steps.find((s) => s.operationId === 'session.create_from_params')!;
    const logs = doc.steps.find((s) => s.operationId === 'session.get_container_logs')!;
    expect(create).toBeDefined();
    expect(logs.pathParams).toEqual({ session_name: { $from: create.id, path: 'sessionId' } });
    expect(logs.refs).toEqual([{ at: 'pathParams.session_name', from: create.id, path: 'sessionId' }]);
    // nothing ran against a session that does not exist yet
    expect(logs.observation).toBeUndefined();
  });

  it('a named session created earlier in the plan is read the same way', async () => {
    const doc = await plan('create a session named tmp-77 with 1 fGPU and then tell me its status');
    expect(doc.outcome).toBe('planned');
    const info = doc.steps.find((s) => s.operationId === 'session.get_info')!;
    expect(info.refs[0]?.from).toBe(doc.steps[0]!.id);
  });

  it('a service on gpu-a100 runs in project research, the only one the group is open to', async () => {
    const doc = await plan('serve models with vllm on gpu-a100 and name it llama-a100');
    expect(doc.outcome).toBe('planned');
    const body = doc.steps.find((s) => s.operationId === 'services.create')!.body as Record<string, any>;
    expect(body.group).toBe('research');
    expect(body.config.scalingGroup).toBe('gpu-a100');
    expect(doc.grounding).toContainEqual(expect.objectContaining({ kind: 'resource_group', name: 'gpu-a100', source: 'manager' }));
  });

  it('a name that differs in a number is another entity, not a typo: nothing is terminated', async () => {
    const doc = await plan('terminate the session train-job-99');
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.steps.filter((s) => s.effect === 'write')).toEqual([]);
    expect(doc.question).toMatch(/train-job-99/);
    // a real typo still resolves
    const typo = await plan('terminate the session notebok-old');
    expect(typo.steps.find((s) => s.operationId === 'session.destroy')?.pathParams).toEqual({ session_name: 'notebook-old' });
  });

  it('a service with no runtime or image runs the image the manager labels as a serving runtime', async () => {
    const doc = await plan('Create a model service called bert-serve from models with 1 fGPU and 2 replicas');
    expect(doc.outcome).toBe('planned');
    const step = doc.steps.find((s) => s.operationId === 'services.create')!;
    expect(step.body).toMatchObject({ name: 'bert-serve', desired_session_count: 2, runtime_variant: 'vllm', image: 'cr.backend.ai/stable/vllm:0.6.2-cuda12.1', config: { model: 'models' } });
    expect(step.assumptions.join(' ')).toMatch(/runtime vllm/);
  });

  it('"permanently delete" moves the folder to the trash, then deletes it from the trash by its dashed UUID', async () => {
    const doc = await plan('permanently delete the api_helper folder');
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((s) => [s.operationId, s.pathParams, s.body])).toEqual([
      ['folders.delete_by_name', { name: 'api_helper' }, undefined],
      ['folders.delete_from_trash_bin', {}, { id: 'aaaaaaaa-0000-4000-8000-000000000001' }],
    ]);
  });

  it('a bare "delete X" / "rename X to Y" acts on folder X when X is a folder and no session', async () => {
    const del = await plan('delete datasets');
    expect(del.steps.filter((s) => s.effect === 'write').map((s) => [s.operationId, s.pathParams])).toEqual([['folders.delete_by_name', { name: 'datasets' }]]);
    const ren = await plan('rename api_helper to tools');
    expect(ren.steps.map((s) => [s.operationId, s.pathParams, s.body])).toEqual([['folders.rename_vfolder', { name: 'api_helper' }, { new_name: 'tools' }]]);
    // a session noun keeps it a session task: there is no session "datasets", so it asks
    const session = await plan('delete the session datasets');
    expect(session.outcome).toBe('needs_clarification');
  });

  it('a model folder created earlier in the plan can be served', async () => {
    const doc = await plan('create a model folder called phi-3 and deploy it with vllm as phi-svc');
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((s) => s.operationId)).toEqual(['folders.create', 'services.create']);
    expect(doc.steps[1]!.body).toMatchObject({ name: 'phi-svc', runtime_variant: 'vllm', config: { model: 'phi-3' } });
    expect(doc.grounding).toContainEqual(expect.objectContaining({ kind: 'folder', name: 'phi-3', source: 'plan' }));
    // a general folder is not a model folder, planned or not
    const general = await plan('create a folder called phi-4 and deploy it with vllm as phi4-svc');
    expect(general.outcome).toBe('needs_clarification');
  });

  it('"all sessions except X" and "X but keep Y" leave the named session alone', async () => {
    const all = await plan('terminate all sessions except notebook-old');
    expect(all.outcome).toBe('planned');
    expect(all.steps.filter((s) => s.effect === 'write').map((s) => s.pathParams)).toEqual([{ session_name: 'train-job-1' }]);
    const keep = await plan('Terminate train-job-1 but keep notebook-old');
    expect(keep.steps.filter((s) => s.effect === 'write').map((s) => s.pathParams)).toEqual([{ session_name: 'train-job-1' }]);
  });

  it('the read-only fallback never picks an event stream (planning would wait on it forever)', async () => {
    const catalog = await loadCatalog({ source: 'bundled', cache: false });
    const proposer = new OfflineProposer({ world: {} as WorldView, defaults });
    const op = (id: string, score: number) => ({ operation: catalog.get(id)!, score });
    const proposal = await proposer.propose({
      request: 'backend.ai updates',
      catalog,
      retrieved: [op('events.push_session_events', 9), op('session.get_info', 5)],
      steps: [],
      failedSiblings: [],
      defaults,
      width: 4,
    });
    expect(proposal.candidates.map((c) => c.kind)).toEqual(['clarify']);
    const list = await proposer.propose({
      request: 'backend.ai updates',
      catalog,
      retrieved: [op('events.push_session_events', 9), op('resource.list_presets', 5)],
      steps: [],
      failedSiblings: [],
      defaults,
      width: 4,
    });
    expect(list.candidates.map((c) => c.kind)).toEqual(['clarify']);
  });

  it('a resource group nobody may use is a question, not a guess', async () => {
    const doc = await plan('serve models with vllm on gpu-h200');
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toMatch(/gpu-h200.*not available.*default, gpu-a100/);
    const session = await plan('start a session on gpu-h200 with 2 fGPU');
    expect(session.outcome).toBe('needs_clarification');
    expect(session.question).toMatch(/gpu-h200/);
  });
  it('a token for a service the same plan deploys uses the endpoint id its create step returns', async () => {
    const doc = await plan("deploy the models folder with vLLM as mistral-api in the default resource group, then create an API token for it that's valid for 7 days");
    expect(doc.outcome).toBe('planned');
    const [create, token] = doc.steps;
    expect(create!.operationId).toBe('services.create');
    expect(token!.operationId).toBe('services.generate_token');
    expect(token!.pathParams).toEqual({ service_id: { $from: create!.id, path: 'endpoint_id' } });
    expect(token!.body).toEqual({ duration: '7d' });
  });

  it('"the X weights from my models folder" serves that sub-directory of the model folder', async () => {
    const doc = await plan('deploy the llama-3-8b weights from my models folder with vLLM as llama3-chat, 1 replica');
    expect(doc.outcome).toBe('planned');
    const config = (doc.steps[0]!.body as { config: Record<string, unknown> }).config;
    expect(config).toMatchObject({ model: 'models', vfolder_subpath: 'llama-3-8b' });
  });

  it('session actions: interrupt, open an app, save as an image; folder options and copies', async () => {
    const cases: Array<[string, string, Record<string, unknown>, unknown]> = [
      ['interrupt whatever is running in train-job-1 but keep the session up', 'session.interrupt', { session_name: 'train-job-1' }, undefined],
      ['notebook-old에서 주피터랩 띄워줘', 'session.start_service', { session_name: 'notebook-old' }, { app: 'jupyterlab' }],
      ['make api_helper read-only', 'folders.update_vfolder_options', { name: 'api_helper' }, { permission: 'ro' }],
      ['give me a download link for requirements.txt in api_helper', 'folders.create_download_session', { name: 'api_helper' }, { path: 'requirements.txt' }],
    ];
    for (const [query, operationId, pathParams, body] of cases) {
      const doc = await plan(query);
      expect(doc.outcome, query).toBe('planned');
      expect(doc.steps.map((s) => s.operationId), query).toEqual([operationId]);
      expect(doc.steps[0]!.pathParams, query).toEqual(pathParams);
      if (body !== undefined) expect(doc.steps[0]!.body, query).toEqual(body);
    }
    // a copy of a folder that is not cloneable: its owner makes it cloneable first (facts §15.2)
    const copy = await plan('duplicate datasets as datasets-backup');
    expect(copy.steps.map((s) => [s.operationId, s.pathParams, s.body])).toEqual([
      ['folders.update_vfolder_options', { name: 'datasets' }, { cloneable: true }],
      ['folders.clone', { name: 'datasets' }, { target_name: 'datasets-backup', usage_mode: 'general' }],
    ]);
    // "commit … as NAME" keeps the environment as an image: imagify (facts §15.7)
    const commit = await plan('commit notebook-old as my-env');
    expect(commit.steps.map((s) => [s.operationId, s.body])).toEqual([['session.convert_session_to_image', { image_name: 'my-env', image_visibility: 'user' }]]);
  });

  it('an environment variable named without its value is asked for, not left out', async () => {
    const doc = await plan('spin up a pytorch session with my Weights & Biases API key set as WANDB_API_KEY');
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toMatch(/WANDB_API_KEY/);
    expect(doc.steps.filter((s) => s.effect === 'write')).toEqual([]);
  });

  it('asking for a secret key is refused with the reason, whatever the wording', async () => {
    for (const q of ["what's my secret key?", '시크릿 키 알려줘']) {
      const doc = await plan(q);
      expect(doc.outcome, q).toBe('refused');
      expect(doc.steps).toEqual([]);
    }
  });
  it('restart = terminate, wait until it has ended, then re-create it with the same image, resources, mounts and group', async () => {
    const doc = await plan('restart train-job-1');
    expect(doc.outcome).toBe('planned');
    const [destroy, create] = doc.steps;
    expect(destroy).toMatchObject({ operationId: 'session.destroy', pathParams: { session_name: 'train-job-1' }, wait: { until: 'TERMINATED' }, destructive: true });
    expect(create!.operationId).toBe('session.create_from_params');
    expect(create!.body).toMatchObject({
      session_name: 'train-job-1',
      image: 'cr.backend.ai/stable/python-pytorch:2.3-py311-cuda12.1',
      config: { resources: { cpu: 4, mem: '32g', 'cuda.shares': 2 }, mounts: ['datasets'], scaling_group: 'default' },
    });
    const renamed = await plan('relaunch notebook-old and call the new one nb-fresh');
    expect(renamed.steps.map((st) => st.operationId)).toEqual(['session.destroy', 'session.create_from_params']);
    expect(renamed.steps[1]!.body).toMatchObject({ session_name: 'nb-fresh', image: 'cr.backend.ai/stable/python:3.11-ubuntu22.04' });
  });

  it('"my GPU session" is the one live session using a GPU, said as an assumption; none fitting is a question', async () => {
    const doc = await plan('shut down my GPU session');
    expect(doc.steps.map((st) => [st.operationId, st.pathParams])).toEqual([['session.destroy', { session_name: 'train-job-1' }]]);
    expect(doc.steps[0]!.assumptions.join(' ')).toMatch(/GPU session.*train-job-1/);
    const none = await plan('restart my batch job');
    expect(none.outcome).toBe('needs_clarification');
    expect(none.steps).toEqual([]);
  });
  it('a termination asked for later is a question: the manager cannot schedule one', async () => {
    for (const q of ['kill notebook-old in 2 hours', 'train-job-1 세션이 2시간 넘으면 종료해줘']) {
      const doc = await plan(q);
      expect(doc.outcome, q).toBe('needs_clarification');
      expect(doc.question, q).toMatch(/cannot terminate a session later/);
      expect(doc.steps, q).toEqual([]);
    }
    // a time limit on the job being asked for is its batch timeout, not a termination
    const batch = await plan('python train.py 배치로 돌려줘, 2시간 넘으면 종료해');
    expect(batch.steps.map((st) => st.operationId)).toEqual(['session.create_from_params']);
    expect(batch.steps[0]!.body).toMatchObject({ session_type: 'batch', batch_timeout: 7200 });
  });

  it('"whoami" asks for the role in the configured project by its UUID', async () => {
    const doc = await plan('whoami');
    expect(doc.outcome).toBe('planned');
    expect(doc.steps[0]!.operationId).toBe('auth.get_role');
    expect(String(doc.steps[0]!.query.group)).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('"delete X, then restore it" restores the folder the first step moves to the trash', async () => {
    const doc = await plan('testing the trash bin: delete api_helper, then restore it from the trash');
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((st) => st.operationId)).toEqual(['folders.delete_by_name', 'folders.restore']);
  });
  it('a display-name change names the caller\'s e-mail, which the manager reports', async () => {
    for (const [q, name] of [['change my display name to Minji Park', 'Minji Park'], ['내 표시 이름을 박민지로 바꿔줘', '박민지']] as const) {
      const doc = await plan(q);
      expect(doc.outcome, q).toBe('planned');
      expect(doc.steps.map((st) => [st.operationId, st.body]), q).toEqual([['auth.update_full_name', { email: 'user@sandbox.local', full_name: name }]]);
    }
  });
  it('moving several things into a directory the request makes is one call each, into that directory', async () => {
    const doc = await plan('in datasets, make a directory called raw and move mnist and then cifar10 into it');
    expect(doc.steps.map((st) => [st.operationId, st.body])).toEqual([
      ['folders.mkdir', { path: 'raw', parents: true, exist_ok: false }],
      ['folders.move_file', { src: 'mnist', dst: 'raw/mnist' }],
      ['folders.move_file', { src: 'cifar10', dst: 'raw/cifar10' }],
    ]);
  });

  it('"it" after a rename is the new name; "its details … delete it" after a deploy is the service', async () => {
    const renamed = await plan('train-job-1 이름을 train-job-1-old로 바꾼 다음에 그거 종료해줘');
    expect(renamed.steps.map((st) => [st.operationId, st.pathParams.session_name])).toEqual([
      ['session.rename_session', 'train-job-1'],
      ['session.destroy', 'train-job-1-old'],
    ]);
    const smoke = await plan('quick smoke test: deploy models as smoke-vllm with vllm, 1 replica, 1 fGPU on default, show me its details, then delete it');
    const [create, info, del] = smoke.steps;
    expect([create!.operationId, info!.operationId, del!.operationId]).toEqual(['services.create', 'services.get_info', 'services.delete']);
    expect(del!.pathParams).toEqual({ service_id: { $from: create!.id, path: 'endpoint_id' } });
  });

  it('trash then purge / restore acts on the folder the first step moves to the trash', async () => {
    const purge = await plan('trash api_helper, then delete it permanently from the trash bin');
    expect(purge.steps.map((st) => st.operationId)).toEqual(['folders.delete_by_name', 'folders.delete_from_trash_bin']);
    const restore = await plan('휴지통 기능 테스트 중이야. datasets 폴더 휴지통으로 보냈다가 바로 다시 복구해줘');
    expect(restore.steps.map((st) => st.operationId)).toEqual(['folders.delete_by_name', 'folders.restore']);
  });

  it('"timeout 45m" is a batch time limit, not 45 MB of memory', async () => {
    const doc = await plan('batch job: image tensorflow, cmd `python -m pytest tests/ -x`, 1 fGPU, timeout 45m');
    const body = doc.steps[0]!.body as { batch_timeout?: number; config: { resources: Record<string, unknown> } };
    expect(body.batch_timeout).toBe(2700);
    expect(body.config.resources).toEqual({ 'cuda.shares': 1 });
  });
  it('a job that starts later or after another session is queued, not waited for; bootstrap scripts and pre-opened ports go where the manager reads them', async () => {
    const later = await plan('batch job running `sh scripts/preprocess.sh` on the python image, scheduled to start in 1 hour');
    expect(later.steps[0]!.body).toMatchObject({ session_type: 'batch', starts_at: '1h', startup_command: 'sh scripts/preprocess.sh' });
    expect(later.steps[0]!.wait).toBeUndefined();
    const after = await plan('start a batch session that waits for train-job-1 to finish and then runs `python export.py` (pytorch image)');
    expect(after.steps[0]!.body).toMatchObject({ dependencies: ['11111111-1111-4111-8111-111111111111'] });
    expect(after.steps[0]!.wait).toBeUndefined();
    const boot = await plan('python session with bootstrap script `pip install -r /home/work/api_helper/requirements.txt`, api_helper mounted');
    expect(boot.steps[0]!.body).toMatchObject({ bootstrap_script: 'pip install -r /home/work/api_helper/requirements.txt' });
    expect((boot.steps[0]!.body as Record<string, unknown>).startup_command).toBeUndefined();
    const ports = await plan('새 세션 하나 열어줘: pytorch, fGPU 1, 컨테이너 포트 8080 미리 열어두고');
    expect((ports.steps[0]!.body as { config: Record<string, unknown> }).config.preopen_ports).toEqual([8080]);
    // an interactive session cannot start later: asked, not guessed
    const interactive = await plan('open a python notebook and start it in 2 hours');
    expect(interactive.outcome).toBe('needs_clarification');
  });

  it('files inside a session container are listed with the session route, a folder UUID finds the folder', async () => {
    const files = await plan('train-job-1 세션 컨테이너 안의 /home/work 파일 목록 보여줘');
    expect(files.steps.map((st) => [st.operationId, st.pathParams, st.query])).toEqual([['session.list_files', { session_name: 'train-job-1' }, { path: '/home/work' }]]);
    const trash = await plan('trash vfolder aaaaaaaa-0000-4000-8000-000000000001');
    expect(trash.steps.map((st) => [st.operationId, st.pathParams])).toEqual([['folders.delete_by_name', { name: 'api_helper' }]]);
  });
  it('code runs in a live session (query mode, a run id fixed in the plan); a relaunch with a change is a restart', async () => {
    const run = await plan('run this in notebook-old: print(sum(range(10)))');
    expect(run.steps.map((st) => st.operationId)).toEqual(['session.execute']);
    expect(run.steps[0]!.body).toMatchObject({ mode: 'query', code: 'print(sum(range(10)))', run_id: expect.stringMatching(/^[0-9a-f]{8}$/) });
    const relaunch = await plan('kill train-job-1 and then relaunch exactly the same setup (same image, cpu, memory and mounts) but with 4 fGPU instead of 2');
    expect(relaunch.steps.map((st) => st.operationId)).toEqual(['session.destroy', 'session.create_from_params']);
    expect((relaunch.steps[1]!.body as { config: Record<string, unknown> }).config).toMatchObject({ resources: { cpu: 4, mem: '32g', 'cuda.shares': 4 }, mounts: ['datasets'] });
  });

  it('eval `after`: the plan is carried out in the item\'s own sandbox, then the reads must show the state', async () => {
    const item = (expect_: unknown) => ({
      id: 'a',
      query: 'create a folder called template-env',
      tags: [],
      outcome: 'planned' as const,
      after: [{ operationId: 'folders.list_folders', expect: expect_ }],
    });
    const made = await planner.plan(item({ $some: { name: 'template-env' } }));
    expect(made.after).toEqual({ ok: true, why: '' });
    const absent = await planner.plan(item({ $none: { name: 'template-env' } }));
    expect(absent.after?.ok).toBe(false);
    expect(absent.after?.why).toMatch(/^after\[0\] folders.list_folders: response: element \d+ matches/);
    // each item has its own world: the folder the first item made is not in the next one
    const fresh = await planner.plan({ ...item({ $none: { name: 'template-env' } }), query: 'list my folders' });
    expect(fresh.after).toEqual({ ok: true, why: '' });
  });
});
