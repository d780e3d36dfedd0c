/**
 * Run a CLI command implementation (plan, apply, ask, ops search) for an HTTP request: in --json
 * mode, with an Output whose stdout is captured (the one JSON document) and whose stderr lines
 * (progress, notes, warnings) go to a listener. The HTTP API thus answers with exactly what the
 * CLI prints, and the web page shows exactly the CLI's progress lines.
 */
import { runJsonCommand, type CommandImpl, type JsonCommandResult } from '../cli/json-command.js';
import type { GlobalOptions } from '../cli/main.js';

export type Invocation = JsonCommandResult;

/** Runs `command` in --json mode; its log and progress lines go to `onLine` (the page's progress stream). */
export function invokeCommand(globals: GlobalOptions, command: CommandImpl, onLine?: (line: string) => void): Promise<Invocation> {
  return runJsonCommand(globals, command, onLine ? { onLine } : { onLine: () => {} });
}

/** HTTP status for a command's document: errors by kind, everything else (refusals included) 200. */
export function httpStatusFor(doc: Record<string, unknown>): number {
  const error = doc.error as { kind?: string } | undefined;
  if (!error) return 200;
  switch (error.kind) {
    case 'bad_input':
    case 'config':
      return 400;
    case 'refused':
      return 403;
    case 'unavailable':
    case 'api':
    case 'execution':
      return 502;
    default:
      return 500;
  }
}
