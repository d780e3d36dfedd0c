/**
 * Secrets never reach output, logs, errors, plan files or the audit log. Anything that knows a
 * secret (config loading, LLM keys, service tokens) registers it here; every writer passes text
 * through `redact()` before it leaves the process.
 */
const secrets = new Set<string>();

/** Remember a secret so that it is masked wherever it would be printed. Short values are ignored. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 6) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  // Authorization headers and bearer tokens, wherever they appear in a dump.
  out = out.replace(/(credential=[A-Za-z0-9]+:)[0-9a-f]{16,}/g, '$1***');
  out = out.replace(/(Bearer|BackendAI)\s+(?!signMethod)[A-Za-z0-9._~+/=-]{16,}/g, '$1 ***');
  return out;
}

/** Deep-copy a JSON-able value with every registered secret masked in its strings. */
export function redactValue<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value ?? null))) as T;
}
