/**
 * A hostile manager (issue 12): session and folder names, commands and therefore logs carrying a
 * clear-screen, cursor moves, an OSC 52 clipboard write, an OSC 8 link, a C1 CSI, a bidi override,
 * `</observation>` tags and HTML. The built-in sandbox is started on a state file holding that
 * world. Every front end shows it safely: the terminal (and a pipe) as visible escapes, `--json`
 * as escaped JSON of the same data, MCP as data a model cannot take for tags. (The web page:
 * test/e2e/serve.test.ts, "a hostile manager's names …".)
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_NAME, hostileWorld } from '../support/worlds.js';
import { PtyRun } from '../support/pty.js';

const root = resolve(import.meta.dirname, '..', '..');
const cli = join(root, 'dist', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'bai-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes a terminal would act on: C0 (but newline, tab), DEL, C1, bidi controls. */
const ACTIVE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const HOSTILE_ID = '22222222-2222-4222-8222-222222222222';

function env(): Record<string, string> {
  const e: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('BACKEND_') && !key.startsWith('BAI_AGENT_')) e[key] = value;
  }
  return { ...e, HOME: dir, BAI_AGENT_STATE_DIR: join(dir, 'state'), BAI_AGENT_CACHE_DIR: join(dir, 'cache') };
}

function bai(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [cli, ...args], { env: env(), timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(() => {
  mkdirSync(join(dir, 'state', 'sandbox'), { recursive: true });
  writeFileSync(join(dir, 'state', 'sandbox', 'state.json'), JSON.stringify(hostileWorld()));
});

describe('a hostile world in the terminal', () => {
  it('a listing and the logs, at a terminal: no escape reaches it; the names show as visible escapes', { timeout: 60_000 }, async () => {
    const r = new PtyRun([process.execPath, cli, 'list my sessions'], env());
    expect(await r.exited).toBe(0);
    // what the program wrote, less our own colours and the spinner's cursor handling
    const ours = r.raw.replace(/\u001b\[(?:\d+(?:;\d+)*)?[mGKhl]|\u001b\[\?\d+[hl]/g, '');
    expect(ours).not.toMatch(/\u001b/);
    expect(r.text).toContain('evil\\x1b[2J\\x1b[H\\x1b]52;c;');
    expect(r.text).toContain('\\u202enoisses');
    // one row per session: the name could not add or hide one
    expect(r.text.split('\n').filter((l) => /RUNNING\s+interactive/.test(l))).toHaveLength(2);
  });

  it('logs in a pipe: escaped; with --raw-logs: exactly as the manager sent them', async () => {
    const safe = await bai(['show the logs of session ' + HOSTILE_ID]);
    expect(safe.code).toBe(0);
    expect(safe.stdout + safe.stderr).not.toMatch(ACTIVE);
    expect(safe.stdout).toContain('container for session evil\\x1b[2J\\x1b[H\\x1b]52;c;');
    const raw = await bai(['--raw-logs', 'show the logs of session ' + HOSTILE_ID]);
    expect(raw.stdout).toContain(`container for session ${HOSTILE_NAME}`);
    expect(raw.stderr).not.toMatch(ACTIVE); // only the logs themselves are raw
  });

  it('--json: no active byte in the document, and the data is intact', async () => {
    const r = await bai(['--json', 'list my sessions']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ACTIVE);
    const names = JSON.parse(r.stdout).execution.results[0].data.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(names).toContain(HOSTILE_NAME);
  });
});

describe('a hostile world through MCP', () => {
  it('tool results carry the names as data: no control byte, no tag-like text, structured content intact', { timeout: 60_000 }, async () => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [cli, 'mcp'], env: env(), stderr: 'pipe' });
    const client = new Client({ name: 'hostile-e2e', version: '1.0.0' });
    await client.connect(transport);
    try {
      const r = (await client.callTool({ name: 'plan', arguments: { request: `terminate the session ${HOSTILE_ID}` } })) as CallToolResult & { structuredContent: Record<string, any> };
      const texts = (r.content as Array<{ text: string }>).map((c) => c.text);
      for (const t of texts) {
        expect(t).not.toMatch(ACTIVE);
        expect(t).not.toMatch(/<\/?observation>|<img|<script/);
      }
      expect(JSON.parse(texts[1]!)).toEqual(r.structuredContent);
      expect(r.structuredContent.plan.grounding.map((g: { name: string }) => g.name)).toContain(HOSTILE_NAME);
    } finally {
      await client.close();
    }
  });
});
