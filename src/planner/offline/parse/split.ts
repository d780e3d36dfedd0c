/**
 * Splitting a request into clauses, one per task: at sentence ends, and at conjunctions or
 * sequencing words ("and then", "then", ", and", "하고", "한 다음", "후에") only where a new
 * task verb follows. Clauses that turn out to carry no task are merged back by the caller.
 */

export interface ClausePart {
  masked: string;
  lower: string;
  /** Starts with "a session …" / "my folders" after "and": the task verb was left out and is the previous clause's. */
  elliptical?: boolean;
  /** Korean "세션이랑 폴더 보여줘": a bare noun whose predicate is the next clause's (보여줘). */
  borrowsNextVerb?: boolean;
}

/**
 * Words that start a new task after a conjunction. A Set lookup on the next word, not one big
 * regex alternation: V8 takes ~100 ms to compile such an alternation inside a lookahead, on
 * every CLI start.
 */
const TASK_VERBS = new Set(
  (
    'create make start launch spin fire boot open run provision get allocate delete remove kill terminate stop shut tear destroy end close nuke ' +
    'list show display tell check rename share invite restore recover purge empty deploy serve scale mkdir move print grant add clean wipe trash erase ' +
    'what which how who new send issue generate leave describe inspect view fetch cancel abort mount attach kick queue submit schedule relaunch ' +
    'clone copy duplicate mint interrupt commit save restart reboot download mkfolder put'
  ).split(' '),
);
const TWO_WORD_TASK_VERBS = new Set(['set up', 'give me']);
/** Politeness and sequencing before the verb: "please", "can you", "i also want to", "let's", "go and" … */
const VERB_PREFIX = /(?:please\s+|also\s+|then\s+|now\s+|finally\s+|permanently\s+|just\s+|quickly\s+|can\s+you\s+|could\s+you\s+|i\s+(?:also\s+)?(?:want|need|would\s+like)\s+to\s+|let's\s+|go\s+(?:and\s+)?)?/y;
const NEXT_WORDS = /([a-z]+)\b(?:\s+([a-z]+)\b)?/y;

/** "give colleague@x read-write access": sharing, though "give" alone does not start a task ("give it 2 GPUs") */
const GIVE_ACCESS = /give\s+\S+\s+(?:\S+\s+){0,5}?access\b/y;

/** Does a task verb (after optional politeness) start at `pos`? */
function taskVerbAt(text: string, pos: number): boolean {
  VERB_PREFIX.lastIndex = pos;
  VERB_PREFIX.exec(text);
  GIVE_ACCESS.lastIndex = VERB_PREFIX.lastIndex;
  if (GIVE_ACCESS.test(text)) return true;
  NEXT_WORDS.lastIndex = VERB_PREFIX.lastIndex;
  const m = NEXT_WORDS.exec(text);
  if (!m) return false;
  return TASK_VERBS.has(m[1]!) || (m[2] !== undefined && TWO_WORD_TASK_VERBS.has(`${m[1]} ${m[2]}`));
}

/** A conjunction or sequencing word ("and then", "after that", ", "), where a clause may end. */
const CONJUNCTION = /\s*(?:,\s*|;\s*)?\b(?:and\s+then|and\s+also|and\s+afterwards|after\s+that|afterwards|then|and|plus|next|also)\s*,?\s+|\s*[,;]\s+/g;

/** Cuts at a conjunction only where a new task verb follows it. */
function conjunctionCuts(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let last = 0;
  CONJUNCTION.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = CONJUNCTION.exec(text))) {
    const end = m.index + m[0].length;
    if (!taskVerbAt(text, end)) {
      CONJUNCTION.lastIndex = m.index + 1; // as a regex scan would: try again one character on
      continue;
    }
    if (m.index > last) out.push([last, m.index]);
    last = end;
  }
  if (last < text.length) out.push([last, text.length]);
  return out;
}

/**
 * Coordination without a second verb: "create a folder X and a session with it mounted",
 * "list my sessions and my folders". Only where a determiner introduces a task noun, so
 * "mount folders a and b" or "with folder x and folder y" stay one clause.
 */
const ENTITY_NOUN =
  '(?:(?:model\\s+|inference\\s+)?services?|endpoints?|sessions?|notebooks?|jobs?|containers?|folders?|vfolders?|volumes?|datasets?|presets?|images?|keypairs?)';
const ELLIPSIS_SPLIT = new RegExp(
  `\\s*,?\\s*\\b(?:and(?:\\s+then)?|plus|then)\\s+(?=(?:a|an|another|one|new|all\\s+(?:of\\s+)?my|my|also\\s+a|also\\s+an)\\s+(?:[a-z0-9][\\w.-]*\\s+){0,3}?${ENTITY_NOUN}\\b)`,
  'g',
);
/** "list my sessions and folders": a bare plural noun ending the request, after a read verb. */
const PLURAL_TAIL_SPLIT = /\s*,?\s*\b(?:and|plus)\s+(?=(?:(?:model|inference)\s+)?(?:sessions|folders|vfolders|services|endpoints|presets|images)\s*(?:too|as\s+well)?\s*[.?!]?\s*$)/g;

/** The task verb a clause starts with ("create", "spin up" → "spin"), to lend to an elliptical clause. */
export function leadingTaskVerb(lower: string): string | undefined {
  const m = /\b(create|make|start|launch|spin\s+up|fire\s+up|boot|open|run|set\s+up|provision|give\s+me|allocate|delete|remove|kill|terminate|stop|shut\s+down|tear\s+down|destroy|list|show|display|check|describe|inspect|view|fetch|get)\b/.exec(lower);
  return m?.[1];
}

/** An add-on to the task before it ("and my datasets folder mounted"), not a task of its own. */
const ADD_ON = /\b(?:mounted|attached|mount(?:ed)?\s+(?:at|on|to)|as\s+well)\b/;

/** Cuts at elliptical coordination, except before an add-on (which stays with its task). */
function ellipsisCuts(clause: string): Array<[number, number]> {
  const cuts = cut(clause, ELLIPSIS_SPLIT).flatMap(([s, e]) => cut(clause.slice(s, e), PLURAL_TAIL_SPLIT).map(([a, b]): [number, number] => [s + a, s + b]));
  const out: Array<[number, number]> = [];
  for (const [s, e] of cuts) {
    const prev = out[out.length - 1];
    if (prev && ADD_ON.test(clause.slice(s, e))) prev[1] = e;
    else out.push([s, e]);
  }
  return out;
}

const SENTENCE = /(?<=[.!?;])\s+(?=\S)|\n+/g;
/** Korean: a verb's connective ending (만들고, 생성해서, 만든 다음에, 한 후) or 그리고/그 다음. */
const KO_SPLIT =
  /(?<=[\uAC00-\uD7A3](?:고|고서|아서|어서|해서|여서|다가))(?:\s*나서)?,?\s+(?!싶|있|계|말)|(?<=[\uAC00-\uD7A3])\s*(?:다음|후|뒤)(?:에)?\s*,?\s+|(?:^|\s)(?:그리고|그\s*다음(?:에)?|그런\s*다음(?:에)?|그러고\s*나서)\s+/g;

function cut(text: string, rx: RegExp): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let last = 0;
  rx.lastIndex = 0;
  for (const m of text.matchAll(rx)) {
    if (m.index > last) out.push([last, m.index]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push([last, text.length]);
  return out;
}

/** Korean connective only counts after a verb-like word (all Hangul), not after a name ("foo하고"). */
function koreanCuts(lower: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let last = 0;
  KO_SPLIT.lastIndex = 0;
  for (const m of lower.matchAll(KO_SPLIT)) {
    const before = lower.slice(last, m.index);
    const word = /(\S+)$/.exec(before)?.[1] ?? '';
    const connective = /(?:고|고서|아서|어서|해서|여서|다가)$/.test(word);
    if (connective && !/^[\uAC00-\uD7A3]+$/.test(word)) continue;
    if (connective && /^(?:그리고|하고|이고|라고|에서|으로서|로서)$/.test(word) && word !== '하고') continue;
    if (/^(?:하고)$/.test(word) && /[A-Za-z0-9]\s*$/.test(before.slice(0, -2))) continue;
    if (m.index > last) out.push([last, m.index]);
    last = m.index + m[0].length;
  }
  if (last < lower.length) out.push([last, lower.length]);
  return out;
}

/** Korean coordination of task nouns: 세션이랑 / 세션과 / 세션 목록하고 / 폴더 및 … */
const KO_NOUN_AND = /(?<=(?:세션|폴더|서비스|엔드포인트|프리셋|이미지)(?:\s*목록)?)(?:이랑|랑|과|와|하고|\s+및)\s+(?=\S)/g;

export function splitClauses(masked: string, lower: string): ClausePart[] {
  const parts: ClausePart[] = [];
  for (const p of splitVerbClauses(masked, lower)) {
    const cuts = cut(p.lower, KO_NOUN_AND);
    if (cuts.length < 2) {
      parts.push(p);
      continue;
    }
    cuts.forEach(([s, e], i) => parts.push({ masked: p.masked.slice(s, e), lower: p.lower.slice(s, e), ...(i < cuts.length - 1 ? { borrowsNextVerb: true } : p.elliptical && i === 0 ? { elliptical: true } : {}) }));
  }
  return parts;
}

function splitVerbClauses(masked: string, lower: string): ClausePart[] {
  const parts: ClausePart[] = [];
  for (const [s0, e0] of cut(lower, SENTENCE)) {
    const sentence = lower.slice(s0, e0);
    for (const [s1, e1] of conjunctionCuts(sentence)) {
      const clause = sentence.slice(s1, e1);
      for (const [[s1b, e1b], i] of ellipsisCuts(clause).map((r, i) => [r, i] as const)) {
        const piece = clause.slice(s1b, e1b);
        for (const [s2, e2] of koreanCuts(piece)) {
          const start = s0 + s1 + s1b + s2;
          const end = s0 + s1 + s1b + e2;
          const m = masked.slice(start, end);
          if (m.trim()) parts.push({ masked: m, lower: lower.slice(start, end), ...(i > 0 && s2 === 0 ? { elliptical: true } : {}) });
        }
      }
    }
  }
  return parts;
}
