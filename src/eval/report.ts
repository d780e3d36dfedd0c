/** Human-readable eval report: the headline scores, then one line per failing item. */
import { PLANNER_UNAVAILABLE, type EvalReport } from './run.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function renderEvalReport(report: EvalReport, opts: { all?: boolean } = {}): string {
  const planned = !report.results.every((r) => r.why.startsWith(PLANNER_UNAVAILABLE));
  const lines: string[] = [];
  lines.push(`dataset ${report.dataset}: ${report.items} items, k=${report.k}`);
  lines.push(
    `retrieval  ${report.retrieval.items} items   recall@${report.k} ${report.retrieval.recall_at_k.toFixed(3)}   MRR ${report.retrieval.mrr.toFixed(3)}`,
  );
  if (planned) {
    lines.push(`plan       ${report.plan.passed}/${report.plan.items} passed   accuracy ${pct(report.plan.accuracy)}   wrong writes ${report.plan.wrong_writes}`);
    const tags = Object.entries(report.plan.by_tag);
    if (tags.length) lines.push(`  by tag   ${tags.map(([t, a]) => `${t} ${pct(a)}`).join('  ')}`);
    lines.push(`hallucinations   operations ${report.hallucinations.operations}   entities ${report.hallucinations.entities}`);
  } else {
    lines.push('plan       not scored: no planner is plugged into eval yet (retrieval scores only)');
  }
  lines.push(`latency    p50 ${report.latency_ms.p50} ms   p95 ${report.latency_ms.p95} ms`);
  if (report.llm.calls > 0) {
    const { llm } = report;
    lines.push(`llm        ${llm.calls} calls   ${llm.items_without_calls}/${report.items} items without a call   p50 ${llm.calls_p50}   max ${llm.calls_max}   tokens ${llm.tokens.prompt}+${llm.tokens.completion}`);
  }

  const shown = report.results.filter((r) => opts.all || (planned ? !r.ok : r.why.includes('retrieval:')));
  if (shown.length > 0) {
    lines.push('');
    const idWidth = Math.max(4, ...shown.map((r) => r.id.length));
    for (const r of shown) {
      const why = planned ? r.why : r.why.replace(`${PLANNER_UNAVAILABLE}; `, '').replace(PLANNER_UNAVAILABLE, '');
      const mark = r.ok ? 'ok  ' : r.wrong_write ? 'WW  ' : 'FAIL';
      lines.push(`${mark}  ${r.id.padEnd(idWidth)}  ${r.outcome ?? '-'}  ${why}`.trimEnd());
    }
  }
  return lines.join('\n');
}
