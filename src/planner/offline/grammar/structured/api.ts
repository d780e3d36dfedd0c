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
    const rest = tokens.slice(1);
    // "train.yaml should …" is a sentence: every further token must be an argument
    if (!rest.every((t) => t.kind === 'pair' || (t.kind === 'word' && t.value.startsWith('{')))) return undefined;
    const intent: ApiCallIntent = { kind: 'api.call', operationId: first.value, args: [] };
    const bad = readArguments(rest, intent, first.value);
    return bad ?? { intent, rule: 'api-operation' };
  }
  return undefined;
}

function splitQuery(pathAndQuery: string): [string, Array<[string, string]>] {
  const at = pathAndQuery.indexOf('?');
  if (at < 0) return [pathAndQuery, []];
  const pairs = new URLSearchParams(pathAndQuery.slice(at + 1));
  return [pathAndQuery.slice(0, at), [...pairs.entries()]];
}

function readArguments(tokens: Token[], intent: ApiCallIntent, what: string): Problem | undefined {
  for (const t of tokens) {
    if (t.kind === 'pair') {
      if (t.value === '' && !t.quoted) return problem(`${t.key}= has no value (in \`${what}\`): write ${t.key}="" for an empty string`);
      intent.args.push({ key: t.key!, value: t.value, quoted: t.quoted });
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
