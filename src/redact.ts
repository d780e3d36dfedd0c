/**
 * Secrets never reach output, logs, errors, plan files or the audit log. Anything that knows a
 * secret (config loading, LLM keys, service tokens) registers it here; every writer passes text
 * through `redact()` (and documents through `redactValue()`) before it leaves the process.
 *
 * Besides registered values, a variable whose name looks secret (`WANDB_API_KEY`, `HF_TOKEN`,
 * `DB_PASSWORD`) is masked wherever it appears: `NAME=value` in free text (a request, a log
 * line) and the values of such names inside any `environ` object of a document. The planner
 * still sends the real value to the manager; only what is shown or written down is masked.
 */
const secrets = new Set<string>();

export const MASK = '***';

/** Names of variables whose values are treated as secrets. */
export const SECRET_NAME = /KEY|TOKEN|SECRET|PASSW|CREDENTIAL/i;

export function looksSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

const published = new Set<string>();

/**
 * Values that are public by design though they sit where secrets usually do (the sandbox's test
 * keys, printed by `bai-agent sandbox` for `export`): not masked by the `NAME=value` rule.
 * A registered secret is masked all the same.
 */
export function declarePublic(value: string): void {
  published.add(value);
}

/** Remember a secret so that it is masked wherever it would be printed. Short values are ignored. */
export function registerSecret(value: string | undefined | null, minLength = 6): void {
  if (value && value.length >= minLength && value !== MASK) secrets.add(value);
}

/**
 * Register the values of secret-looking variables a request or plan gives (`environ` of a session
 * to create): from then on they are masked in any text, also where they are not named.
 */
export function registerSecretVariables(environ: unknown): void {
  if (typeof environ !== 'object' || environ === null || Array.isArray(environ)) return;
  for (const [k, v] of Object.entries(environ)) if (looksSecretName(k) && typeof v === 'string') registerSecret(v, 4);
}

// NAME=value where NAME looks secret (the way variables are written in a request or a command
// line); the value runs to whitespace, or to the end of its quotes
const SECRET_ASSIGNMENT = /\b([A-Za-z_][A-Za-z0-9_]{2,})(=)("[^"\n]*"|'[^'\n]*'|[^\s"',;)}\]]+)/g;

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  out = out.replace(SECRET_ASSIGNMENT, (all, name: string, sep: string, value: string) =>
    looksSecretName(name) && !published.has(value) && !/^["']?\*\*\*["']?$/.test(value) && !/^\{/.test(value) ? `${name}${sep}${MASK}` : all,
  );
  // Authorization headers and bearer tokens, wherever they appear in a dump.
  out = out.replace(/(credential=[A-Za-z0-9]+:)[0-9a-f]{16,}/g, '$1***');
  out = out.replace(/(Bearer|BackendAI)\s+(?!signMethod)[A-Za-z0-9._~+/=-]{16,}/g, '$1 ***');
  return out;
}

/**
 * A copy of a JSON-able value with every string redacted, and the values of secret-looking names
 * in any `environ` object masked.
 */
export function redactValue<T>(value: T): T {
  const walk = (v: unknown, isEnviron: boolean, depth = 0): unknown => {
    if (typeof v === 'string') return redact(v);
    // far below any document we make: redact the rest as text rather than recurse further
    if (depth > 200 && typeof v === 'object' && v !== null) return JSON.parse(redact(JSON.stringify(v))) as unknown;
    if (Array.isArray(v)) return v.map((x) => walk(x, false, depth + 1));
    if (typeof v === 'object' && v !== null) {
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return walk(JSON.parse(JSON.stringify(v)), isEnviron, depth);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const masked = isEnviron && typeof x === 'string' && looksSecretName(k) ? MASK : walk(x, k === 'environ', depth + 1);
        // defineProperty: a key named __proto__ stays a plain key, as JSON.parse made it
        Object.defineProperty(out, redact(k), { value: masked, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return walk(value, false) as T;
}
