/**
 * `bai-agent mcp`: serve the agent's tools (plan, apply, ask, ops_search) over MCP on
 * stdin/stdout until the client closes stdin. Configuration is checked before serving, so a bad
 * --policy, --spec or connection setting is one error line and exit 2, not a server whose every
 * call fails. stdout belongs to the protocol: all of this command's own lines go to stderr.
 */
import { ExitCode } from '../../errors.js';
import { Output } from '../output.js';
import { reportError, type CommandContext } from '../main.js';
import { loadCommandCatalog } from '../connect.js';

export async function run(ctx: CommandContext): Promise<number> {
  // ctx.out would print a --json error document on stdout; this command keeps stdout for MCP
  const log = new Output({ verbose: ctx.out.verbose, quiet: ctx.out.quiet });
  try {
    if (ctx.globals.yes) log.warn('--yes is ignored by the MCP server: approval is the apply tool\'s `approve` argument');
    const where = await checkConfiguration(ctx);

    const { createMcpServer, TOOL_NAMES } = await import('../../mcp/server.js');
    const { serveStdio } = await import('../../mcp/stdio.js');
    await serveStdio(createMcpServer(ctx.globals), {
      onListening: () => log.info(`bai-agent MCP server on stdio: tools ${TOOL_NAMES.join(', ')}; ${where}`),
    });
    return ExitCode.OK;
  } catch (err) {
    return reportError(err, log);
  }
}

/** Load the spec, the policy and the connection settings once, and say what the server will use. */
async function checkConfiguration(ctx: CommandContext): Promise<string> {
  const catalog = await loadCommandCatalog(ctx);
  const { loadPolicyGate } = await import('../../agent/policy-gate.js');
  const policy = await loadPolicyGate(ctx, catalog);
  let manager = 'the built-in sandbox manager (simulated; state persists between calls)';
  if (!ctx.globals.sandbox) {
    const { resolveConnection } = await import('../../client/index.js');
    const resolved = resolveConnection(ctx.globals, process.env);
    if (resolved.config) {
      const url = new URL(resolved.config.endpoint);
      url.username = '';
      url.password = '';
      manager = url.toString().replace(/\/$/, '');
    }
  }
  return `manager ${manager}; policy ${policy.name}; spec ${catalog.title} ${catalog.version}`;
}
