/**
 * `bai-agent sandbox [--port N] [--host ADDR] [--state FILE] [--seed FILE] [--fast] [--faults SPEC] [--inference-upstream URL] [--manager-api-version V] [--check] [--reset]`
 *
 * Runs the simulated manager until SIGINT/SIGTERM and prints what to paste to use it. Without
 * `--state` the world lives in memory only (each run starts from the seed); with it, the world
 * is saved to FILE after every change and shared with anything else using that file.
 * `--check` starts it on a free port, makes one signed round trip and exits.
 * `--inference-upstream URL` puts an OpenAI-compatible server (a local vLLM, Ollama, LM Studio)
 * behind every model service endpoint, so `--llm backendai:SERVICE` can be tried locally.
 * `--manager-api-version V` makes it an older manager (it reports V on `GET /` and refuses newer
 * version headers), to try the agent's version negotiation.
 */
import { waitForSignal } from '../signals.js';
import { rmSync } from 'node:fs';
import { BaiError, ExitCode } from '../../errors.js';
import type { CommandContext } from '../main.js';

export interface SandboxCommandOptions {
  port?: string;
  host?: string;
  state?: string;
  seed?: string;
  fast?: boolean;
  faults?: string;
  check?: boolean;
  reset?: boolean;
  inferenceUpstream?: string;
  managerApiVersion?: string;
  /** For tests: resolves to stop a long-running server instead of waiting for a signal. */
  stopSignal?: Promise<void>;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return 8090;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new BaiError(`--port must be a number between 0 and 65535 (got "${raw}")`, 'bad_input');
  return n;
}

function parseUpstream(raw: string): string {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new BaiError(`--inference-upstream must be an http(s) URL such as http://127.0.0.1:11434/v1 (got "${raw.slice(0, 80)}")`, 'bad_input');
  return raw;
}

export async function run(ctx: CommandContext, opts: SandboxCommandOptions = {}): Promise<number> {
  const inferenceUpstream = opts.inferenceUpstream === undefined ? undefined : parseUpstream(opts.inferenceUpstream);
  const { startSandbox } = await import('../../sandbox/index.js');
  if (opts.reset && opts.state) rmSync(opts.state, { force: true });
  const sandbox = await startSandbox({
    port: opts.check ? 0 : parsePort(opts.port),
    host: opts.host ?? '127.0.0.1',
    ...(opts.state ? { statePath: opts.state } : {}),
    ...(opts.seed ? { seed: opts.seed } : {}),
    clock: opts.fast ? 'fast' : 'real',
    ...(opts.faults ? { faults: opts.faults } : {}),
    ...(inferenceUpstream ? { inferenceUpstream } : {}),
    ...(opts.managerApiVersion ? { apiVersion: opts.managerApiVersion } : {}),
    log: (line) => ctx.out.debug(line),
  });

  if (opts.check) {
    try {
      const slots = await checkRoundTrip(sandbox.url, sandbox.credentials.user);
      ctx.out.print(`ok: sandbox manager answered a signed GET /config/resource-slots at ${sandbox.url} (${Object.keys(slots).join(', ')})`);
      return ExitCode.OK;
    } finally {
      await sandbox.close();
    }
  }

  const { user } = sandbox.credentials;
  ctx.out.print(
    [
      `bai-agent sandbox manager (simulated) listening on ${sandbox.url}`,
      opts.state ? `state: ${opts.state}` : 'state: in memory only (pass --state FILE to keep it between runs)',
      ...(opts.managerApiVersion ? [`acting as an older manager: API ${opts.managerApiVersion}`] : []),
      inferenceUpstream ? `model services answer through: ${inferenceUpstream}` : 'model services have no inference backend (pass --inference-upstream URL for one)',
      '',
      'Use it from another shell (these are the public sandbox test keys of SANDBOX-WORLD.md):',
      `  export BACKEND_ENDPOINT=${sandbox.url} BACKEND_ACCESS_KEY=${user.accessKey} BACKEND_SECRET_KEY=${user.secretKey}`,
      '',
      'Press Ctrl+C to stop.',
    ].join('\n'),
  );
  await (opts.stopSignal ?? waitForSignal());
  await sandbox.close();
  ctx.out.info('sandbox stopped');
  return ExitCode.OK;
}


/** One signed request, as any client would make it. */
async function checkRoundTrip(url: string, keys: { accessKey: string; secretKey: string }): Promise<Record<string, string>> {
  const { signRequest, signingHost } = await import('../../client/signing.js');
  const path = '/config/resource-slots';
  const headers = signRequest({ method: 'GET', relUrl: path, host: signingHost(url), contentType: 'application/octet-stream', apiVersion: 'v9.20250722', ...keys });
  let res: Response;
  try {
    res = await fetch(url + path, { headers, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new BaiError(`sandbox check failed: no answer from ${url} (${(err as Error).message})`, 'unavailable');
  }
  const body = (await res.json().catch(() => null)) as Record<string, string> | { msg?: string } | null;
  if (res.status !== 200 || !body) {
    throw new BaiError(`sandbox check failed: GET ${path} answered ${res.status}${body && 'msg' in body ? `: ${body.msg}` : ''}`, 'unavailable');
  }
  return body as Record<string, string>;
}
