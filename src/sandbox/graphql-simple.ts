/**
 * A fast path for the plain GraphQL queries a planner sends (`query { groups { id name } }`,
 * `images(is_installed: true) { … }`): fields, literal arguments and nested selections only.
 * Anything else — variables, aliases, fragments, directives, a field the resolvers do not
 * produce, a number where the schema may coerce — returns undefined and goes through graphql-js,
 * which a cold CLI start then no longer has to load for the common case. The answers are the
 * same; test/unit/sandbox-graphql-simple.test.ts compares both paths.
 */

interface Field {
  name: string;
  args: Record<string, unknown>;
  selection?: Field[];
}

type Resolver = (args: Record<string, unknown>) => unknown;

const TOKEN = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|("(?:[^"\\\n]|\\["\\/bfnrt])*")|(-?\d+(?:\.\d+)?)|([{}():,]))/y;

/** Tokens of the query, or undefined on anything outside the simple subset. */
function tokenize(query: string): string[] | undefined {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  while (pos < query.length) {
    if (/^\s*$/.test(query.slice(pos))) break;
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(query);
    if (!m) return undefined; // "$", "...", "@", "#", "!" …
    out.push(m[1] ?? m[2] ?? m[3] ?? m[4]!);
    pos = TOKEN.lastIndex;
  }
  return out;
}

function parse(query: string): Field[] | undefined {
  const t = tokenize(query);
  if (!t) return undefined;
  let i = 0;
  if (t[i] === 'query') {
    i++;
    if (t[i] !== '{') i++; // an operation name
  }
  const selection = (): Field[] | undefined => {
    if (t[i++] !== '{') return undefined;
    const fields: Field[] = [];
    while (t[i] !== '}') {
      const name = t[i++];
      if (!name || !/^[A-Za-z_]/.test(name) || t[i] === ':') return undefined; // end of input, or an alias
      const args: Record<string, unknown> = {};
      if (t[i] === '(') {
        i++;
        while (t[i] !== ')') {
          const key = t[i++];
          if (!key || !/^[A-Za-z_]/.test(key) || t[i++] !== ':') return undefined;
          const raw = t[i++];
          if (raw === undefined) return undefined;
          if (raw === 'true' || raw === 'false') args[key] = raw === 'true';
          else if (raw === 'null') args[key] = null;
          else if (raw.startsWith('"')) args[key] = JSON.parse(raw) as string;
          else if (/^-?\d/.test(raw)) args[key] = Number(raw);
          else return undefined; // enum values and the like
          if (t[i] === ',') i++;
        }
        i++;
      }
      let sub: Field[] | undefined;
      if (t[i] === '{') {
        sub = selection();
        if (!sub) return undefined;
      }
      fields.push({ name, args, ...(sub ? { selection: sub } : {}) });
      if (t[i] === ',') i++;
    }
    i++;
    return fields.length ? fields : undefined;
  };
  const top = selection();
  return top && i === t.length ? top : undefined;
}

const MISS = Symbol('miss');

function pick(value: unknown, selection: Field[] | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) {
    const out = value.map((v) => pick(v, selection));
    return out.includes(MISS) ? MISS : out;
  }
  if (typeof value === 'object') {
    if (!selection) return MISS; // an object needs a selection
    const obj = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const f of selection) {
      if (Object.keys(f.args).length || !(f.name in obj)) return MISS;
      const v = pick(obj[f.name], f.selection);
      if (v === MISS) return MISS;
      out[f.name] = v;
    }
    return out;
  }
  // strings and booleans serialise as they are; numbers may be coerced by the schema (ID, String)
  return selection || typeof value === 'number' ? MISS : value;
}

/** Root field → its arguments and their types, read from the SDL's `type Query { … }`. */
export type RootSignature = Map<string, Map<string, string>>;

export function rootSignature(sdl: string): RootSignature {
  const body = /type\s+Query\s*\{([\s\S]*?)\n\s*\}/.exec(sdl)?.[1] ?? '';
  const out: RootSignature = new Map();
  for (const m of body.matchAll(/([A-Za-z_]\w*)\s*(?:\(([^)]*)\))?\s*:/g)) {
    const args = new Map<string, string>();
    for (const a of (m[2] ?? '').split(',')) {
      const am = /^\s*(\w+)\s*:\s*(\S+)\s*$/.exec(a);
      if (am) args.set(am[1]!, am[2]!);
    }
    out.set(m[1]!, args);
  }
  return out;
}

/** Do the literal arguments fit the declared ones (names, scalar types, required ones present)? */
function argsFit(args: Record<string, unknown>, declared: Map<string, string>): boolean {
  for (const [k, v] of Object.entries(args)) {
    const type = declared.get(k)?.replace(/!$/, '');
    if (!type) return false;
    if (v === null) continue;
    const ok =
      type === 'Boolean' ? typeof v === 'boolean'
      : type === 'Int' ? Number.isInteger(v)
      : type === 'Float' ? typeof v === 'number'
      : type === 'String' || type === 'ID' ? typeof v === 'string'
      : false;
    if (!ok) return false;
  }
  for (const [k, type] of declared) if (type.endsWith('!') && (args[k] === undefined || args[k] === null)) return false;
  return true;
}

/** `{data}` for a simple query, or undefined to run it through graphql-js. */
export function executeSimple(body: Record<string, unknown>, root: Record<string, Resolver>, signature: RootSignature): { data: Record<string, unknown> } | undefined {
  if (typeof body.query !== 'string') return undefined;
  if (body.variables !== undefined && body.variables !== null && Object.keys(body.variables as object).length > 0) return undefined;
  if (body.operation_name !== undefined && body.operation_name !== null) return undefined;
  const fields = parse(body.query);
  if (!fields) return undefined;
  const data: Record<string, unknown> = {};
  for (const f of fields) {
    const resolve = root[f.name];
    const declared = signature.get(f.name);
    if (!resolve || !declared || f.name in data || !argsFit(f.args, declared)) return undefined;
    let value: unknown;
    try {
      value = resolve(f.args);
    } catch {
      return undefined; // graphql-js reports the error the way the manager does
    }
    const v = pick(value, f.selection);
    if (v === MISS) return undefined;
    data[f.name] = v;
  }
  return { data };
}
