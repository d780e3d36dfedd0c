/**
 * The API's own words: `folders.update_vfolder_options name=api_helper cloneable=true` (an
 * operationId and its arguments) and `POST /folders name=x usage_mode=model` (a method, a concrete
 * path and its arguments), optionally with one JSON object as the whole body. The parser only
 * records what was written; which argument is a path parameter, a query parameter or a body field,
 * and the type of each value, are decided against the operation's schema where the catalog is
 * loaded (../../api-call.ts), so parsing stays free of the spec.
 */
import type { ApiCallIntent } from '../../intents.js';
import type { Token } from './lexer.js';
import { problem, type Problem } from './keys.js';

export interface ApiRule {
  name: string;
  doc: string;
  examples: string[];
}

export const API_RULES: ApiRule[] = [
  {
    name: 'api-operation',
    doc: 'an operationId followed by key=value arguments (path and query parameters by name, body fields by name or dotted path)',
    examples: ['folders.update_vfolder_options name=api_helper cloneable=true', 'session.execute session_name=train-job-1 mode=batch options.exec="nvidia-smi"'],
  },
  {
    name: 'api-method-path',
    doc: 'METHOD /path (concrete, may end in ?query) followed by key=value arguments or one JSON object',
    examples: ['POST /folders name=ft-outputs usage_mode=model host=local:volume1', 'DELETE /session/11111111-1111-4111-8111-111111111111', 'GET /session/train-job-1/logs'],
  },
];

const METHOD = /^(?:GET|POST|PUT|PATCH|DELETE|HEAD)$/i;
/** `folders.create`, `v2/sessions.my_search`, `session.create_from_params.2` */
const OPERATION_ID = /^(?:[a-z][a-z0-9-]*\/)*[a-z][a-z0-9_-]*\.[a-z_][a-z0-9_]*(?:\.\d+)?$/;
/** "train.py" and "notes.txt" are file names, not operations */
const FILE_EXTENSION = /\.(?:py|ipynb|txt|csv|tsv|json|jsonl|ya?ml|md|sh|log|pt|pth|ckpt|bin|safetensors|parquet|zip|gz|tgz|tar|toml|cfg|ini|pkl|npy|npz|png|jpe?g|html|js|ts|h5|onnx)$/i;

export interface ApiRead {
  intent: ApiCallIntent;
  rule: string;
}

/** Read one command in the API's words; undefined when it is not one. */
export function readApiCall(tokens: Token[]): ApiRead | Problem | undefined {
  const [first, second] = tokens;
  if (!first || first.kind !== 'word' || first.quoted) return undefined;
  if (METHOD.test(first.value) && second?.kind === 'word' && second.value.startsWith('/')) {
    const [path, queryString] = splitQuery(second.value);
    const intent: ApiCallIntent = { kind: 'api.call', method: first.value.toUpperCase(), path, args: [] };
    for (const [key, value] of queryString) intent.args.push({ key, value, quoted: false });
    const bad = readArguments(tokens.slice(2), intent, `${intent.method} ${path}`);
    return bad ?? { intent, rule: 'api-method-path' };
  }
  if (OPERATION_ID.test(first.value) && !FILE_EXTENSION.test(first.value)) {
    let rest = tokens.slice(1);
    const intent: ApiCallIntent = { kind: 'api.call', operationId: first.value, args: [] };
    // "session.execute on train-job-1: mode=batch …": what it acts on, for its path parameter
    const [on, subject] = rest;
    if (on?.kind === 'word' && !on.quoted && /^on$/i.test(on.value) && subject?.kind === 'word' && subject.value.replace(/:$/, '')) {
      intent.subject = subject.value.replace(/:$/, '');
      rest = rest.slice(2);
    }
    // "train.yaml should …" is a sentence: every further token must be an argument (or a word that joins them)
    if (!argumentsOnly(rest)) return undefined;
    const bad = readArguments(rest, intent, first.value);
    return bad ?? { intent, rule: 'api-operation' };
  }
  return undefined;
}

/** Words that only join arguments ("DELETE /session/x with forced=true"). */
const JOINERS = /^(?:with|and|using|plus|,)$/i;
/** A bare word just before a pair names the object the pairs after it go into ("resources cuda.shares=4"). */
const GROUP = /^[A-Za-z_][\w.-]*$/;

/** Every token is an argument, a JSON body, a joining word, or a group word followed by a pair. */
function argumentsOnly(tokens: Token[]): boolean {
  return tokens.every((t, i) => {
    if (t.kind === 'pair' || (t.kind === 'word' && t.value.startsWith('{'))) return true;
    if (t.kind !== 'word' || t.quoted) return false;
    return JOINERS.test(t.value) || (GROUP.test(t.value) && tokens[i + 1]?.kind === 'pair');
  });
}

function splitQuery(pathAndQuery: string): [string, Array<[string, string]>] {
  const at = pathAndQuery.indexOf('?');
  if (at < 0) return [pathAndQuery, []];
  const pairs = new URLSearchParams(pathAndQuery.slice(at + 1));
  return [pathAndQuery.slice(0, at), [...pairs.entries()]];
}

function readArguments(tokens: Token[], intent: ApiCallIntent, what: string): Problem | undefined {
  let group = '';
  for (const [i, t] of tokens.entries()) {
    if (t.kind === 'pair') {
      if (t.value === '' && !t.quoted) return problem(`${t.key}= has no value (in \`${what}\`): write ${t.key}="" for an empty string`);
      intent.args.push({ key: t.key!, value: t.value, quoted: t.quoted, ...(group ? { group } : {}) });
    } else if (t.kind === 'word' && !t.quoted && JOINERS.test(t.value)) {
      group = '';
    } else if (t.kind === 'word' && !t.quoted && GROUP.test(t.value) && tokens[i + 1]?.kind === 'pair') {
      // the pairs up to the next word may go into this object: "resources cuda.shares=4" (api-call.ts decides by the schema)
      group = t.value;
    } else if (t.kind === 'word' && t.value.startsWith('{')) {
      if (intent.body) return problem(`\`${what}\`: give the body once, as one JSON object`);
      try {
        const body = JSON.parse(t.value) as unknown;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return problem(`\`${what}\`: the body must be a JSON object`);
        intent.body = body as Record<string, unknown>;
      } catch (err) {
        return problem(`\`${what}\`: the body is not valid JSON (${(err as Error).message})`);
      }
    } else {
      return problem(`\`${what}\`: "${t.raw}" is not an argument; write arguments as key=value (or one JSON object for the body)`);
    }
  }
  return undefined;
}
