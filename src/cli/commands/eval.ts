/**
 * `bai-agent eval FILE [--k N] [--json]`: score retrieval and planning on a dataset in the
 * format of shared/eval/README.md (a contract, as is the `--json` document).
 */
import { basename } from 'node:path';
import { ExitCode } from '../../errors.js';
import type { Catalog } from '../../spec/types.js';
import type { PlanDocument } from '../../planner/plan.js';
import type { OperationIndex } from '../../retrieval/index.js';
import type { EvalItem } from '../../eval/dataset.js';
import type { CommandContext } from '../main.js';
import { loadCatalogAndIndex, parseK } from './ops.js';

export interface EvalOptions {
  k?: string;
  /** List every item in the human report, not only the failing ones. */
  all?: boolean;
}

/** What eval needs from a planner: plan one item in dry-run against a fresh sandbox. */
export interface EvalPlanner {
  plan(item: EvalItem): Promise<PlanDocument>;
  /** Entity hallucinations of a plan; default: derived from `plan.grounding` (eval/run.ts). */
  countHallucinatedEntities?(plan: PlanDocument): number;
  close(): Promise<void>;
}

/**
 * HOOK for the planner: return an EvalPlanner that plans each item in dry-run against a fresh
 * sandbox seeded with the contract world (reads run, writes are captured, nothing executes).
 * Until it is wired in, eval scores retrieval only and says so.
 */
export async function evalPlannerFor(
  _ctx: CommandContext,
  _catalog: Catalog,
  _index: OperationIndex,
  _k: number,
): Promise<EvalPlanner | undefined> {
  return undefined;
}

export async function run(ctx: CommandContext, file: string, opts: EvalOptions): Promise<number> {
  const k = parseK(opts.k, 5);
  const { loadDataset } = await import('../../eval/dataset.js');
  const { runEval } = await import('../../eval/run.js');
  const items = await loadDataset(file);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
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
