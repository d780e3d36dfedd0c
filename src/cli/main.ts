#!/usr/bin/env node
/**
 * bai-agent entry point. This file only declares commands and options; every command's
 * implementation lives in ./commands/<name>.ts and is imported lazily, so `--help` and simple
 * commands do not pay for LangGraph, axios or the sandbox.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { BaiError, ExitCode, exitCodeForError } from '../errors.js';
import { Output } from './output.js';
import { redact } from '../redact.js';

export interface GlobalOptions {
  endpoint?: string;
  endpointType?: string;
  accessKey?: string;
  secretKey?: string;
  domain?: string;
  group?: string;
  apiVersion?: string;
  sandbox?: boolean;
  spec?: string;
  policy?: string;
  allowAdmin?: boolean;
  llm?: string;
  llmBaseUrl?: string;
  planner?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  /** approve writes that need confirmation; global so `--yes apply FILE` and `apply FILE --yes` both work */
  yes?: boolean;
}

export interface CommandContext {
  globals: GlobalOptions;
  out: Output;
}

/** What a command returns: the process exit code. */
export type CommandResult = number | void;

const EXIT_CODES_HELP = `
Exit codes:
  0   success
  1   internal error (a bug: please report it with --verbose output)
  2   bad input or configuration (request, flags, plan file, policy, spec, credentials)
  3   refused (denied by policy, or not a Backend.AI task)
  4   needs clarification (the request lacks something only you can say)
  5   declined at the confirmation prompt (nothing was written)
  6   confirmation required but no terminal and no --yes (nothing was written)
  7   execution failed (a call failed while running an approved plan)
  8   manager unreachable or misbehaving
  10  plan has writes (only with plan --detailed-exitcode)

Environment:
  BACKEND_ENDPOINT, BACKEND_ACCESS_KEY, BACKEND_SECRET_KEY, BACKEND_ENDPOINT_TYPE (api),
  BACKEND_DOMAIN, BACKEND_GROUP, BACKEND_API_VERSION   manager connection (as the Backend.AI client)
  BAI_AGENT_POLICY   policy name or file          BAI_AGENT_LLM   e.g. openai:gpt-4o-mini
  BAI_AGENT_PLANNER  offline, llm or hybrid (with an LLM: offline first, the model for the rest)
  No BACKEND_ENDPOINT: bai-agent runs against its built-in sandbox manager and says so.
`;

type Action = (ctx: CommandContext, ...args: unknown[]) => Promise<CommandResult>;

/** Wrap a lazily imported command implementation with context, error handling and exit codes. */
function lazy(load: () => Promise<Action>) {
  return async (...args: unknown[]) => {
    const cmd = args[args.length - 1] as Command;
    const globals = cmd.optsWithGlobals() as GlobalOptions;
    const out = new Output({ json: Boolean(globals.json), verbose: Boolean(globals.verbose), quiet: Boolean(globals.quiet) });
    try {
      const action = await load();
      const code = await action({ globals, out }, ...args.slice(0, -1));
      process.exitCode = typeof code === 'number' ? code : ExitCode.OK;
    } catch (err) {
      process.exitCode = reportError(err, out);
    }
  };
}

export function reportError(err: unknown, out: Output): number {
  const code = exitCodeForError(err);
  const message = err instanceof BaiError ? err.message : `internal error: ${(err as Error)?.message ?? String(err)}`;
  if (out.json && !out.hasEmittedJson) {
    out.emitJson({ ok: false, error: { kind: err instanceof BaiError ? err.kind : 'internal', message }, exitCode: code });
  } else {
    out.error(message);
  }
  if (out.verbose && err instanceof Error && err.stack) out.debug(redact(err.stack));
  else if (!(err instanceof BaiError)) out.info('(run with --verbose for details)');
  return code;
}

export function buildProgram(): Command {
  const program = new Command('bai-agent')
    .description('Drive a Backend.AI cluster in plain language: plan, preview, confirm, execute.')
    .version('0.1.0')
    .addOption(new Option('--endpoint <url>', 'manager URL (default: $BACKEND_ENDPOINT, else the built-in sandbox)'))
    .addOption(new Option('--endpoint-type <type>', 'api (keypair signing); session is not supported yet'))
    .addOption(new Option('--access-key <key>', 'access key (default: $BACKEND_ACCESS_KEY)'))
    .addOption(new Option('--secret-key <key>', 'secret key (prefer $BACKEND_SECRET_KEY: flags show in ps)'))
    .addOption(new Option('--domain <name>', 'domain (default: $BACKEND_DOMAIN or "default")'))
    .addOption(new Option('--group <name>', 'project/group (default: $BACKEND_GROUP or "default")'))
    .addOption(new Option('--api-version <ver>', 'X-BackendAI-Version to send (default v9.20250722)'))
    .addOption(new Option('--sandbox', 'use the built-in simulated manager even if an endpoint is configured'))
    .addOption(new Option('--spec <source>', 'spec: bundled (default), a file, a URL, or live'))
    .addOption(new Option('--policy <name|file>', 'policy: default, ci, readonly, or a YAML file (default: $BAI_AGENT_POLICY or default)'))
    .addOption(new Option('--allow-admin', 'let the default policy consider superadmin operations'))
    .addOption(new Option('--llm <spec>', 'LLM proposer, e.g. openai:gpt-4o-mini or backendai:SERVICE (default: offline planner)'))
    .addOption(new Option('--llm-base-url <url>', 'OpenAI-compatible base URL for --llm openai:*'))
    .addOption(new Option('--planner <mode>', 'offline, llm or hybrid (default: $BAI_AGENT_PLANNER, else hybrid with --llm, offline without)'))
    .addOption(new Option('-y, --yes', 'approve writes that need confirmation (the policy still applies)'))
    .addOption(new Option('--json', 'print exactly one JSON document on stdout'))
    .addOption(new Option('-v, --verbose', 'debug logs on stderr (secrets are masked)'))
    .addOption(new Option('-q, --quiet', 'no progress or info lines on stderr'))
    .showHelpAfterError('(run bai-agent --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP)
    // before the commands are added, so that they inherit it: a usage error anywhere is thrown
    // to main() (exit 2, a JSON error under --json), never a process.exit(1) inside commander
    .exitOverride();

  registerCommands(program);
  return program;
}

/**
 * Command table. Each entry imports its implementation only when it runs.
 * Implementations export `run(ctx, ...commanderArgs)` returning an exit code.
 */
function registerCommands(program: Command): void {
  program
    .command('run [request...]', { isDefault: true })
    .description('plan a request, preview it, confirm, execute (the default: bai-agent "<request>")')
    .option('--dry-run', 'plan and preview only; read calls run, nothing is written')
    .option('-o, --output <file>', 'also save the plan document to this file')
    .option('--wait-timeout <seconds>', 'how long to wait for a new session to reach RUNNING (1–86400)')
    .option('--k <n>', 'how many operations retrieval offers the planner', '8')
    .option('--on-failure <undo|keep>', 'when a step fails after others wrote: undo them or keep them (default: ask at a terminal, else keep)')
    .option('--raw-logs', 'print session logs exactly as received, control characters included (default: shown as visible escapes)')
    .action(lazy(async () => (await import('./commands/run.js')).run as Action));

  program
    .command('plan [request...]')
    .description('plan and preview only (read calls run, nothing is written); save it with -o for apply')
    .option('-o, --output <file>', 'save the plan document (JSON) to this file')
    .option('--requests <file>', 'plan every request of FILE (one per line, # comments) as one plan')
    .option('--format <text|markdown>', 'markdown: print the plan on stdout for a pull-request comment')
    .option('--detailed-exitcode', 'exit 10 when the plan has writes, 0 when it has none')
    .option('--k <n>', 'how many operations retrieval offers the planner', '8')
    .action(lazy(async () => (await import('./commands/run.js')).plan as Action));

  program
    .command('apply <file>')
    .description('execute exactly the plan in FILE (refused if the spec or a grounded entity changed)')
    .option('--wait-timeout <seconds>', 'how long to wait for a new session to reach RUNNING (1–86400)')
    .option('--on-failure <undo|keep>', 'when a step fails after others wrote: undo them or keep them (default: ask at a terminal, else keep)')
    .option('--raw-logs', 'print session logs exactly as received, control characters included')
    .action(lazy(async () => (await import('./commands/run.js')).apply as Action));

  program
    .command('undo [runId]')
    .description('undo the writes of a run (default: the last one) from the audit log; checked, previewed and confirmed like any plan')
    .option('--list', 'list the recent runs that wrote something, with their ids')
    .option('--wait-timeout <seconds>', 'how long to wait for sessions while undoing')
    .action(lazy(async () => (await import('./commands/undo.js')).run as Action));

  program
    .command('sandbox')
    .description('run the simulated Backend.AI manager (the world of SANDBOX-WORLD.md)')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8090')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--state <file>', 'keep the world in this JSON file (default: the state file bai-agent runs share)')
    .option('--no-state', 'keep the world in memory only (each run starts from the seed)')
    .option('--seed <file>', 'seed world JSON instead of the built-in one')
    .option('--fast', 'sessions reach RUNNING immediately (test clock)')
    .option('--faults <spec>', 'inject faults, e.g. "latency=200,5xx=0.1,429=0.05,drop=0.02,seed=1"')
    .option('--inference-upstream <url>', 'OpenAI-compatible server behind every model service endpoint (for --llm backendai:SERVICE)')
    .option('--manager-api-version <ver>', 'act as an older manager that speaks at most this API version, e.g. v8.20240915')
    .option('--check', 'start, make one signed round trip, print the result and exit')
    .option('--reset', 'discard the saved state (the same world bai-agent runs use) and start from the seed world')
    .action(lazy(async () => (await import('./commands/sandbox.js')).run as Action));

  program
    .command('serve')
    .description('web page and HTTP API: type a request, preview the plan, approve it in the browser')
    .option('--port <n>', 'port to listen on (0 = any free port)', '8091')
    .option('--host <addr>', 'address to bind (keep 127.0.0.1 unless you mean to expose it)', '127.0.0.1')
    .action(lazy(async () => (await import('./commands/serve.js')).run as Action));

  const ops = program.command('ops').description('search the API operation catalog, or show one operation in full');
  ops
    .command('search <text...>')
    .description('the operations retrieval finds for a sentence (what the planner is offered)')
    .option('--k <n>', 'how many operations to list', '10')
    .option('--admin', 'do not down-weight admin/superadmin operations')
    .option('--explain', 'show matched terms and ranking factors')
    .action(lazy(async () => (await import('./commands/ops.js')).search as Action));
  ops
    .command('show <operationId>')
    .description('method, path, privilege, parameters, body fields and an example request')
    .action(lazy(async () => (await import('./commands/ops.js')).show as Action));

  program
    .command('ask <question...>')
    .description('which API operations answer a question, with parameters and an example request (nothing runs)')
    .option('--k <n>', 'how many operations to show', '3')
    .action(lazy(async () => (await import('./commands/ask.js')).run as Action));

  program
    .command('mcp')
    .description('serve plan, apply, ask and ops_search to other agents over MCP (stdio); apply writes only with approve=true')
    .action(lazy(async () => (await import('./commands/mcp.js')).run as Action));

  program
    .command('eval <file>')
    .description('score retrieval (recall@k, MRR) and planning on a JSONL dataset (shared/eval format)')
    .option('--k <n>', 'retrieval depth scored', '5')
    .option('--all', 'list every item, not only the failing ones')
    .action(lazy(async () => (await import('./commands/eval.js')).run as Action));
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // `bai-agent … | head`: the reader went away; stop quietly rather than print a stack trace
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const program = buildProgram();
  // `bai-agent` alone: what it does and how to use it, not an error
  if (argv.length <= 2) {
    program.outputHelp();
    process.exitCode = ExitCode.OK;
    return;
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help/version print and exit 0; usage errors are bad input (commander has said why on stderr)
      if (err.exitCode === 0) {
        process.exitCode = ExitCode.OK;
        return;
      }
      process.exitCode = ExitCode.BAD_INPUT;
      if (wantsJson(argv)) {
        new Output({ json: true }).emitJson({ ok: false, error: { kind: 'bad_input', message: err.message.replace(/^error: /, '') }, exitCode: ExitCode.BAD_INPUT });
      }
      return;
    }
    process.exitCode = reportError(err, new Output({ json: wantsJson(argv) }));
  }
}

/** `--json` among the options (before a `--`), when commander could not parse the rest. */
function wantsJson(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

// Run when executed as the bin (directly or through npm's symlink), not when imported by tests.
function invokedDirectly(): boolean {
  if ((globalThis as Record<symbol, unknown>)[Symbol.for('bai-agent.bin')]) return false; // bin.ts calls main()
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}
if (invokedDirectly()) void main();
