/**
 * Plans for pull requests: the Markdown rendering keeps untrusted text inert (no HTML, no broken
 * table, no mentions), and a file of requests becomes one plan whose later lines may use what
 * earlier ones create.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { code, escapeMarkdown, renderMarkdown } from '../../src/cli/markdown.js';
import { connect, plannerDefaults, type Connection } from '../../src/cli/connect.js';
import { Output } from '../../src/cli/output.js';
import { parseRequestsFile, planRequests } from '../../src/planner/batch.js';
import { OfflineProposer } from '../../src/planner/offline/proposer.js';
import { WorldView } from '../../src/planner/world.js';
import { loadOperationIndex, type OperationIndex } from '../../src/retrieval/index.js';
import { startSandbox, type SandboxHandle } from '../../src/sandbox/index.js';
import { loadCatalog } from '../../src/spec/load.js';
import type { Catalog } from '../../src/spec/types.js';
import { planOf, writeStep } from '../support/plan-doc.js';

describe('Markdown for a pull-request comment', () => {
  it('escapes prose: no HTML, no emphasis or links, no table breaks, no mentions', () => {
    const out = escapeMarkdown('<img src=x onerror=alert(1)> **bold** [link](http://x) a|b @org/team\nnext');
    expect(out).not.toMatch(/<img/);
    expect(out).toContain('&lt;img');
    expect(out).toContain('\\*\\*bold\\*\\*');
    expect(out).toContain('\\[link\\]\\(http://x\\)');
    expect(out).toContain('a\\|b');
    expect(out).toContain('@\u200borg');
    expect(out).not.toContain('\n');
  });

  it('puts values in code spans that no backtick inside can close', () => {
    expect(code('plain')).toBe('`plain`');
    expect(code('a `b` c')).toBe('``a `b` c``');
    expect(code('`x`')).toBe('`` `x` ``');
    expect(code('a|b')).not.toContain('|');
  });

  it('renders a hostile plan as a table whose rows all have the header\'s cells', () => {
    const evil = 'x | y <script>alert(1)</script> @here `tick` \n| forged | row |';
    const plan = planOf(
      [
        writeStep('s1', 'folders.create', {
          path: '/folders',
          body: { name: evil },
          reason: `create folder ${evil}`,
          assumptions: [`name read as ${evil}`],
          undo: { kind: 'compensate', summary: `move folder ${evil} to the trash bin`, calls: [], leaves: 'it stays in the trash bin' },
        }),
        writeStep('s2', 'session.destroy', { path: '/session/{session_name}', pathParams: { session_name: evil }, reason: 'terminate', undo: { kind: 'irreversible', reason: 'gone for good' } }),
      ],
      { request: evil, assumptions: [`name read as ${evil}`] },
    );
    const md = renderMarkdown(plan);
    // code spans show their text literally (no HTML, no mentions); everywhere else it is escaped
    const prose = md.replace(/(`+)[^`][\s\S]*?\1/g, '');
    expect(prose).not.toMatch(/<script/);
    expect(prose).not.toMatch(/@here/);
    expect(md).toContain('``name=x │ y <script>alert(1)</script> @here `tick`  │ forged │ row │``');
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table).toHaveLength(4); // header, separator, two steps: the forged row stayed inside a cell
    // cells are separated by unescaped pipes only
    const cells = (row: string) => row.replace(/\\\|/g, '').split('|').length;
    for (const row of table) expect(cells(row)).toBe(cells(table[0]!));
    expect(md).toMatch(/undo: move folder/);
    expect(md).toMatch(/cannot be undone: gone for good/);
    expect(md).toContain('cannot be fully undone (s2)');
  });
});

describe('a file of requests as one plan', () => {
  let catalog: Catalog;
  let index: OperationIndex;
  let sandbox: SandboxHandle;
  let conn: Connection;

  beforeAll(async () => {
    catalog = await loadCatalog({ source: 'bundled' });
    index = await loadOperationIndex(catalog);
    sandbox = await startSandbox({ catalog, port: 0, clock: 'fast' });
    const { accessKey, secretKey } = sandbox.credentials.user;
    conn = await connect({ globals: { endpoint: sandbox.url, accessKey, secretKey }, out: new Output({ quiet: true, stderr: new PassThrough() }) }, catalog);
  });
  afterAll(async () => {
    await conn?.close();
    await sandbox?.close();
  });

  const plan = (requests: string[]) => {
    const world = new WorldView(conn.client);
    const defaults = plannerDefaults(conn.config);
    return planRequests(requests, {
      catalog,
      retrieve: (q) => index.search(q, { k: 8 }),
      api: conn.client,
      world,
      makeProposer: () => new OfflineProposer({ world, defaults }),
      defaults,
      endpoint: conn.endpointLabel,
    });
  };

  it('reads one request per line, skipping blank lines and # comments', () => {
    expect(parseRequestsFile('# ops\n\n  list my sessions  \n# done\ncreate a folder called x\n', 'f')).toEqual(['list my sessions', 'create a folder called x']);
    expect(() => parseRequestsFile('# nothing\n\n', 'requests file r.txt')).toThrow(/r\.txt has no requests/);
  });

  it('plans the lines in order; a later line uses what an earlier one creates', async () => {
    const { plan: doc } = await plan(['create a folder called batch-data', 'make a directory raw in batch-data', 'rename session notebook-old to nb-batch']);
    expect(doc.outcome).toBe('planned');
    expect(doc.steps.map((s) => [s.id, s.operationId])).toEqual([
      ['s1', 'folders.create'],
      ['s2', 'folders.mkdir'],
      ['s3', 'session.rename_session'],
    ]);
    expect(doc.requests).toEqual([
      { request: 'create a folder called batch-data', steps: ['s1'] },
      { request: 'make a directory raw in batch-data', steps: ['s2'] },
      { request: 'rename session notebook-old to nb-batch', steps: ['s3'] },
    ]);
    expect(doc.request).toBe('create a folder called batch-data\nmake a directory raw in batch-data\nrename session notebook-old to nb-batch');
    expect(doc.grounding).toContainEqual(expect.objectContaining({ kind: 'folder', name: 'batch-data', source: 'plan', step: 's1' }));
    expect(doc.grounding).toContainEqual(expect.objectContaining({ kind: 'session', name: 'notebook-old', source: 'manager' }));
    // every write carries its undo, the first line's too
    expect(doc.steps.map((s) => s.undo?.kind)).toEqual(['compensate', 'compensate', 'compensate']);
    expect(doc.search.nodesExpanded).toBeGreaterThanOrEqual(3);
  });

  it('stops at the first line that cannot be planned, and names it', async () => {
    const { plan: doc } = await plan(['create a folder called batch-two', 'delete the folder that does-not-exist', 'list my sessions']);
    expect(doc.outcome).toBe('needs_clarification');
    expect(doc.question).toMatch(/^request 2 \("delete the folder that does-not-exist"\): /);
    expect(doc.requests?.map((r) => r.request)).toEqual(['create a folder called batch-two', 'delete the folder that does-not-exist']);
  });
});
