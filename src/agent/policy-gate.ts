/**
 * Adapter from a loaded policy file to the planner's PolicyGate: the verdict of a step given the
 * steps before it in the same plan (so per-run caps count them).
 */
import type { PolicyGate } from '../planner/check.js';
import type { Catalog } from '../spec/types.js';
import type { CommandContext } from '../cli/main.js';

export async function loadPolicyGate(
  ctx: Pick<CommandContext, 'globals'>,
  _catalog?: Catalog,
): Promise<{ gate: PolicyGate; name: string; sha256?: string }> {
  const { loadPolicy, evaluatePlan } = await import('../policy/index.js');
  const loaded = await loadPolicy(ctx.globals.policy, { allowAdmin: Boolean(ctx.globals.allowAdmin) });
  const gate: PolicyGate = (step, earlier) => evaluatePlan(loaded.policy, [...earlier, step]).at(-1)!;
  return { gate, name: loaded.name, sha256: loaded.sha256 };
}
