/**
 * `npm run bench`: retrieval figures on the curated spec, the full upstream spec and a synthetic
 * 16,000-operation catalog — index build time, query latency p50/p95, index load from the cache
 * in a fresh process, tool-definition tokens for the top-8 operations, peak memory — and what
 * hybrid planning costs in model calls on the dev and probe sets (hybrid.ts).
 *
 * The bench is a list of sections; adding one (e.g. CLI start-up time) is one entry in SECTIONS.
 * Prints a table (or `--json`); writes nothing but a temporary cache that it removes.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { loadCatalog, bundledSpecPath } from '../spec/load.js';
import type { Catalog } from '../spec/types.js';
import { toolDefinitions } from '../spec/compact.js';
import { packageRoot } from '../paths.js';
import { buildOperationIndex, loadOperationIndex, loadRetrievalDomain, type OperationIndex, type RetrievalDomain } from '../retrieval/index.js';
import { BENCH_QUERIES } from './queries.js';
import { hybridDatasets, hybridFigures, measureHybrid } from './hybrid.js';
import { syntheticCatalog } from './synthetic.js';
import { TOKENIZER, countToolTokens } from './tokens.js';

/** One measured figure. `target` is the goal as text; `ok` whether the figure meets it. */
export interface Figure {
  section: string;
  catalog: string;
  metric: string;
  value: number;
  unit: string;
  target?: string;
  ok?: boolean;
}

export interface BenchCatalog {
  name: string;
  catalog: Catalog;
  /** How a child process re-creates it: a spec source, plus a synthetic size if any. */
  childArgs: string[];
}

export interface BenchContext {
  catalogs: BenchCatalog[];
  domain: RetrievalDomain;
  /** Indexes built by the build section, reused by later sections. */
  indexes: Map<string, OperationIndex>;
  /** Temporary cache directory (BAI_AGENT_CACHE_DIR for this run). */
  cacheDir: string;
}

export interface BenchSection {
  name: string;
  run(ctx: BenchContext): Promise<Figure[]>;
}

const SYNTHETIC_SIZE = 16_000;
const TOOL_K = 8;

const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

const latencyTarget = (ops: number) => (ops >= 10_000 ? 10 : 2);

export const SECTIONS: BenchSection[] = [
  {
    name: 'index build',
    async run(ctx) {
      const out: Figure[] = [];
      for (const { name, catalog } of ctx.catalogs) {
        const started = process.hrtime.bigint();
        const index = buildOperationIndex(catalog, ctx.domain);
        out.push({ section: this.name, catalog: name, metric: 'build', value: round(ms(started), 1), unit: 'ms' });
        ctx.indexes.set(name, index);
      }
      return out;
    },
  },
  {
    name: 'query latency',
    async run(ctx) {
      const out: Figure[] = [];
      for (const { name, catalog } of ctx.catalogs) {
        const index = ctx.indexes.get(name)!;
        for (const q of BENCH_QUERIES) index.search(q, { k: TOOL_K }); // warm up the JIT
        const times: number[] = [];
        const rounds = catalog.operations.length > 5000 ? 3 : 10;
        for (let r = 0; r < rounds; r++) {
          for (const q of BENCH_QUERIES) {
            const started = process.hrtime.bigint();
            index.search(q, { k: TOOL_K });
            times.push(ms(started));
          }
        }
        times.sort((a, b) => a - b);
        const target = latencyTarget(catalog.operations.length);
        const p50 = round(percentile(times, 0.5), 3);
        out.push({ section: this.name, catalog: name, metric: 'p50', value: p50, unit: 'ms', target: `≤ ${target} ms`, ok: p50 <= target });
        out.push({ section: this.name, catalog: name, metric: 'p95', value: round(percentile(times, 0.95), 3), unit: 'ms' });
        out.push({ section: this.name, catalog: name, metric: 'queries', value: times.length, unit: '' });
      }
      return out;
    },
  },
  {
    name: 'index cache load',
    async run(ctx) {
      const out: Figure[] = [];
      for (const { name, catalog, childArgs } of ctx.catalogs) {
        await loadOperationIndex(catalog, { domain: ctx.domain }); // builds and writes the cache
        // median of three fresh processes: one cold start is at the mercy of the machine
        const runs: { indexMs: number; domainMs: number }[] = [];
        for (let i = 0; i < 3; i++) runs.push(await loadInChild(childArgs, ctx.cacheDir));
        const indexMs = median(runs.map((r) => r.indexMs));
        const target = catalog.operations.length < 10_000 ? 50 : undefined;
        out.push({
          section: this.name,
          catalog: name,
          metric: 'index load (fresh process, median of 3)',
          value: round(indexMs, 1),
          unit: 'ms',
          ...(target ? { target: `≤ ${target} ms`, ok: indexMs <= target } : {}),
        });
        out.push({ section: this.name, catalog: name, metric: 'domain data load', value: round(median(runs.map((r) => r.domainMs)), 1), unit: 'ms' });
      }
      return out;
    },
  },
  {
    name: 'tool tokens',
    async run(ctx) {
      const out: Figure[] = [];
      for (const { name, catalog } of ctx.catalogs) {
        if (catalog.operations.length > 5000) continue; // synthetic copies: same schemas as upstream
        const index = ctx.indexes.get(name)!;
        const counts: number[] = [];
        for (const q of BENCH_QUERIES) {
          const tools = toolDefinitions(index.search(q, { k: TOOL_K }).map((r) => r.operation), catalog);
          counts.push(await countToolTokens(tools));
        }
        const max = Math.max(...counts);
        const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
        out.push({ section: this.name, catalog: name, metric: `top-${TOOL_K} max (${TOKENIZER})`, value: max, unit: 'tokens', target: '≤ 3000', ok: max <= 3000 });
        out.push({ section: this.name, catalog: name, metric: `top-${TOOL_K} mean`, value: Math.round(mean), unit: 'tokens' });
      }
      return out;
    },
  },
  {
    name: 'hybrid planning',
    async run() {
      // dev and probe sets planned offline and hybrid (--llm at the stub model): see hybrid.ts
      const datasets = hybridDatasets();
      if (datasets.length === 0) return [{ section: this.name, catalog: 'eval', metric: 'skipped: no dev or probe set found (set BAI_SHARED_DIR)', value: 0, unit: '' }];
      const out: Figure[] = [];
      for (const d of datasets) out.push(...hybridFigures(await measureHybrid(d), this.name));
      return out;
    },
  },
  {
    name: 'cli startup',
    async run(ctx) {
      // cold processes against a throw-away sandbox, median of 5, the commands interleaved so that
      // load from elsewhere on the machine hits each alike; the yardstick is what merely importing
      // LangGraph costs, since a planning run must load it (issue 4: ≤ 1.3×)
      // the installed command (package.json bin): the bundled CLI
      const cli = join(packageRoot(), 'dist', 'bundle', 'bin.js');
      if (!existsSync(cli)) return [{ section: this.name, catalog: 'cli', metric: 'skipped: run npm run build', value: 0, unit: '' }];
      const env = { ...process.env, BAI_AGENT_CACHE_DIR: ctx.cacheDir, BAI_AGENT_STATE_DIR: ctx.cacheDir, BACKEND_ENDPOINT: '' };
      const request = 'create a new session with 5 fGPU';
      const commands: Record<string, string[]> = {
        langgraph: ['--input-type=module', '-e', "await import('@langchain/langgraph')"],
        help: [cli, '--help'],
        roundTrip: [cli, 'sandbox', '--fast', '--port', '0', '--check'],
        plan: [cli, '--sandbox', '-q', 'plan', request],
      };
      // the very first run on a machine parses the spec, builds the index and compiles validators;
      // it fills those caches, as any earlier run would have for the runs measured below
      const firstRunDir = await mkdtemp(join(tmpdir(), 'bai-bench-first-'));
      const firstRun = await timeChild(commands.plan!, { ...env, BAI_AGENT_CACHE_DIR: firstRunDir, BAI_AGENT_STATE_DIR: firstRunDir });
      await rm(firstRunDir, { recursive: true, force: true });
      await timeChild(commands.plan!, env);
      const runs: Record<string, number[]> = {};
      for (let i = 0; i < STARTUP_RUNS; i++) {
        for (const [name, args] of Object.entries(commands)) (runs[name] ??= []).push(await timeChild(args, env));
      }
      const med = (name: string) => median(runs[name]!);
      const ratio = med('plan') / med('langgraph');
      return [
        { section: this.name, catalog: 'cli', metric: `import @langchain/langgraph (median of ${STARTUP_RUNS})`, value: round(med('langgraph'), 0), unit: 'ms' },
        { section: this.name, catalog: 'cli', metric: 'bai-agent --help', value: round(med('help'), 0), unit: 'ms' },
        { section: this.name, catalog: 'cli', metric: 'sandbox --check (start + 1 signed round trip)', value: round(med('roundTrip'), 0), unit: 'ms' },
        { section: this.name, catalog: 'cli', metric: `plan "${request}" --sandbox`, value: round(med('plan'), 0), unit: 'ms' },
        { section: this.name, catalog: 'cli', metric: 'plan ÷ langgraph import', value: round(ratio, 2), unit: '×', target: '≤ 1.2', ok: ratio <= 1.2 },
        { section: this.name, catalog: 'cli', metric: 'plan, first run with empty caches (1 run)', value: round(firstRun, 0), unit: 'ms' },
      ];
    },
  },
  {
    name: 'parser',
    async run() {
      // the offline parser on every request of the dev set and the probe set, warm: what one plan pays for reading
      const { parseRequest } = await import('../planner/offline/parse/index.js');
      const files = [join(packageRoot(), '..', 'shared', 'eval', 'dev.jsonl'), join(packageRoot(), 'test', 'fixtures', 'eval-probes.jsonl')];
      const requests = files
        .filter((f) => existsSync(f))
        .flatMap((f) => readFileSync(f, 'utf8').split('\n').filter((l) => l.trim()).map((l) => String((JSON.parse(l) as { query: string }).query)));
      if (requests.length === 0) return [{ section: this.name, catalog: 'offline', metric: 'skipped: no request sets found', value: 0, unit: '' }];
      for (const r of requests) parseRequest(r); // warm: regexes compiled
      const times = requests
        .map((r) => {
          const t = process.hrtime.bigint();
          parseRequest(r);
          return Number(process.hrtime.bigint() - t) / 1e6;
        })
        .sort((a, b) => a - b);
      return [
        { section: this.name, catalog: 'offline', metric: `parseRequest p50 (${requests.length} requests)`, value: round(percentile(times, 0.5), 3), unit: 'ms' },
        { section: this.name, catalog: 'offline', metric: 'parseRequest p95', value: round(percentile(times, 0.95), 3), unit: 'ms' },
      ];
    },
  },
  {
    name: 'memory',
    async run() {
      // maxRSS is in kilobytes; it covers the whole run so far (all catalogs and indexes)
      return [{ section: this.name, catalog: 'all', metric: 'peak RSS', value: round(process.resourceUsage().maxRSS / 1024, 1), unit: 'MiB' }];
    },
  },
];

async function timeChild(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  // exit codes are not the point here (a plan may ask for clarification); a crash would show in stderr
  await promisify(execFile)(process.execPath, args, { env, cwd: packageRoot(), maxBuffer: 1 << 22 }).catch(() => undefined);
  return ms(started);
}

const STARTUP_RUNS = 5;

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function loadInChild(args: string[], cacheDir: string): Promise<{ indexMs: number; domainMs: number }> {
  const here = fileURLToPath(import.meta.url);
  const script = join(here, '..', here.endsWith('.ts') ? 'load-index.ts' : 'load-index.js');
  const { stdout } = await promisify(execFile)(process.execPath, [...process.execArgv, script, ...args], {
    env: { ...process.env, BAI_AGENT_CACHE_DIR: cacheDir },
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { indexMs: number; domainMs: number };
}

function upstreamSpecPath(): string {
  const shared = process.env.BAI_SHARED_DIR ?? resolve(packageRoot(), '..', 'shared');
  return join(shared, 'reference', 'backendai-manager-openapi.json');
}

async function benchCatalogs(notes: string[]): Promise<BenchCatalog[]> {
  const out: BenchCatalog[] = [];
  if (existsSync(bundledSpecPath())) {
    out.push({ name: 'curated', catalog: await loadCatalog({ source: 'bundled' }), childArgs: ['bundled'] });
  } else notes.push(`curated spec not found at ${bundledSpecPath()}: skipped`);
  const upstream = upstreamSpecPath();
  if (existsSync(upstream)) {
    const catalog = await loadCatalog({ source: upstream });
    out.push({ name: `upstream (${catalog.operations.length})`, catalog, childArgs: [upstream] });
    out.push({ name: `synthetic (${SYNTHETIC_SIZE})`, catalog: syntheticCatalog(catalog, SYNTHETIC_SIZE), childArgs: [upstream, String(SYNTHETIC_SIZE)] });
  } else notes.push(`upstream spec not found at ${upstream} (set BAI_SHARED_DIR): upstream and synthetic skipped`);
  return out;
}

function renderTable(figures: Figure[]): string {
  const rows = figures.map((f) => [f.section, f.catalog, f.metric, `${f.value}${f.unit ? ` ${f.unit}` : ''}`, f.target ? `${f.target} ${f.ok ? 'ok' : 'MISSED'}` : '']);
  const header = ['section', 'catalog', 'metric', 'value', 'target'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export async function runBench(sections: BenchSection[] = SECTIONS): Promise<{ figures: Figure[]; notes: string[] }> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'bai-bench-'));
  const previous = process.env.BAI_AGENT_CACHE_DIR;
  process.env.BAI_AGENT_CACHE_DIR = cacheDir; // keep the user's cache out of it
  try {
    const notes: string[] = [];
    const ctx: BenchContext = { catalogs: await benchCatalogs(notes), domain: loadRetrievalDomain(), indexes: new Map(), cacheDir };
    const figures: Figure[] = [];
    for (const section of sections) figures.push(...(await section.run(ctx)));
    return { figures, notes };
  } finally {
    if (previous === undefined) delete process.env.BAI_AGENT_CACHE_DIR;
    else process.env.BAI_AGENT_CACHE_DIR = previous;
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  // --section NAME (repeatable): run only those sections, e.g. --section "hybrid planning"
  const only = process.argv.flatMap((a, i) => (a === '--section' && process.argv[i + 1] ? [process.argv[i + 1]!] : []));
  const sections = only.length ? SECTIONS.filter((s) => only.includes(s.name)) : SECTIONS;
  if (only.length && sections.length !== only.length) throw new Error(`unknown section; the sections are: ${SECTIONS.map((s) => s.name).join(', ')}`);
  const { figures, notes } = await runBench(sections);
  if (json) {
    process.stdout.write(`${JSON.stringify({ node: process.version, queries: BENCH_QUERIES.length, figures, notes }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`bai-agent bench (node ${process.version}, ${BENCH_QUERIES.length} queries)\n\n${renderTable(figures)}\n`);
  for (const note of notes) process.stdout.write(`note: ${note}\n`);
}

const invoked = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
