/**
 * `bai-agent sandbox [--port N] [--host ADDR] [--state FILE | --no-state] [--seed FILE] [--fast] [--faults SPEC] [--inference-upstream URL] [--manager-api-version V] [--check] [--reset]`
 *
 * Runs the simulated manager until SIGINT/SIGTERM and prints what to paste to use it. It keeps
 * its world in the same state file as the sandbox that `bai-agent "<request>"` starts when no
 * manager is configured — one world, one `--reset` — unless given another (`--state FILE`) or
 * none (`--no-state`: in memory, each run from the seed). `--check` starts it on a free port,
 * makes one signed round trip and exits. With --json, what it prints is one JSON document.
 * `--inference-upstream URL` puts an OpenAI-compatible server (a local vLLM, Ollama, LM Studio)
 * behind every model service endpoint, so `--llm backendai:SERVICE` can be tried locally.
 * `--manager-api-version V` makes it an older manager (it reports V on `GET /` and refuses newer
 * version headers), to try the agent's version negotiation.
 */
import { declarePublic } from '../../redact.js';
import { waitForSignal } from '../signals.js';
import { rmSync } from 'node:fs';
import { BaiError, ExitCode } from '../../errors.js';
import type { CommandContext } from '../main.js';

export interface SandboxCommandOptions {
  port?: string;
  host?: string;
  /** a file; false (`--no-state`): in memory; undefined: the shared default state file */
  state?: string | false;
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
  const port = opts.check ? 0 : parsePort(opts.port);
  const inferenceUpstream = opts.inferenceUpstream === undefined ? undefined : parseUpstream(opts.inferenceUpstream);
  const { startSandbox, defaultSandboxStatePath } = await import('../../sandbox/index.js');
  const statePath = opts.state === false ? undefined : (opts.state ?? defaultSandboxStatePath());
  if (opts.reset) {
    if (statePath) rmSync(statePath, { force: true });
    ctx.out.info(statePath ? `reset: discarded ${statePath}; the sandbox starts from the seed world` : 'reset: nothing to discard (--no-state keeps the world in memory)');
  }
  const sandbox = await startSandbox({
    port,
    host: opts.host ?? '127.0.0.1',
    ...(statePath ? { statePath } : {}),
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
      if (ctx.out.json) ctx.out.emitJson({ ok: true, url: sandbox.url, state: statePath ?? null, resourceSlots: slots });
      else ctx.out.print(`ok: sandbox manager answered a signed GET /config/resource-slots at ${sandbox.url} (${Object.keys(slots).join(', ')})`);
      return ExitCode.OK;
    } finally {
      await sandbox.close();
    }
  }

  const { user } = sandbox.credentials;
  declarePublic(user.accessKey);
  declarePublic(user.secretKey);
  if (ctx.out.json) {
    // one document, at once: a script reads the URL and keys, then uses the server while it runs
    ctx.out.emitJson({
      ok: true,
      url: sandbox.url,
      state: statePath ?? null,
      inferenceUpstream: inferenceUpstream ?? null,
      ...(opts.managerApiVersion ? { managerApiVersion: opts.managerApiVersion } : {}),
      // the public sandbox test keys of SANDBOX-WORLD.md
      env: { BACKEND_ENDPOINT: sandbox.url, BACKEND_ACCESS_KEY: user.accessKey, BACKEND_SECRET_KEY: user.secretKey },
    });
  } else {
    ctx.out.print(
      [
        `bai-agent sandbox manager (simulated) listening on ${sandbox.url}`,
        statePath ? `state: ${statePath} (shared with bai-agent runs that use the built-in sandbox; --reset starts it over)` : 'state: in memory only (--no-state)',
        ...(opts.managerApiVersion ? [`acting as an older manager: API ${opts.managerApiVersion}`] : []),
        inferenceUpstream ? `model services answer through: ${inferenceUpstream}` : 'model services have no inference backend (pass --inference-upstream URL for one)',
        '',
        'Use it from another shell (these are the public sandbox test keys of SANDBOX-WORLD.md):',
        `  export BACKEND_ENDPOINT=${sandbox.url} BACKEND_ACCESS_KEY=${user.accessKey} BACKEND_SECRET_KEY=${user.secretKey}`,
        '',
        'Press Ctrl+C to stop.',
      ].join('\n'),
    );
  }
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
