/**
 * Evaluation datasets (contract: shared/eval/README.md): one JSON item per line. The schema is
 * declared once here; a malformed line is a one-line error that names the file and line.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BaiError } from '../errors.js';

/** One expected write call: operationId plus partial-match expectations (see match.ts). */
export const ExpectedCall = z.object({
  operationId: z.string().min(1),
  pathParams: z.record(z.string(), z.unknown()).optional(),
  query: z.record(z.string(), z.unknown()).optional(),
  body: z.unknown().optional(),
});
export type ExpectedCall = z.infer<typeof ExpectedCall>;

/** An expected write: one call, or alternatives of which any one may appear. */
export const ExpectedWrite = z.union([z.object({ anyOf: z.array(ExpectedCall).min(1) }), ExpectedCall]);
export type ExpectedWrite = z.infer<typeof ExpectedWrite>;

export const EvalOutcome = z.enum(['planned', 'needs_clarification', 'refused']);
export type EvalOutcome = z.infer<typeof EvalOutcome>;

/** A read run after the plan was carried out, and what its response must match (`$some`, `$none` too). */
export const AfterCheck = z.object({
  operationId: z.string().min(1),
  pathParams: z.record(z.string(), z.unknown()).optional(),
  query: z.record(z.string(), z.unknown()).optional(),
  body: z.unknown().optional(),
  expect: z.unknown(),
});
export type AfterCheck = z.infer<typeof AfterCheck>;

const EvalItemShape = z.object({
  id: z.string().min(1),
  query: z.string(),
  tags: z.array(z.string()).default([]),
  /** operationIds of which any one in the top k counts as a retrieval hit */
  retrieval: z.array(z.string()).optional(),
  outcome: EvalOutcome,
  /** Absent only on items with `after` (then the state decides); otherwise `[]` when not given. */
  writes: z.array(ExpectedWrite).optional(),
  /** State checks after executing the plan in the item's own sandbox (contract, "Additions, 2026-12"). */
  after: z.array(AfterCheck).min(1).optional(),
});
export const EvalItem = EvalItemShape.transform((item) =>
  item.writes === undefined && item.after === undefined ? { ...item, writes: [] as ExpectedWrite[] } : item,
);
export type EvalItem = z.infer<typeof EvalItem>;

/** The alternatives of an expected write, whichever form it was written in. */
export function alternativesOf(write: ExpectedWrite): ExpectedCall[] {
  return 'anyOf' in write ? write.anyOf : [write];
}

/** Parse JSONL text; `source` names the file in errors. Blank lines are skipped. */
export function parseDataset(text: string, source: string): EvalItem[] {
  const items: EvalItem[] = [];
  const ids = new Set<string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${source}:${i + 1}`;
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      throw new BaiError(`${where}: not valid JSON (${(err as Error).message})`, 'bad_input');
    }
    const parsed = EvalItem.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.length ? issue.path.join('.') : 'item';
      throw new BaiError(`${where}: ${at}: ${issue.message}`, 'bad_input');
    }
    if (ids.has(parsed.data.id)) throw new BaiError(`${where}: duplicate id "${parsed.data.id}"`, 'bad_input');
    ids.add(parsed.data.id);
    items.push(parsed.data);
  });
  if (items.length === 0) throw new BaiError(`${source}: the dataset has no items`, 'bad_input');
  return items;
}

export async function loadDataset(path: string): Promise<EvalItem[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new BaiError(`${path}: ${why}`, 'bad_input');
  }
  if (text.includes('\u0000')) throw new BaiError(`${path}: not a text file`, 'bad_input');
  return parseDataset(text, path);
}
