/**
 * Terminal confirmation (inquirer). The prompt names the writes it approves; destructive steps —
 * deleting folders, terminating several sessions — also need the user to type what is destroyed:
 * every target's name (or, when all of them are sessions, their count). Typing one name never
 * approves two deletions. Without a terminal there is nobody to ask: the answer is `unavailable`
 * and nothing is written.
 */
import type { ConfirmRequest, Decision } from '../agent/graph.js';
import type { PlanDocument, PlanStep } from '../planner/plan.js';
import type { Catalog } from '../spec/types.js';
import { destructiveTargets, stepNature, type DestructiveTarget } from './step-nature.js';
import { safeText } from './terminal-text.js';

export interface PromptIO {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
}

export function hasTerminal(io: PromptIO = {}): boolean {
  const input = io.input ?? process.stdin;
  const output = io.output ?? process.stderr;
  return Boolean(input.isTTY && output.isTTY);
}

export interface TypedConfirmation {
  /** What to type, as shown in the prompt (names separated by spaces, or a count). */
  expected: string;
  prompt: string;
  targets: DestructiveTarget[];
  /** Does this answer name every target (in any order, separated by spaces or commas)? */
  accepts(answer: string | string[]): boolean;
}

const VERB: Record<string, string> = { folder: 'deletes folder', session: 'terminates session', service: 'deletes model service', operation: 'runs' };

/**
 * What the user must type to approve the destructive steps among `steps`, or undefined when
 * there are none. Destructiveness and targets are derived from the operations (step-nature).
 */
export function typedConfirmation(steps: PlanStep[], plan: Pick<PlanDocument, 'steps' | 'grounding'>, catalog?: Catalog): TypedConfirmation | undefined {
  const targets = destructiveTargets(steps, plan, catalog);
  if (targets.length === 0) return undefined;
  const names = targets.map((t) => t.name);
  const shown = targets.map((t) => `${VERB[t.kind] ?? `destroys ${t.kind}`} ${safeText(t.name)}`);
  const what = `This ${joinAnd(shown)}.`;
  if (targets.length > 1 && targets.every((t) => t.kind === 'session')) {
    // the count stands for exactly the sessions listed: nothing else is destroyed
    const expected = String(targets.length);
    return { expected, targets, prompt: `${what} Type ${expected} to confirm:`, accepts: (a) => normalise(a) === expected };
  }
  const expected = names.join(' ');
  const prompt = targets.length === 1 ? `${what} Type its name to confirm:` : `${what} Type all ${targets.length} names to confirm (${safeText(expected)}):`;
  return { expected, targets, prompt, accepts: (a) => namesEveryTarget(a, names) };
}

function normalise(answer: string | string[]): string {
  return (Array.isArray(answer) ? answer.join(' ') : answer).trim();
}

/** The answer is exactly the target names, each once, in any order. */
function namesEveryTarget(answer: string | string[], names: string[]): boolean {
  if (Array.isArray(answer)) {
    const given = answer.map((a) => String(a).trim()).filter(Boolean);
    return given.length === names.length && names.every((n) => given.includes(n));
  }
  let rest = ` ${answer.trim()} `;
  // longest first, so that "data" does not eat the start of "datasets"
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    const at = findBounded(rest, name);
    if (at < 0) return false;
    rest = `${rest.slice(0, at)} ${rest.slice(at + name.length)}`;
  }
  return rest.replace(/[\s,]+/g, '') === '';
}

function findBounded(text: string, name: string): number {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const before = text[at - 1] ?? ' ';
    const after = text[at + name.length] ?? ' ';
    if (/[\s,]/.test(before) && /[\s,]/.test(after)) return at;
  }
  return -1;
}

function joinAnd(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The question that approves writes, naming each of them (step id, the catalog's method and path,
 * operationId): what the user approves is exactly what runs.
 */
export function approvalQuestion(req: Pick<ConfirmRequest, 'plan' | 'steps' | 'unrequested'>, catalog?: Catalog): string {
  const where = req.plan.endpoint === 'sandbox' ? 'the sandbox manager' : safeText(req.plan.endpoint);
  const named = req.steps.map((s) => {
    const n = stepNature(s, req.plan, catalog);
    return `${s.id} ${n.method} ${safeText(n.target)} (${safeText(s.operationId)})`;
  });
  const unasked = req.unrequested?.length
    ? `Your request did not ask for ${req.unrequested.length === 1 ? 'one of these writes' : `${req.unrequested.length} of these writes`} (a model misled by text the manager returned, or an edited plan file, may have added them). `
    : '';
  const n = req.steps.length;
  return `${unasked}Run ${n === 1 ? 'this write' : `these ${n} writes`} on ${where}: ${named.join('; ')}?`;
}

export async function askTerminal(req: ConfirmRequest, io: PromptIO = {}, catalog?: Catalog): Promise<Decision> {
  if (!hasTerminal(io)) return 'unavailable';
  const { default: inquirer } = await import('inquirer');
  const prompt = inquirer.createPromptModule({
    input: (io.input ?? process.stdin) as NodeJS.ReadStream,
    output: (io.output ?? process.stderr) as NodeJS.WriteStream,
  });
  try {
    const { ok } = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message: approvalQuestion(req, catalog), default: false }]);
    if (!ok) return 'reject';
    const typed = typedConfirmation(req.steps, req.plan, catalog);
    if (typed) {
      const { answer } = await prompt<{ answer: string }>([{ type: 'input', name: 'answer', message: typed.prompt }]);
      if (!typed.accepts(answer)) return 'reject';
    }
    return 'approve';
  } catch {
    // Ctrl-C / closed input at the prompt: treat as a refusal, never as consent
    return 'reject';
  }
}
