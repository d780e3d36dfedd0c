/**
 * `POST /session/{s}` (execute, facts §3.5 and §15.1), simulated: there is no container behind the
 * sandbox, but the protocol is the manager's. `query` hands `code` to the image's language REPL
 * (every sandbox image is a Python one), so a bare shell command answers the REPL's error, as a
 * Jupyter kernel would. `batch` runs `options.exec` as a shell command after the kernel's clean
 * and build steps (`clean-finished`, `build-finished`, then the run). The manager flushes output
 * every ~2 s: a run longer than that answers `status: "continued"`, and the client asks again with
 * `mode: "continue"` and the same `run_id` until `finished`. Runs live in the world, so a
 * continuation reaches the same run through another process sharing the state file.
 */
import { badParams } from '../problem.js';
import type { SandboxWorld, SessionRecord } from '../world.js';
import { newUuid } from './common.js';
import { bodyObject, json, type HandlerContext, type HandlerResult } from './context.js';

type ConsoleItem = [string, string];

/** One answer of the kernel: what it printed since the last one, and how the run stands. */
export interface ExecChunk {
  status: 'continued' | 'clean-finished' | 'build-finished' | 'finished';
  console: ConsoleItem[];
  exitCode: number | null;
}

export interface ExecRun {
  sessionId: string;
  runId: string;
  /** Answers not given yet, in order. */
  chunks: ExecChunk[];
  createdAt: number;
}

/** The manager's flush interval (`flush_timeout=2.0`): a longer run is answered in pieces. */
const FLUSH_SECONDS = 2;
const MAX_RUNS = 50;
const MODES = new Set(['query', 'batch', 'complete', 'continue', 'input']);

const PYTHON_KEYWORDS = new Set([
  'import', 'from', 'def', 'class', 'if', 'for', 'while', 'return', 'with', 'try', 'assert', 'del', 'pass', 'raise', 'global',
  'nonlocal', 'lambda', 'async', 'await', 'not', 'elif', 'else', 'except', 'finally', 'yield', 'print', 'break', 'continue',
]);

/**
 * The error a Python REPL gives for code that is not Python, or undefined when it reads as
 * Python. Shell commands are the case that matters: `nvidia-smi` is `nvidia - smi` (NameError),
 * `ls -la` and `pip install x` are two names in a row (SyntaxError), a lone `ls` is a NameError.
 */
export function pythonErrorFor(code: string): string | undefined {
  const line = code.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (!line) return undefined;
  if (/^[!%]/.test(line)) return undefined; // IPython shell escapes and magics run in the kernel
  const dashed = /^([A-Za-z_]\w*)-[A-Za-z_][\w-]*/.exec(line);
  if (dashed && !PYTHON_KEYWORDS.has(dashed[1]!)) return `NameError: name '${dashed[1]}' is not defined`;
  // `ls -la` is `ls - la` to Python: the first name is looked up first
  const option = /^([A-Za-z_]\w*)\s+-\w/.exec(line);
  if (option && !PYTHON_KEYWORDS.has(option[1]!)) return `NameError: name '${option[1]}' is not defined`;
  const words = /^([A-Za-z_][\w.]*)\s+[^\s=(\[.,:+*/%<>!&|^~-]/.exec(line);
  if (words && !PYTHON_KEYWORDS.has(words[1]!) && !/^(in|is|and|or|if|else|for|not)\b/.test(line.slice(words[1]!.length).trim())) {
    return 'SyntaxError: invalid syntax';
  }
  const bare = /^([A-Za-z_]\w*)$/.exec(line);
  if (bare && !PYTHON_BUILTINS.has(bare[1]!) && !PYTHON_KEYWORDS.has(bare[1]!)) return `NameError: name '${bare[1]}' is not defined`;
  if (/^\.{0,2}\//.test(line)) return 'SyntaxError: invalid syntax';
  return undefined;
}

const PYTHON_BUILTINS = new Set(['print', 'len', 'range', 'help', 'dir', 'exit', 'quit', 'True', 'False', 'None', 'globals', 'locals', 'vars', 'copyright', 'credits', 'license']);

/** How long the simulated run takes, in seconds: `sleep N` / `time.sleep(N)`, or a script run (training, evaluation). */
function simulatedSeconds(text: string): number {
  const sleep = /(?:^|[\s;&(.])sleep\s*\(?\s*(\d+(?:\.\d+)?)/.exec(text);
  if (sleep) return Math.min(Number(sleep[1]), 60);
  if (/^\s*(?:python3?|bash|sh|torchrun|accelerate\s+launch|deepspeed)\s+\S+\.(?:py|sh)\b|^\s*\.\/\S+/.test(text) || /\btrain|\bfit\(/.test(text)) return 6;
  return 0;
}

/** Split a run's output over flush windows: every window but the last answers `continued`. */
function timed(seconds: number, lines: string[], exitCode: number, stream: 'stdout' | 'stderr' = 'stdout'): ExecChunk[] {
  const windows = Math.max(1, Math.ceil(seconds / FLUSH_SECONDS));
  const chunks: ExecChunk[] = [];
  for (let i = 0; i < windows; i++) {
    const from = Math.floor((i * lines.length) / windows);
    const to = Math.floor(((i + 1) * lines.length) / windows);
    const text = lines.slice(from, to).map((l) => `${l}\n`).join('');
    const last = i === windows - 1;
    chunks.push({ status: last ? 'finished' : 'continued', console: text ? [[stream, text]] : [], exitCode: last ? exitCode : null });
  }
  return chunks;
}

function usesGpu(s: SessionRecord): boolean {
  return Object.entries(s.slots).some(([k, v]) => k.startsWith('cuda.') && v > 0);
}

/** A shell command's simulated output: a few well-known commands answer plausibly; others say they were not run. */
function shellRun(world: SandboxWorld, s: SessionRecord, command: string): ExecChunk[] {
  const cmd = command.trim();
  const word = cmd.split(/\s+/)[0] ?? '';
  const mounted = s.mounts.map((id) => world.folders.find((f) => f.id === id)?.name ?? id);
  switch (word) {
    case 'nvidia-smi':
      if (!usesGpu(s)) return timed(0, [`/bin/sh: 1: nvidia-smi: not found`], 127, 'stderr');
      return timed(0, [
        '+-----------------------------------------------------------------------------+',
        '| NVIDIA-SMI 535.104.05   Driver Version: 535.104.05   CUDA Version: 12.1     |',
        `| GPU 0: CUDA fGPU (${s.slots['cuda.shares'] ?? 0} shares)   [sandbox: simulated]                     |`,
        '+-----------------------------------------------------------------------------+',
      ], 0);
    case 'echo':
      return timed(0, [cmd.slice(4).trim().replace(/^(['"])(.*)\1$/, '$2')], 0);
    case 'pwd':
      return timed(0, ['/home/work'], 0);
    case 'ls':
      return timed(0, mounted.length ? mounted : [''], 0);
    case 'python':
    case 'python3':
      if (/^python3?\s+(?:--version|-V)\s*$/.test(cmd)) return timed(0, [`Python ${/py(\d)(\d+)/.exec(s.image)?.slice(1).join('.') ?? '3.11'}.9`], 0);
      break;
  }
  const seconds = simulatedSeconds(cmd);
  if (seconds > 0) {
    const steps = Math.max(1, Math.ceil(seconds / FLUSH_SECONDS));
    return timed(seconds, [`[sandbox] $ ${cmd}`, ...Array.from({ length: steps }, (_, i) => `[sandbox] step ${i + 1}/${steps} …`), '[sandbox] done (simulated: no container ran it)'], 0);
  }
  return timed(0, [`[sandbox] $ ${cmd}`, '[sandbox] (simulated: the sandbox has no container, the command was not run)'], 0);
}

/** Query-mode code in the image's language: Python for every sandbox image. */
function queryRun(s: SessionRecord, code: string): ExecChunk[] {
  const error = pythonErrorFor(code);
  if (error) {
    return timed(0, ['Traceback (most recent call last):', '  File "<stdin>", line 1, in <module>', error], 1, 'stderr');
  }
  // literals only: the sandbox does not interpret Python
  const printed = [...code.matchAll(/print\(\s*(?:(['"])(.*?)\1|(-?\d+(?:\.\d+)?))\s*\)/g)].map((m) => m[2] ?? m[3]!);
  const lines = printed.length ? printed : [`[sandbox] ${s.name}: ran ${code.split('\n').filter((l) => l.trim()).length} line(s) of Python (simulated: no kernel behind the sandbox)`];
  return timed(simulatedSeconds(code), lines, 0);
}

function answer(run: ExecRun, chunk: ExecChunk): HandlerResult {
  return json(200, { result: { status: chunk.status, runId: run.runId, exitCode: chunk.exitCode, options: {}, files: [], console: chunk.console } });
}

/** Handle an execute request for a RUNNING session (the caller resolved it). */
export function executeInSession(ctx: HandlerContext, s: SessionRecord): HandlerResult {
  const b = bodyObject(ctx.body);
  const mode = typeof b.mode === 'string' ? b.mode : undefined;
  if (!mode) throw badParams('runId or mode is missing');
  if (!MODES.has(mode)) throw badParams(`mode has an invalid value: ${mode}`);
  const runId = typeof b.run_id === 'string' && b.run_id ? b.run_id : undefined;
  if ((mode === 'continue' || mode === 'input') && !runId) throw badParams('continuation requires explicit run ID');
  const runs = (ctx.world.executions ??= []);

  if (mode === 'continue' || mode === 'input') {
    const run = runs.find((r) => r.sessionId === s.id && r.runId === runId);
    if (!run) throw badParams(`There is no run ${runId} going on in session ${s.name}`);
    if (mode === 'input') throw badParams(`The run ${runId} is not waiting for input`);
    return next(ctx.world, run);
  }
  if (mode === 'complete') return json(200, { result: { status: 'finished', completions: [] } });

  const code = typeof b.code === 'string' ? b.code : '';
  const options = bodyObject(b.options);
  let chunks: ExecChunk[];
  if (mode === 'batch') {
    const exec = typeof options.exec === 'string' ? options.exec : '';
    // the kernel reports its clean and build steps first, even when they are skipped
    chunks = [
      { status: 'clean-finished', console: [], exitCode: 0 },
      { status: 'build-finished', console: [], exitCode: 0 },
      ...(exec && exec !== '*' ? shellRun(ctx.world, s, exec) : timed(0, [], 0)),
    ];
  } else {
    chunks = queryRun(s, code);
  }
  const run: ExecRun = { sessionId: s.id, runId: runId ?? newUuid().replace(/-/g, '').slice(0, 16), chunks, createdAt: ctx.now };
  const previous = runs.findIndex((r) => r.sessionId === s.id && r.runId === run.runId);
  if (previous >= 0) runs.splice(previous, 1);
  runs.push(run);
  if (runs.length > MAX_RUNS) runs.splice(0, runs.length - MAX_RUNS);
  return next(ctx.world, run);
}

function next(world: SandboxWorld, run: ExecRun): HandlerResult {
  const chunk = run.chunks.shift() ?? { status: 'finished' as const, console: [], exitCode: 0 };
  if (chunk.status === 'finished') world.executions = (world.executions ?? []).filter((r) => r !== run);
  return answer(run, chunk);
}
