/**
 * `bai-agent serve [--port N] [--host ADDR]`: the web page and HTTP API (src/serve/) until
 * SIGINT/SIGTERM. Prints the page URL with the access token in its fragment, once, on stderr;
 * after that the token is masked like any other secret.
 */
import { waitForSignal } from '../signals.js';
import { BaiError, ExitCode } from '../../errors.js';
import { declarePublic, registerSecret } from '../../redact.js';
import type { CommandContext } from '../main.js';
import type { ServerInfo } from '../../serve/index.js';

export interface ServeCommandOptions {
  port?: string;
  host?: string;
  /** For tests: resolves to stop the server instead of waiting for a signal. */
  stopSignal?: Promise<void>;
}

const DEFAULT_PORT = 8091;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new BaiError(`--port must be a number between 0 and 65535 (got "${raw}")`, 'bad_input');
  return n;
}

/** BAI_AGENT_SERVE_TOKEN, when set, must be long enough not to be guessed. */
function tokenFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const t = env.BAI_AGENT_SERVE_TOKEN?.trim();
  if (!t) return undefined;
  if (t.length < 16 || !/^[A-Za-z0-9._~-]+$/.test(t)) {
    throw new BaiError('BAI_AGENT_SERVE_TOKEN must be at least 16 characters of letters, digits, ".", "_", "~" or "-"', 'config');
  }
  return t;
}

/** What the page shows in its header; a broken manager configuration stops serve before it starts. */
async function describe(ctx: CommandContext): Promise<ServerInfo> {
  const policy = ctx.globals.policy ?? process.env.BAI_AGENT_POLICY ?? 'default';
  const planner = ctx.globals.llm ?? process.env.BAI_AGENT_LLM ?? 'offline';
  if (ctx.globals.sandbox) return { endpoint: 'sandbox (built-in, simulated)', policy, planner };
  const { resolveConnection } = await import('../../client/index.js');
  const resolved = resolveConnection(ctx.globals, process.env);
  if (!resolved.config) return { endpoint: 'sandbox (built-in, simulated)', policy, planner };
  const url = new URL(resolved.config.endpoint);
  url.username = '';
  url.password = '';
  return { endpoint: url.toString().replace(/\/$/, ''), policy, planner };
}

export async function run(ctx: CommandContext, opts: ServeCommandOptions = {}): Promise<number> {
  const port = parsePort(opts.port);
  const host = opts.host ?? '127.0.0.1';
  const { startServer, newToken } = await import('../../serve/index.js');
  const token = tokenFromEnv(process.env) ?? newToken();
  const info = await describe(ctx);
  const server = await startServer({ globals: ctx.globals, token, info, host, port, log: (line) => ctx.out.debug(line) });
  declarePublic(token); // the one time it is shown (`#token=…` would otherwise be masked as a secret assignment)

  ctx.out.info(
    [
      `bai-agent serve: open ${server.url}/#token=${token}`,
      `API token: ${token}  (send "Authorization: Bearer <token>"; set BAI_AGENT_SERVE_TOKEN to choose it)`,
      `manager: ${info.endpoint} · policy ${info.policy} · planner ${info.planner}`,
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
  // printed once on purpose; from here on it is masked wherever it would appear
  registerSecret(token);
  if (!LOOPBACK.has(host)) ctx.out.warn(`listening on ${host}: anyone who can reach this address and has the token can plan and run calls with your keys`);

  await (opts.stopSignal ?? waitForSignal());
  await server.close();
  ctx.out.info('serve stopped');
  return ExitCode.OK;
}

