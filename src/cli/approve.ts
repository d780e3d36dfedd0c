/**
 * Terminal confirmation (inquirer). Approve/reject; destructive steps — deleting folders,
 * terminating several sessions — need the user to type the folder name or the count. Without a
 * terminal there is nobody to ask: the answer is `unavailable` and nothing is written.
 */
import type { ConfirmRequest, Decision } from '../agent/graph.js';
import type { PlanStep } from '../planner/plan.js';

export interface PromptIO {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function hasTerminal(io: PromptIO = {}): boolean {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stderr;
  return Boolean(input.isTTY && output.isTTY);
}

/** What the user must type to approve destructive steps: a folder name, or how many sessions. */
export function typedConfirmation(steps: PlanStep[]): { expected: string; prompt: string } | undefined {
  const destructive = steps.filter((s) => s.destructive);
  if (destructive.length === 0) return undefined;
  const terminations = destructive.filter((s) => s.operationId === 'session.destroy' || s.operationId === 'v2/sessions.terminate');
  if (terminations.length > 1) {
    return { expected: String(terminations.length), prompt: `This terminates ${terminations.length} sessions. Type ${terminations.length} to confirm:` };
  }
  const folderStep = destructive.find((s) => s.operationId.startsWith('folders.'));
  const folderName = folderStep ? String(folderStep.pathParams.name ?? (folderStep.body as Record<string, unknown> | undefined)?.vfolderId ?? '') : '';
  if (folderName) return { expected: folderName, prompt: `This deletes folder "${folderName}". Type its name to confirm:` };
  return { expected: 'yes', prompt: `${destructive.length} destructive step(s). Type "yes" to confirm:` };
}

export async function askTerminal(req: ConfirmRequest, io: PromptIO = {}): Promise<Decision> {
  if (!hasTerminal(io)) return 'unavailable';
  const { default: inquirer } = await import('inquirer');
  const prompt = inquirer.createPromptModule({
    input: (io.input ?? process.stdin) as NodeJS.ReadStream,
    output: (io.output ?? process.stderr) as NodeJS.WriteStream,
  });
  const n = req.steps.length;
  const where = req.plan.endpoint === 'sandbox' ? 'the sandbox manager' : req.plan.endpoint;
  const unasked = req.unrequested?.length
    ? `Your request asked for no change, but the model planned ${req.unrequested.length === 1 ? 'a write' : `${req.unrequested.length} writes`} (possibly from text the manager returned). `
    : '';
  try {
    const { ok } = await prompt<{ ok: boolean }>([
      { type: 'confirm', name: 'ok', message: `${unasked}Run ${n === 1 ? 'this write' : `these ${n} writes`} on ${where}?`, default: false },
    ]);
    if (!ok) return 'reject';
    const typed = typedConfirmation(req.steps);
    if (typed) {
      const { answer } = await prompt<{ answer: string }>([{ type: 'input', name: 'answer', message: typed.prompt }]);
      if (answer.trim() !== typed.expected) return 'reject';
    }
    return 'approve';
  } catch {
    // Ctrl-C / closed input at the prompt: treat as a refusal, never as consent
    return 'reject';
  }
}
