/**
 * When no plan holds up because a value the user gave breaks the manager's rules (a session name
 * of two letters), that is bad input to say plainly — "Session names need 4–64 characters." —
 * not a request to rephrase a sentence that was understood. Used by planner.ts after the search.
 */
import type { Catalog, JsonSchema, Operation } from '../spec/types.js';
import type { CandidateChecker } from './dfsdt.js';
import type { CallCandidate } from './types.js';

export interface RejectedCandidate {
  candidate: CallCandidate;
  reason: string;
}

const INVALID = 'invalid arguments: ';

/** A checker that also records the candidates rejected by schema validation. */
export function recordingValidation(checker: CandidateChecker, into: RejectedCandidate[]): CandidateChecker {
  return {
    async check(candidate, path, stepId) {
      const result = await checker.check(candidate, path, stepId);
      if (!result.ok && result.reason.startsWith(INVALID)) into.push({ candidate, reason: result.reason });
      return result;
    },
  };
}

/** What kind of thing a field names, for the sentence ("Session names need …"). */
function noun(op: Operation | undefined, field: string): string {
  const leaf = field.split('.').pop() ?? field;
  const area = op?.operationId.split(/[./]/)[op.operationId.startsWith('v2/') ? 1 : 0] ?? '';
  if (/session_name|clientSessionToken/.test(leaf) || (leaf === 'name' && area.startsWith('session'))) return 'Session names';
  if (/^(name|new_name|target_name)$/.test(leaf) && area === 'folders') return 'Folder names';
  if (/^(name|service_name)$/.test(leaf) && area === 'services') return 'Service names';
  return `Values of ${leaf}`;
}

function resolve(schema: JsonSchema | undefined, catalog: Catalog): JsonSchema | undefined {
  let s = schema;
  for (let i = 0; i < 10 && s && typeof s.$ref === 'string'; i++) s = catalog.schemas[String(s.$ref).split('/').pop() ?? ''];
  return s;
}

/** The schema of `body.a.b` in the operation's request body, if the spec says. */
function fieldSchema(op: Operation | undefined, at: string, catalog: Catalog): JsonSchema | undefined {
  if (!op || !at.startsWith('body.')) return undefined;
  let s = resolve(op.requestBody, catalog);
  for (const part of at.slice('body.'.length).split('.')) {
    const props = s?.properties as Record<string, JsonSchema> | undefined;
    s = resolve(props?.[part], catalog);
  }
  return s;
}

function valueAt(c: CallCandidate, at: string): unknown {
  const [root, ...rest] = at.split('.');
  let v: unknown = root === 'body' ? c.body : root === 'pathParams' ? c.pathParams : root === 'query' ? c.query : undefined;
  for (const part of rest) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

function sentence(op: Operation | undefined, at: string, message: string, value: unknown, schema: JsonSchema | undefined): string {
  const what = noun(op, at);
  const given = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
  const min = typeof schema?.minLength === 'number' ? schema.minLength : undefined;
  const max = typeof schema?.maxLength === 'number' ? schema.maxLength : undefined;
  if (/characters/.test(message)) {
    const range = min !== undefined && max !== undefined ? `${min}–${max} characters` : min !== undefined ? `at least ${min} characters` : `at most ${max ?? '?'} characters`;
    return `${what} need ${range} (${given} has ${String(value).length}).`;
  }
  if (/must match pattern/.test(message)) {
    const hint = typeof schema?.description === 'string' ? ` (${schema.description.replace(/\.$/, '')})` : '';
    return `${given} is not allowed: ${what.toLowerCase()} may use only certain characters${hint}.`;
  }
  const allowed = /allowed values: (.*)$/.exec(message)?.[1];
  if (allowed) return `${given} is not one of the allowed ${what.toLowerCase()}: ${allowed}.`;
  const bound = /must be (>=|<=|>|<) (\S+)/.exec(message);
  if (bound) return `${what} must be ${bound[1]!.startsWith('>') ? 'at least' : 'at most'} ${bound[2]} (you gave ${given}).`;
  return `${what}: ${given} ${message}.`;
}

/**
 * The plain sentence for a plan that failed only because of a value taken from the request, or
 * undefined when any candidate failed for another reason or the offending value is not the user's.
 */
export function userFixableProblem(
  request: string,
  rejected: RejectedCandidate[],
  failures: Array<{ reason: string }>,
  catalog: Catalog,
): string | undefined {
  if (rejected.length === 0 || failures.length === 0) return undefined;
  if (!failures.every((f) => f.reason.startsWith(INVALID))) return undefined;
  const text = request.toLowerCase();
  for (const { candidate, reason } of rejected) {
    const op = catalog.get(candidate.operationId);
    for (const problem of reason.slice(INVALID.length).split('; ')) {
      const m = /^([\w.[\]-]+): (.*)$/.exec(problem);
      if (!m) continue;
      const [, at, message] = m as unknown as [string, string, string];
      const value = valueAt(candidate, at);
      // only what the user said: a value the planner made up is the planner's problem
      if (value === undefined || value === null || !text.includes(String(value).toLowerCase())) continue;
      return sentence(op, at, message, value, fieldSchema(op, at, catalog));
    }
  }
  return undefined;
}
