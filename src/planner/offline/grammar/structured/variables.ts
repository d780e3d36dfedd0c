/**
 * Unexpanded shell variables: a CI line that reaches the agent with `${GPU_COUNT}`, `$NAME` or
 * `$(date +%s)` still in it was meant to carry a value the shell never put there. Such a request
 * is never planned (taking the text as a value, or dropping it, would both be guesses): the user
 * is asked, with the variable named. `\$` is a literal dollar sign and is not reported; so is a
 * `$` before a digit or a blank ("$5").
 */

const VARIABLE = /(?<!\\)\$(?:\{[^}\s]{0,60}\}?|[A-Za-z_][A-Za-z0-9_]{0,60}|\([^)\n]{0,60}\)?)/g;

/** The unexpanded variables in the text, as written, in order and without repeats. */
export function unexpandedVariables(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(VARIABLE)) if (!found.includes(m[0])) found.push(m[0]);
  return found;
}

/** The question asked for a request with unexpanded variables. */
export function unexpandedQuestion(vars: string[]): string {
  const list = vars.map((v) => `"${v}"`).join(', ');
  const one = vars.length === 1;
  return (
    `${list} ${one ? 'is a variable that was' : 'are variables that were'} not expanded: the shell or CI job passed ${one ? 'its' : 'their'} name instead of ${one ? 'its' : 'their'} value. ` +
    `Set ${one ? 'it' : 'them'} (or write the value) and run the request again; write \\$ for a literal dollar sign.`
  );
}
