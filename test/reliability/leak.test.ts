/**
 * Secrets never leak: every command runs as a real process (`node dist/cli/main.js`) with a known
 * secret key — against a sandbox that accepts exactly that key — in its normal, --verbose, --json
 * and error paths, and stdout, stderr and every file the runs write (plan files, audit log, caches,
 * state) are scanned for the secret: as is, base64, hex, URL- and JSON-escaped, and any 12-character
 * piece of it (a message cut short must not show a prefix). Also checked: a wrong secret, the
 * secret given as a flag, an LLM API key, and a credentials file readable by others (warned about).
 *
 * Needs `npm run build` (npm test runs it first).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../src/sandbox/openai-stub.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { seedWorld } from '../../src/sandbox/world.js';
import { toolNameFor } from '../../src/spec/compact.js';
import { repoRoot, devSetPath } from '../support/shared.js';
import { loadShared } from './harness.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const SECRET = 'LEAKCANARY-s3cr3t-0123456789-abcdefXYZ';
const WRONG_SECRET = 'WRONGCANARY-n0t-the-key-9876543210-zyx';
const LLM_KEY = 'sk-LLMCANARY-0123456789abcdefghij';
const ACCESS_KEY = 'AKIASANDBOXUSER00001';

/** Every form in which a secret could show up in text. */
function forms(secret: string): string[] {
  const out = new Set([secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex'), encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  for (let i = 0; i + 12 <= secret.length; i++) out.add(secret.slice(i, i + 12));
  return [...out];
}
const NEEDLES = [SECRET, WRONG_SECRET, LLM_KEY].flatMap((s) => forms(s).map((f) => ({ secret: s.slice(0, 11), form: f })));

interface Run {
  name: string;
  args: string[];
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

let root: string;
let sb: SandboxHandle;
let stub: OpenAIStub;
const runs: Run[] = [];
const figures = { commands: 0, filesScanned: 0, bytesScanned: 0, leaks: [] as string[] };

function baseEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(e)) if (/^(BACKEND_|SORNA_|BAI_AGENT_|OPENAI_)/.test(key)) delete e[key];
  return {
    ...e,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_STATE_HOME: join(home, '.local', 'state'),
    BAI_AGENT_STATE_DIR: join(home, 'state'),
    BAI_AGENT_CACHE_DIR: join(home, 'cache'),
    ...extra,
  };
}

function bai(name: string, args: string[], opts: { home?: string; env?: Record<string, string>; endpoint?: boolean } = {}): Promise<Run> {
  const home = opts.home ?? join(root, 'home');
  const connection: Record<string, string> = opts.endpoint === false ? {} : { BACKEND_ENDPOINT: sb.url, BACKEND_ACCESS_KEY: ACCESS_KEY, BACKEND_SECRET_KEY: SECRET };
  const started = performance.now();
  return new Promise((done) => {
    execFile(process.execPath, [cli, ...args], { cwd: join(root, 'work'), env: baseEnv(home, { ...connection, ...opts.env }), timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      const run = { name, args, code, stdout, stderr, ms: Math.round(performance.now() - started) };
      runs.push(run);
      figures.commands++;
      done(run);
    });
  });
}

/** Run a batch of commands a few at a time (each is a process start: seconds, mostly waiting on imports). */
async function all(jobs: Array<() => Promise<Run>>, parallel = 3): Promise<Run[]> {
  const out: Run[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < jobs.length) out.push(await jobs[next++]!());
    }),
  );
  return out;
}

function scan(where: string, text: string): void {
  figures.bytesScanned += text.length;
  for (const n of NEEDLES) if (text.includes(n.form)) figures.leaks.push(`${where}: ${n.secret}… as ${JSON.stringify(n.form)}`);
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bai-leak-'));
  for (const d of ['home', 'work', 'home-toml/.backend.ai']) mkdirSync(join(root, d), { recursive: true });
  const { catalog } = await loadShared();
  // the sandbox accepts exactly the canary secret for the user's access key
  const world = seedWorld();
  const user = world.users.find((u) => u.accessKey === ACCESS_KEY)!;
  user.secretKey = SECRET;
  sb = await startSandbox({ catalog, clock: 'fast', seed: world });
  stub = await startOpenAIStub({
    script: (req, i) => {
      // the key is refused for this model, as a provider answers a bad key
      if (req.model === 'refusing-model') return { error: { status: 401, message: 'Incorrect API key provided', type: 'invalid_request_error' } };
      const text = JSON.stringify(req.messages ?? []);
      return i % 2 === 0 && !text.includes('Steps planned so far')
        ? [{ name: toolNameFor('v2/sessions.my_search', catalog), arguments: { body: { limit: 10, offset: 0 } } }]
        : [{ name: 'finish', arguments: { reason: 'listed' } }];
    },
  });
  writeFileSync(join(root, 'work', 'two-items.jsonl'), readFileSync(devSetPath(), 'utf8').split('\n').slice(0, 2).join('\n') + '\n');
  writeFileSync(join(root, 'work', 'bad-plan.json'), '{"version": 1, "steps": [');
  writeFileSync(join(root, 'work', 'bad-policy.yaml'), 'name: x\ndefaults: {read: allow, write: sometimes}\n');
  // a credentials file holding the secret, readable by everyone: it is used, and warned about
  const toml = join(root, 'home-toml', '.backend.ai', 'credentials.toml');
  writeFileSync(toml, `[backend-ai]\nendpoint = "${sb.url}"\naccess-key = "${ACCESS_KEY}"\nsecret-key = "${SECRET}"\n`);
  chmodSync(toml, 0o644);
}, 60_000);

afterAll(async () => {
  await sb?.close();
  await stub?.close();
  // eslint-disable-next-line no-console
  if (process.env.BAI_LEAK_DEBUG) console.log(runs.map((r) => `${r.name}: ${r.ms} ms`).join('\n'));
  console.log(`leak scan: ${figures.commands} commands, ${figures.filesScanned} files and ${figures.bytesScanned} bytes scanned for ${NEEDLES.length} secret forms; leaks ${figures.leaks.length}`);
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('no secret in any output or file', () => {
  it('every command, in its normal, --verbose, --json and error paths', async () => {
    const w = (f: string) => join(root, 'work', f);
    await all([
      () => bai('run --yes (folder)', ['--yes', 'create a folder named leak-folder']),
      () => bai('run --verbose --yes (session)', ['--verbose', '--yes', 'create a session named leak-session', '--wait-timeout', '20']),
      () => bai('run --json --verbose (read)', ['--json', '--verbose', 'list my sessions']),
      () => bai('plan -o', ['--verbose', 'plan', 'create a folder named leak-planned', '-o', w('plan.json')]),
      () => bai('ask --verbose', ['--verbose', 'ask', 'how do I create a session with 2 GPUs?']),
      () => bai('ops show --json', ['--json', '--verbose', 'ops', 'show', 'session.create_from_params']),
      () => bai('eval --json', ['--json', '--verbose', 'eval', w('two-items.jsonl')]),
      () => bai('sandbox --check', ['--verbose', 'sandbox', '--check']),
      () => bai('run --llm (stub)', ['--verbose', '--planner', 'llm', '--llm', 'openai:stub-model', '--llm-base-url', stub.url, 'list my sessions'], { env: { BAI_AGENT_LLM_API_KEY: LLM_KEY } }),
      // error paths
      () => bai('wrong secret', ['--verbose', 'list my sessions'], { env: { BACKEND_SECRET_KEY: WRONG_SECRET } }),
      () => bai('secret as a flag', ['--verbose', '--secret-key', SECRET, '--json', 'list my sessions'], { env: { BACKEND_SECRET_KEY: '' } }),
      () => bai('unreachable manager', ['--verbose', 'list my sessions'], { env: { BACKEND_ENDPOINT: 'http://127.0.0.1:9', BACKEND_CONNECTION_TIMEOUT: '2' } }),
      () => bai('bad plan file', ['--verbose', 'apply', w('bad-plan.json')]),
      () => bai('bad policy', ['--verbose', '--policy', w('bad-policy.yaml'), 'list my sessions']),
      () => bai('missing access key', ['--verbose', 'list my sessions'], { env: { BACKEND_ACCESS_KEY: '' } }),
      () => bai('usage error', ['--verbose', 'run', '--no-such-flag']),
      () => bai('LLM key rejected', ['--verbose', '--planner', 'llm', '--llm', 'openai:refusing-model', '--llm-base-url', stub.url, 'list my sessions'], { env: { BAI_AGENT_LLM_API_KEY: LLM_KEY } }),
      () => bai('credentials file 0644', ['--verbose', 'plan', 'list my sessions'], { home: join(root, 'home-toml'), endpoint: false }),
    ]);
    // a saved plan applied (needs the file from `plan -o`)
    await bai('apply --yes', ['--verbose', '--yes', 'apply', w('plan.json')]);

    // the runs did what they say: the secret worked (so it was really in use), and the failures failed
    const by = (name: string) => runs.find((r) => r.name === name)!;
    expect(by('run --yes (folder)').code, by('run --yes (folder)').stderr).toBe(0);
    expect(by('run --verbose --yes (session)').code, by('run --verbose --yes (session)').stderr).toBe(0);
    expect(by('apply --yes').code, by('apply --yes').stderr).toBe(0);
    expect(by('secret as a flag').code).toBe(0);
    expect(by('secret as a flag').stderr).toMatch(/warning: --secret-key puts the secret key on the command line/);
    expect(by('run --llm (stub)').code, by('run --llm (stub)').stderr).toBe(0);
    expect(by('wrong secret').code, by('wrong secret').stderr).toBe(2); // credentials are configuration (README exit codes)
    expect(by('wrong secret').stderr).toMatch(/authentication failed: check BACKEND_ACCESS_KEY\/BACKEND_SECRET_KEY/);
    expect(by('credentials file 0644').stderr).toMatch(/credentials\.toml is readable by others \(mode 0644\); run chmod 600/);
    expect(by('credentials file 0644').code).toBe(0);
    expect(sb.world().sessions.some((s) => s.name === 'leak-session')).toBe(true);
    // every error is one clear line: no stack trace without being asked for one
    for (const r of runs.filter((x) => x.code !== 0 && !x.args.includes('--verbose'))) expect(r.stderr, r.name).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);

    for (const r of runs) {
      scan(`${r.name} stdout`, r.stdout);
      scan(`${r.name} stderr`, r.stderr);
    }
    // every file the runs wrote: plan files, audit log, caches, state, config — not the credentials file we made
    const written = filesUnder(root).filter((f) => !f.endsWith('credentials.toml'));
    if (process.env.BAI_LEAK_DEBUG) console.log(written.map((f) => f.slice(root.length)).join('\n'));
    expect(written.some((f) => f.endsWith('audit.jsonl'))).toBe(true);
    expect(written.some((f) => f.endsWith('plan.json'))).toBe(true);
    for (const f of written) {
      figures.filesScanned++;
      scan(f.slice(root.length), readFileSync(f, 'latin1'));
      // files that can hold plans or logs are private
      if (f.endsWith('audit.jsonl') || f === join(root, 'work', 'plan.json')) expect(statSync(f).mode & 0o077, f).toBe(0);
    }
    expect(figures.leaks).toEqual([]);
  }, 120_000);
});
