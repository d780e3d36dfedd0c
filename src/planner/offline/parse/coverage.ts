/**
 * Every word accounted for: after the rules have read a request, which of its words could still
 * change a write and were read by no rule? A name-like token (an identifier, a path, `key=value`),
 * a number, a quoted span, an unexpanded `${VAR}`, or a word of negation, exception or filtering
 * ("except", "only", "not", "빼고") that no slot of the parsed intents accounts for.
 *
 * This works from the outside — the parsed intents' slot values against the request's tokens —
 * so it holds whatever rule produced the intents: a value the parser used is accounted for, a
 * value it dropped is not. Plain words (verbs, nouns, adjectives, courtesy, Korean words other
 * than negations) are never reported: they do not name anything a write would send.
 */
import type { ParsedIntent, UnreadWord } from '../intents.js';
import { lowerAscii, PH_CLOSE, PH_OPEN, prepare, toNumber } from './text.js';
import { COMMON_HYPHENATED } from './mentions.js';
import { prohibitions } from './prohibitions.js';

export type { UnreadWord };

/** Acronyms and shorthands that are vocabulary, not names (lowercase). */
const BENIGN = new Set(
  (
    'gpu gpus fgpu fgpus cpu cpus ram vram mem api apis ssh url urls id ids ai ml llm llms ci cd eod asap fyi pr prs ok okay ' +
    'uuid ngc cuda ddp hf nlp cv vm vms os io ui cli sdk http https json yaml csv ide gb mb tb gib mib tib kb ' +
    'e.g. i.e. etc. vs. vs w/ w/o and/or 24/7 n/a a.s.a.p. p.s. btw imo tbh pls plz thx ty lol ' +
    'x86_64 amd64 arm64 gpu-hours gpu-hour k8s mlops devops dm dms slack jira ticket re: fw: fwd: cc: ' +
    'e-mail e-mails co-worker co-workers set-up follow-up one-off re-run re-running long-running ' +
    'up-to-date state-of-the-art well-known built-in check-in log-in sign-in pre-trained fine-tune fine-tuning fine-tuned ' +
    'q&a r&d a/b ko en kr -p'
  ).split(/\s+/),
);

/** Ticket and issue references ("#4411", "ML-231" after "JIRA"/"ticket") are headers, not names. */
const TICKET_REF = /^#\d+$|^[A-Z][A-Z0-9]+-\d+$/;

/** Verbs a prohibition forbids ("don't kill …", "never delete …"). */
const PROHIBITED_VERB = /^(?:kill|terminate|stop|end|delete|remove|destroy|restart|touch|create|start|launch|make|shut|close|purge|trash|rename|share|change|modify|wipe|erase|mount|deploy|run)$/;
const NEGATION_EN = /^(?:not|no|never|nothing|none|nor|neither|without|don't|dont|doesn't|doesnt|didn't|isn't|aren't|wasn't|weren't|won't|shouldn't|can't|cannot|mustn't)$/;
const EXCEPTION_EN = /^(?:except|excluding|exclude|besides|unless|spare|sparing)$/;
const FILTER_EN = /^(?:only|just)$/;
/** Korean words of negation and exception, matched at the start of a Hangul token. */
const EXCEPTION_KO = /^(?:빼고|뺀|빼|제외|말고|외에|외의|남기고|남겨|놔두고|놓아두고)/;
const NEGATION_KO = /^(?:안|않|없는|없이|없고|아닌|아니|말아|마|못)$/;
/**
 * Negations that give a reason or a mood, not a setting: "I don't need it anymore", "it won't
 * respond", "nothing fancy", "not sure how", "no rush". Matched on the negation and the next word.
 */
const REASON_NEGATION = /^(?:without\s+(?:waiting|delay|asking|confirmation|fuss)|(?:don't|dont|do|no|not|never)\s+(?:need|use|using|want|needed|used|wanted|longer|anymore|sure|rush|hurry|urgent|worry|problem|idea|clue|know|care|fancy)|(?:won't|doesn't|isn't|wasn't|can't|cannot)\s+(?:respond|responding|work|working|load|loading|stop|finish|start|seem|do|connect|see|find|open|reach|respond)|nothing\s+(?:fancy|special|else|big|much|more|important|urgent)|not\s+(?:needed|used|urgent|important|busy|working|responding)|no\s+(?:longer|rush|hurry|worries|problem|need|idea|clue))/;
/** Korean: "안 쓰니까" (I don't use it, so …), "필요 없어" — a reason, not a setting. */
const REASON_NEGATION_KO = /^(?:안|않)\s*(?:쓰니|쓰거든|쓰는데|쓸\s*거|써서|써요|써|쓴다|씀|사용하니|사용해서|사용하거든|필요|돌아가|움직|끝나|되|돼|먹|멈)|^없(?:어|어서|으니|으니까|는데|다)/;
/** A Hangul tail after an ASCII word is a particle or ending ("datasets를", "8GB로"). */
const HANGUL_TAIL = /[\uAC00-\uD7A3\u3131-\u318E].*$/;

interface SlotValues {
  strings: string[];
  numbers: Set<number>;
  /** the intents read an exception, a negation, a public/no-token setting, … */
  flags: Set<string>;
}

/** Everything the parsed intents hold, as the words a request would have said it in. */
function slotValues(intents: readonly ParsedIntent[]): SlotValues {
  const strings: string[] = [];
  const numbers = new Set<number>();
  const flags = new Set<string>();
  const addNumber = (n: number): void => {
    numbers.add(n);
    // the units a request says amounts in: bytes as g/m/t, seconds as m/h/d
    for (const d of [2 ** 30, 2 ** 20, 2 ** 40, 1e9, 1e6, 1e12, 60, 3600, 86400, 1024]) {
      const v = n / d;
      if (Number.isFinite(v) && v > 0) numbers.add(Math.round(v * 1000) / 1000);
    }
  };
  const walk = (v: unknown, key = ''): void => {
    if (typeof v === 'string') {
      strings.push(lowerAscii(v).trim());
      for (const n of v.match(/\d+(?:\.\d+)?/g) ?? []) addNumber(Number(n));
    } else if (typeof v === 'number') addNumber(v);
    else if (typeof v === 'boolean') {
      if (v) flags.add(key);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        if (key === 'environ') strings.push(lowerAscii(k));
        walk(x, k);
      }
    }
  };
  const perKind = new Map<string, number>();
  for (const p of intents) perKind.set(p.intent.kind, (perKind.get(p.intent.kind) ?? 0) + 1);
  // "three folders: a, b and c" — the count is the number of tasks it became
  for (const n of perKind.values()) if (n > 1) numbers.add(n);
  for (const p of intents) {
    walk(p.intent);
    // a variable asked for ("set the HF_TOKEN env var") was read: its name is in `missing`
    for (const m of p.missing) strings.push(lowerAscii(m.replace(/^environ:/, '')));
    const i = p.intent as unknown as Record<string, unknown>;
    flags.add(`kind:${p.intent.kind}`);
    // "…, but they shouldn't be able to change anything": a read-only permission says it
    if (i.permission === 'ro' || i.perm === 'ro') flags.add('readOnly');
    const target = i.target as Record<string, unknown> | undefined;
    if (target) {
      if (Array.isArray(target.except) && target.except.length > 0) flags.add('except');
      if (target.all) flags.add('all');
      if (Array.isArray(target.status) && target.status.length > 0) flags.add('status');
      if (typeof target.described === 'string') flags.add('described');
      if (Array.isArray(target.names) && target.names.length > 0) flags.add('named');
      // filters and exceptions read as parts of the target account for their words
      for (const [key, f] of [['filter', target.filter], ['exceptFilter', target.exceptFilter]] as const) {
        if (!f || typeof f !== 'object') continue;
        flags.add('filtered');
        if (key === 'exceptFilter') flags.add('except');
        const filter = f as Record<string, unknown>;
        if (filter.accelerator === 'cpu') strings.push('cpu-only', 'non-gpu', 'no-gpu');
        if (filter.accelerator === 'cpu' || filter.notMounted !== undefined) flags.add('negatedFilter');
      }
    }
    const bulk = i.bulk as Record<string, unknown> | undefined;
    if (bulk) {
      flags.add('filtered');
      if ((Array.isArray(bulk.except) && bulk.except.length > 0) || bulk.exceptFilter) flags.add('except');
      for (const f of [bulk.filter, bulk.exceptFilter] as Array<Record<string, unknown> | undefined>) {
        if (f?.usageMode) strings.push(`${f.usageMode}-purpose`, `${f.usageMode}-type`);
      }
    }
    const mounts = (i.mounts as Array<{ readOnly?: boolean }> | undefined) ?? [];
    const perms = [i.permission, mounts.some((m) => m.readOnly) ? 'ro' : undefined, mounts.some((m) => !m.readOnly) ? 'rw' : undefined];
    for (const perm of perms) {
      if (perm === 'ro') strings.push('read-only', 'readonly', 'read_only', 'ro', 'read/only');
      if (perm === 'rw') strings.push('read-write', 'read_write', 'rw', 'read/write');
      if (perm === 'wd') strings.push('read-write-delete', 'wd', 'read/write/delete', 'read-write-delete');
    }
    if (typeof i.usageMode === 'string') strings.push(`${i.usageMode}-type`, `${i.usageMode}-purpose`);
    if (p.intent.kind === 'folder.create' && (i.usageMode === undefined || i.usageMode === 'general')) strings.push('general-purpose');
    if (i.forced === true) strings.push('force-kill', 'force-terminate', 'force-delete', 'force-stop', 'force-quit');
    if (p.intent.kind === 'session.interrupt') strings.push('ctrl-c', 'ctrl+c', 'control-c');
    if (i.shmem !== undefined || (i.resources as { shmem?: unknown } | undefined)?.shmem !== undefined) strings.push('/dev/shm', 'shm');
    if (Array.isArray(i.preopenPorts) && i.preopenPorts.length > 0) strings.push('pre-open', 'pre-opens', 'pre-opened', 'pre-opening');
    if (i.clusterSize !== undefined) strings.push('multi-container', 'single-node', 'multi-node');
    if (i.clusterMode === 'multi-node') strings.push('multi-node', 'multinode');
    if (i.clusterMode === 'single-node') strings.push('single-node');
    if (i.cloneable === false) flags.add('notCloneable');
    if (i.openToPublic === true) flags.add('public');
    const resources = i.resources as { accelerator?: unknown; cpu?: unknown } | undefined;
    if (p.intent.kind === 'session.create' && resources && resources.accelerator === undefined) flags.add('noAccelerator');
    if ((p.intent.kind === 'session.create' && resources && resources.accelerator === undefined) || target?.described === 'cpu') strings.push('cpu-only');
    if (target?.described === 'gpu') strings.push('gpu-only');
    if (target?.described === 'cpu') flags.add('describedCpu');
    // a create whose name the planner must make up, or a bulk action: a loose hyphenated word may be its name or filter
    if ((/\.create$/.test(p.intent.kind) && typeof i.name !== 'string') || target?.all) flags.add('looseWordsMatter');
  }
  return { strings, numbers, flags };
}

/** Is this token (lowercase, no particle) one of the slot values, or a piece of one? */
function inValues(token: string, values: SlotValues): boolean {
  if (token === '' || !/[a-z0-9]/.test(token)) return true;
  if (valueHas(token, values)) return true;
  // "mount=datasets", "cpu=4", "datasets:/data", "datasets+models", "api_helper/tests": every piece read
  const parts = token.split(/[=:,+/]+/).filter((x) => /[a-z0-9]/.test(x));
  if (parts.length < 2) return false;
  return parts.every((x) => !isSignificant(x) || valueHas(x, values) || numberRead(x, values) || PAIR_KEYS.has(x));
}

/** Keys of `key=value` pairs that only say which slot the value is for. */
const PAIR_KEYS = new Set(['name', 'image', 'img', 'mount', 'mounts', 'env', 'cpu', 'cpus', 'mem', 'memory', 'fgpu', 'gpu', 'gpus', 'shm', 'shmem', 'type', 'cmd', 'host', 'group', 'preset', 'model', 'runtime', 'replicas', 'perm', 'permission']);

function valueHas(token: string, values: SlotValues): boolean {
  for (const s of values.strings) {
    if (s === token) return true;
    if (token.length >= 2 && s.includes(token) && boundaryMatch(s, token)) return true;
  }
  return false;
}

/** `needle` sits in `hay` at word-ish boundaries ("train" in "train.py" yes, "rain" no). */
function boundaryMatch(hay: string, needle: string): boolean {
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const before = hay[i - 1];
    const after = hay[i + needle.length];
    if ((before === undefined || !/[a-z0-9]/.test(before)) && (after === undefined || !/[a-z0-9]/.test(after))) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** The number a token states ("2", "2fgpu", "16g", "4-node", "1.5", "2개"), if it states one. */
function numberOf(token: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:[a-z-]*|개|기가)$/.exec(token);
  if (m) return Number(m[1]);
  return undefined;
}

function numberRead(token: string, values: SlotValues): boolean {
  const worded = /^([a-z]+)-(?:node|nodes|gpu|gpus|fgpu|core|cores|container|containers|replica|replicas|hour|hours|minute|minutes|day|days|gig|gigs)$/.exec(token);
  const n = numberOf(token) ?? (worded ? toNumber(worded[1]!) : /^[a-z]+(?:-[a-z]+)?$/.test(token) ? toNumber(token) : undefined);
  return n !== undefined && values.numbers.has(n);
}

/** Parts of a hyphenated word that make it a setting or a filter ("cpu-only", "general-purpose", "model-type"). */
const DOMAIN_WORDS = new Set(['cpu', 'gpu', 'fgpu', 'only', 'data', 'model', 'models', 'session', 'sessions', 'notebook', 'folder', 'folders', 'job', 'jobs', 'node', 'nodes', 'purpose', 'type', 'read', 'write', 'delete', 'public', 'private', 'force', 'all', 'every', 'mount', 'mounted', 'image', 'group', 'batch', 'interactive', 'idle', 'running', 'pending', 'old', 'new', 'train', 'training', 'test', 'exp', 'dev', 'prod', 'ci']);

/** Hyphenated adjectives of everyday English ("second-year", "long-term", "GPU-heavy" aside). */
const ADJECTIVE_COMPOUND = /-(?:year|years|time|term|level|based|friendly|like|ish|wide|free|related|class|grade|quality|minded|looking|made|sized|known|hand|end|week|day|month|line|party)$|^(?:self|non|co|well|ill|first|second|third|last|next|part|half|semi|ex)-/;

const NUMBER_WORD = /^(?:(?:two|three|four|five|six|seven|eight|nine|ten|twelve|sixteen)-[a-z]+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|twenty|thirty|forty|fifty|sixty|dozen)$/;

/** Could this token name something or set an amount (as opposed to being an ordinary word)? */
function isSignificant(token: string): boolean {
  if (BENIGN.has(token) || COMMON_HYPHENATED.test(token)) return false;
  if (/^\d/.test(token) || NUMBER_WORD.test(token)) return true;
  return /[0-9_\-./:@=$]/.test(token);
}

function kindOf(raw: string, token: string): UnreadWord['kind'] {
  if (/\$\{?[A-Za-z_]/.test(raw)) return 'variable';
  if (/^\d/.test(token) || NUMBER_WORD.test(token)) return 'number';
  return 'name';
}

/**
 * The words of `text` that could change a write and that none of `intents` accounts for, in
 * order of appearance (adjacent ones joined into one span). Pure and synchronous.
 */
export function unreadWords(text: string, intents: readonly ParsedIntent[], story: readonly string[] = []): UnreadWord[] {
  const prepared = prepare(text);
  const values = slotValues(intents);
  const out: UnreadWord[] = [];
  // "Do not touch train-job-1": what a prohibition names is read (it plans nothing) — unless a task
  // acts on everything, where the name would be an exception that must be in the plan
  let masked = prepared.masked;
  if (!values.flags.has('all')) {
    // (so is a clause of the story before the ask: "ugh train-job-1 keeps OOMing at 32g")
    const told = story.map((s) => prepared.lower.indexOf(s)).flatMap((at, k) => (at >= 0 ? [{ start: at, end: at + story[k]!.length }] : []));
    for (const sp of [...prohibitions(prepared.lower), ...spared(prepared.lower), ...told]) masked = masked.slice(0, sp.start) + ' '.repeat(sp.end - sp.start) + masked.slice(sp.end);
  }
  const tokens = masked.split(/[\s,;()[\]!?<>|]+/).filter(Boolean);
  const words = tokens.map((t) => lowerAscii(t).replace(/^['"“”‘’]+|['"“”‘’.:]+$/g, ''));
  for (const [i, raw] of tokens.entries()) {
    const placeholder = new RegExp(`^${PH_OPEN}(\\d+)${PH_CLOSE}`).exec(raw);
    if (placeholder) {
      const quoted = prepared.quotes[Number(placeholder[1])] ?? '';
      const q = lowerAscii(quoted).trim();
      if (/\$\{?[A-Za-z_]/.test(quoted)) out.push({ text: quoted, kind: 'variable' });
      else if (q && !inValues(q, values) && !values.strings.some((s) => s.includes(q) || q.includes(s) && s.length > 2)) out.push({ text: quoted, kind: 'quoted' });
      continue;
    }
    const word = words[i]!;
    // negation, exception and "only" words: accounted for by what the intents did with them
    const hangul = /^[\uAC00-\uD7A3]/.test(word);
    const next = words[i + 1] ?? '';
    if (hangul) {
      if (EXCEPTION_KO.test(word) && !values.flags.has('except')) out.push({ text: raw, kind: 'exception' });
      else if (NEGATION_KO.test(word) && !negationAccounted(values) && !REASON_NEGATION_KO.test(`${word} ${next}`)) out.push({ text: `${raw} ${tokens[i + 1] ?? ''}`.trim(), kind: 'negation' });
      continue;
    }
    // "…, but keep the session alive": what an interrupt or an app's stop already keeps
    const keepsSession = values.flags.has('kind:session.interrupt') || values.flags.has('kind:session.stop_service');
    if (word === 'but' && /^(?:keep|leave)$/.test(next) && keepsSession) continue;
    if (EXCEPTION_EN.test(word) || (word === 'but' && /^(?:not|keep|leave|spare)$/.test(next)) || (word === 'other' && next === 'than') || (word === 'apart' && next === 'from')) {
      if (!values.flags.has('except')) out.push({ text: raw, kind: 'exception' });
      continue;
    }
    // ("i keep mixing it up": "keep" + a verb in -ing is "go on doing", not sparing anything)
    if ((word === 'leave' || word === 'keep') && !/ing$/.test(next) && words.slice(i + 1, i + 5).some((w) => /^(?:alone|running|untouched|intact|be|as|alive|up|on)$/.test(w))) {
      if (!values.flags.has('except') && !keepsSession) out.push({ text: `${raw} ${tokens[i + 1] ?? ''}`.trim(), kind: 'exception' });
      continue;
    }
    if (FILTER_EN.test(word) && word === 'only' && values.flags.has('all') && !values.flags.has('status') && !values.flags.has('except') && !values.flags.has('filtered')) {
      out.push({ text: raw, kind: 'filter' });
      continue;
    }
    if (NEGATION_EN.test(word)) {
      const phrase = `${word} ${next}`;
      // "name it whatever, actually no, name it hw3-nb": a correction, the later words say what is meant
      if (word === 'no' && /^(?:actually|wait|oops|sorry|er|erm|hmm|or)$/.test(words[i - 1] ?? '')) continue;
      const window = words.slice(i, i + 6).join(' ');
      if (RESTATED_NEGATIONS.some(([re, holds]) => re.test(window) && holds(values))) continue;
      // "never touch datasets", "don't kill the session": a prohibition, read as one (it plans nothing)
      if (/^(?:don't|dont|never|do)$/.test(word) && PROHIBITED_VERB.test(word === 'do' ? (words[i + 2] ?? '') : next)) continue;
      // "Do not touch X", "they must not delete anything": the same, with the auxiliary before the negation
      if (word === 'not' && /^(?:do|must|should|will|may)$/.test(words[i - 1] ?? '') && PROHIBITED_VERB.test(next === 'be' && /^(?:able|allowed)$/.test(words[i + 2] ?? '') ? (words[i + 4] ?? '') : next)) continue;
      if (!negationAccounted(values) && !REASON_NEGATION.test(phrase) && !(word === 'do' && next === 'not' && REASON_NEGATION.test(`not ${words[i + 2] ?? ''}`))) {
        out.push({ text: `${raw} ${tokens[i + 1] ?? ''}`.trim(), kind: 'negation' });
      }
      continue;
    }
    // "installed like 20 packages", "3 people on my team": a count of things no request sends
    if (/^\d+$/.test(word) && NARRATIVE_COUNT.test(next)) continue;
    // "I keep confusing the two", "both of the three": a number word that points back, not an amount
    if (NUMBER_WORD.test(word) && /^(?:the|those|these|all)$/.test(words[i - 1] ?? '') && !/^(?:f?gpus?|cpus?|cores?|gb|gib|g|mb|sessions?|folders?|replicas?|nodes?)$/.test(next)) continue;
    // "with 4 fGPU instead of 2": the number it replaces is context
    if ((words[i - 1] === 'of' && words[i - 2] === 'instead') || (words[i - 1] === 'than' && words[i - 2] === 'rather')) continue;
    const token = word.replace(HANGUL_TAIL, '');
    if (!isSignificant(token) || TICKET_REF.test(raw.replace(HANGUL_TAIL, '').replace(/[.:]+$/, ''))) continue;
    // "a second-year PhD student": an ordinary hyphenated word, unless a name or filter is missing
    if (/^[a-z]{2,}(?:-[a-z]{2,})+$/.test(token) && !token.split('-').some((x) => DOMAIN_WORDS.has(x)) && (!values.flags.has('looseWordsMatter') || ADJECTIVE_COMPOUND.test(token))) continue;
    // "WANDB_API_KEY 같은 건 필요 없고": a thing the request says it does not want
    if (/^(?:같은|따위|는|은)?$/.test(words[i + 1] ?? '') && /필요\s*없|없이|빼고|말고|제외/.test(words.slice(i + 1, i + 5).join(' '))) continue;
    if (/\$\{?[A-Za-z_]/.test(raw)) {
      out.push({ text: raw.replace(HANGUL_TAIL, ''), kind: 'variable' });
      continue;
    }
    if (inValues(token, values) || numberRead(token, values)) continue;
    out.push({ text: raw.replace(HANGUL_TAIL, '').replace(/[.:]+$/, ''), kind: kindOf(raw, token) });
  }
  return joinAdjacent(out, tokens);
}

/**
 * Negations that say what the plan does anyway (a default, or what its one task already means):
 * "do NOT make it public" on a deploy (private is the default), "not shared, not cloneable" on a
 * new folder, "not a permanent delete" on a move to the trash, "so nothing can write to it" with
 * a read-only setting. Matched on the negation and the few words after it; each needs its task.
 */
const RESTATED_NEGATIONS: Array<[RegExp, (v: SlotValues) => boolean]> = [
  [/^(?:not|don't|dont|never|do not)\s+(?:make\s+(?:it\s+|the\s+\S+\s+)?|be\s+|open\s+(?:it\s+)?(?:to\s+)?)?public\b|^(?:not|no)\s+public\b/, (v) => v.flags.has('kind:service.create') && !v.flags.has('public')],
  [/^(?:not|never)\s+(?:be\s+)?(?:shared|cloneable|clonable|visible)\b|^(?:nor|not)\s+(?:shared|cloneable)|^(?:can't|cannot|shouldn't)\s+be\s+(?:cloned|shared)\b/, (v) => v.flags.has('kind:folder.create') || v.flags.has('notCloneable')],
  [/^not\s+(?:a\s+)?(?:permanent(?:ly)?|for\s+good|hard)\b|^(?:don't|do not)\s+(?:purge|delete\s+(?:it\s+)?(?:permanently|for\s+good))/, (v) => v.flags.has('kind:folder.delete') || v.flags.has('kind:folder.delete_files')],
  [/^(?:nothing|no\s+one|nobody)\s+(?:else\s+)?(?:can|could|should|may)\s+(?:write|change|modify|overwrite|edit)|^(?:can't|cannot|not)\s+(?:be\s+)?(?:written|changed|modified|overwritten|edited)/, (v) => v.flags.has('readOnly')],
];

/**
 * "…, leave the folder itself and cifar10 alone": what a task on named things spares. Only for
 * coverage (the parser reads a spare after a bulk task as its exception, so it must see it).
 */
const SPARE_EN = /\b(?:leave|keep)\s+[^,;.!?]{1,60}?\s+(?:alone|untouched|intact|as\s+(?:it\s+is|they\s+are|is))\b/g;
function spared(lower: string): Array<{ start: number; end: number }> {
  SPARE_EN.lastIndex = 0;
  return [...lower.matchAll(SPARE_EN)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Nouns whose count is part of the story, never an amount a call takes. */
const NARRATIVE_COUNT = /^(?:packages?|libraries|library|deps|dependencies|people|persons|students|colleagues|teammates|users|times|tabs|emails|messages|pages|slides|papers|bugs|tickets|experiments?|runs?)$/;

/** A negation the intents already express: a CPU-only create, a public service, not cloneable, interrupt-not-kill. */
function negationAccounted(values: SlotValues): boolean {
  const f = values.flags;
  return f.has('noAccelerator') || f.has('describedCpu') || f.has('negatedFilter') || f.has('public') || f.has('notCloneable') || f.has('kind:session.interrupt') || f.has('except') || f.has('readOnly');
}

function joinAdjacent(words: UnreadWord[], _tokens: string[]): UnreadWord[] {
  const seen = new Set<string>();
  return words.filter((w) => {
    const key = `${w.kind}:${w.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
