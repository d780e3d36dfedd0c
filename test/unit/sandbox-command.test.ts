import { Writable } from 'node:stream';
import { mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { run } from '../../src/cli/commands/sandbox.js';

function capture() {
  let out = '';
  let err = '';
  const stdout = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const stderr = new Writable({ write(c, _e, cb) { err += String(c); cb(); } });
  return { ctx: { globals: {}, out: new Output({ stdout, stderr }) }, text: () => out, errText: () => err };
}

describe('bai-agent sandbox', () => {
  it('--check makes one signed round trip and exits 0', async () => {
    const c = capture();
    expect(await run(c.ctx, { check: true, fast: true, state: false })).toBe(0);
    expect(c.text()).toMatch(/^ok: sandbox manager answered a signed GET \/config\/resource-slots at http:\/\/127\.0\.0\.1:\d+ \(cpu, mem, cuda\.shares\)/);
  });

  it('prints the URL and the env lines, persists to --state, stops cleanly', async () => {
    const c = capture();
    const state = join(mkdtempSync(join(tmpdir(), 'bai-sb-')), 'state.json');
    let stop!: () => void;
    const stopSignal = new Promise<void>((r) => (stop = r));
    const done = run(c.ctx, { port: '0', state, stopSignal });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.text()).toContain('export BACKEND_ENDPOINT=http://127.0.0.1:');
    expect(c.text()).toContain('BACKEND_ACCESS_KEY=AKIASANDBOXUSER00001');
    expect(existsSync(state)).toBe(true);
    stop();
    expect(await done).toBe(0);
  });

  it('rejects a bad port and a bad fault spec with one-line errors', async () => {
    await expect(run(capture().ctx, { port: 'abc' })).rejects.toThrow(/--port must be a number/);
    await expect(run(capture().ctx, { port: '0', state: false, faults: 'latency=fast' })).rejects.toThrow(/invalid fault spec "latency=fast"/);
  });
});
