/**
 * Not fitting now is a warning about a wait, not a failed plan (issue 16 §1, facts §15.8): a
 * resource group where the session fits now is preferred; when none is, it is planned where it was
 * asked for (or the default), queued and not waited for, with a warning in the user's terms and
 * the ways out. Over the keypair's sessions-at-once limit: the same (issue 12 §4). A value the user
 * gave that breaks the manager's rules is bad input in plain words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, plannerDefaults } from '../../src/cli/connect.js';
import { buildProposerFactory } from '../../src/cli/proposer.js';
import { loadCatalogAndIndex } from '../../src/cli/commands/ops.js';
import type { CommandContext } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import { planRequest } from '../../src/planner/planner.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { WorldView } from '../../src/planner/world.js';
import type { OperationIndex } from '../../src/retrieval/index.js';
import { startSandbox } from '../../src/sandbox/index.js';
import type { SandboxWorld } from '../../src/sandbox/world.js';
import { seedWorld } from '../../src/sandbox/world.js';
import type { Catalog } from '../../src/spec/types.js';
import { worldWith } from '../support/worlds.js';

let dir: string;
let catalog: Catalog;
let index: OperationIndex;
const saved = { HOME: process.env.HOME, BAI_AGENT_STATE_DIR: process.env.BAI_AGENT_STATE_DIR, BAI_AGENT_CACHE_DIR: process.env.BAI_AGENT_CACHE_DIR };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bai-capacity-'));
  process.env.HOME = dir;
  process.env.BAI_AGENT_STATE_DIR = join(dir, 'state');
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
  ({ catalog, index } = await loadCatalogAndIndex(ctxFor()));
});

afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

function ctxFor(globals: CommandContext['globals'] = {}): CommandContext {
  return { globals: { json: true, ...globals }, out: new Output({ json: true, stdout: new PassThrough(), stderr: new PassThrough() }) };
}

/** Plan `request` against a sandbox seeded with `world`, as `bai-agent plan` would. */
async function planIn(world: SandboxWorld, request: string): Promise<PlanDocument> {
  const sandbox = await startSandbox({ clock: 'fast', seed: world, catalog });
  const ctx = ctxFor({ endpoint: sandbox.url, accessKey: sandbox.credentials.user.accessKey, secretKey: sandbox.credentials.user.secretKey });
  const conn = await connect(ctx, catalog);
  try {
    const world = new WorldView(conn.client);
    const makeProposer = await buildProposerFactory(ctx, conn);
    const { plan } = await planRequest({
      request,
      catalog,
      retrieved: index.search(request, { k: 8 }),
      api: conn.client,
      world,
      proposer: makeProposer(world),
      defaults: plannerDefaults(conn.config),
      endpoint: conn.endpointLabel,
    });
    return plan;
  } finally {
    await conn.close();
    await sandbox.close();
  }
}

/** default has 8 fGPU free at start; a 5 fGPU session of an earlier run leaves 3 */
const afterFirstRun = () => worldWith([{ name: 'bai-pytorch-f203', slots: { cpu: 1, mem: 2 ** 30, 'cuda.shares': 5 } }]);

describe('a session that does not fit now', () => {
  it('fits: planned as before, waited for, no warning', async () => {
    const plan = await planIn(seedWorld(), 'create a new session with 5 fGPU');
    const create = plan.steps.find((s) => s.operationId === 'session.create_from_params')!;
    expect(plan.outcome).toBe('planned');
    expect(create.wait?.until).toBe('RUNNING');
    expect(create.warnings).toBeUndefined();
  });

  it('the README command run a second time: planned in default, queued, with what holds the fGPU and the ways out', async () => {
    const plan = await planIn(afterFirstRun(), 'create a new session with 5 fGPU');
    expect(plan.outcome).toBe('planned');
    const create = plan.steps.find((s) => s.operationId === 'session.create_from_params')!;
    expect((create.body as { config: { scaling_group: string } }).config.scaling_group).toBe('default');
    expect(create.wait).toBeUndefined(); // queued: not waited for
    const warning = create.warnings?.join(' ') ?? '';
    expect(warning).toContain('Only 3 fGPU are free in default (you asked for 5 fGPU)');
    expect(warning).toContain('bai-pytorch-f203');
    expect(warning).toContain('it will wait in PENDING until 5 fGPU are free');
    expect(warning).toMatch(/Ask for 3 fGPU, use gpu-a100 \(project research\), or terminate .*bai-pytorch-f203/);
    // in the user's terms: no operation ids, no slot keys
    expect(warning).not.toMatch(/session\.create|cuda\.shares/);
  });

  it('"whichever group has room" goes where it fits now (the backtracking), with no warning', async () => {
    const plan = await planIn(afterFirstRun(), 'create a session with 5 fGPU in whichever resource group has room');
    const create = plan.steps.find((s) => s.operationId === 'session.create_from_params')!;
    expect((create.body as { config: { scaling_group: string } }).config.scaling_group).toBe('gpu-a100');
    expect(create.warnings).toBeUndefined();
  });

  it('more than the group has in all: a question with where it could run, not a plan that waits forever', async () => {
    const plan = await planIn(seedWorld(), 'create a session with 12 fGPU');
    expect(plan.outcome).toBe('needs_clarification');
    expect(plan.question).toBe('default has 10 fGPU in all (you asked for 12 fGPU): the session could never start there. Use gpu-a100 (project research), or ask for at most 10 fGPU?');
  });

  it('more than the keypair may ever use: a question, in the user\'s terms', async () => {
    const plan = await planIn(seedWorld(), 'create a session with 100 fGPU');
    expect(plan.outcome).toBe('needs_clarification');
    expect(plan.question).toMatch(/^Your keypair may use at most 16 fGPU in all, and you asked for 100 fGPU: such a session could never start\./);
  });

  it('over the keypair\'s sessions at once: warned, naming the sessions that hold the slots', async () => {
    const busy = worldWith(['a-one', 'b-two', 'c-three'].map((name) => ({ name, slots: { cpu: 1, mem: 2 ** 30 } })));
    const plan = await planIn(busy, 'create a session with 1 CPU');
    expect(plan.outcome).toBe('planned');
    const create = plan.steps.find((s) => s.operationId === 'session.create_from_params')!;
    expect(create.warnings?.join(' ')).toMatch(/You already have 5 live sessions \(train-job-1, notebook-old, a-one, b-two, c-three\), and your keypair allows 5 at once: this one will wait in PENDING/);
    expect(create.wait).toBeUndefined();
  });
});

describe('user-fixable validation', () => {
  it('a session name of two letters is bad input in plain words, not "could you rephrase"', async () => {
    await expect(planIn(seedWorld(), 'create a session named ab')).rejects.toMatchObject({ kind: 'bad_input', message: 'Session names need 4–64 characters ("ab" has 2).' });
  });
});
