/**
 * The official client's names for each operation (specs/domain/client-commands.yaml): the
 * `backend.ai …` command, the `backend.ai v2 …` command and the Python SDK call that do the same,
 * each with the client source file it comes from. `ask` and `ops show` print them; retrieval
 * indexes their words so a question in the client's terms ("what does `backend.ai vfolder clone`
 * call?", "ComputeSession.get_logs") finds the operation.
 */
import { join } from 'node:path';
import { bundledSpecsDir } from '../paths.js';
import { loadDataFile } from '../spec/data-file.js';
import { SpecError } from '../spec/errors.js';

export const CLIENT_COMMANDS_FILE = 'client-commands.yaml';

/** A CLI command: what to type, other spellings, the route it uses when not the operation's own. */
export interface ClientCommand {
  command: string;
  aliases?: string[];
  via?: string;
  note?: string;
  /** the client source file that defines it */
  file: string;
}

export interface SdkCall {
  call: string;
  via?: string;
  note?: string;
  file: string;
}

export interface ClientTerms {
  v1?: ClientCommand;
  v2?: ClientCommand;
  sdk?: SdkCall;
  note?: string;
}

// Validation is hand-written, as for the synonyms file: this loads on every CLI start, and zod's
// import alone would cost more than the whole retrieval path.

function fail(path: string, where: string, what: string): never {
  throw new SpecError(`${where}: ${what}`, path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function text(v: unknown, path: string, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') fail(path, where, 'must be a non-empty string');
  return v;
}

function only(o: Record<string, unknown>, keys: string[], path: string, where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) fail(path, `${where}.${k}`, `unknown key (expected ${keys.join(', ')})`);
}

function sourceFile(v: unknown, prefix: string, path: string, where: string): string {
  const f = text(v, path, where);
  if (!f.startsWith(prefix)) fail(path, where, `must be a path in the client's source, under ${prefix}`);
  return f;
}

function optionalText(o: Record<string, unknown>, key: string, path: string, where: string): { [k: string]: string } {
  return o[key] === undefined ? {} : { [key]: text(o[key], path, `${where}.${key}`) };
}

function command(v: unknown, path: string, where: string): ClientCommand {
  if (!isRecord(v)) fail(path, where, 'must be a mapping with command and file');
  only(v, ['command', 'aliases', 'via', 'note', 'file'], path, where);
  const aliases = v.aliases === undefined ? undefined : Array.isArray(v.aliases) ? v.aliases.map((a, i) => text(a, path, `${where}.aliases.${i}`)) : fail(path, `${where}.aliases`, 'must be a list');
  return {
    command: text(v.command, path, `${where}.command`),
    ...(aliases ? { aliases } : {}),
    ...optionalText(v, 'via', path, where),
    ...optionalText(v, 'note', path, where),
    file: sourceFile(v.file, 'src/ai/backend/client/', path, `${where}.file`),
  };
}

function sdkCall(v: unknown, path: string, where: string): SdkCall {
  if (!isRecord(v)) fail(path, where, 'must be a mapping with call and file');
  only(v, ['call', 'via', 'note', 'file'], path, where);
  return {
    call: text(v.call, path, `${where}.call`),
    ...optionalText(v, 'via', path, where),
    ...optionalText(v, 'note', path, where),
    file: sourceFile(v.file, 'src/ai/backend/client/func/', path, `${where}.file`),
  };
}

/** Check the data file's shape; a problem names the entry and what is wrong with it. */
export function validateClientCommands(raw: unknown, path: string): { source: { repository: string; commit: string }; operations: Map<string, ClientTerms> } {
  if (!isRecord(raw)) fail(path, '(root)', 'must be a mapping with source and operations');
  only(raw, ['source', 'operations'], path, '(root)');
  if (!isRecord(raw.source)) fail(path, 'source', 'must be a mapping with repository and commit');
  const source = { repository: text(raw.source.repository, path, 'source.repository'), commit: text(raw.source.commit, path, 'source.commit') };
  if (!isRecord(raw.operations)) fail(path, 'operations', 'must be a mapping of operationId to client names');
  const operations = new Map<string, ClientTerms>();
  for (const [id, entry] of Object.entries(raw.operations)) {
    const where = `operations.${id}`;
    if (!isRecord(entry)) fail(path, where, 'must be a mapping (v1, v2, sdk, note)');
    only(entry, ['v1', 'v2', 'sdk', 'note'], path, where);
    operations.set(id, {
      ...(entry.v1 !== undefined ? { v1: command(entry.v1, path, `${where}.v1`) } : {}),
      ...(entry.v2 !== undefined ? { v2: command(entry.v2, path, `${where}.v2`) } : {}),
      ...(entry.sdk !== undefined ? { sdk: sdkCall(entry.sdk, path, `${where}.sdk`) } : {}),
      ...optionalText(entry, 'note', path, where),
    });
  }
  return { source, operations };
}

export interface ClientCommands {
  source: { repository: string; commit: string };
  operations: ReadonlyMap<string, ClientTerms>;
  sha256: string;
}

export function bundledClientCommandsPath(): string {
  return join(bundledSpecsDir(), 'domain', CLIENT_COMMANDS_FILE);
}

let bundled: ClientCommands | undefined;

/** The client commands data file, validated (a malformed file names the entry and the problem). */
export function loadClientCommands(path: string = bundledClientCommandsPath()): ClientCommands {
  if (path === bundledClientCommandsPath() && bundled) return bundled;
  const file = loadDataFile(path);
  const loaded = { ...validateClientCommands(file.data, path), sha256: file.sha256 };
  if (path === bundledClientCommandsPath()) bundled = loaded;
  return loaded;
}

/** The client's names for an operation, or undefined when the data file has no entry. */
export function clientTermsFor(operationId: string, commands: ClientCommands = loadClientCommands()): ClientTerms | undefined {
  return commands.operations.get(operationId);
}

/** A command's words up to its first placeholder or option: `backend.ai vfolder clone`. */
function commandWords(command: string): string {
  const words: string[] = [];
  for (const w of command.split(/\s+/)) {
    if (/^[-[<]|^[A-Z][A-Z0-9_…]*$|…/.test(w)) break;
    words.push(w);
  }
  return words.join(' ');
}

/** An SDK call's class and method: `ComputeSession(NAME).get_logs()` → `ComputeSession get_logs`. */
function callWords(call: string): string {
  return call
    .split(/\s+or\s+/)
    .map((c) => c.replace(/\(.*?\)/g, '').replace(/\(.*$/, ''))
    .join(' ');
}

/**
 * The words retrieval indexes for an operation's client names: `own` for commands and calls that
 * use the operation's own route, `via` for those that do the same through another route (they
 * point here too, but less surely: the other route may be an operation of its own).
 */
export function clientIndexText(terms: ClientTerms | undefined): { own: string; via: string } {
  const own: string[] = [];
  const via: string[] = [];
  if (!terms) return { own: '', via: '' };
  for (const c of [terms.v1, terms.v2]) {
    if (!c) continue;
    (c.via ? via : own).push(commandWords(c.command), ...(c.aliases ?? []).map(commandWords));
  }
  if (terms.sdk) (terms.sdk.via ? via : own).push(callWords(terms.sdk.call));
  return { own: own.filter(Boolean).join(' '), via: via.filter(Boolean).join(' ') };
}

/** Lines for a person: `v1 CLI  backend.ai vfolder clone …  (src/…/vfolder.py)`. */
export function clientTermsLines(terms: ClientTerms | undefined): string[] {
  if (!terms) return [];
  const lines: string[] = [];
  const row = (label: string, text: string, c: { via?: string | undefined; note?: string | undefined; file: string }) => {
    lines.push(`${label}${text}${c.via ? `   (via ${c.via})` : ''}`);
    if (c.note) lines.push(`${' '.repeat(label.length)}${c.note}`);
    lines.push(`${' '.repeat(label.length)}${c.file}`);
  };
  if (terms.v1) row('v1 CLI  ', [terms.v1.command, ...(terms.v1.aliases ?? []).map((a) => `also: ${a}`)].join('; '), terms.v1);
  if (terms.v2) row('v2 CLI  ', terms.v2.command, terms.v2);
  if (terms.sdk) row('SDK     ', `ai.backend.client.func: ${terms.sdk.call}`, terms.sdk);
  if (terms.note) lines.push(`note    ${terms.note}`);
  if (!terms.v1 && !terms.v2 && !terms.sdk && !terms.note) lines.push('(no command or SDK call in the official client)');
  return lines;
}
