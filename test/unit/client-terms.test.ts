/**
 * Answers in the client's terms: every operation of the curated spec has an entry in
 * specs/domain/client-commands.yaml (a v1/v2 command and an SDK call, or a note that the client
 * has none), `ops show` and `ask` print them beside the example request, and questions phrased
 * in CLI or SDK terms find the operation.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as ask } from '../../src/cli/commands/ask.js';
import { show } from '../../src/cli/commands/ops.js';
import type { GlobalOptions } from '../../src/cli/main.js';
import { Output } from '../../src/cli/output.js';
import { clientIndexText, loadClientCommands, validateClientCommands } from '../../src/retrieval/client-terms.js';
import { loadOperationIndex, type OperationIndex } from '../../src/retrieval/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';

let dir: string;
let catalog: Catalog;
let index: OperationIndex;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bai-client-terms-'));
  process.env.BAI_AGENT_CACHE_DIR = join(dir, 'cache');
  catalog = await loadCatalog({ source: 'bundled' });
  index = await loadOperationIndex(catalog);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.BAI_AGENT_CACHE_DIR;
});

function cli(globals: GlobalOptions = {}) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (d) => (out += String(d)));
  return { ctx: { globals, out: new Output({ json: Boolean(globals.json), stdout, stderr: new PassThrough() }) }, out: () => out };
}

describe('the client commands data file', () => {
  it('has an entry for exactly the operations of the curated spec, each with a command, a call or a note', () => {
    const data = loadClientCommands();
    const ids = catalog.operations.map((o) => o.operationId).sort();
    expect([...data.operations.keys()].sort()).toEqual(ids);
    for (const [id, t] of data.operations) {
      expect(t.v1 || t.v2 || t.sdk || t.note, id).toBeTruthy();
      if (t.v1) expect(t.v1.command, id).toMatch(/^backend\.ai /);
      for (const a of t.v1?.aliases ?? []) expect(a, id).toMatch(/^backend\.ai /);
      if (t.v2) expect(t.v2.command, id).toMatch(/^backend\.ai v2 /);
    }
    expect(data.source).toEqual({ repository: 'lablup/backend.ai', commit: 'c0032c472e' });
  });

  it('rejects a malformed entry naming it', () => {
    const ok = { source: { repository: 'r', commit: 'c' }, operations: { 'x.y': { v1: { command: 'backend.ai x', file: 'src/ai/backend/client/cli/x.py' } } } };
    expect(validateClientCommands(ok, 'f.yaml').operations.get('x.y')?.v1?.command).toBe('backend.ai x');
    const noFile = { ...ok, operations: { 'x.y': { v1: { command: 'backend.ai x' } } } };
    expect(() => validateClientCommands(noFile, 'f.yaml')).toThrow(/operations\.x\.y\.v1\.file/);
    const typo = { ...ok, operations: { 'x.y': { sdkk: { call: 'X.y()', file: 'src/ai/backend/client/func/x.py' } } } };
    expect(() => validateClientCommands(typo, 'f.yaml')).toThrow(/operations\.x\.y\.sdkk: unknown key/);
    const notFunc = { ...ok, operations: { 'x.y': { sdk: { call: 'X.y()', file: 'src/ai/backend/client/v2/x.py' } } } };
    expect(() => validateClientCommands(notFunc, 'f.yaml')).toThrow(/under src\/ai\/backend\/client\/func\//);
  });

  it('indexes the command words and the SDK class and method, not the placeholders', () => {
    const text = clientIndexText(loadClientCommands().operations.get('folders.clone'));
    expect(text.own).toContain('backend.ai vfolder clone');
    expect(text.own).toContain('VFolder.clone');
    expect(text.own).not.toMatch(/TARGET_NAME|USAGE_MODE/);
    // the v2 command reaches the same through /v2/vfolders: indexed apart, weighed less
    expect(text.via).toBe('backend.ai v2 vfolder clone');
  });
});

describe('questions in the client\'s terms', () => {
  const cases: Array<[string, string]> = [
    ['what does `backend.ai vfolder clone` call?', 'folders.clone'],
    ['SDK function to list sessions', 'v2/sessions.my_search'],
    ['ComputeSession.get_logs', 'session.get_container_logs'],
    ['which API does backend.ai vfolder recover use', 'folders.restore'],
    ['VFolder.delete_trash in the python sdk', 'folders.delete_from_trash_bin'],
    ['backend.ai service generate-token', 'services.generate_token'],
    ['what does backend.ai ps do', 'v2/sessions.my_search'],
    ['backend.ai session status-history', 'session.get_status_history'],
    ['backend.ai admin scaling-group get-available', 'scaling-groups.list_available_sgroups'],
    ['Service.scale in the SDK', 'services.scale'],
    ['backend.ai v2 my resource-policy keypair', 'v2/resource-policies.my_keypair_resource_policy'],
    ['the endpoint behind backend.ai vfolder update-options', 'folders.update_vfolder_options'],
    // found only through the client's names (the spec's own words point elsewhere)
    ['backend.ai session ls', 'session.list_files'],
    ['backend.ai admin resource query-slots', 'config.get_resource_slots'],
    ['backend.ai service downscale-route', 'services.delete_route'],
    ['backend.ai v2 vfolder my-search', 'folders.list_folders'],
    ['backend.ai ps', 'v2/sessions.my_search'],
    ['ComputeSession.get_or_create', 'session.create_from_params'],
  ];
  for (const [question, expected] of cases) {
    it(`"${question}" → ${expected}`, () => {
      expect(index.search(question, { k: 1 })[0]?.operation.operationId).toBe(expected);
    });
  }
});

describe('ops show and ask', () => {
  it('ops show prints the client\'s commands and SDK call with their source files, and --json carries them', async () => {
    const c = cli();
    expect(await show(c.ctx, 'folders.clone')).toBe(0);
    const text = c.out();
    expect(text).toMatch(/Example request[\s\S]*In the Backend\.AI client \(lablup\/backend\.ai c0032c472e\)/);
    expect(text).toContain('v1 CLI  backend.ai vfolder clone NAME TARGET_NAME TARGET_HOST');
    expect(text).toContain('src/ai/backend/client/cli/vfolder.py');
    expect(text).toContain('v2 CLI  backend.ai v2 vfolder clone VFOLDER_ID [OPTIONS]   (via POST /v2/vfolders/{vfolder_id}/clone)');
    expect(text).toContain('SDK     ai.backend.client.func: VFolder(NAME).clone(');

    const j = cli({ json: true });
    await show(j.ctx, 'session.destroy');
    const doc = JSON.parse(j.out());
    expect(doc.client.v1).toMatchObject({ command: expect.stringMatching(/^backend\.ai session destroy/), aliases: expect.arrayContaining(['backend.ai rm']) });
    expect(doc.client.sdk.call).toBe('ComputeSession(NAME).destroy(forced=False)');
  });

  it('says so when the client has no command for an operation', async () => {
    const c = cli();
    await show(c.ctx, 'auth.update_full_name');
    expect(c.out()).toContain('note    not in the client\'s CLI or func SDK');
  });

  it('ask shows them under each operation\'s example', async () => {
    const c = cli();
    expect(await ask(c.ctx, ['what', 'does', 'backend.ai', 'vfolder', 'clone', 'call?'], { k: '1' })).toBe(0);
    expect(c.out()).toMatch(/1\. folders\.clone[\s\S]*example:[\s\S]*in the Backend\.AI client:\n\s+v1 CLI  backend\.ai vfolder clone/);
    expect(c.out()).not.toContain('src/ai/backend/client/'); // the files are in ops show
    const j = cli({ json: true });
    await ask(j.ctx, ['SDK', 'function', 'to', 'list', 'sessions'], { k: '1' });
    expect(JSON.parse(j.out()).operations[0].client.v2.command).toBe('backend.ai v2 my session search');
  });
});

it('a malformed data file is a one-line error naming the file', () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'source: {repository: r, commit: c}\noperations: {a.b: {v1: {command: 1, file: src/ai/backend/client/cli/a.py}}}\n');
  expect(() => loadClientCommands(bad)).toThrow(/bad\.yaml: operations\.a\.b\.v1\.command: must be a non-empty string/);
});
