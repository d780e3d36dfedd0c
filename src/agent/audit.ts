/**
 * The audit log: every executed write appended as one JSON line (time, request, operation,
 * arguments, outcome). Secrets never get here: plans carry none, and text is redacted anyway.
 * Location: $BAI_AGENT_AUDIT_LOG, else <state dir>/audit.jsonl.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../paths.js';
import { redact } from '../redact.js';
import type { AuditEntry } from './execute.js';

export function auditLogPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.BAI_AGENT_AUDIT_LOG || join(stateDir(), 'audit.jsonl');
}

/** An audit sink writing to `path`. Failing to write the audit log is reported, not fatal. */
export function fileAuditSink(path: string, onError?: (msg: string) => void): (entry: AuditEntry & { endpoint?: string }) => void {
  let warned = false;
  return (entry) => {
    try {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      appendFileSync(path, `${redact(JSON.stringify(entry))}\n`, { mode: 0o600 });
    } catch (err) {
      if (!warned) onError?.(`could not write the audit log ${path}: ${(err as Error).message}`);
      warned = true;
    }
  };
}
