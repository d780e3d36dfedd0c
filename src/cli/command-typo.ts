/**
 * `bai-agent aply plan.json`: an unquoted first word that is not a command is read as the start
 * of a request, and the planner then refuses a sentence nobody meant. When that happens and the
 * word is a near miss of a command name, say so instead (run.ts).
 */
export const COMMAND_NAMES = ['run', 'plan', 'apply', 'sandbox', 'serve', 'ops', 'ask', 'mcp', 'eval', 'help'] as const;

/** Edit distance where swapping two neighbouring letters counts as one edit (Damerau). */
function distance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The command `word` is probably a typo of: one edit away (two for names of five letters or
 * more), a transposition counting as one. Undefined for real command names and anything else.
 */
export function nearestCommand(word: string): string | undefined {
  const w = word.toLowerCase();
  if (!/^[a-z]+$/.test(w) || (COMMAND_NAMES as readonly string[]).includes(w)) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const name of COMMAND_NAMES) {
    const d = distance(w, name);
    const allowed = name.length >= 5 ? 2 : 1;
    if (d <= allowed && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}
