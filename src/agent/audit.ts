/**
 * The audit log: every write appended as JSON lines — one `started` line before the call is sent,
 * one with its outcome after (time, request, operation, arguments, outcome). Secrets never get
 * here: registered secrets and secret-looking variables are masked (redact.ts).
 *
 * It fails closed: a sink throws when it cannot append, and the executor does not send a write
 * whose `started` line could not be written.
 * Location: $BAI_AGENT_AUDIT_LOG, else <state dir>/audit.jsonl.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BaiError } from '../errors.js';
import { stateDir } from '../paths.js';
import { redactValue } from '../redact.js';

export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BAI_AGENT_AUDIT_LOG || join(stateDir(), 'audit.jsonl');
}

export type AuditSink<E extends object = object> = (entry: E) => void;

/** An audit sink appending to `path`; it throws a one-line error when the log cannot be written. */
export function fileAuditSink<E extends object>(path: string): AuditSink<E> {
  return (entry) => {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      appendFileSync(path, `${JSON.stringify(redactValue(entry))}\n`, { mode: 0o600 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new BaiError(
        `the audit log ${path} cannot be written (${code ?? (err as Error).message}); writes are not sent without it (fix its permissions, or set BAI_AGENT_AUDIT_LOG)`,
        'config',
      );
    }
  };
}
