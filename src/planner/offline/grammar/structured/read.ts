/**
 * Reading one structured command: an API call (api.ts), a command line (commands.ts), or a line
 * of `key=value` pairs alone (which then says what it creates by its keys). Each produces tasks
 * (parsed intents) with every argument applied through the key vocabulary (keys.ts), or a
 * problem to ask about, or undefined when the command is not structured (a sentence).
 */
import type { IntentKind, ParsedIntent } from '../../intents.js';
import { readApiCall } from './api.js';
import { ARROWS, COMMANDS, looksLikeName, nestedArg, type Arg, type CommandRule, type FlagSpec } from './commands.js';
import { applyPair, emptyDraft, finishDraft, findKey, isEnvName, isProblem, keysFor, problem, type Draft, type Problem } from './keys.js';
import type { Token } from './lexer.js';

export type Read = ParsedIntent[] | Problem | undefined;

const HANGUL = /[\uAC00-\uD7A3\u3131-\u318E]/;
/** The name of a command-line program (or a chat bot) in front of a command. */
const PROGRAM = /^(?:\.\/backend\.ai|backend\.ai|backendai|bai-agent|bai|[/!@](?:bai-agent|bai|backend\.ai))$/i;

/** "backend.ai vfolder create x && backend.ai vfolder info x": the program's name is no part of a command. */
function withoutProgram(all: Token[]): Token[] {
  const at = all[0]?.raw === 'npx' ? 1 : 0;
  return all[at] && PROGRAM.test(all[at]!.raw) && all.length > at + 1 ? all.slice(at + 1) : all;
}

/** Read one command (the tokens between separators); `span` is the request text. */
export function readCommand(all: Token[], text: string): Read {
  const tokens = withoutThen(withoutProgram(all));
  if (tokens.length === 0) return undefined;
  const span = text.slice(tokens[0]!.start, tokens[tokens.length - 1]!.end).trim();
  const api = readApiCall(tokens);
  if (api) {
    if (isProblem(api)) return api;
    return [{ intent: api.intent, missing: [], confidence: 1, span, rule: api.rule }];
  }
  const exec = readExec(tokens, text, span);
  if (exec) return exec;
  const labelled = withoutLabels(tokens);
  if (isProblem(labelled)) return labelled;
  const matched = matchHead(labelled);
  if (matched) {
    const read = readWithRule(matched.rule, matched.head, labelled.slice(matched.length), span);
    if (read !== undefined) return read;
  }
  const unknown = unknownSubcommand(labelled);
  if (unknown) return unknown;
  return matched ? undefined : readPairsOnly(labelled, span);
}

/** "…; then sess img=…": a command after a separator may start with "then" (or "and then"). */
function withoutThen(tokens: Token[]): Token[] {
  let at = 0;
  while (at < tokens.length - 1 && tokens[at]!.kind === 'word' && !tokens[at]!.quoted && /^(?:then|and|after that|next|finally)$/i.test(tokens[at]!.value)) at++;
  return at > 0 ? tokens.slice(at) : tokens;
}

/**
 * Words that label the pairs after them, as the API's body nests them: `resources cpu=8 mem=64g`,
 * `resource_opts shmem=2g`, `env TF_LOG=2`. The label goes; the pairs must be ones it holds.
 */
const LABELS: Record<string, (key: string) => boolean> = {
  resources: (k) => ['cpu', 'mem', 'fgpu', 'gpu', 'shmem'].includes(findKey(k)?.key ?? ''),
  resource: (k) => ['cpu', 'mem', 'fgpu', 'gpu', 'shmem'].includes(findKey(k)?.key ?? ''),
  resource_opts: (k) => findKey(k)?.key === 'shmem',
  env: isEnvName,
  environ: isEnvName,
  envs: isEnvName,
};

function withoutLabels(tokens: Token[]): Token[] | Problem {
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const holds = t.kind === 'word' && !t.quoted ? LABELS[t.value.toLowerCase().replace(/-/g, '_')] : undefined;
    if (!holds || i === 0 || tokens[i + 1]?.kind !== 'pair') {
      out.push(t);
      continue;
    }
    // the label goes; each pair after it still says its own key ("resources cpu=8, env X=1")
    if (!holds(tokens[i + 1]!.key!)) return problem(`${t.value} ${tokens[i + 1]!.key}=${tokens[i + 1]!.value}: ${t.value} does not hold ${tokens[i + 1]!.key}`);
  }
  return out;
}

/**
 * `exec SESSION: COMMAND…` (also run, sh, session exec): everything after the colon is the
 * command, exactly as written; whether it runs in a shell or as code the planner decides.
 */
function readExec(tokens: Token[], text: string, span: string): Read {
  const lead = tokens[0]?.kind === 'word' && /^(?:session|sess)$/i.test(tokens[0].value) ? 1 : 0;
  const [verb, target, first] = [tokens[lead], tokens[lead + 1], tokens[lead + 2]];
  if (!verb || verb.kind !== 'word' || verb.quoted || !/^(?:exec|execute|run|sh)$/i.test(verb.value)) return undefined;
  if (!target || target.kind !== 'word' || target.quoted || !/^[\w.-]+:$/.test(target.value) || !first) return undefined;
  const command = text.slice(first.start, tokens[tokens.length - 1]!.end).trim();
  const code = tokens.length === lead + 3 && first.quoted ? first.value : command;
  return [{ intent: { kind: 'session.execute', target: { names: [target.value.slice(0, -1)] }, code }, missing: [], confidence: 1, span, rule: 'session-exec-colon' }];
}

/** Words that only start CLI lines (unlike "session" or "service", which start sentences too). */
const CLI_NOUNS: Record<string, string> = { vfolder: 'vfolder', sess: 'session', svc: 'service' };

/** `vfolder frobnicate x`: a command the CLI does not have is a question, not a sentence to guess at. */
function unknownSubcommand(tokens: Token[]): Problem | undefined {
  const [first, second] = tokens;
  const group = first?.kind === 'word' && !first.quoted ? CLI_NOUNS[first.value.toLowerCase()] : undefined;
  if (!group || !second || second.kind !== 'word' || !/^[a-z][a-z-]*$/i.test(second.value)) return undefined;
  const known = [...new Set(COMMANDS.flatMap((r) => r.heads).filter((h) => h.startsWith(`${group} `)).map((h) => h.slice(group.length + 1)))];
  return problem(`${first!.value} ${second.value}: there is no such ${group} command (commands: ${known.join(', ')})`);
}

// ------------------------------------------------------------------ command lines

function matchHead(tokens: Token[]): { rule: CommandRule; head: string; length: number } | undefined {
  let best: { rule: CommandRule; head: string; length: number } | undefined;
  for (const rule of COMMANDS) {
    for (const head of rule.heads) {
      const words = head.split(' ');
      if (best && words.length <= best.length) continue;
      const fits = words.every((w, i) => {
        const t = tokens[i];
        if (!t || t.kind !== 'word' || t.quoted) return false;
        const v = t.value.toLowerCase();
        // "start session: image=…"
        return v === w || (i === words.length - 1 && v === `${w}:`);
      });
      if (fits) best = { rule, head, length: words.length };
    }
  }
  return best;
}

/** A long flag for any key of the vocabulary (`--image pytorch`, `--resource-group gpu-a100`, `--cloneable`). */
function genericFlag(flag: string): FlagSpec | undefined {
  if (!flag.startsWith('--')) return undefined;
  const rule = findKey(flag.slice(2));
  if (!rule) return undefined;
  return BOOLEAN_KEYS.has(rule.key) ? { key: rule.key, set: 'true' } : { key: rule.key };
}

const BOOLEAN_KEYS = new Set(['cloneable', 'public', 'forced', 'recursive']);

function readWithRule(rule: CommandRule, head: string, rest: Token[], span: string): Read {
  const words: Token[] = [];
  const args: Arg[] = [...(rule.headArgs?.[head] ?? [])];
  let deferred: Problem | undefined;
  const label = `\`${head}\``;
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!;
    if (t.kind === 'pair') {
      args.push({ key: t.key!, value: t.value });
      continue;
    }
    if (t.kind === 'word') {
      words.push(t);
      continue;
    }
    const spec = rule.flags[t.key!] ?? genericFlag(t.key!);
    if (!spec) {
      deferred ??= problem(`unknown option ${t.key} for ${label}${flagList(rule)}`);
      continue;
    }
    if (spec.ignored) continue;
    if (spec.unsupported !== undefined) {
      deferred ??= problem(`${t.key} (${spec.unsupported}) is not supported by bai-agent; leave it out, or ask in plain words`);
      if (spec.set === undefined && !t.inline && rest[i + 1]?.kind === 'word') i++; // its value is no positional argument
      continue;
    }
    let value: string;
    if (spec.set !== undefined) value = t.inline ? t.value : spec.set;
    else if (t.inline) value = t.value;
    else {
      const next = rest[i + 1];
      if (!next || next.kind === 'flag') {
        deferred ??= problem(`${t.key} needs a value (in ${label})`);
        continue;
      }
      value = next.kind === 'pair' ? `${next.key}=${next.value}` : next.value;
      i++;
    }
    if (spec.nested) {
      const arg = nestedArg(t.key!, spec.key, value);
      if (isProblem(arg)) deferred ??= arg;
      else args.push(arg);
    } else args.push({ key: spec.key, value });
  }
  // arguments in Korean, or plain words after an English verb ("kill all my idle sessions"), make it a sentence
  if (words.some((w) => HANGUL.test(w.value))) return undefined;
  if (rule.pairsOnly?.includes(head) && !rest.some((t) => t.kind === 'pair' || t.kind === 'flag')) return undefined;
  const arrowAt = words.findIndex((w) => !w.quoted && ARROWS.has(w.value));
  if (arrowAt < 0 && rule.arrowOnly?.includes(head)) return undefined;
  if (arrowAt < 0 && rule.verbHeads?.includes(head) && !verbHeadArguments(head, words, args.length > 0 || deferred !== undefined)) return undefined;
  const values = words.map((w) => w.value);
  const positional = arrowAt >= 0 ? rule.arrow?.(values.slice(0, arrowAt), values.slice(arrowAt + 1)) : rule.positionals(values);
  if (positional === undefined) return undefined;
  if (isProblem(positional)) return positional;
  if (deferred) return deferred;
  const all = [...positional, ...args];
  const kind = typeof rule.kind === 'function' ? rule.kind(all) : rule.kind;
  if (isProblem(kind)) return kind;
  // one task per value of `eachOf` ("vfolder mkdir datasets a b")
  const each = rule.eachOf ? all.filter((a) => a.key === rule.eachOf) : [];
  const groups = each.length > 1 ? each.map((one) => all.filter((a) => a.key !== rule.eachOf || a === one)) : [all];
  const out: ParsedIntent[] = [];
  for (const group of groups) {
    const built = build(kind, group, rule.name);
    if (isProblem(built)) return built;
    out.push({ ...built, confidence: 1, span, rule: rule.name });
  }
  return out;
}

/**
 * After an English verb, arguments must read as names or paths ("kill train-job-1"), or be one
 * plain word followed by options ("start python -t job-1"); "kill all my idle sessions" is a sentence.
 */
function verbHeadArguments(head: string, words: Token[], hasOptions: boolean): boolean {
  // "start IMAGE": alone, only an image reference ("start notebook-old" may mean a session: ask in words)
  if (head === 'start' && !hasOptions) return words.every((w) => /[:/]/.test(w.value));
  if (words.every((w) => looksLikeName(w.value, w.quoted))) return true;
  return hasOptions && words.length === 1 && !/^(?:it|this|that|them|a|an|the|all|every|everything|my|me)$/i.test(words[0]!.value);
}

function flagList(rule: CommandRule): string {
  const flags = Object.keys(rule.flags).filter((f) => !rule.flags[f]!.unsupported && !rule.flags[f]!.ignored);
  return flags.length ? ` (options: ${flags.join(', ')}, and --KEY VALUE or KEY=VALUE for its keys)` : ' (it takes KEY=VALUE arguments)';
}

/** Apply the arguments to a new task of the kind, then check what only the whole can tell. */
export function build(kind: IntentKind, args: Arg[], rule: string): Pick<ParsedIntent, 'intent' | 'missing'> | Problem {
  const draft = emptyDraft(kind);
  for (const a of args) {
    const bad = applyPair(draft, a.key, a.value);
    if (bad) return bad;
  }
  const bad = crossCheck(draft, rule);
  if (bad) return bad;
  return finishDraft(draft);
}

/** Rules between keys: a batch-only setting needs a batch session; `vfolder rm`/`rm` without -r delete no directory trees. */
export function crossCheck(d: Draft, rule: string): Problem | undefined {
  const i = d.intent;
  if (i.kind === 'session.create' && i.sessionType !== 'batch') {
    if (i.batchTimeout !== undefined) return problem(`a timeout applies to batch sessions only: add type=batch (or leave the timeout out)`);
    if (i.startsAt !== undefined) return problem(`starts_at applies to batch sessions only: add type=batch (or leave it out)`);
  }
  if (i.kind === 'folder.delete_files' && (rule === 'vfolder-rm' || rule === 'shell-rm')) i.recursive ??= false;
  return undefined;
}

// ------------------------------------------------------------------ key=value lines alone

const CREATES: IntentKind[] = ['session.create', 'service.create', 'folder.create'];
/** Keys only one kind of new thing takes: a service needs its model, a folder its storage settings. */
const ONLY_SERVICE = new Set(['model', 'model_path', 'model_definition', 'runtime', 'replicas', 'public', 'svc']);
const ONLY_FOLDER = new Set(['host', 'usage', 'perm', 'cloneable']);
/** Keys any new thing may have: alone they do not say what to create. */
const NEUTRAL = new Set(['name', 'env', 'project', 'group', 'sg', 'tag']);

/**
 * `image=pytorch fgpu=2 name=ci-1`: pairs (and `--key value`) only; what they create follows from
 * the keys: a service needs a model, a folder has storage settings, anything else is a session.
 */
export function readPairsOnly(tokens: Token[], span: string): Read {
  const args: Arg[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'pair') args.push({ key: t.key!, value: t.value });
    else if (t.kind === 'flag' && genericFlag(t.key!)) {
      const spec = genericFlag(t.key!)!;
      if (spec.set !== undefined || t.inline) args.push({ key: spec.key, value: t.inline ? t.value : spec.set! });
      else if (tokens[i + 1]?.kind === 'word') args.push({ key: spec.key, value: tokens[++i]!.value });
      else return problem(`${t.key} needs a value`);
    } else return undefined;
  }
  if (!args.some((a) => !isEnvName(a.key))) return undefined;
  const kind = kindOfPairs(args);
  if (isProblem(kind)) return kind;
  const built = build(kind, args, 'pairs');
  if (isProblem(built)) return built;
  return [{ ...built, confidence: 1, span, rule: 'pairs' }];
}

/** What a line of pairs creates, from its keys. */
export function kindOfPairs(args: Arg[]): IntentKind | Problem {
  const keys = args.filter((a) => !isEnvName(a.key)).map((a) => ({ written: a.key, rule: findKey(a.key) }));
  const unknown = keys.find((k) => !k.rule);
  if (unknown) {
    const value = args.find((a) => a.key === unknown.written)?.value ?? '';
    return problem(`unknown key "${unknown.written}" (${unknown.written}=${value}). Keys: ${[...new Set(CREATES.flatMap(keysFor))].join(', ')}`);
  }
  const canonical = keys.map((k) => k.rule!.key);
  let kinds = CREATES.filter((kind) => keys.every((k) => k.rule!.into[kind]));
  if (!canonical.some((k) => ONLY_SERVICE.has(k))) kinds = kinds.filter((k) => k !== 'service.create');
  if (!canonical.some((k) => ONLY_FOLDER.has(k))) kinds = kinds.filter((k) => k !== 'folder.create');
  const said = args.map((a) => `${a.key}=${a.value}`).join(' ');
  if (canonical.every((k) => NEUTRAL.has(k))) kinds = [...CREATES];
  if (kinds.length === 1) return kinds[0]!;
  if (kinds.length === 0) return problem(`${said}: these keys do not belong to one task; start the line with what to do (session create …, vfolder create …, service create …)`);
  return problem(`${said} does not say what to create: start the line with session create, vfolder create or service create`);
}
