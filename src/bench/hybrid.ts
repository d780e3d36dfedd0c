/**
 * Bench section "hybrid planning": what planning costs in model calls when an LLM is configured.
 * For the dev set and the probe set, every request is planned as `bai-agent eval` plans it (its
 * own fresh sandbox, dry run) twice: with `--planner offline`, and hybrid with `--llm` pointed at
 * the local stub model. Reported per set:
 *  - the share planned with 0 LLM calls, and of those the share whose plan is the offline plan
 *    (same outcome and the same calls, generated name suffixes aside);
 *  - for the requests that went to the model: how many, and calls (and tokens) per request.
 *
 * The stub stands in for a competent model: it answers each request with the offline planner's
 * own answer for it — its plan as one `propose_plan`, or its question, or its refusal — so the
 * calls counted are what the machinery costs (a whole plan that validates is one call), not how
 * good a particular model is.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CommandContext, GlobalOptions } from '../cli/main.js';
import { Output } from '../cli/output.js';
import { loadDataset, type EvalItem } from '../eval/dataset.js';
import { runEval, type EvalReport } from '../eval/run.js';
import { packageRoot } from '../paths.js';
import type { PlanDocument } from '../planner/plan.js';
import { startOpenAIStub, type ChatCompletionRequest, type StubReply } from '../sandbox/openai-stub.js';
import { toolNameFor } from '../spec/compact.js';
import type { Figure } from './main.js';

export interface HybridFigures {
  dataset: string;
  items: number;
  withoutCalls: number;
  sameAsOffline: number;
  llmPlanned: number;
  llmCalls: number;
  llmCallsMax: number;
  tokens: number;
  passedOffline: number;
  passedHybrid: number;
  /** The hybrid run's `llm` block, as `bai-agent eval --json` reports it. */
  llm: EvalReport['llm'];
}

/** The datasets measured: the shared dev set and the project's probe set (those that exist). */
export function hybridDatasets(): Array<{ name: string; path: string }> {
  const shared = process.env.BAI_SHARED_DIR ?? resolve(packageRoot(), '..', 'shared');
  return [
    { name: 'dev', path: join(shared, 'eval', 'dev.jsonl') },
    { name: 'probes', path: join(packageRoot(), 'test', 'fixtures', 'eval-probes.jsonl') },
  ].filter((d) => existsSync(d.path));
}

const quiet = (globals: GlobalOptions): CommandContext => ({ globals: { ...globals, quiet: true }, out: new Output({ quiet: true }) });

/** Plans every item of `items` as eval does and returns the report with each item's plan. */
async function planAll(ctx: CommandContext, items: EvalItem[]): Promise<{ report: EvalReport; plans: Map<string, PlanDocument> }> {
  const [{ loadCatalogAndIndex }, { evalPlannerFor }] = await Promise.all([import('../cli/commands/ops.js'), import('../cli/commands/eval.js')]);
  const { catalog, index } = await loadCatalogAndIndex(ctx);
  const planner = (await evalPlannerFor(ctx, catalog, index, 5))!;
  const plans = new Map<string, PlanDocument>();
  try {
    const report = await runEval(items, {
      dataset: 'bench',
      k: 5,
      retrieve: (q) => index.search(q, { k: 5 }),
      hasOperation: (id) => catalog.has(id),
      plan: async (item) => {
        const planned = await planner.plan(item);
        plans.set(item.id, planned.plan);
        return planned;
      },
    });
    return { report, plans };
  } finally {
    await planner.close();
  }
}

/** Outcome and calls of a plan, with the random suffixes of generated names masked. */
export function planShape(plan: PlanDocument): string {
  const shape = {
    outcome: plan.outcome,
    calls: plan.steps.map((s) => [s.operationId, s.pathParams, s.query, s.body ?? null]),
  };
  return JSON.stringify(shape)
    .replace(/(?<=[-_])[0-9a-f]{4}(?=["\-_/])/g, '····')
    .replace(/("run_id":")[0-9a-f]{8}"/g, '$1········"');
}

/** The stub's answer to a request: what the offline planner made of it, as a model would say it. */
function oracleReply(plan: PlanDocument | undefined, catalog: Parameters<typeof toolNameFor>[1]): StubReply {
  if (!plan) return [{ name: 'give_up', arguments: { reason: 'no idea' } }];
  if (plan.outcome === 'needs_clarification') return [{ name: 'ask_user', arguments: { question: plan.question ?? 'Which one?' } }];
  if (plan.outcome === 'refused') return [{ name: 'refuse', arguments: { reason: plan.refusal ?? 'refused' } }];
  if (plan.steps.length === 0) return [{ name: 'finish', arguments: { reason: 'nothing to do' } }];
  const steps = plan.steps.map((s) => ({
    tool: toolNameFor(s.operationId, catalog),
    arguments: { pathParams: s.pathParams, query: s.query, ...(s.body !== undefined ? { body: s.body } : {}) },
  }));
  return [{ name: 'propose_plan', arguments: { reason: 'the plan', steps } }];
}

/** The request a chat completion is about (the context message's first line). */
function requestOf(req: ChatCompletionRequest): string {
  const user = (req.messages ?? []).find((m) => m.role === 'user');
  return /^User request: ([\s\S]*?)\n\nDefaults \(use when/m.exec(String(user?.content ?? ''))?.[1] ?? '';
}

export async function measureHybrid(dataset: { name: string; path: string }): Promise<HybridFigures> {
  const items = await loadDataset(dataset.path);
  const offline = await planAll(quiet({ sandbox: true, planner: 'offline' }), items);
  const byRequest = new Map(items.map((i) => [i.query.trim(), offline.plans.get(i.id)]));
  const { loadCommandCatalog } = await import('../cli/connect.js');
  const catalog = await loadCommandCatalog(quiet({}));
  const stub = await startOpenAIStub({ script: (req) => oracleReply(byRequest.get(requestOf(req).trim()), catalog) });
  try {
    const hybrid = await planAll(quiet({ sandbox: true, planner: 'hybrid', llm: 'openai:stub-model', llmBaseUrl: stub.url }), items);
    const figures: HybridFigures = {
      dataset: dataset.name,
      items: items.length,
      withoutCalls: 0,
      sameAsOffline: 0,
      llmPlanned: 0,
      llmCalls: 0,
      llmCallsMax: 0,
      tokens: 0,
      passedOffline: offline.report.plan.passed,
      passedHybrid: hybrid.report.plan.passed,
      llm: hybrid.report.llm,
    };
    for (const item of items) {
      const h = hybrid.plans.get(item.id);
      const o = offline.plans.get(item.id);
      if (!h) continue;
      const calls = h.search.llmCalls;
      if (calls === 0) {
        figures.withoutCalls++;
        if (o && planShape(o) === planShape(h)) figures.sameAsOffline++;
      } else {
        figures.llmPlanned++;
        figures.llmCalls += calls;
        figures.llmCallsMax = Math.max(figures.llmCallsMax, calls);
        figures.tokens += h.search.tokens.prompt + h.search.tokens.completion;
      }
    }
    return figures;
  } finally {
    await stub.close();
  }
}

const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The figures the bench table shows for one dataset. */
export function hybridFigures(f: HybridFigures, section: string): Figure[] {
  const share = f.items ? f.withoutCalls / f.items : 0;
  const same = f.withoutCalls ? f.sameAsOffline / f.withoutCalls : 1;
  const per = f.llmPlanned ? f.llmCalls / f.llmPlanned : 0;
  const catalog = `${f.dataset} (${f.items})`;
  return [
    { section, catalog, metric: 'planned with 0 LLM calls', value: round(share), unit: '', target: '≥ 0.9', ok: share >= 0.9 },
    { section, catalog, metric: 'of those, same plan as --planner offline', value: round(same), unit: '', target: '= 1', ok: same === 1 },
    { section, catalog, metric: 'requests that reached the model', value: f.llmPlanned, unit: '' },
    { section, catalog, metric: 'LLM calls per LLM-planned request (mean)', value: round(per, 2), unit: '' },
    { section, catalog, metric: 'LLM calls per LLM-planned request (max)', value: f.llmCallsMax, unit: '' },
    { section, catalog, metric: 'tokens per LLM-planned request (mean)', value: f.llmPlanned ? Math.round(f.tokens / f.llmPlanned) : 0, unit: 'tokens' },
    { section, catalog, metric: 'eval passed: offline / hybrid', value: f.passedOffline, unit: `/ ${f.passedHybrid}` },
  ];
}
