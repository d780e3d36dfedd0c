/**
 * One search document per operation: the words of its operationId, path, summary, description,
 * tags, parameter and body field names, the official client's names for it, already turned into terms (text.ts) so that the index
 * and the query analyser agree exactly.
 */
import type { Catalog, JsonSchema, Operation } from '../spec/types.js';
import { derefShallow } from '../spec/compact.js';
import type { RetrievalDomain } from './domain.js';
import { terms, withHangulBigrams } from './text.js';

/**
 * Field names as indexed, and their weight relative to each other. MiniSearch sums a term's
 * score over fields, so each field holds *distinct* information: identity words (operationId,
 * path, tags) once in `name`; the one-line purpose in `summary`; argument names in `fields`;
 * the rest of the prose in `description`. Otherwise operations whose spec repeats itself
 * (summary = description) would outrank equally good ones that say it once.
 */
export const FIELD_BOOSTS = {
  name: 3,
  summary: 2,
  details: 0.55,
  /** the official client's command and SDK names (`backend.ai vfolder clone`, `ComputeSession.get_logs`) */
  client: 1.5,
  /** the client's commands that do the same through another route */
  clientVia: 0.8,
} as const;
export type FieldName = keyof typeof FIELD_BOOSTS;
export const FIELDS = Object.keys(FIELD_BOOSTS) as FieldName[];

export interface OperationDocument extends Record<FieldName, string> {
  id: number;
}

/** Cap on text taken from one description, so one verbose operation cannot dominate. */
const MAX_DESCRIPTION_CHARS = 1200;
const MAX_ENUM_VALUES = 12;

export function operationDocument(id: number, op: Operation, catalog: Catalog, domain: RetrievalDomain): OperationDocument {
  // words no query ever looks up (stopwords that no synonym expands to) only cost index size
  const t = (text: string) => terms(text, domain.korean).filter((w) => !domain.unsearchable.has(w));
  const body = op.requestBody ? derefShallow(op.requestBody, catalog) : undefined;
  const bodyDescription = typeof body?.description === 'string' ? body.description : '';

  const identity = [op.operationId.replace(/\.\d+$/, ''), op.path.replace(/\{[^}]*\}/g, ' '), ...op.tags].join(' ');
  const name = unique(withCatalogTerms(t(identity), domain));

  // the upstream spec often has no summary: then the operationId's words and the first line of
  // the body schema's description stand in, so summary-less operations are not outranked for
  // lack of text alone
  const ownSummary = op.summary || `${op.operationId.replace(/\.\d+$/, '')} ${firstSentence(bodyDescription)}`;
  const summaryText = [ownSummary, ...(op.examples ?? []).map((e) => e.summary ?? '')].join(' ');
  const summaryTerms = withHangulBigrams(t(summaryText));
  const summarySet = new Set(summaryTerms);

  const fieldWords: string[] = [];
  for (const p of op.parameters) if (p.in === 'path' || p.in === 'query') fieldWords.push(p.name);
  if (body) collectFieldWords(body, catalog, fieldWords, 2, new Set());
  if (typeof body?.title === 'string') fieldWords.push(body.title);
  const fields = unique(withCatalogTerms(t(fieldWords.join(' ')), domain));

  const prose = [op.description, bodyDescription].join(' ').slice(0, MAX_DESCRIPTION_CHARS);
  // words the summary already says are not repeated from the description
  const description = withHangulBigrams(t(prose)).filter((w) => !summarySet.has(w));

  return {
    id,
    name: name.join(' '),
    summary: summaryTerms.join(' '),
    details: unique([...fields, ...description]).join(' '),
    client: unique(t(domain.clientText?.get(op.operationId)?.own ?? '')).join(' '),
    clientVia: unique(t(domain.clientText?.get(op.operationId)?.via ?? '')).join(' '),
  };
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}

function firstSentence(text: string): string {
  return (text.split(/(?<=\.)\s|\n/)[0] ?? '').trim();
}

/** Add the spelled-out words of catalog abbreviations (sgroups → scaling group). */
function withCatalogTerms(list: string[], domain: RetrievalDomain): string[] {
  const out = [...list];
  for (const term of list) {
    const spelled = domain.catalogTerms.get(term);
    if (spelled) out.push(...spelled);
  }
  return out;
}

/** Property names (and short enums) of a body schema, `levels` deep, refs followed once. */
function collectFieldWords(schema: JsonSchema, catalog: Catalog, out: string[], levels: number, seen: Set<string>): void {
  const s = derefShallow(schema, catalog);
  if (Array.isArray(s.enum) && s.enum.length <= MAX_ENUM_VALUES) {
    for (const v of s.enum) if (typeof v === 'string') out.push(v);
  }
  if (s.type === 'array' && typeof s.items === 'object' && s.items !== null) {
    collectFieldWords(s.items as JsonSchema, catalog, out, levels, seen);
    return;
  }
  const props = s.properties;
  if (typeof props !== 'object' || props === null || levels <= 0) return;
  for (const [name, sub] of Object.entries(props as Record<string, JsonSchema>)) {
    out.push(name);
    const ref = typeof sub?.$ref === 'string' ? sub.$ref : undefined;
    if (ref && seen.has(ref)) continue;
    const nextSeen = ref ? new Set([...seen, ref]) : seen;
    if (typeof sub === 'object' && sub !== null) collectFieldWords(sub, catalog, out, levels - 1, nextSeen);
  }
}
