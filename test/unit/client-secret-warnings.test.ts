/** Where a secret key comes from can itself leak it: warn about the command line and loose files. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/client/config.js';

const home = mkdtempSync(join(tmpdir(), 'bai-secret-warn-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('secret key warnings', () => {
  it('--secret-key on the command line is warned about, without the value', () => {
    const r = resolveConnection({ endpoint: 'http://m:1', accessKey: 'AKIAFLAG', secretKey: 'flag-secret-key-000' }, {}, { homeDir: home });
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/--secret-key puts the secret key on the command line/);
    expect(r.warnings.join(' ')).not.toContain('flag-secret-key-000');
  });

  it('from the environment: no warning; from a 0600 file: none; from a 0640 file: one', () => {
    expect(resolveConnection({}, { BACKEND_ENDPOINT: 'http://m:1', BACKEND_ACCESS_KEY: 'AK', BACKEND_SECRET_KEY: 'env-secret-key-000' }, { homeDir: home }).warnings).toEqual([]);
    mkdirSync(join(home, '.backend.ai'), { recursive: true });
    const file = join(home, '.backend.ai', 'credentials.toml');
    writeFileSync(file, 'endpoint = "http://m:1"\naccess-key = "AK"\nsecret-key = "file-secret-key-000"\n');
    chmodSync(file, 0o600);
    expect(resolveConnection({}, {}, { homeDir: home }).warnings).toEqual([]);
    chmodSync(file, 0o640);
    const warned = resolveConnection({}, {}, { homeDir: home }).warnings;
    expect(warned).toEqual([`${file} is readable by others (mode 0640); run chmod 600 ${file}`]);
  });
});
