/**
 * `ops search`, `ops show` and `ask` against the upstream spec: tables and JSON, suggestions for
 * an unknown id (exit 2), examples from x-bai-examples or synthesised from required fields.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.js';
import { reportError } from '../../src/cli/main.js';
import { search, show } from '../../src/cli/commands/ops.js';
import { run as ask } from '../../src/cli/commands/ask.js';
import { describeOperation, exampleRequest } from '../../src/retrieval/describe.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { GlobalOptions } from '../../src/cli/main.js';
import { upstreamSpecPath } from '../support/shared.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bai-ops-'));
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

function cli(globals: GlobalOptions = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const output = new Output({ json: Boolean(globals.json), stdout, stderr });
  return { ctx: { globals: { spec: upstreamSpecPath(), ...globals }, out: output }, out: () => out, err: () => err, output };
}

describe('ops search', () => {
  it('prints a ranked table with method, path, privilege and effect', async () => {
    const c = cli();
    expect(await search(c.ctx, ['kill', 'the', 'session', 'exp-1'], { k: '5' })).toBe(0);
    const lines = c.out().trim().split('\n');
    expect(lines[0]).toMatch(/^#\s+operationId\s+method path\s+privilege\s+effect\s+summary/);
    expect(lines.length).toBe(6);
    expect(c.out()).toContain('session.destroy');
    expect(c.out()).toContain('DELETE /session/{session_name}');
  });

  it('--json gives one document with ranks and scores; --explain adds the matched terms', async () => {
    const c = cli({ json: true });
    await search(c.ctx, ['내', '폴더', '목록'], { k: '3', explain: true });
    const doc = JSON.parse(c.out());
    expect(doc.results).toHaveLength(3);
    expect(doc.results[0]).toMatchObject({ rank: 1, operationId: expect.any(String), method: expect.any(String), score: expect.any(Number) });
    expect(doc.results.map((r: { operationId: string }) => r.operationId)).toContain('folders.list_folders');
    expect(doc.results[0].matched).toBeDefined();
  });

  it('says so when nothing matches, and rejects empty text and a bad --k', async () => {
    const c = cli();
    await search(c.ctx, ['zqxv', 'wplk'], {});
    expect(c.out()).toMatch(/no operation matches/);
    await expect(search(cli().ctx, ['  '], {})).rejects.toThrow(/give the text/);
    await expect(search(cli().ctx, ['x'], { k: '0' })).rejects.toThrow(/--k must be/);
  });

  it('a missing spec file is a clear error, not a stack trace', async () => {
    const c = cli({ spec: join(dir, 'missing.yaml') });
    let code = 0;
    try {
      await search(c.ctx, ['x'], {});
    } catch (err) {
      code = reportError(err, c.output);
    }
    expect(code).toBe(2);
    expect(c.err()).toMatch(/^error: spec .*missing\.yaml: file not found\n$/);
  });
});

describe('ops show', () => {
  it('prints parameters, body fields with types/defaults/enums and an example request', async () => {
    const c = cli();
    await show(c.ctx, 'folders.create');
    const text = c.out();
    expect(text).toContain('folders.create   POST /folders');
    expect(text).toContain('privilege user · effect write');
    expect(text).toMatch(/usage_mode\s+"general" \| "model" \| "data"\s+general/);
    expect(text).toMatch(/name\s+string\s+yes/);
    expect(text).toContain('Example request (required fields only)');
    expect(text).toContain('POST /folders\n');
  });

  it('--json returns the structured description', async () => {
    const c = cli({ json: true });
    await show(c.ctx, 'session.destroy');
    const d = JSON.parse(c.out());
    expect(d).toMatchObject({ operationId: 'session.destroy', method: 'DELETE', path: '/session/{session_name}', privilege: 'user', effect: 'write' });
    expect(d.parameters.find((p: { name: string }) => p.name === 'session_name')).toMatchObject({ in: 'path', required: true });
    expect(d.example.path).toBe('/session/<session_name>');
  });

  it('an unknown id is bad input (exit 2) with "did you mean" suggestions', async () => {
    const c = cli();
    let code = 0;
    try {
      await show(c.ctx, 'session.create_fromparams');
    } catch (err) {
      code = reportError(err, c.output);
    }
    expect(code).toBe(2);
    expect(c.err()).toMatch(/unknown operation "session\.create_fromparams" — did you mean session\.create_from_params/);
  });

  it('uses x-bai-examples when the spec has them', async () => {
    const spec = join(dir, 'tiny.json');
    writeFileSync(
      spec,
      JSON.stringify({
        openapi: '3.1.0',
        info: { title: 'tiny', version: '1' },
        paths: {
          '/session/{session_name}': {
            delete: {
              operationId: 'session.destroy',
              summary: 'Terminate a session',
              parameters: [{ name: 'session_name', in: 'path', required: true, schema: { type: 'string' } }, { name: 'forced', in: 'query', schema: { type: 'boolean', default: false } }],
              'x-bai-examples': [{ summary: 'terminate notebook-old', pathParams: { session_name: 'notebook-old' }, query: { forced: true } }],
            },
          },
        },
      }),
    );
    const catalog = await loadCatalog({ source: spec, cache: false });
    const ex = exampleRequest(catalog.get('session.destroy')!, catalog);
    expect(ex).toMatchObject({ method: 'DELETE', path: '/session/notebook-old?forced=true', source: 'spec', summary: 'terminate notebook-old' });
    const d = describeOperation(catalog.get('session.destroy')!, catalog);
    expect(d.parameters.find((p) => p.name === 'forced')).toMatchObject({ type: 'boolean', required: false, default: false });
  });

  it('flattens nested body fields with dotted names, following refs', async () => {
    const catalog = await loadCatalog({ source: upstreamSpecPath(), cache: false });
    const d = describeOperation(catalog.get('v2/sessions.enqueue')!, catalog);
    const names = d.body!.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['session_name', 'resource_entries', 'resource_entries[].resource_type']));
    expect(d.example.body).toMatchObject({ session_name: expect.any(String) });
  });
});

describe('ask', () => {
  it('answers with the operations, their parameters and an example request', async () => {
    const c = cli();
    expect(await ask(c.ctx, ['how', 'do', 'I', 'rename', 'a', 'folder?'], {})).toBe(0);
    const text = c.out();
    expect(text).toMatch(/^Operations that answer/);
    expect(text).toContain('1. folders.rename_vfolder — POST /folders/{name}/rename');
    expect(text).toContain('new_name');
    expect(text).toContain('example:');
  });

  it('--json carries the question, the operations and a null answer without an LLM', async () => {
    const c = cli({ json: true });
    await ask(c.ctx, ['세션', '로그는', '어떻게', '보나요?'], { k: '2' });
    const doc = JSON.parse(c.out());
    expect(doc.answer).toBeNull();
    expect(doc.operations).toHaveLength(2);
    expect(doc.operations.map((o: { operationId: string }) => o.operationId)).toEqual(
      expect.arrayContaining([expect.stringMatching(/logs/)]),
    );
  });

  it('a bad --llm value is a bad-input error before anything is printed (answers over HTTP: test/e2e/llm-cli)', async () => {
    const c = cli({ llm: 'anthropic:claude' });
    await expect(ask(c.ctx, ['list', 'my', 'folders'], {})).rejects.toMatchObject({ kind: 'bad_input', message: expect.stringMatching(/bad --llm value/) });
    expect(c.out()).toBe('');
  });

  it('nonsense gets a clear "no operation" answer', async () => {
    const c = cli();
    await ask(c.ctx, ['zzqx', 'vvkw'], {});
    expect(c.out()).toMatch(/No Backend\.AI operation matches/);
  });
});
