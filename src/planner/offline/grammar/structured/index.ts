/**
 * The structured grammar: requests written as CI scripts and power users write them, read
 * exactly — `key=value` lines (keys.ts), command lines in the Backend.AI CLI's or a shell's words
 * (commands.ts), and the API's own words (api.ts), chained with `&&` or `;`, each command one
 * task in order. In a sentence that carries `key=value` pairs (or `--key value`), the pairs are
 * taken out first, the sentence parser reads the rest, and each pair joins the task that takes
 * its key. Whatever cannot be read exactly — an unknown key, an empty value, an unexpanded
 * `${VAR}`, an unclosed quote, a pair no task takes — is a question, never a guess.
 *
 * Layout (one job per file): lexer.ts (tokens), variables.ts (unexpanded variables), keys.ts (the
 * vocabulary), commands.ts (command rules), api.ts (API rules), read.ts (reading one command),
 * corpus/*.jsonl (examples per construct; the test runs them).
 */
import { READ_INTENTS, type ApiCallIntent, type ParsedIntent, type ParsedRequest } from '../../intents.js';
import { frameRequest, isPlain } from '../../parse/quoted.js';
import { refusalReason } from '../../parse/refuse.js';
import { detectLanguage, lowerAscii } from '../../parse/text.js';
import { applyPair, findKey, isEnvName, isProblem, keysFor, type Draft, type Problem } from './keys.js';
import { commands, tokenize, type Token } from './lexer.js';
import { build, crossCheck, kindOfPairs, readCommand } from './read.js';
import { unexpandedQuestion, unexpandedVariables } from './variables.js';

export { COMMANDS } from './commands.js';
export { KEYS } from './keys.js';
export { API_RULES } from './api.js';

type Natural = (text: string) => ParsedRequest;

/**
 * Read a request with the structured grammar. Returns the parsed request (tasks, or a question),
 * or undefined when nothing in it is structured (the sentence parser reads it alone).
 */
export function readStructured(text: string, natural: Natural): ParsedRequest | undefined {
  // "bai-agent list my sessions", "/bai session list": the program's (or bot's) name is no part of the request
  const program = PROGRAM_PREFIX.exec(text);
  if (program) {
    const rest = text.slice(program[0].length);
    return { ...(readStructured(rest, natural) ?? natural(rest)), text };
  }
  const read = readExactly(text, natural);
  // what is refused in a sentence (mining, attacks, revealing keys) is refused in any notation
  const harmful = read && read.intents.length > 0 ? refusalReason(lowerAscii(text), { taskFound: true }) : undefined;
  return harmful ? { text, language: read!.language, intents: [], refusal: harmful } : read;
}

/** Longer requests are no command line anyone typed: the sentence parser reads (the start of) them. */
const MAX_STRUCTURED_CHARS = 20_000;

function readExactly(text: string, natural: Natural): ParsedRequest | undefined {
  if (text.length > MAX_STRUCTURED_CHARS) return undefined;
  const vars = unexpandedVariables(text);
  if (vars.length > 0) {
    // also listed as not understood, for the plan document
    const unread = vars.map((v) => ({ text: v, kind: 'variable' as const }));
    return { ...ask(text, unexpandedQuestion(vars)), unread, notUnderstood: vars };
  }
  if (!MAY_BE_STRUCTURED.test(text)) return undefined;
  const afterProse = apiLineAfterProse(text, natural);
  if (afterProse) return afterProse;
  const lexed = tokenize(text);
  if ('error' in lexed) return LOOKS_STRUCTURED.test(text) ? ask(text, lexed.error) : undefined;
  const parts = inFolder(commands(lexed.tokens));
  const reads = parts.map((c) => readCommand(c, text));
  const bad = reads.find(isProblem);
  if (bad) return ask(text, bad.problem);
  if (reads.length > 0 && reads.every((r) => r !== undefined)) {
    const note = lexed.tokens.filter((t) => t.kind === 'comment').map((t) => t.value).join(' ');
    return changesNothing(text, reads.flatMap((r) => r as ParsedIntent[]), note);
  }
  // "vfolder create exp1 && share it with bob@…": commands and sentences chained, each read on its own
  // (a line of pairs after the first joins the task before it, below)
  const commandRead = (r: (typeof reads)[number]): boolean => Array.isArray(r) && r.every((p) => p.rule !== 'pairs');
  const pairsAfter = (r: (typeof reads)[number], i: number): boolean => i > 0 && Array.isArray(r) && r.every((p) => p.rule === 'pairs');
  if (parts.length > 1 && reads.some(commandRead) && reads.every((r, i) => r === undefined || commandRead(r) || pairsAfter(r, i))) {
    return readChain(text, parts, reads as Array<ParsedIntent[] | undefined>, natural);
  }
  return readMixed(text, lexed.tokens, natural);
}

/** Shell commands whose paths a `FOLDER:` in front of the chain places inside that folder. */
const SHELL_HEADS = new Set(['mkdir', 'mv', 'rm', 'ls']);

/**
 * `api_helper: mkdir tests && mv server.py tests/`: a folder name and a colon in front of shell
 * commands is where they work, as a shell's current directory — every path after mkdir, mv, rm
 * and ls in the chain is inside it (`tests` is `api_helper/tests`).
 */
function inFolder(parts: Token[][]): Token[][] {
  const [lead, head] = parts[0] ?? [];
  if (!lead || lead.kind !== 'word' || lead.quoted || !/^[\w.-]+:$/.test(lead.value)) return parts;
  if (!head || head.kind !== 'word' || !SHELL_HEADS.has(head.value.toLowerCase())) return parts;
  const folder = lead.value.slice(0, -1);
  const chain = [parts[0]!.slice(1), ...parts.slice(1)];
  return chain.map((part) => {
    if (part[0]?.kind !== 'word' || !SHELL_HEADS.has(part[0].value.toLowerCase())) return part;
    return [part[0], ...part.slice(1).map((t) => (t.kind === 'word' && !t.quoted ? { ...t, value: `${folder}/${t.value.replace(/^\/+/, '')}` } : t))];
  });
}

/** A note that says the request changes nothing ("-- I only need X, no changes"). */
const READ_ONLY_NOTE =
  /\b(?:no (?:changes?|writes?|modifications?)|(?:don'?t|do not|must not|never) (?:change|modify|write|touch|create|delete)|read[- ]only|(?:i )?only (?:need|want)(?: to (?:see|know|look|read))?|just (?:looking|checking|reading|need|want)|dry[- ]run)\b|변경\s*(?:없|하지|말)|바꾸지/i;

/**
 * Commands read exactly, with what a note after them says: a note that asks for no changes makes
 * an API call that writes a question (api-call.ts decides from the operation), and any other
 * task that writes a question here.
 */
function changesNothing(text: string, intents: ParsedIntent[], note: string): ParsedRequest {
  const language = detectLanguage(text);
  if (!READ_ONLY_NOTE.test(note)) return { text, language, intents };
  const writes = intents.filter((p) => p.intent.kind !== 'api.call' && !READ_INTENTS.has(p.intent.kind));
  if (writes.length) return ask(text, `You said "${note.trim()}", but \`${writes[0]!.span}\` changes things on the manager: should I run it, or only look?`);
  return { text, language, intents: intents.map((p) => (p.intent.kind === 'api.call' ? { ...p, intent: { ...p.intent, readOnly: true } } : p)) };
}

/** A line in the API's words after sentences ("x is stuck. DELETE /session/x with forced=true"). */
const API_LINE = /(?:[.!?:;]\s+|\n\s*)((?:GET|POST|PUT|PATCH|DELETE|HEAD)\s+\/\S)/;
/** The family of what a path acts on, as intent kinds name it. */
const PATH_FAMILY: Record<string, string> = { session: 'session', sessions: 'session', folders: 'folder', services: 'service', resource: 'resource', image: 'image', images: 'image' };

/**
 * Sentences before a line in the API's words are the reason for it: the line is run exactly. When
 * the sentences ask for something of another kind than the line does, that is asked about.
 */
function apiLineAfterProse(text: string, natural: Natural): ParsedRequest | undefined {
  const m = API_LINE.exec(text);
  if (!m) return undefined;
  const at = m.index + m[0].length - m[1]!.length;
  const line = text.slice(at);
  const read = readExactly(line, natural);
  if (!read || read.intents.length === 0 || !read.intents.every((p) => p.intent.kind === 'api.call')) return read?.question ? { ...read, text } : undefined;
  const context = natural(text.slice(0, at));
  const family = PATH_FAMILY[(read.intents[0]!.intent as ApiCallIntent).path?.split('/')[1] ?? ''];
  const other = context.intents.find((p) => !READ_INTENTS.has(p.intent.kind) && p.intent.kind.split('.')[0] !== family);
  if (other) return ask(text, `Before \`${line.trim()}\` you wrote "${other.span}": should I do that too? Write each task as its own command, or the whole request as a sentence`);
  return { ...read, text };
}

/** A chain of commands and sentences: each sentence read alone, "it" in one meaning what the command before it named. */
function readChain(text: string, parts: Token[][], reads: Array<ParsedIntent[] | undefined>, natural: Natural): ParsedRequest {
  const intents: ParsedIntent[] = [];
  // what the sentences left unread (or only asked about) stays on the request: the planner asks about it
  const rest: Pick<ParsedRequest, 'unread' | 'notUnderstood' | 'suggestions' | 'leftovers'> = {};
  for (const [i, part] of parts.entries()) {
    const read = reads[i];
    if (read && read.every((p) => p.rule === 'pairs') && intents.length > 0) {
      // "…; image=python cpu=8": pairs after a task complete it when it takes every one of them
      const joined = joinPairs(intents[intents.length - 1]!, part);
      if (isProblem(joined)) return ask(text, joined.problem);
      if (joined) {
        intents[intents.length - 1] = joined;
        continue;
      }
    }
    if (read) {
      intents.push(...read);
      continue;
    }
    const written = text.slice(part[0]!.start, part[part.length - 1]!.end);
    // "mkdir x, then a batch session with …": a step that only names a new thing creates it
    const sentence = NEW_THING.test(written) && intents.length > 0 ? written.replace(NEW_THING, (m) => `create ${m.replace(/^\s*(?:then\s+)?/i, '')}`) : written;
    const r = readExactly(sentence, natural) ?? natural(sentence);
    if (r.question) return ask(text, r.question);
    if (r.refusal) return { text, language: detectLanguage(text), intents: [], refusal: r.refusal };
    if (r.intents.length === 0) return ask(text, `I could not read "${sentence.trim()}" in this chain: write it as a command, or the whole request as a sentence`);
    for (const p of r.intents) intents.push(refersBack(p, intents));
    for (const key of ['unread', 'notUnderstood', 'suggestions', 'leftovers'] as const) {
      if (r[key]?.length) (rest[key] as unknown[] | undefined) = [...((rest[key] as unknown[] | undefined) ?? []), ...r[key]!];
    }
  }
  return { text, language: detectLanguage(text), intents, ...rest };
}

/** A step of a chain that is only a noun phrase for a new thing: "a batch session with …", "then one more folder named x". */
const NEW_THING = /^\s*(?:then\s+)?(?:a|an|one|new|another)\s+(?:(?:new|batch|interactive|inference|gpu|cpu|python|pytorch|tensorflow|model|data)\s+)*(?:session|folder|vfolder|service)\b/i;

/** The task with each pair of `part` applied, or undefined when it does not take one of them (then they stand alone). */
function joinPairs(task: ParsedIntent, part: Token[]): ParsedIntent | Problem | undefined {
  const pairs = part.filter((t) => t.kind === 'pair');
  if (pairs.length !== part.length) return undefined;
  const taken = (key: string): boolean => isEnvName(key) || findKey(key)?.into[task.intent.kind] !== undefined;
  if (!pairs.every((t) => taken(t.key!))) return undefined;
  const draft: Draft = { intent: structuredClone(task.intent), missing: [...task.missing] };
  for (const t of pairs) {
    const bad = applyPair(draft, t.key!, t.value);
    if (bad) return bad;
  }
  const bad = crossCheck(draft, 'sentence+pairs');
  if (bad) return bad;
  return { ...task, intent: draft.intent, missing: draft.missing, rule: `${task.rule ?? 'sentence'}+pairs` };
}

const PRONOUN = /\b(?:it|its|that|this|them|there)\b|그\s*(?:폴더|세션|서비스)|거기|그거|그것/i;

/** "share it with …" after "vfolder create exp1": the folder (session, service) the task before named. */
function refersBack(p: ParsedIntent, before: ParsedIntent[]): ParsedIntent {
  if (!PRONOUN.test(p.span)) return p;
  const family = p.intent.kind.split('.')[0]!;
  const named = (q: ParsedIntent): string | undefined => {
    const i = q.intent as unknown as { kind: string; name?: string; newName?: string; target?: { names?: string[] } };
    if (i.kind.split('.')[0] !== family) return undefined;
    return i.kind.endsWith('rename') ? i.newName : (i.name ?? i.target?.names?.[0]);
  };
  const last = [...before].reverse().map(named).find((n) => n !== undefined);
  if (!last) return p;
  const intent = p.intent as unknown as { name?: string; target?: { names: string[] } };
  if (p.missing.includes('name') && (family === 'folder' || family === 'service')) {
    return { ...p, intent: { ...p.intent, name: last } as ParsedIntent['intent'], missing: p.missing.filter((m) => m !== 'name') };
  }
  if (p.missing.includes('target') && family === 'session' && intent.target) {
    return { ...p, intent: { ...p.intent, target: { ...intent.target, names: [last] } } as ParsedIntent['intent'], missing: p.missing.filter((m) => m !== 'target') };
  }
  return p;
}

/** The agent's own name or a chat bot's handle in front of a request ("Backend.AI …" may be the subject of a sentence: commands drop it, read.ts). */
const PROGRAM_PREFIX = /^\s*(?:(?:npx\s+)?bai-agent|[/!@](?:bai-agent|bai|backend\.ai))[:,]?\s+(?=\S)/i;

/** Anything that could be structured: a pair, a flag, a chain, a command or API word first. Others skip the lexer. */
const MAY_BE_STRUCTURED =
  /=|(?:^|\s)--?[A-Za-z]|&&|\s(?:->|→|=>)\s|^\s*(?:vfolder|folder|session|sess|service|svc|mkdir|mkvf|rm|mv|ls|ps|kill|start|restart|new|create|launch|get|post|put|patch|delete|head|exec|execute|run|sh)(?![\w-])|^\s*[\w.-]+:\s+(?:mkdir|rm|mv|ls)\s|^\s*[a-z][\w/-]*\.[a-z_]/i;
/** Clearly meant as structured, so a lexing error (an unclosed quote) is worth a question. */
const LOOKS_STRUCTURED =
  /(?:^|\s)[A-Za-z_][\w.-]*=|(?:^|\s)--[A-Za-z]|^\s*(?:vfolder|sess|svc|mkdir|rm|mv|ls|ps)\s|^\s*(?:session|service)\s+[a-z-]+\s|^\s*(?:GET|POST|PUT|PATCH|DELETE|HEAD)\s+\/|^\s*[a-z][\w/-]*\.[a-z_]\w*\s+\w+=/;

function ask(text: string, question: string): ParsedRequest {
  return { text, language: detectLanguage(text), intents: [], question };
}

// ------------------------------------------------------------------ pairs inside a sentence

interface Pulled {
  key: string;
  value: string;
  start: number;
  end: number;
}

const BOOLEAN_KEYS = new Set(['cloneable', 'public', 'forced', 'recursive']);
/** A label before the pairs ("ci line:", "job 42 -", "please"): no task of its own. */
const LABEL = /^(?:please|pls|ok|now)?\s*(?:[\w.-]+(?:\s+[\w.-]+){0,2}\s*[:>-])?\s*(?:please|pls|thanks)?$/i;

/**
 * "spin up pytorch 2fgpu mount=datasets name=rn50-ft": take the pairs (and `--key value` for keys
 * of the vocabulary) out, let the sentence parser read the rest, then put each pair into the task
 * that takes its key — the nearest one before it when several do.
 */
function readMixed(text: string, tokens: Token[], natural: Natural): ParsedRequest | undefined {
  const pulled: Pulled[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // NAME=value in capitals is an environment variable: the sentence parser reads those itself
    if (t.kind === 'pair' && !isEnvName(t.key!)) pulled.push({ key: t.key!, value: t.value, start: t.start, end: t.end });
    if (t.kind !== 'flag' || !t.key!.startsWith('--')) continue;
    const rule = findKey(t.key!.slice(2));
    // other flags may belong to a command written without quotes ("torchrun --nproc_per_node=2 train.py")
    if (!rule) continue;
    const next = tokens[i + 1];
    if (BOOLEAN_KEYS.has(rule.key) || t.inline) pulled.push({ key: rule.key, value: t.inline ? t.value : 'true', start: t.start, end: t.end });
    else if (next?.kind === 'word') {
      pulled.push({ key: rule.key, value: next.value, start: t.start, end: next.end });
      i++;
    } else return ask(text, `${t.key} needs a value`);
  }
  // pairs in quoted or forwarded lines are data, not settings: the sentence parser frames those
  const framed = isPlain(text) ? undefined : frameRequest(text);
  const own = framed ? pulled.filter((p) => !inQuotedLine(text, p.start, framed.injected)) : pulled;
  if (own.length === 0) return undefined;
  pulled.splice(0, pulled.length, ...own);
  const comments = tokens.filter((t) => t.kind === 'comment');
  const first = joinSentence(text, pulled, comments, natural, false);
  // "delete folder=old-runs": a verb alone reads as another task; the key says what the object is
  const noTaker = isFailure(first) && first.noTaker === true && pulled.some((p) => OBJECT_NOUNS[findKey(p.key)?.key ?? '']);
  const result = noTaker ? joinSentence(text, pulled, comments, natural, true) : first;
  const chosen = isFailure(result) && noTaker ? first : result;
  return isFailure(chosen) ? ask(text, chosen.failure) : chosen;
}

/** Why the pairs could not join the sentence (`noTaker`: no task read there takes one of them). */
interface Failure {
  failure: string;
  noTaker?: boolean;
}
const isFailure = (r: ParsedRequest | Failure): r is Failure => 'failure' in r;

/**
 * Read the sentence without its pairs, then put each pair into the task that takes its key.
 * `withNouns`: leave the noun an object key stands for in the pair's place.
 */
function joinSentence(text: string, pulled: Pulled[], comments: Token[], natural: Natural, withNouns: boolean): ParsedRequest | Failure {
  let rest = text;
  for (const p of [...pulled, ...comments]) rest = rest.slice(0, p.start) + blankFor(p, withNouns) + rest.slice(p.end);
  const nl = natural(rest);
  if (nl.question) return { ...nl, text };
  const said = (p: Pulled): string => `${p.key}=${p.value}`;

  if (nl.intents.length === 0) {
    // "ci line: image=pytorch fgpu=2": the pairs alone say what to create, after at most a label;
    // other words around them that no task was read from are asked about, never dropped
    const words = rest.replace(/\s+/g, ' ').trim();
    if (words && !LABEL.test(words)) {
      if (nl.refusal && words.split(' ').length > 3) return { ...nl, text };
      return { failure: `I read ${pulled.map(said).join(' ')} but not the words around it ("${words}"): write the whole request as a command or key=value pairs, or as a sentence` };
    }
    const args = pulled.map((p) => ({ key: p.key, value: p.value }));
    const kind = kindOfPairs(args);
    if (isProblem(kind)) return { failure: kind.problem };
    const built = build(kind, args, 'pairs');
    if (isProblem(built)) return { failure: built.problem };
    return { text, language: nl.language, intents: [{ ...built, confidence: 0.9, span: text.trim(), rule: 'pairs' }] };
  }

  const intents = nl.intents;
  const starts = intents.map((p) => locate(rest, p.span));
  const touched = new Set<number>();
  for (const pair of pulled) {
    const rule = findKey(pair.key);
    const kinds = [...new Set(intents.map((p) => `\`${p.intent.kind}\``))].join(', ');
    if (!rule) {
      const known = [...new Set(intents.flatMap((p) => keysFor(p.intent.kind)))];
      return { failure: `unknown key "${pair.key}" (${said(pair)}). Keys for ${kinds}: ${known.join(', ') || 'none'}` };
    }
    const takers = intents.map((_, i) => i).filter((i) => rule.into[intents[i]!.intent.kind]);
    if (takers.length === 0) {
      return { failure: `${said(pair)}: I read ${kinds} here, and ${intents.length > 1 ? 'none takes' : 'it does not take'} ${pair.key}. Which task is it for?`, noTaker: true };
    }
    const at = takers.length === 1 ? takers[0]! : ownerByPosition(takers, starts, pair.start);
    if (at === undefined) return { failure: `${said(pair)}: which of the tasks is it for (${takers.map((i) => `\`${intents[i]!.intent.kind}\``).join(', ')})?` };
    const draft: Draft = { intent: intents[at]!.intent, missing: intents[at]!.missing };
    const bad = applyPair(draft, pair.key, pair.value);
    if (bad) return { failure: bad.problem };
    intents[at] = { ...intents[at]!, missing: draft.missing, rule: 'sentence+pairs' };
    touched.add(at);
  }
  for (const at of touched) {
    const bad = crossCheck({ intent: intents[at]!.intent, missing: intents[at]!.missing }, 'sentence+pairs');
    if (bad) return { failure: bad.problem };
  }
  return { ...nl, text, intents };
}

/** The line holding `at` is quoted ("> …") or an injected instruction. */
function inQuotedLine(text: string, at: number, injected: string[]): boolean {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  const line = text.slice(start, end < 0 ? text.length : end).trim();
  return line.startsWith('>') || injected.includes(line);
}

/** Nouns that say what a key's value is, left for the sentence parser in the pair's place ("delete folder=x" reads as "delete folder"). */
const OBJECT_NOUNS: Record<string, string[]> = { session: ['session', 'job'], folder: ['folder'], svc: ['service'] };

/** The text a pulled pair leaves behind: blanks of the same length (positions hold), or the noun its key stands for. */
function blankFor(p: { start: number; end: number; key?: string }, withNouns: boolean): string {
  const width = p.end - p.start;
  const canonical = p.key && withNouns ? findKey(p.key)?.key : undefined;
  const noun = canonical ? OBJECT_NOUNS[canonical]?.find((n) => n.length <= width) : undefined;
  return noun ? noun + ' '.repeat(width - noun.length) : ' '.repeat(width);
}

/**
 * Where an intent's words start in the text, if they can be found. A clause that borrowed the
 * verb of the one before ("… and a folder" read as "create a folder") is found by its own words.
 */
function locate(text: string, span: string): number | undefined {
  const words = span.split(/\s+/);
  for (let drop = 0; drop < words.length; drop++) {
    const tail = words.slice(drop).join(' ');
    if (tail.length < 4) break;
    const at = text.indexOf(tail);
    if (at >= 0) return at;
  }
  return undefined;
}

/** The task a pair belongs to: the nearest one that starts before it, else the first after it. */
function ownerByPosition(takers: number[], starts: Array<number | undefined>, at: number): number | undefined {
  if (takers.some((i) => starts[i] === undefined)) return undefined;
  const before = takers.filter((i) => starts[i]! <= at).sort((a, b) => starts[b]! - starts[a]!);
  if (before.length) return before[0];
  return takers.sort((a, b) => starts[a]! - starts[b]!)[0];
}
