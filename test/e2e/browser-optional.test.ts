/**
 * `npm test` passes on a machine with only Node (issue 12 §4): without Chromium the browser tests
 * of serve.test.ts are skipped with one line saying how to run them; under
 * BAI_TEST_REQUIRE_BROWSER (set by .ci/run, which installs Chromium) a missing browser fails them.
 * A missing browser is simulated by pointing BAI_TEST_CHROMIUM at a path that does not exist.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

function runBrowserTests(extra: Record<string, string>): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, BAI_TEST_CHROMIUM: '/nonexistent/chromium', ...extra };
  delete env.VITEST; // a fresh run, not a worker of this one
  if (!extra.BAI_TEST_REQUIRE_BROWSER) delete env.BAI_TEST_REQUIRE_BROWSER;
  return new Promise((done) =>
    execFile(process.execPath, [vitest, 'run', 'test/e2e/serve.test.ts', '-t', 'never as markup'], { cwd: root, env, timeout: 120_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, output: stdout + stderr }),
    ),
  );
}

describe('the browser tests without a browser', () => {
  it('skip with one line saying how to enable them (exit 0)', { timeout: 150_000 }, async () => {
    const r = await runBrowserTests({});
    expect(r.code, r.output).toBe(0);
    expect(r.output).toContain('browser tests skipped: no Chromium at /nonexistent/chromium (to run them: sudo apt-get install -y chromium)');
  });

  it('fail under BAI_TEST_REQUIRE_BROWSER, which .ci/run sets', { timeout: 150_000 }, async () => {
    const r = await runBrowserTests({ BAI_TEST_REQUIRE_BROWSER: '1' });
    expect(r.code).not.toBe(0);
    expect(r.output).toContain('Chromium not found at /nonexistent/chromium and BAI_TEST_REQUIRE_BROWSER is set');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).toMatch(/apt-get install -y chromium[\s\S]*BAI_TEST_REQUIRE_BROWSER=1 npm test/);
  });
});
