/**
 * `bai-agent eval FILE [--k N] [--json]`: score retrieval and planning on a dataset in the
 * format of shared/eval/README.md (a contract, as is the `--json` document).
 */
import { basename } from 'node:path';
import { BaiError, ExitCode } from '../../errors.js';
import type { Catalog } from '../../spec/types.js';
import type { PlanDocument } from '../../planner/plan.js';
import type { OperationIndex } from '../../retrieval/index.js';
import type { AfterCheck, EvalItem } from '../../eval/dataset.js';
import type { MatchResult } from '../../eval/match.js';
import type { PlannedItem } from '../../eval/run.js';
import type { ExecClient } from '../../agent/execute.js';
import type { CommandContext } from '../main.js';
import { loadCatalogAndIndex, parseK } from './ops.js';

export interface EvalOptions {
  k?: string;
  /** List every item in the human report, not only the failing ones. */
  all?: boolean;
}

/** What eval needs from a planner: plan one item in dry-run against a fresh sandbox. */
export interface EvalPlanner {
  /** The plan, and for an item with `after`, whether the state after executing it matched. */
  plan(item: EvalItem): Promise<PlannedItem>;
  /** Entity hallucinations of a plan; default: derived from `plan.grounding` (eval/run.ts). */
  countHallucinatedEntities?(plan: PlanDocument): number;
  close(): Promise<void>;
}

/**
 * The planner eval scores: each item is planned against its own fresh, throw-away sandbox seeded
 * with the contract world (fast clock), so no item sees another's reads or captured writes. Read
 * calls run against that sandbox; writes only land in the plan, nothing is executed.
 */
export async function evalPlannerFor(
  ctx: CommandContext,
  catalog: Catalog,
  index: OperationIndex,
  _k: number,
): Promise<EvalPlanner | undefined> {
  const [{ planRequest }, { WorldView }, { validatorFor }, { connect, plannerDefaults }, { buildProposerFactory }, { executePlan }] = await Promise.all([
    import('../../planner/planner.js'),
    import('../../planner/world.js'),
    import('../../spec/validator.js'),
    import('../connect.js'),
    import('../proposer.js'),
    import('../../agent/execute.js'),
  ]);
  // one validator for all items: its compiled schemas are the expensive part
  const validator = validatorFor(catalog);
  const evalCtx: CommandContext = { ...ctx, globals: { ...ctx.globals, sandbox: true } };
  return {
    async plan(item: EvalItem): Promise<PlannedItem> {
      const conn = await connect(evalCtx, catalog, { ephemeralSandbox: true, sandboxClock: 'fast' });
      try {
        const makeProposer = await buildProposerFactory(evalCtx, conn);
        const world = new WorldView(conn.client);
        const { plan, accepted } = await planRequest({
          request: item.query,
          catalog,
          retrieved: index.search(item.query, { k: PLANNING_K }),
          api: conn.client,
          world,
          proposer: makeProposer(world),
          defaults: plannerDefaults(conn.config),
          endpoint: conn.endpointLabel,
          validator,
        });
        if (!item.after || plan.outcome !== 'planned') return { plan };
        // state-verified item: carry the plan out in this item's own sandbox, as if confirmed
        const execution = await executePlan({ plan, accepted, client: conn.client, waitTimeoutSeconds: AFTER_WAIT_SECONDS });
        if (!execution.ok) return { plan, after: { ok: false, why: `after: executing the plan failed at ${execution.failedStep}: ${execution.error ?? ''}` } };
        return { plan, after: await checkAfter(item.after, conn.client) };
      } finally {
        await conn.close();
      }
    },
    async close() {},
  };
}

/** How many retrieved operations the planner sees (the eval's --k only scores retrieval). */
const PLANNING_K = 8;
/** Waits while executing a state-verified item (the eval sandbox runs a fast clock). */
const AFTER_WAIT_SECONDS = 60;

/** Run each `after` read and match its response; the first mismatch is the item's `why`. */
async function checkAfter(checks: readonly AfterCheck[], client: ExecClient): Promise<MatchResult> {
  const { matchValue } = await import('../../eval/match.js');
  for (const [i, c] of checks.entries()) {
    const label = `after[${i}] ${c.operationId}`;
    let data: unknown;
    try {
      const res = await client.call(c.operationId, {
        ...(c.pathParams ? { pathParams: c.pathParams } : {}),
        ...(c.query ? { query: c.query } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      data = res.data;
    } catch (err) {
      return { ok: false, why: `${label}: the read failed: ${(err as Error).message.split('\n')[0]}` };
    }
    const r = matchValue(c.expect, data, 'response');
    if (!r.ok) return { ok: false, why: `${label}: ${r.why}` };
  }
  return { ok: true, why: '' };
}

/** `after` entries may only read (contract): an unknown or writing operation is a bad dataset. */
function checkAfterOperations(items: readonly EvalItem[], catalog: Catalog, isWrite: (c: { method: string; path: string; body?: unknown }) => boolean): void {
  for (const item of items) {
    for (const [i, c] of (item.after ?? []).entries()) {
      const op = catalog.get(c.operationId);
      if (!op) throw new BaiError(`item ${item.id}: after[${i}]: no operation ${c.operationId} in the spec`, 'bad_input');
      if (isWrite({ method: op.method, path: op.path, body: c.body })) {
        throw new BaiError(`item ${item.id}: after[${i}]: ${c.operationId} writes; after checks may only read`, 'bad_input');
      }
    }
  }
}

export async function run(ctx: CommandContext, file: string, opts: EvalOptions): Promise<number> {
  const k = parseK(opts.k, 5);
  const { loadDataset } = await import('../../eval/dataset.js');
  const { runEval } = await import('../../eval/run.js');
  const items = await loadDataset(file);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  checkAfterOperations(items, catalog, (await import('../../eval/match.js')).isWriteCall);
  const planner = await evalPlannerFor(ctx, catalog, index, k);
  if (!planner) ctx.out.info('note: no planner is plugged into eval yet: scoring retrieval only');
  try {
    const report = await runEval(items, {
      dataset: basename(file),
      k,
      retrieve: (q) => index.search(q, { k }),
      hasOperation: (id) => catalog.has(id),
      ...(planner ? { plan: (item: EvalItem) => planner.plan(item) } : {}),
      ...(planner?.countHallucinatedEntities ? { countHallucinatedEntities: (p: PlanDocument) => planner.countHallucinatedEntities!(p) } : {}),
      onItem: (r, i, n) => {
        if (planner) ctx.out.progress(`[${i + 1}/${n}] ${r.id} ${r.ok ? 'ok' : 'FAIL'}`);
      },
    });
    if (ctx.out.json) ctx.out.emitJson(report);
    else {
      const { renderEvalReport } = await import('../../eval/report.js');
      ctx.out.print(renderEvalReport(report, { all: Boolean(opts.all) }));
    }
    return ExitCode.OK;
  } finally {
    await planner?.close();
  }
}
