/**
 * A clarifying question, asked at the terminal instead of ending the run: a list to pick from when
 * the question names the possible answers (your sessions, folders, resource groups…), free text
 * otherwise. The answer is added to the request in the words the planner reads ("delete the
 * folder" + datasets → "delete the folder datasets"), and planning starts again with it. The new
 * sentence is what the preview then shows, so the user sees exactly what was understood.
 */
import type { PromptIO } from './approve.js';
import { hasTerminal } from './approve.js';
import { safeText } from './terminal-text.js';
import { registerSecret } from '../redact.js';

/** The answers a question offers, when it lists them ("Your folders: a, b, c." / "a or b?"). */
export function clarifyChoices(question: string): string[] | undefined {
  let items: string[] | undefined;
  const labels = [...question.matchAll(/(?:\byour [a-z -]*[a-z]|\byours|\byou can use|\bavailable|\ballowed)\s*:\s*/gi)];
  const label = labels[labels.length - 1];
  if (label) {
    const rest = question.slice(label.index + label[0].length);
    // the list ends at the end of its sentence: ". Next…", ")", "?" or the end of the question
    const list = rest.split(/\.\s+(?=\S)|\)|\?/)[0]!.replace(/\.\s*$/, '');
    items = list
      .split(/\s*,\s*/)
      .map((s) => s.trim())
      .filter((s) => s && s !== 'none' && !s.startsWith('…'));
  } else {
    const either = /[:,]\s*([^\s:,?]+(?:\s*,\s*[^\s:,?]+)*)\s+or\s+([^\s:,?]+)\s*\?\s*$/i.exec(question);
    if (either) items = [...either[1]!.split(/\s*,\s*/), either[2]!].map((s) => s.trim()).filter(Boolean);
  }
  return items && items.length > 0 ? [...new Set(items)] : undefined;
}

/** "What value should WANDB_API_KEY have?" — the planner's question for a variable named without a value. */
const VARIABLE_QUESTION = /\bvalue should ([A-Za-z_][A-Za-z0-9_]*) have\b/;
/** Variables whose values are typed without echo (as the preview masks them). */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i;

/**
 * The request with the answer in it. Names go where the planner expects them: after "called"
 * for a new name, "to" for a rename, quoted for a command, plainly after the request otherwise.
 */
export function withAnswer(request: string, question: string, answer: string): string {
  const base = request.trim().replace(/[.?!]+$/, '');
  const a = answer.trim();
  const variable = VARIABLE_QUESTION.exec(question)?.[1];
  if (variable) return `${base} with ${variable}=${/\s/.test(a) ? `'${a.replace(/'/g, '')}'` : a}`;
  if (/\brenamed to\b|\bnew name\b/i.test(question)) return `${base} to ${a}`;
  if (/\bcalled\b|\bnamed?\b/i.test(question) && !/\bwhich\b/i.test(question)) return `${base} called ${a}`;
  if (/\bcommand\b|\bcode\b/i.test(question)) return `${base} that runs '${a.replace(/'/g, '')}'`;
  if (/\be-?mail\b/i.test(question)) return `${base} with ${a}`;
  if (/\bhow many\b/i.test(question)) return `${base} to ${a}`;
  return `${base} ${a}`;
}

/**
 * Ask `question` at the terminal. Resolves to the answer, or undefined when there is no terminal,
 * the user gives none, or presses Ctrl-C (the run then ends with exit 4 as without a terminal).
 */
export async function askClarification(question: string, io: PromptIO = {}): Promise<string | undefined> {
  if (!hasTerminal(io)) return undefined;
  const { default: inquirer } = await import('inquirer');
  const prompt = inquirer.createPromptModule({
    input: (io.input ?? process.stdin) as NodeJS.ReadStream,
    output: (io.output ?? process.stderr) as NodeJS.WriteStream,
  });
  const message = safeText(question);
  const choices = clarifyChoices(question);
  const OTHER = '\u0000other';
  try {
    if (choices) {
      const { picked } = await prompt<{ picked: string }>([
        {
          type: 'select',
          name: 'picked',
          message,
          choices: [...choices.map((c) => ({ name: safeText(c), value: c })), { name: '(something else: type it)', value: OTHER }],
        },
      ]);
      if (picked !== OTHER) return picked;
    }
    const variable = VARIABLE_QUESTION.exec(question)?.[1];
    const secret = variable !== undefined && SECRET_NAME.test(variable);
    const { typed } = await prompt<{ typed: string }>([
      secret ? { type: 'password', name: 'typed', message, mask: '*' } : { type: 'input', name: 'typed', message: choices ? 'Your answer:' : message },
    ]);
    // a secret typed here is masked wherever it would be printed (the request, the preview)
    if (secret) registerSecret(typed.trim());
    return typed.trim() || undefined;
  } catch {
    // Ctrl-C or closed input: no answer
    return undefined;
  }
}
