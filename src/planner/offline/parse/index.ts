/**
 * The offline semantic parser: request text → intents with slots (English and Korean).
 *
 * Pipeline: prepare (cap at MAX_ANALYSED_CHARS, mask quoted spans) → split into clauses where a
 * new verb starts a new task → classify each clause (verb + object noun) → extract the slots the
 * intent kind uses → resolve "it"/"그 폴더" to what an earlier clause created → list what only
 * the user can give (`missing`). Synchronous, pure, deterministic; every regex is linear.
 */
import type { FolderBulk, Intent, IntentKind, ParsedIntent, ParsedRequest, SessionTarget } from '../intents.js';
import { READ_INTENTS } from '../intents.js';
import { classify, features, RESIZE_EN, RESIZE_KO, RESIZE_RESOURCE_EN } from './classify.js';
import { prohibitions } from './prohibitions.js';
import {
  bareIdentifiers,
  EMAIL,
  explicitNames,
  extractCommand,
  extractEmails,
  extractEnv,
  extractImage,
  extractMounts,
  extractPaths,
  extractPermission,
  extractPreset,
  extractProject,
  extractScalingGroup,
  nounNames,
  nameList,
  looksLikeIdentifier,
  wantsAnyScalingGroup,
  PRONOUN,
  NAME,
  valueAt,
  cleanName,
  isStopWord,
  isSoftName,
  type Clause,
  type NameHit,
} from './mentions.js';
import { extractCluster, extractCount, extractDuration, extractReplicas, extractResources, type Span } from './resources.js';
import { detectLanguage, lowerAscii, MAX_ANALYSED_CHARS, PLACEHOLDER, prepare, unmask } from './text.js';
import { refusalReason } from './refuse.js';
import { unreadWords } from './coverage.js';
import { answerQuestions, answerUnreadQuestion } from './questions.js';
import { frameRequest, isPlain, unadoptedWritesQuestion } from './quoted.js';
import { withoutChatNoise } from './chat.js';
import { exceptNamesIn, folderFilters, sessionFilters } from './filters.js';

const INJECTED_REFUSAL =
  'I do not follow instructions to ignore my rules or to act with other rights (quoted or forwarded text is never a task): say what you want done, in your own words';
/** "Actual request:", "Action requested by the assignee:": a label before the ask. */
const ASK_LABEL = /^\s*(?:\.\s*)?(?:(?:the\s+)?actual\s+(?:request|ask)|action\s+requested(?:\s+by\s+[^:]{1,40})?|(?:my\s+)?(?:request|ask|todo|task)|요청(?:\s*사항)?)\s*:\s*/i;
import { leadingTaskVerb, splitClauses, type ClausePart } from './split.js';
import { readStructured } from '../grammar/structured/index.js';

export { MAX_ANALYSED_CHARS } from './text.js';

/** Input longer than this is not a request someone typed: refused without analysis. */
const MAX_INPUT_CHARS = 100_000;
/** Most clauses (tasks and their add-ons) analysed in one request. */
const MAX_CLAUSES = 16;

const SESSION_NOUNS_EN = 'sessions?|notebooks?|jobs?|containers?|kernels?|boxe?s?|instances?|workloads?|clusters?';
const SESSION_NOUNS_KO = '세션|노트북|작업|컨테이너|잡|인스턴스';
const FOLDER_NOUNS_EN = 'folders?|vfolders?|storage\\s+folders?|storages?|volumes?';
const FOLDER_NOUNS_KO = '폴더|볼륨|스토리지';
const SERVICE_NOUNS_EN = '(?:model\\s+|inference\\s+)?services?|endpoints?|deployments?';
const SERVICE_NOUNS_KO = '서비스|엔드포인트';

const STATUS_WORDS: Array<[RegExp, string]> = [
  [/\brunning\b|실행\s*중|돌아가는|돌고\s*있는|켜져\s*있는/, 'RUNNING'],
  [/\bpending\b|\bqueued\b|\bwaiting\b|대기\s*중|대기하는|펜딩/, 'PENDING'],
  [/\berror(?:ed)?\b|\bfailed\b|에러|오류|실패/, 'ERROR'],
  [/\bidle\b|유휴/, 'IDLE'],
  [/\brestarting\b|재시작\s*중/, 'RESTARTING'],
  [/\bterminated\b|\bdead\b|종료된/, 'TERMINATED'],
];

function statuses(lower: string): string[] {
  return STATUS_WORDS.filter(([rx]) => rx.test(lower)).map(([, s]) => s);
}

/** Blank out consumed spans so later name extraction does not read them as names. */
function blank(c: Clause, spans: Span[]): Clause {
  let masked = c.masked;
  for (const s of spans) masked = masked.slice(0, s.start) + ' '.repeat(s.end - s.start) + masked.slice(s.end);
  return { masked, lower: lowerAscii(masked), quotes: c.quotes };
}

function firstName(hits: NameHit[]): string | undefined {
  return hits[0]?.value;
}

/** Names of a target (sessions, folders, services), explicit first, then noun-adjacent, then bare identifiers. */
function targetNames(c: Clause, nounsEn: string, nounsKo: string, allowBare: boolean): string[] {
  const explicit = explicitNames(c);
  // "share corpus with …", "delete scratch": a plain word right after the verb ("share models with …" names the folder)
  const afterVerb: NameHit[] = [];
  const folders = nounsEn === FOLDER_NOUNS_EN;
  const verbObject = new RegExp(`(?<![A-Za-z0-9_\\-])(?:share|delete|remove|trash|restore|recover|purge|kill|terminate|stop|rename|undelete)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-])(?!\\s*(?:${nounsEn}))`, 'gi');
  for (const m of c.masked.matchAll(verbObject)) {
    const start = m.index + m[0].length - m[1]!.length;
    const v = cleanName(valueAt(c, start, start + m[1]!.length));
    if (v && (!isStopWord(v) || (folders && isSoftName(v)))) afterVerb.push({ value: v, index: start, how: 'noun' });
  }
  const noun = nounNames(c, nounsEn, nounsKo, true);
  const bare = allowBare ? bareIdentifiers(c) : [];
  // quoted names anywhere count as explicit
  const quoted: NameHit[] = [];
  for (const m of c.masked.matchAll(/\uE000\d+\uE001/g)) quoted.push({ value: valueAt(c, m.index, m.index + m[0].length), index: m.index, how: 'explicit' });
  const all = [...explicit, ...quoted, ...noun, ...bare, ...afterVerb];
  const names: string[] = [];
  for (const h of all) if (h.value && !names.includes(h.value)) names.push(h.value);
  return names;
}

/** "rename A to B", "A를 B로 바꿔" → [A, B]; "rename my session to B" names no A. */
function renamePair(c: Clause): { from?: string; to?: string } {
  const pair = renamePairRaw(c);
  return pair.from !== undefined && /^(?:session|folder|vfolder|service|it|this|that|one)$/i.test(pair.from) ? { to: pair.to } : pair;
}

function renamePairRaw(c: Clause): { from?: string; to?: string } {
  // "could notebook-old be renamed to legacy-notebook?", "X should be called Y from now on"
  const passive =
    new RegExp(`${NAME}\\s+(?:(?:be|get|is|was)\\s+)?renamed\\s+(?:to|as)\\s+${NAME}`, 'i').exec(c.masked) ??
    new RegExp(`${NAME}\\s+(?:should|ought\\s+to|must)\\s+be\\s+(?:called|named)\\s+${NAME}`, 'i').exec(c.masked);
  if (passive) return { from: cleanName(unmask(passive[1]!, c.quotes)), to: cleanName(unmask(passive[2]!, c.quotes)) };
  const en = new RegExp(`(?:rename|renaming)\\s+(?:the\\s+|my\\s+)?(?:(?:session|folder|vfolder|service)\\s+)?${NAME}(?:\\s+(?:session|folder|vfolder))?(?:\\s+(?:to|as|into)\\s+|\\s*(?:->|→|=>)\\s*)${NAME}`, 'i').exec(c.masked);
  if (en) return { from: cleanName(unmask(en[1]!, c.quotes)), to: cleanName(unmask(en[2]!, c.quotes)) };
  const change = new RegExp(`(?:change|set)\\s+(?:the\\s+)?name\\s+of\\s+(?:the\\s+)?(?:(?:session|folder)\\s+)?${NAME}(?:\\s+(?:session|folder))?\\s+to\\s+${NAME}`, 'i').exec(c.masked);
  if (change) return { from: cleanName(unmask(change[1]!, c.quotes)), to: cleanName(unmask(change[2]!, c.quotes)) };
  // "X 세션 이름을 Y로", Konglish "X session name을 Y로"
  const ko = new RegExp(`${NAME}(?![A-Za-z0-9_.\\-])\\s*(?:세션|폴더|서비스|session|folder|vfolder|service)?\\s*(?:의\\s*(?:이름|name))?\\s*(?:을|를|은|는)?\\s*(?:(?:이름|name)\\s*(?:을|를|은|는)?\\s*)?${NAME}\\s*(?:으로|로)`).exec(c.masked);
  if (ko) return { from: cleanName(unmask(ko[1]!, c.quotes)), to: cleanName(unmask(ko[2]!, c.quotes)) };
  // "give X a new name: Y", "new name for X: Y"
  const give = new RegExp(`(?:give|assign)\\s+(?:the\\s+)?(?:(?:session|folder|vfolder)\\s+)?${NAME}\\s+(?:a\\s+)?(?:new\\s+)?name\\s*(?:[:=]|of|to)?\\s*${NAME}|new\\s+name\\s+(?:for|of)\\s+(?:the\\s+)?(?:(?:session|folder|vfolder)\\s+)?${NAME}\\s*(?:[:=]|is|should\\s+be|to)\\s*${NAME}`, 'i').exec(c.masked);
  if (give) return { from: cleanName(unmask(give[1] ?? give[3]!, c.quotes)), to: cleanName(unmask(give[2] ?? give[4]!, c.quotes)) };
  // "… 이름 바꿔줘 datasets-new로": the new name after the verb
  const toOnly = new RegExp(`\\bto\\s+${NAME}\\s*[.?!]?\\s*$|${NAME}\\s*(?:으로|로)\\s*(?:이름\\s*)?(?:바꿔|바꾸|변경)|(?:바꿔|바꾸|변경)\\S*\\s+${NAME}\\s*(?:으로|로)\\s*[.?!]?\\s*$`, 'i').exec(c.masked);
  if (toOnly) return { to: cleanName(unmask(toOnly[1] ?? toOnly[2] ?? toOnly[3]!, c.quotes)) };
  return {};
}

/** "except X", "but keep X", "X 빼고": where the sessions to leave alone are named. */
const EXCEPT_EN = /\b(?:except(?:\s+for)?|but\s+(?:not|keep|leave|spare)|other\s+than|excluding|apart\s+from|besides|save\s+for)\b|\b(?:leave|keep|spare)\b(?=[^.;]{0,40}\b(?:alone|running|untouched|intact|as\s+is|be|alive|up|on)\b)/;
const EXCEPT_KO = /\s*(?:은|는|만|을|를)?\s*(?:빼고|제외하고|제외한|말고|남겨\s*두고|놔두고)/;

/**
 * Names the request keeps: "— keep the notebook-old session", "I still need the api_helper folder",
 * "train-job-1 is still training". A destructive task never acts on them.
 */
function sparedNames(c: Clause): Set<string> {
  const out = new Set<string>();
  const before = new RegExp(`\\b(?:keep|leave|spare|not|except|excluding|(?:still\\s+)?(?:need|use|using|want))\\s+(?:the\\s+|my\\s+|our\\s+)?(?:(?:folder|vfolder|session|notebook)\\s+)?${NAME}`, 'gi');
  const after = new RegExp(`${NAME}(?:\\s+(?:folder|vfolder|session|notebook))?\\s+(?:is|are)\\s+(?:still|in\\s+use|needed|busy)\\b|${NAME}\\s*(?:폴더|세션)?\\s*(?:은|는)\\s*(?:아직|계속)`, 'gi');
  for (const re of [before, after]) for (const m of c.masked.matchAll(re)) out.add(cleanName(unmask((m[1] ?? m[2])!, c.quotes)));
  return out;
}

function sessionTarget(c0: Clause, lower0: string): SessionTarget {
  // "every session on the pytorch image", "leave the CPU-only ones": filters are part of the target,
  // and the names inside them (a mounted folder, an image) are not sessions to act on
  const filters = sessionFilters(c0);
  const c = filters.spans.length ? blank(c0, filters.spans) : c0;
  const lower = filters.spans.length ? c.lower : lower0;
  const found = targetNames(c, SESSION_NOUNS_EN, SESSION_NOUNS_KO, true);
  const exceptAt = EXCEPT_EN.exec(lower)?.index;
  const except = found.filter((n) => {
    const at = c.masked.indexOf(n);
    if (exceptAt !== undefined && at > exceptAt) return true;
    const after = c.masked.slice(at + n.length, at + n.length + 12);
    return EXCEPT_KO.test(after) && new RegExp(`^${EXCEPT_KO.source}`).test(after);
  });
  // several names: in the order they were said (the plan terminates them in that order)
  const names = found.filter((n) => !except.includes(n)).sort((a, b) => c.masked.indexOf(a) - c.masked.indexOf(b));
  const filtered = filters.filter !== undefined || filters.except !== undefined;
  const all =
    (/\b(?:all|every|each|everything|both)\b|\bany\s+(?:running|pending)\b|모든|모두|전부|전체|죄다|싹\s*다|둘\s*다|다\s*(?:종료|꺼|끄|삭제|지워|정리|보여)|몽땅/.test(lower0) ||
      // a filter over the plural or "any": "the sessions that hold GPU shares", "any session that doesn't mount datasets"
      (filtered && new RegExp(`\\b(?:any|whichever|whatever)\\s+(?:[\\w-]+\\s+)?(?:sessions?|notebooks?|jobs?|containers?|ones?|of\\s+them)\\b|\\b(?:${SESSION_NOUNS_EN.split('|').filter((n) => n.endsWith('s?')).map((n) => n.replace('s?', 's')).join('|')})\\b|\\bones\\b|들(?:은|을|는|이)?\\s`).test(lower0))) &&
    names.length === 0;
  const st = statuses(lower);
  // "shut down my GPU session", "GPU 쓰는 세션 꺼줘": one session picked by what it is
  const desc = names.length === 0 && !all
    ? /\b(?:my|the|that|our)\s+(gpu|cpu(?:-only)?|batch|interactive|pytorch|torch|tensorflow|tf|python|ngc(?:-pytorch)?|vllm)\s+(?:session|job|notebook|container)\b(?!s)|(gpu|cpu|배치|pytorch|tensorflow|python|파이토치|텐서플로)\s*(?:를|을)?\s*(?:쓰는|돌리는|사용하는|사용\s*중인|쓰고\s*있는)?\s*(?:내|제|우리)?\s*세션/i.exec(lower)
    : null;
  const word = desc ? (desc[1] ?? desc[2])!.toLowerCase() : undefined;
  const IMAGE_WORDS: Record<string, string> = { torch: 'pytorch', 파이토치: 'pytorch', tf: 'tensorflow', 텐서플로: 'tensorflow' };
  const described: SessionTarget['described'] =
    word === undefined ? undefined
    : word === '배치' ? 'batch'
    : word.startsWith('cpu') ? 'cpu'
    : word === 'gpu' || word === 'batch' || word === 'interactive' ? word
    : `image:${IMAGE_WORDS[word] ?? word}`;
  // one session described by what it runs ("GPU 쓰는 세션 꺼줘", "my pytorch session") is the `described` form
  const f = filters.filter;
  const single = !all && names.length === 0 && f && Object.keys(f).length === 1 && (f.accelerator || f.image);
  if (single) return { names, described: f.accelerator ?? `image:${f.image}`, ...(except.length ? { except } : {}) };
  return {
    names,
    ...(described && !filters.filter ? { described } : {}),
    ...(all ? { all: true } : {}),
    ...(all && st.length > 0 ? { status: st } : {}),
    ...(except.length ? { except } : {}),
    ...(filters.filter && (all || names.length === 0) ? { filter: filters.filter } : {}),
    ...(filters.except && all ? { exceptFilter: filters.except } : {}),
  };
}

/** "every folder I own", "all my folders", "모든 폴더", "폴더 다": several folders at once. */
const ALL_FOLDERS =
  /\b(?:all|every|each|any)\b[^.;]{0,40}?\b(?:folders?|vfolders?|storages?)\b|\bfolders\s+(?:that\s+)?i\s+own\b|\b(?:both|all)\s+(?:of\s+)?(?:them|my\s+folders)\b|(?:모든|전체)\s*폴더|폴더\s*(?:들)?\s*(?:을|를|은|는)?\s*(?:다|전부|모두|싹)/;

/**
 * A folder task over several folders: "delete all my folders except models", "share every folder I
 * own except models with …", "make all my general-purpose folders read-only; leave the model
 * folder alone". The folders are chosen from the list when planning; none is named here.
 */
function folderBulk(c: Clause, lower: string): { bulk?: FolderBulk; spans: Span[] } {
  const filters = folderFilters(c);
  if (!ALL_FOLDERS.test(lower) && !(filters.filter && /\bfolders\b|폴더들/.test(lower))) return { spans: [] };
  const except = exceptNamesIn(c);
  for (const m of c.masked.matchAll(new RegExp(`${NAME}\\s*(?:폴더)?\\s*(?:은|는|만|을|를)?\\s*(?:빼고|제외하고|말고|남겨\\s*두고|놔두고)`, 'g'))) {
    except.push(cleanName(unmask(m[1]!, c.quotes)));
  }
  const spans = [...filters.spans];
  return {
    bulk: {
      all: true,
      ...(except.length ? { except: [...new Set(except)] } : {}),
      ...(filters.filter ? { filter: filters.filter } : {}),
      ...(filters.except ? { exceptFilter: filters.except } : {}),
    },
    spans,
  };
}

interface Built {
  intent: Intent;
  missing: string[];
  /** "create folders exp-a and exp-b": the same task again for each further name. */
  also?: string[];
}

/** A clause's intent, with the further names of a coordinated list still to expand. */
type ClauseIntent = ParsedIntent & {
  also?: string[];
  /** no task verb and no session noun: details only ("fGPU는 2개, 메모리는 8GB로요") */
  detailsOnly?: boolean;
  /** No verb and no question ("models 폴더, default 리소스 그룹, 레플리카 3개"): may be details of the task before it. */
  verbless?: boolean;
};

/** The coordinated list ("exp-a and exp-b") that holds a name the clause found, or []. */
function furtherNames(c: Clause, found: string[]): string[] {
  const list = nameList(c);
  return list.some((n) => found.includes(n)) ? list : [];
}

/** Build the intent of a clause of the given kind from its slots. */
function build(kind: Intent['kind'], c0: Clause): Built | undefined {
  const { resources, spans: resSpans } = extractResources(c0.lower);
  const envFound = extractEnv(c0);
  const c = blank(c0, [...resSpans, ...envFound.spans]);
  const lower = c.lower;
  const missing: string[] = [];

  switch (kind) {
    case 'session.create': {
      const spans: Span[] = [];
      const image = extractImage(c);
      if (image) spans.push(image);
      const extras = sessionExtras(c);
      spans.push(...extras.spans);
      const command = extractCommand(extras.spans.length ? blank(c, extras.spans) : c);
      if (command) spans.push(command);
      const cluster = extractCluster(lower);
      if (cluster) spans.push(...cluster.spans);
      // "컨테이너 3개" inside a cluster phrase is the cluster's size, not a number of sessions
      const count = extractCount(cluster ? blank(c, cluster.spans).lower : lower);
      if (count) spans.push(...count.spans);
      const rest = blank(c, spans);
      const scalingGroup = extractScalingGroup(rest);
      const anyGroup = wantsAnyScalingGroup(lower);
      const preset = extractPreset(rest);
      const project = extractProject(rest);
      const mounts = extractMounts(rest).filter((m) => m.name !== scalingGroup?.value && m.name !== preset && m.name !== project);
      const mountNames = new Set(mounts.map((m) => m.name));
      const explicit = explicitNames(rest).map((h) => h.value);
      const nounName = nounNames(rest, SESSION_NOUNS_EN, SESSION_NOUNS_KO, false).map((h) => h.value);
      const notAName = (n: string): boolean => mountNames.has(n) || n === scalingGroup?.value || n === preset || n === project;
      // "two python sessions, etl-a and etl-b": one name per session, each its own create
      const listed = nameList(rest).filter((n) => !notAName(n));
      const pluralSessions = /\b(?:sessions|notebooks|jobs|containers|boxes|instances)\b|세션들/.test(lower);
      const perSession = listed.length >= 2 && (count ? listed.length === count.value : pluralSessions) ? listed : undefined;
      const name = perSession?.[0] ?? [...explicit, ...nounName].find((n) => !notAName(n));
      const batch = /\bbatch\b|배치|\bas\s+a\s+job\b|\bjob\b.*\b(?:runs?|executes?)\b/.test(lower);
      const sessionType = batch
        ? 'batch'
        : /\binference\b|추론/.test(lower)
          ? 'inference'
          : /\binteractive\b|\bnotebook\b|\bjupyter|노트북|주피터|인터랙티브|대화형/.test(lower)
            ? 'interactive'
            : command && /\bjob\b|작업|잡/.test(lower)
              ? 'batch'
              : undefined;
      // "timeout 2h", "at most 90 minutes", "killed if it runs longer than 90 minutes", "2시간 넘으면 종료"
      const timeoutAt = lower.search(
        /timeout|times?\s+out|time\s*limit|제한\s*시간|타임아웃|(?:for\s+)?at\s+most|no\s+longer\s+than|(?:longer|more)\s+than|kill(?:ed)?\s+(?:it\s+)?after|cap(?:ped)?\s+(?:it\s+)?at|max(?:imum)?\s+(?:run\s*time|runtime|duration)|\d+\s*(?:분|시간|초)\s*(?:이상|넘(?:으면|게|어가면)|지나(?:면|도)|(?:안|내)에\s*안\s*끝나면)/,
      );
      const timeout = timeoutAt >= 0 ? extractDuration(lower.slice(Math.max(0, timeoutAt - 16), timeoutAt + 40)) : undefined;
      // "내 폴더 마운트해줘", "mount my folder": a mount asked for with no folder named
      const mountsFromContext = /\b(?:both\s+(?:of\s+)?(?:those|these|them)(?:\s+(?:two\s+)?folders)?|(?:those|these)\s+(?:two\s+)?folders|them\s+both)\b|그\s*(?:두\s*)?폴더(?:들)?\s*(?:을|를)?\s*(?:둘\s*다|모두|다)/.test(lower) && mounts.length < 2;
      const mountUnnamed =
        mounts.length === 0 && /\bmount(?:ed|ing)?\b|마운트|붙여/.test(lower) && /\b(?:my|a|one|some|a\s+few)\s+(?:folders?|vfolders?|data)\b|(?:내|제|우리)\s*폴더|폴더\s*(?:하나|좀|도|들)/.test(lower);
      const intent: Intent = {
        kind,
        resources,
        mounts,
        ...(mountUnnamed && !mountsFromContext ? { mountUnnamed: true } : {}),
        ...(mountsFromContext ? { mountsFromContext: true } : {}),
        environ: envFound.env,
        ...(image ? { image: image.value } : {}),
        ...(name ? { name } : {}),
        ...(sessionType ? { sessionType } : {}),
        ...(command ? { startupCommand: command.value } : {}),
        ...(timeout && sessionType === 'batch' ? { batchTimeout: timeout.seconds } : {}),
        ...(scalingGroup && !anyGroup ? { scalingGroup: scalingGroup.value } : {}),
        ...(anyGroup ? { anyScalingGroup: true } : {}),
        ...(preset ? { preset } : {}),
        ...(project ? { project } : {}),
        ...(cluster ? { clusterSize: cluster.value.size, ...(cluster.value.mode ? { clusterMode: cluster.value.mode } : {}) } : {}),
        ...(count && !perSession ? { count: count.value } : {}),
        ...extras.slots,
      };
      // a variable named without its value: only the user knows it (often a secret)
      for (const name of envFound.unset) missing.push(`environ:${name}`);
      // "just like my other one", "same settings as before": a session it does not name
      if (COPY_OF_UNNAMED.test(lower)) missing.push('template');
      return { intent, missing, ...(perSession ? { also: perSession.slice(1) } : {}) };
    }
    case 'session.destroy': {
      const target = sessionTarget(c, lower);
      const kept = sparedNames(c);
      if (kept.size && target.names.some((n) => kept.has(n))) {
        target.names = target.names.filter((n) => !kept.has(n));
        // (kept as the target's exception: the preview says it stays, and the words are read)
        target.except = [...new Set([...(target.except ?? []), ...kept])];
      }
      if (target.names.length === 0 && !target.all && !target.described && !target.filter) missing.push('target');
      // "delete everything" names no kind of thing: kill/terminate/stop imply sessions, delete/remove do not
      const sessionNoun = new RegExp(`\\b(?:${SESSION_NOUNS_EN})\\b|${SESSION_NOUNS_KO}`).test(lower);
      if (target.all && !sessionNoun && !target.status?.length && /\b(?:delete|remove|erase|wipe|clean|purge|nuke|trash)\b|삭제|지워|지우/.test(lower)) {
        target.allOfWhat = true;
      }
      const forced = /\bforce(?:d|fully)?\b|\bforcibly\b|\bby\s+force\b|\bhard\s+kill|강제/.test(lower);
      const later = DEFERRED_KILL.exec(lower)?.[0].trim();
      return { intent: { kind, target, ...(forced ? { forced: true } : {}), ...(later ? { later } : {}) }, missing };
    }
    case 'session.list': {
      const st = statuses(lower);
      return { intent: { kind, ...(st.length > 0 ? { status: st } : {}) }, missing };
    }
    case 'session.info':
    case 'session.logs':
    case 'session.status_history': {
      const target = sessionTarget(c, lower);
      if (target.names.length === 0 && !target.all && !target.described && !target.filter) missing.push('target');
      // "delete everything" names no kind of thing: kill/terminate/stop imply sessions, delete/remove do not
      const sessionNoun = new RegExp(`\\b(?:${SESSION_NOUNS_EN})\\b|${SESSION_NOUNS_KO}`).test(lower);
      if (target.all && !sessionNoun && !target.status?.length && /\b(?:delete|remove|erase|wipe|clean|purge|nuke|trash)\b|삭제|지워|지우/.test(lower)) {
        target.allOfWhat = true;
      }
      return { intent: { kind, target }, missing };
    }
    case 'session.rename': {
      const pair = renamePair(c);
      // ("rename it to X": "it" and "to" name nothing; the session comes from what came before)
      const names = pair.from ? [pair.from] : targetNames(c, SESSION_NOUNS_EN, SESSION_NOUNS_KO, true).filter((n) => n !== pair.to && !/^(?:to|it|that|this|them|as|into)$/i.test(n));
      if (names.length === 0) missing.push('target');
      if (!pair.to) missing.push('newName');
      return { intent: { kind, target: { names: names.slice(0, 1) }, ...(pair.to ? { newName: pair.to } : {}) }, missing };
    }
    case 'session.execute': {
      // the code: quoted, or what follows the colon ("run this in notebook-old: print(1)")
      const afterColon = /:\s*(.+)$/.exec(unmask(c.masked, c.quotes))?.[1]?.trim();
      const ph = new RegExp(PLACEHOLDER).exec(c.masked);
      // "X에서 pip list 한번 돌려봐": the words between the place and the verb
      const ko = /(?:에서|안에서)\s*(.+?)\s*(?:명령어?|커맨드)?\s*(?:을|를)?\s*(?:한\s*번|한번|좀)?\s*(?:실행|돌려|돌리|쳐)/.exec(c.masked);
      const command = ph
        ? { value: unmask(ph[0], c.quotes), start: ph.index, end: ph.index + ph[0].length }
        : afterColon
          ? { value: afterColon, start: c.masked.lastIndexOf(':'), end: c.masked.length }
          : ko && /^[\x20-\x7E]+$/.test(ko[1]!)
            ? { value: ko[1]!.trim(), start: ko.index + ko[0].indexOf(ko[1]!), end: ko.index + ko[0].indexOf(ko[1]!) + ko[1]!.length }
            : extractCommand(c);
      const names = targetNames(blank(c, command ? [command] : []), SESSION_NOUNS_EN, SESSION_NOUNS_KO, true);
      if (names.length === 0) missing.push('target');
      return { intent: { kind, target: { names }, ...(command ? { code: command.value } : {}) }, missing };
    }
    case 'folder.create': {
      // a host name ends with a letter, digit, _ or -: the full stop of "…on local:volume1." is not in it
      const host = /(?:on|in|at)\s+(?:the\s+)?(?:host\s+)?([a-z0-9_-]+:[a-z0-9_./-]*[a-z0-9_-])|host\s+([a-z0-9_.:-]*[a-z0-9_-])|([a-z0-9_-]+:[a-z0-9_-]+)\s*(?:호스트|에)/i.exec(c.masked);
      const hostValue = host ? (host[1] ?? host[2] ?? host[3])! : undefined;
      const c2 = host ? blank(c, [{ start: host.index, end: host.index + host[0].length }]) : c;
      const project = /\bproject\b|프로젝트/.test(lower) ? extractProject(c2) : undefined;
      const plainLower = lowerAscii(unmask(c.masked, c.quotes));
      const usageMode = /\bmodels?(?:[\s-]+(?:type|usage|mode))?\s+(?:folder|vfolder|storage|store)|\bfor\s+(?:storing\s+)?models?\b|모델\s*(?:용|타입|유형)?\s*(?:폴더|저장)|(?:usage\s*(?:mode)?|type)\s*[:=]?\s*model|\bmodels?\s*(?:타입|유형|용도|모드|용)\s*(?:의\s*)?(?:폴더|저장)|(?:타입|유형|용도|모드)\s*(?:은|는|을|를)?\s*(?:model|모델)|(?:모델\s*)?서빙\s*용|\bmodel-type\b/.test(plainLower)
        ? 'model'
        : /(?:usage\s*(?:mode)?|type)\s*(?:[:=]|\s+is)?\s*data\b|\bdata[\s-]+(?:type|usage|mode)\s+(?:folder|vfolder)|데이터\s*(?:용|타입|유형)?\s*폴더|\bdata\s*(?:타입|유형|용도|모드|용)\s*(?:의\s*)?폴더|(?:타입|유형|용도|모드)\s*(?:은|는|을|를)?\s*(?:data|데이터)\b|\ba\s+(?:new\s+)?data(?:set)?\s+folder\s+(?:named|called)\b/.test(plainLower)
          ? 'data'
          : undefined;
      const hits = [...explicitNames(c2), ...nounNames(c2, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true), ...bareIdentifiers(c2)].filter(
        (h) => h.value !== project && h.value !== hostValue,
      );
      // "exp-a랑 exp-b 폴더": the list decides the order; its first name is the first folder
      const listed = furtherNames(c2, hits.map((h) => h.value)).filter((n) => n !== project && n !== hostValue);
      const name = listed[0] ?? firstName(hits);
      if (!name) missing.push('name');
      const also = listed.slice(1);
      const permission = extractPermission(lower);
      const intent: Intent = {
        kind,
        ...(name ? { name } : {}),
        ...(usageMode ? { usageMode } : {}),
        ...(permission ? { permission } : {}),
        ...(hostValue ? { host: hostValue } : {}),
        ...(project ? { project } : {}),
        ...(CLONEABLE_WORD.test(lower) ? { cloneable: !NOT_CLONEABLE.test(lower) } : {}),
      };
      return { intent, missing, also };
    }
    case 'folder.delete':
    case 'folder.purge':
    case 'folder.restore':
    case 'folder.info':
    case 'folder.leave':
    case 'folder.files': {
      const paths = kind === 'folder.files' ? extractPaths(c).filter((p) => p.includes('/')) : [];
      const inside: string[] = [];
      if (kind === 'folder.files') {
        // "list the files in corpus": a plain word after in/inside/of names the folder
        for (const m of c.masked.matchAll(new RegExp(`(?:in|inside|of|within)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-/])`, 'gi'))) {
          const v = cleanName(unmask(m[1]!, c.quotes));
          // ("the files in models": a soft word such as models names the folder after "in")
          if (!isStopWord(v) || isSoftName(v)) inside.push(v);
        }
      }
      const names = [...targetNames(c, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true), ...inside].filter((n) => !paths.includes(n));
      // "the contents of datasets/mnist": with no folder named, the path starts with it
      if (!names[0] && paths[0] && !paths[0].startsWith('/')) {
        const [head, ...rest] = paths[0].split('/');
        names.push(head!);
        paths[0] = rest.join('/');
      }
      const many = kind === 'folder.delete' || kind === 'folder.purge' || kind === 'folder.restore' ? folderBulk(c, lower) : { spans: [] };
      if (many.bulk) return { intent: { kind, bulk: many.bulk }, missing };
      // "I still need the api_helper folder, so nuke datasets": a kept folder is never the one deleted
      if (kind === 'folder.delete' || kind === 'folder.purge') {
        const kept = sparedNames(c);
        for (let k = names.length - 1; k >= 0; k--) if (kept.has(names[k]!)) names.splice(k, 1);
      }
      const name = names[0];
      if (!name) missing.push('name');
      const listed = kind === 'folder.delete' || kind === 'folder.purge' || kind === 'folder.restore' ? furtherNames(c, names) : [];
      const first = listed[0] ?? name;
      return { intent: { kind, ...(first ? { name: first } : {}), ...(paths[0] ? { path: paths[0] } : {}) }, missing, also: listed.slice(1) };
    }
    case 'folder.list':
      return { intent: { kind }, missing };
    case 'folder.mkdir': {
      // "create a directory X inside the Y folder" / "Y 폴더에 X 디렉터리 만들어"
      const folder =
        new RegExp(`(?:in|inside|within|under|into|of|on|to)\\s+(?:the\\s+|my\\s+)?(?:(?:folder|vfolder)\\s+)?${NAME}(?:\\s+(?:folder|vfolder))?`, 'i').exec(c.masked) ??
        new RegExp(`${NAME}\\s*(?:폴더|볼륨)?\\s*(?:에|안에|아래에|밑에)`).exec(c.masked);
      const folderName = folder ? cleanName(unmask(folder[1]!, c.quotes)) : undefined;
      const rest = folder ? blank(c, [{ start: folder.index, end: folder.index + folder[0].length }]) : c;
      const dir =
        new RegExp(`(?:directory|directories|subfolder|sub-folder|subdirectory|subdir|dir|mkdir|path|folder)\\s+(?:named\\s+|called\\s+)?${NAME.replace('[A-Za-z0-9_.\\-]*', '[A-Za-z0-9_.\\-/]*')}`, 'i').exec(rest.masked) ??
        new RegExp(`${NAME.replace('[A-Za-z0-9_.\\-]*', '[A-Za-z0-9_.\\-/]*')}\\s*(?:이라는\\s*|라는\\s*)?(?:directory|dir|subdir|subdirectory|subfolder|디렉터리|디렉토리|하위\\s*폴더|폴더)(?![A-Za-z])`, 'i').exec(rest.masked);
      // "named checkpoints/epoch-1", "mkdir -p a/b/c": a directory name may be a path
      const namedPath =
        /(?:named|called)\s+([A-Za-z0-9_.\-]+(?:\/[A-Za-z0-9_.\-]+)+)/i.exec(unmask(rest.masked, c.quotes))?.[1] ??
        /\bmkdir\s+(?:-p\s+)?([A-Za-z0-9_.\-]+(?:\/[A-Za-z0-9_.\-]+)*)\/?/i.exec(unmask(rest.masked, c.quotes))?.[1];
      // "create results/2024-q3 inside the datasets folder": a path with a slash is the directory
      const named = namedPath ?? explicitNames(rest)[0]?.value ?? extractPaths(rest).find((p) => /^[A-Za-z0-9_]/.test(p) && p.includes('/'));
      const dirWord = dir ? cleanName(unmask(dir[1]!, c.quotes)) : undefined;
      const path = named ?? (dirWord && !/^(?:a|an|the|new|one|another|some|my|this|that|in|inside|of)$/i.test(dirWord) ? dirWord : undefined);
      // "inside it": the folder is the one just named (resolved later)
      let name = folderName && !['the', 'a', 'it', 'that', 'this', 'there'].includes(folderName.toLowerCase()) ? folderName : undefined;
      // "mkdir api_helper/tests": with no folder named, the path starts with it
      let dirPath = path;
      if (!name && dirPath && /^[A-Za-z0-9_][^/]*\/./.test(dirPath) && !/\b(?:it|that|this)\b|그\s*폴더|거기/.test(lower)) {
        const [head, ...tail] = dirPath.split('/');
        name = head;
        dirPath = tail.join('/');
      }
      if (!name) missing.push('name');
      if (!dirPath) missing.push('path');
      return { intent: { kind, ...(name ? { name } : {}), ...(dirPath ? { path: dirPath } : {}) }, missing };
    }
    case 'folder.rename': {
      const pair = renamePair(c);
      const name = pair.from ?? targetNames(c, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true).find((n) => n !== pair.to);
      if (!name) missing.push('name');
      if (!pair.to) missing.push('newName');
      return { intent: { kind, ...(name ? { name } : {}), ...(pair.to ? { newName: pair.to } : {}) }, missing };
    }
    case 'folder.share': {
      const emails = extractEmails(c);
      const c2 = blank(c, [...c.masked.matchAll(/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g)].map((m) => ({ start: m.index, end: m.index + m[0].length })));
      // "invite bob@… to datasets", "give … access to models": the folder after "to"
      const toFolder = /\b(?:invite|add|access|permission|rights?)\b/i.test(c2.masked)
        ? [...c2.masked.matchAll(new RegExp(`\\b(?:to|on|for)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-@])`, 'gi'))]
            .map((m) => cleanName(unmask(m[1]!, c.quotes)))
            .filter((v) => !isStopWord(v) || isSoftName(v))
        : [];
      // "let bob@… read api_helper", "allow … to edit datasets": the folder is the object of the permission verb
      const letFolder = /\b(?:let|allow)\b/i.test(c2.masked)
        ? [...c2.masked.matchAll(new RegExp(`\\b(?:read|write|access|use|see|view|edit|open|modify)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-@])`, 'gi'))]
            .map((m) => cleanName(unmask(m[1]!, c.quotes)))
            .filter((v) => !isStopWord(v) || isSoftName(v))
        : [];
      // "colleague@…이 datasets 좀 볼 수 있게": the folder is the object of the Korean "can see / use"
      const koFolder = [...c2.masked.matchAll(new RegExp(`${NAME}\\s*(?:폴더)?\\s*(?:을|를|은|는|도)?\\s*(?:좀\\s*)?(?:볼|읽을|쓸|사용할|접근할|열어\\s*볼|수정할|편집할)\\s*수\\s*있(?:게|도록)`, 'g'))]
        .map((m) => cleanName(unmask(m[1]!, c.quotes)))
        .filter((v) => !isStopWord(v) || isSoftName(v));
      const many = folderBulk(c2, c2.lower);
      const name = many.bulk ? undefined : [...targetNames(c2, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true), ...toFolder, ...letFolder, ...koFolder].find((n) => !/^(?:with|to)$/i.test(n));
      // "let bob@… read api_helper" / "… edit …": the verb says the permission
      const permission = extractPermission(lower) ?? (/\b(?:let|allow)\b[^.;]*?\b(?:write|edit|modify)\b/.test(c2.lower) ? 'rw' : /\b(?:let|allow)\b[^.;]*?\b(?:read|see|view)\b/.test(c2.lower) ? 'ro' : undefined);
      if (many.bulk) {
        if (emails.length === 0) missing.push('emails');
        return { intent: { kind, bulk: many.bulk, emails, ...(permission ? { permission } : {}) }, missing };
      }
      if (!name) missing.push('name');
      if (emails.length === 0) missing.push('emails');
      return { intent: { kind, ...(name ? { name } : {}), emails, ...(permission ? { permission } : {}) }, missing };
    }
    case 'folder.download':
    case 'folder.delete_files':
    case 'folder.rename_file':
    case 'folder.move_file': {
      // "… and everything in it from the datasets folder": a pronoun names no folder
      const folder = [...c.masked.matchAll(new RegExp(`(?:from|in|inside|of)\\s+(?:the\\s+|my\\s+)?(?:folder\\s+)?${NAME}(?:\\s+folder)?|${NAME}\\s*폴더|${NAME}\\s*(?:에\\s*있는|안에\\s*있는|안의|에서)`, 'gi'))].find(
        (m) => !/^(?:it|them|that|this|there|here|same)$/i.test(m[1] ?? m[2] ?? m[3] ?? ''),
      );
      const name = folder ? cleanName(unmask(folder[1] ?? folder[2] ?? folder[3]!, c.quotes)) : undefined;
      // "…, but leave models/llama-3-8b alone": what the request spares is no path to act on
      const spare = [...c.lower.matchAll(/\b(?:but\s+)?(?:leave|keep)\s+[^,;.!?]{1,60}?\s+(?:alone|untouched|intact|as\s+(?:it\s+)?is)\b|(?:^|[,;\u2014\u2013-]\s*|\bbut\s+)(?:keep|spare)\s+(?:the\s+|my\s+)?[\w./-]+(?:\s+(?:from|in|inside)\s+(?:the\s+|my\s+)?[\w.-]+)?/g)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
      const rest = blank(c, [...(folder ? [{ start: folder.index, end: folder.index + folder[0].length }] : []), ...spare]);
      const text = unmask(rest.masked, c.quotes);
      // "to main.py", "into src", "under archive/", "main.py로 바꿔", "mnist-raw로 (이름) 변경"
      const to = /\b(?:be\s+)?(?:named|called)\s+([A-Za-z0-9_./-]+)\s*[.?!]?\s*$|\b(?:to|into|under|as)\s+(?:the\s+)?(?!it\b|that\b|be\b)([A-Za-z0-9_./-]+)(?:\s+(?:directory|dir|folder|subfolder))?\s*[.?!]?\s*$|\b(?:to|into|under|as)\s+(?:the\s+)?(?!it\b|that\b|be\b)([A-Za-z0-9_./-]+)|([A-Za-z0-9_./-]+)\s*(?:으로|로)\s*(?:(?:이름\s*(?:을|를)?\s*)?(?:옮|이동|바꿔|바꾸|변경))/.exec(text);
      const dest = to ? (to[1] ?? to[2] ?? to[3] ?? to[4])!.replace(/[.?!]$/, '') : undefined;
      // "the cifar10 directory", "mnist 디렉터리": a directory named in words is a path too
      // ("the old cifar10 data from datasets": data, files or a dataset inside a folder are a path there)
      const dirNames = nounNames(rest, kind === 'folder.delete_files' ? 'directory|directories|dir|subfolder|sub-folder|subdirectory|data|files|dataset|stuff' : 'directory|directories|dir|subfolder|sub-folder|subdirectory', '디렉터리|디렉토리|하위\\s*폴더', true).map((h) => h.value);
      const paths = [...extractPaths(rest), ...dirNames.filter((d) => !extractPaths(rest).includes(d))];
      // "delete datasets/mnist" (from datasets): the folder's own name is not part of the path inside it
      // ("… datasets/mnist is fine, delete requirements.txt from api_helper": a path under another folder is not in this one)
      const filePaths = paths.filter((p) => p !== dest && p !== name && !FILLER_WORD.test(p.replace(/[.!?,]+$/, '')) && !(name && /^[A-Za-z0-9_][^/]*\//.test(p) && !p.startsWith(`${name}/`) && !p.startsWith('./'))).map((p) => (name && p.startsWith(`${name}/`) && p.length > name.length + 1 ? p.slice(name.length + 1) : p));
      // "move mnist to legacy/mnist", "move mnist and then cifar10 into it", "mnist를 legacy로 옮겨": the verb's objects are paths even without an extension
      if (filePaths.length === 0) {
        const WORD = '[A-Za-z0-9_][A-Za-z0-9_.\\/-]*';
        const object = new RegExp(`\\b(?:move|mv|rename|delete|remove|rm|trash|nuke|erase|wipe|discard)\\s+(?:the\\s+)?(${WORD}(?:\\s*(?:,|and(?:\\s+then)?|&|then)\\s*(?:the\\s+)?${WORD})*)|(?:^|\\s)(${WORD})\\s*(?:을|를)\\s|(?:^|\\s)(${WORD})\\s*(?:디렉터리|디렉토리|파일)?\\s*(?:삭제|지워|지우|제거|옮겨|이동)`, 'i').exec(text);
        const words = object ? (object[1] ?? object[2] ?? object[3])!.split(/\s*(?:,|\band\b(?:\s+then)?|&|\bthen\b)\s*/i).map((w) => w.replace(/^the\s+/i, '').trim()) : [];
        for (const word of words) {
          if (word && word !== dest && word !== name && !/^(?:it|that|this|them|file|files|folder|directory|dir|everything|all|some|any|a|an|the|few|several|old|unused|large|big|my|our|into|to)$/i.test(word)) filePaths.push(word);
        }
      }
      if (!name) missing.push('name');
      if (filePaths.length === 0) missing.push('paths');
      if (kind === 'folder.download') return { intent: { kind, ...(name ? { name } : {}), paths: filePaths }, missing };
      const into = kind === 'folder.move_file' && /\b(?:into|under|inside)\s+/i.test(text);
      const extra = kind === 'folder.rename_file' ? (dest ? { newName: dest } : {}) : kind === 'folder.move_file' ? { ...(dest ? { destination: dest } : {}), ...(into ? { intoDirectory: true } : {}) } : {};
      if (kind !== 'folder.delete_files' && !dest) missing.push(kind === 'folder.rename_file' ? 'newName' : 'destination');
      return { intent: { kind, ...(name ? { name } : {}), paths: filePaths, ...extra }, missing };
    }
    case 'resource.presets': {
      const group = extractScalingGroup(c);
      const preset = extractPreset(c);
      return { intent: { kind, ...(group ? { scalingGroup: group.value } : {}), ...(preset ? { preset } : {}) }, missing };
    }
    case 'resource.remaining':
    case 'resource.groups':
    case 'resource.slots':
    case 'resource.usage':
    case 'resource.policy': {
      const group = extractScalingGroup(c);
      return { intent: { kind, ...(group && kind !== 'resource.groups' ? { scalingGroup: group.value } : {}) }, missing };
    }
    case 'image.list': {
      const image = extractImage(c);
      return { intent: { kind, ...(image ? { filter: image.value } : {}) }, missing };
    }
    case 'service.create': {
      const image = extractImage(c);
      const runtime = /\b(vllm|tgi|huggingface-tgi|nim|triton|sglang|modular-max|cmd|custom)\b/i.exec(lower)?.[1];
      const replicas = extractReplicas(lower);
      const rest = blank(c, [...(image ? [image] : []), ...(replicas?.spans ?? [])]);
      const folderNames = nounNames(rest, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true).map((h) => h.value).filter((n) => !/^models?$/i.test(n) || /\b(?:the|my|our)\s+models?\s+(?:folder|vfolder)|models?\s+폴더/.test(lower));
      const explicit = explicitNames(rest).map((h) => h.value);
      const serviceNoun = nounNames(rest, SERVICE_NOUNS_EN, SERVICE_NOUNS_KO, false).map((h) => h.value);
      // "deploy models as llama-chat": a name after "as" (not "as a service")
      const asName = [...rest.masked.matchAll(new RegExp(`\\bas\\s+(?:an?\\s+)?(?:(?:model\\s+|inference\\s+)?(?:service|endpoint)\\s+)?${NAME}(?![A-Za-z0-9_.\\-])`, 'gi'))]
        .map((m) => cleanName(unmask(m[1]!, c.quotes)))
        .filter((v) => looksLikeIdentifier(v) && !/^(?:vllm|tgi|nim|sglang|triton|custom|cmd)$/i.test(v));
      const name = explicit.find((n) => n !== folderNames[0]) ?? serviceNoun.find((n) => !folderNames.includes(n)) ?? asName[0];
      // ("serve only the X subdirectory of models": X is inside the model folder, not the folder)
      const deployed = new RegExp(`(?<![A-Za-z0-9_\\-])(?:serve|deploy|host|서빙|배포)\\s+(?:only\\s+|just\\s+)?(?:the\\s+|my\\s+|a\\s+)?(?:model\\s+)?${NAME}(?![A-Za-z0-9_.\\-])(?!\\s+(?:weights|checkpoints?|sub-?directory|subdir|subfolder|directory|dir|folder)\\s+(?:from|in|inside|of|under)\\b)`, 'i').exec(rest.masked);
      const group = extractScalingGroup(rest);
      let modelFolder = folderNames[0];
      if (!modelFolder && deployed) {
        const v = cleanName(unmask(deployed[1]!, c.quotes));
        if (v !== name && !/^(?:model|it|with|as|using|on|in|from|the|my|a|only|just)$/i.test(v)) modelFolder = v;
      }
      if (!modelFolder) {
        // "a service called X from models", "serve the model in models"
        const source = new RegExp(`\\b(?:from|in|of)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-])`, 'gi');
        for (const m of rest.masked.matchAll(source)) {
          const v = cleanName(unmask(m[1]!, c.quotes));
          if (v !== name && v !== group?.value && (!isStopWord(v) || isSoftName(v))) {
            modelFolder = v;
            break;
          }
        }
      }
      if (!modelFolder) {
        const ko = new RegExp(`${NAME}\\s*(?:모델|폴더)?\\s*(?:을|를)?\\s*(?:\\S+\\s+)?(?:서빙|배포)`).exec(rest.masked);
        const v = ko ? cleanName(unmask(ko[1]!, c.quotes)) : undefined;
        if (v && v !== name && !/^(?:vllm|tgi|nim|sglang|triton|custom|cmd)$/i.test(v)) modelFolder = v;
      }
      if (!modelFolder) {
        // "models로 vllm 서비스 …": the folder the service is made from (not the runtime: "vllm으로")
        for (const m of rest.masked.matchAll(new RegExp(`${NAME}\\s*(?:폴더\\s*)?(?:으로|로)(?=\\s|$)`, 'g'))) {
          const v = cleanName(unmask(m[1]!, c.quotes));
          if (v !== name && v !== group?.value && !/^(?:vllm|tgi|nim|sglang|triton|custom|cmd|huggingface-tgi|modular-max)$/i.test(v)) {
            modelFolder = v;
            break;
          }
        }
      }
      if (!modelFolder) missing.push('modelFolder');
      // "the llama-3-8b weights from my models folder": a directory inside the model folder
      const sub = modelFolder
        ? new RegExp(`(?:serve|deploy|host|\\bthe|\\bmy)\\s+(?:only\\s+)?(?:the\\s+)?${NAME}\\s+(?:weights|checkpoints?|model|directory|dir|subfolder|sub-?directory|subdir|folder)\\s+(?:from|in|inside|of|under)\\s+(?:the\\s+|my\\s+)?${escapeRe(modelFolder)}\\b|${escapeRe(modelFolder)}\\s*(?:폴더)?\\s*(?:의|안의|안에\\s*있는|에\\s*있는)\\s*${NAME}`, 'i').exec(rest.masked)
        : null;
      const subpath = sub ? cleanName(unmask((sub[1] ?? sub[2])!, c.quotes)) : undefined;
      // "model definition at llama-3-8b/model-definition.yaml"
      const definition = /model[\s-]*definition(?:\s+file)?\s*(?:at|is|in|:|=|from)?\s*([A-Za-z0-9_.\-/]+\.ya?ml)\b|([A-Za-z0-9_.\-/]*model-definition\.ya?ml)\b/i.exec(unmask(c.masked, c.quotes));
      const modelDefinitionPath = definition ? (definition[1] ?? definition[2])! : undefined;
      const imageValue = image && !/^(?:vllm|tgi|triton|sglang)$/i.test(image.value) ? image.value : undefined;
      const intent: Intent = {
        kind,
        resources,
        environ: envFound.env,
        ...(name ? { name } : {}),
        ...(modelFolder ? { modelFolder } : {}),
        ...(subpath && subpath !== modelFolder && subpath !== name ? { modelSubpath: subpath } : {}),
        ...(modelDefinitionPath ? { modelDefinitionPath } : {}),
        ...(runtime ? { runtimeVariant: runtime.toLowerCase() === 'huggingface-tgi' ? 'huggingface-tgi' : runtime.toLowerCase() } : {}),
        ...(imageValue ? { image: imageValue } : {}),
        ...(replicas ? { replicas: replicas.value } : {}),
        ...(group ? { scalingGroup: group.value } : {}),
        ...(/\bpublic(?:ly)?\b|open\s+to\s+(?:the\s+)?public|공개/.test(lower) ? { openToPublic: true } : {}),
      };
      return { intent, missing };
    }
    case 'service.delete':
    case 'service.info':
    case 'service.scale':
    case 'service.token': {
      const replicas = kind === 'service.scale' ? extractReplicas(lower) : undefined;
      const duration = kind === 'service.token' ? extractDuration(lower) : undefined;
      const rest = blank(c, replicas?.spans ?? []);
      const names = targetNames(rest, SERVICE_NOUNS_EN, SERVICE_NOUNS_KO, true).filter((n) => !/^(?:token|for|to)$/i.test(n) && !/^\d+[smhdw]$/.test(n));
      const name = names[0];
      if (!name) missing.push('name');
      if (kind === 'service.scale' && !replicas) missing.push('replicas');
      return { intent: { kind, ...(name ? { name } : {}), ...(replicas ? { replicas: replicas.value } : {}), ...(duration ? { duration: duration.compact } : {}) }, missing };
    }
    case 'service.list':
    case 'project.list':
    case 'service.runtimes':
    case 'folder.invitations':
      return { intent: { kind }, missing };
    case 'auth.whoami':
      return { intent: { kind }, missing };
    case 'auth.update_name': {
      // the new name is free text: quoted, or what follows "to" / precedes "(으)로"
      const text = unmask(c0.masked, c0.quotes);
      const quoted = c0.quotes.length ? c0.quotes[0] : undefined;
      const m = quoted === undefined
        ? /\bname\s+(?:to|as|should\s+be|is)\s+(.+?)\s*[.!]?\s*$|\bcall\s+me\s+(.+?)\s*[.!]?\s*$|(?:이름|닉네임)\s*(?:을|를|은|는)?\s*(.+?)\s*(?:으로|로)\s*(?:바꿔|바꾸|변경|수정|설정)/i.exec(text)
        : null;
      // ("… to Minji Park, please?": the politeness and the question mark are not part of the name)
      const fullName = (quoted ?? m?.[1] ?? m?.[2] ?? m?.[3])
        ?.trim()
        .replace(/[,\s]+(?:please|pls|plz|thanks|thank\s+you|if\s+you\s+can|if\s+possible)\b.*$/i, '')
        .replace(/\s*[?!.]+$/, '')
        .replace(/^["'“”‘’]|["'“”‘’]$/g, '');
      if (!fullName) missing.push('fullName');
      return { intent: { kind, ...(fullName ? { fullName } : {}) }, missing };
    }
    case 'session.interrupt':
    case 'session.start_service':
    case 'session.stop_service':
    case 'session.restart':
    case 'session.files':
    case 'session.commit': {
      const app = kind === 'session.start_service' || kind === 'session.stop_service' ? extractApp(lower) : undefined;
      // "commit train-job-1 as my-env", "…을 my-env라는 이름으로 저장", "이미지 이름은 my-env"
      const file = kind === 'session.commit'
        ? (new RegExp(`(?:image|이미지)\\s*(?:name(?![a-z])|이름)\\s*(?:은|는|을|를|:|=|is|as|should\\s+be|will\\s+be)?\\s*${NAME}`, 'i').exec(c.masked) ??
          new RegExp(`\\b(?:as|named|called|to)\\s+(?:an?\\s+)?(?:image\\s+)?(?:(?:file|named|called)\\s+)?${NAME}(?![A-Za-z0-9_.\\-])|${NAME}\\s*(?:이라는|라는)\\s*(?:이름|파일)`, 'i').exec(c.masked))
        : null;
      const fileName = file ? cleanName(unmask((file[1] ?? file[2] ?? file[3])!, c.quotes)) : undefined;
      const filename = fileName && looksLikeIdentifier(fileName) ? fileName : undefined;
      // "relaunch X and call the new one Y", "X 재시작해서 새 세션 이름은 Y로"
      const renamed = kind === 'session.restart'
        ? new RegExp(`\\b(?:call|name)\\s+(?:the\\s+new\\s+one|it|the\\s+new\\s+session)\\s+${NAME}|\\b(?:as|into)\\s+(?:a\\s+new\\s+session\\s+(?:named|called)\\s+)?${NAME}(?![A-Za-z0-9_.\\-])|새\\s*(?:세션|거)\\s*(?:이름\\s*(?:은|는)?\\s*)?${NAME}`, 'i').exec(c.masked)
        : null;
      const newNameRaw = renamed ? cleanName(unmask((renamed[1] ?? renamed[2] ?? renamed[3])!, c.quotes)) : undefined;
      const newName = newNameRaw && looksLikeIdentifier(newNameRaw) ? newNameRaw : undefined;
      // "…, keep the session alive" says what to spare, not which session
      const spare = /\b(?:but\s+)?(?:keep|leave)\s+(?:the\s+|my\s+)?session\s+\w+|\b(?:the\s+|my\s+)?session\s+(?:itself\s+)?(?:stays|remains|keeps\s+running|lives)\b(?:\s+(?:up|alive|on|running))?|세션\s*(?:은|는)?\s*\S+/i.exec(lower);
      const spans = [
        ...(app ? [{ start: lower.indexOf(app.text), end: lower.indexOf(app.text) + app.text.length }] : []),
        ...(spare ? [{ start: spare.index, end: spare.index + spare[0].length }] : []),
        ...(file && filename ? [{ start: file.index, end: file.index + file[0].length }] : []),
        ...(renamed && newName ? [{ start: renamed.index, end: renamed.index + renamed[0].length }] : []),
      ];
      const target = sessionTarget(blank(c, spans), lower);
      if (target.names.length === 0 && !target.all && !target.described) missing.push('target');
      const dirPath = kind === 'session.files' ? extractPaths(c).find((p) => p.startsWith('/') || p.includes('/')) : undefined;
      const changed = kind === 'session.restart' && Object.keys(resources).length ? { resources } : {};
      // "make it bigger", "relaunch X with more memory": more, but how much is not said
      const resizeUnsaid = kind === 'session.restart' && !Object.keys(resources).length &&
        (RESIZE_EN.test(lower) || RESIZE_KO.test(lower) || /\b(?:more|extra|additional|bigger|larger)\s+(?:memory|ram|gpus?|fgpus?|cpus?|cores?|resources|shm)\b|더\s*(?:많은|큰)|(?:메모리|gpu|cpu|코어)[^.]{0,10}더\s*필요|늘려/i.test(lower));
      return { intent: { kind, target, ...(app ? { app: app.value } : {}), ...(filename ? { filename } : {}), ...(newName ? { newName } : {}), ...(dirPath ? { path: dirPath } : {}), ...changed, ...(resizeUnsaid ? { resizeUnsaid } : {}) }, missing };
    }
    case 'folder.update_options':
    case 'folder.clone': {
      // "duplicate the models folder as models-backup", "models 폴더를 models-backup으로 복제"
      const copyName = kind === 'folder.clone'
        ? new RegExp(`\\b(?:as|to|into|named|called)\\s+(?:the\\s+|a\\s+)?(?:new\\s+)?(?:folder\\s+|copy\\s+)?(?:(?:named|called)\\s+)?${NAME}|${NAME}\\s*(?:으로|로|라는\\s*이름으로)\\s*(?:복제|복사|클론)|(?:복제|복사|클론)(?:해서|하여|해)\\s*${NAME}\\s*(?:을|를)?\\s*(?:만들|생성)|(?:이름|name)\\s*(?:은|는|:|=|is)\\s*${NAME}`, 'i').exec(c.masked)
        : null;
      const newName = copyName ? cleanName(unmask((copyName[1] ?? copyName[2] ?? copyName[3] ?? copyName[4])!, c.quotes)) : undefined;
      const rest = copyName ? blank(c, [{ start: copyName.index, end: copyName.index + copyName[0].length }]) : c;
      // the folder is the verb's object even without the word "folder": "make api_helper read-only", "datasets를 읽기 전용으로"
      const object = new RegExp(`\\b(?:make|set|mark|turn|switch|flip|lock|freeze|clone|duplicate|copy)\\s+(?:of\\s+)?(?:the\\s+|my\\s+)?(?!(?:a|an)\\s)${NAME}(?![A-Za-z0-9_.\\-])|^\\s*${NAME}\\s*(?:폴더\\s*)?(?:을|를|은|는)`, 'i').exec(rest.masked);
      const objectName = object ? cleanName(unmask((object[1] ?? object[2])!, c.quotes)) : undefined;
      const many = kind === 'folder.update_options' ? folderBulk(rest, rest.lower) : { spans: [] };
      if (many.bulk) {
        const permission = extractPermission(lower);
        const cloneable = CLONEABLE_WORD.test(lower) ? !NOT_CLONEABLE.test(lower) : undefined;
        return { intent: { kind, bulk: many.bulk, ...(permission ? { permission } : {}), ...(cloneable !== undefined ? { cloneable } : {}) }, missing };
      }
      const name =
        targetNames(rest, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true).find((n) => n !== newName) ??
        (objectName && objectName !== newName && (object?.[2] !== undefined || looksLikeIdentifier(objectName) || ((kind === 'folder.clone' || !isStopWord(objectName) || isSoftName(objectName)) && !/^(?:it|this|that|them|everything|folder|one|all|read|a|an|the|clone|copy|duplicate)$/i.test(objectName)))
          ? objectName
          : undefined);
      if (!name) missing.push('name');
      const permission = kind === 'folder.update_options' ? extractPermission(lower) : undefined;
      const cloneable = kind === 'folder.update_options' && CLONEABLE_WORD.test(lower) ? !NOT_CLONEABLE.test(lower) : undefined;
      return {
        intent: { kind, ...(name ? { name } : {}), ...(permission ? { permission } : {}), ...(cloneable !== undefined ? { cloneable } : {}), ...(newName ? { newName } : {}) },
        missing,
      };
    }
  }
}

/** "it"/"그 폴더" in a later clause → the folder (or session) an earlier clause named. */
/** Chat filler that is never a file: "… in my datasets folder thx". */
const FILLER_WORD = /^(?:thx|thanks|ty|pls|plz|please|asap|ok|okay|now|lol|btw|fyi)$/i;

/** Folder tasks that act on one named folder. */
const FOLDER_NAMED_KINDS = new Set<IntentKind>(['folder.update_options', 'folder.delete', 'folder.share', 'folder.files', 'folder.info', 'folder.clone', 'folder.rename', 'folder.mkdir']);

/** Session tasks that act on one named session. */
const SESSION_TARGET_KINDS = new Set<IntentKind>(['session.destroy', 'session.restart', 'session.commit', 'session.rename', 'session.interrupt', 'session.info', 'session.logs']);

/**
 * "notebook-old has been idle for days, go ahead and shut it down", "i installed packages in
 * notebook-old …, save that environment as an image": a session task that says "it" / "that"
 * with no session of its own acts on the one name the story before it mentioned — only when
 * exactly one name there is not already used by another task.
 */
function nameFromStory(intents: ParsedIntent[], prepared: { masked: string; quotes: string[] }): void {
  const text = unmask(prepared.masked, prepared.quotes);
  const used = new Set<string>();
  for (const p of intents) {
    const i = p.intent as unknown as Record<string, unknown>;
    for (const k of ['name', 'newName', 'modelFolder'] as const) if (typeof i[k] === 'string') used.add(i[k] as string);
    for (const m of (i.mounts as Array<{ name: string }> | undefined) ?? []) used.add(m.name);
    for (const n of (i.target as { names?: string[] } | undefined)?.names ?? []) used.add(n);
  }
  // "people keep overwriting server.py in api_helper. make that folder read-only": a folder task's "that folder"
  for (const p of intents) {
    const i = p.intent as { kind: string; name?: string };
    if (!FOLDER_NAMED_KINDS.has(p.intent.kind) || i.name || !p.missing.includes('name')) continue;
    if (!/\b(?:it|that\s+(?:folder|one|vfolder)|this\s+folder|the\s+folder)\b|그\s*폴더|거기/i.test(p.span)) continue;
    const at = text.indexOf(p.span);
    if (at <= 0) continue;
    const before = text.slice(0, at);
    const story: Clause = { masked: before, lower: lowerAscii(before), quotes: [] };
    // a file name is inside the folder, not the folder
    const names = [...new Set(bareIdentifiers(story).map((h) => h.value))].filter((n) => !used.has(n) && !EMAIL.test(n) && !/\.[A-Za-z0-9]{1,8}$/.test(n));
    EMAIL.lastIndex = 0;
    if (names.length !== 1) continue;
    i.name = names[0]!;
    p.missing = p.missing.filter((m) => m !== 'name');
  }
  for (const p of intents) {
    const target = (p.intent as { target?: { names: string[] } }).target;
    // "X is idle. Y is idle too. shut it down": one "it" for two names is a question, not both
    if (SESSION_TARGET_KINDS.has(p.intent.kind) && target && target.names.length > 1 && /\b(?:it|that\s+one|this\s+one)\b/i.test(p.span) && !/\b(?:them|both|all|these|those|each|every|and\s+(?:it|that))\b|둘\s*다|모두|전부/i.test(p.span)) {
      target.names = [];
      p.missing = [...p.missing.filter((m) => m !== 'target'), 'target'];
      continue;
    }
    if (!SESSION_TARGET_KINDS.has(p.intent.kind) || !p.missing.includes('target')) continue;
    if (!/\b(?:it|that|this|that\s+(?:one|environment|session|thing)|the\s+(?:thing|environment))\b|그거|그걸|그\s*세션|그\s*환경/i.test(p.span)) continue;
    const at = text.indexOf(p.span);
    if (at <= 0) continue;
    const before = text.slice(0, at);
    const story: Clause = { masked: before, lower: lowerAscii(before), quotes: [] };
    const names = [...new Set(bareIdentifiers(story).map((h) => h.value))].filter((n) => !used.has(n) && !EMAIL.test(n));
    EMAIL.lastIndex = 0;
    if (names.length !== 1) continue;
    (p.intent as { target: { names: string[] } }).target.names = [names[0]!];
    p.missing = p.missing.filter((m) => m !== 'target');
  }
}

function resolveReferences(intents: ParsedIntent[]): void {
  let lastFolder: string | undefined;
  let lastSession: string | undefined;
  /** an earlier session.create with no name yet: the proposer names it */
  let lastCreated: number | undefined;
  let lastService: string | undefined;
  for (const [index, p] of intents.entries()) {
    const refers = /\b(?:it|its|that|this|them|there|the\s+(?:new|same)\s+(?:one|folder|session|service))\b|그\s*(?:폴더|세션|서비스)|이\s*(?:폴더|세션)|그거|그걸|그것|방금|거기|그곳/i.test(p.span);
    // "deploy X …, show me its details, then delete it": "it" is the service just deployed, not a session
    const prevKind = intents[index - 1]?.intent.kind;
    if (refers && lastService && (prevKind?.startsWith('service.') ?? false) && (p.intent.kind === 'session.info' || p.intent.kind === 'session.destroy') &&
      p.intent.target?.names.length === 0 && !/\bsessions?\b|세션/i.test(p.span)) {
      p.intent = { kind: p.intent.kind === 'session.info' ? 'service.info' : 'service.delete', name: lastService };
      p.missing = p.missing.filter((m) => m !== 'target');
    }
    const i = p.intent;
    if (i.kind === 'session.create') {
      // "check whether the gpu-large preset fits, and if it does, start a session with it"
      const prevIntent = intents[index - 1]?.intent;
      if (!i.preset && refers && prevIntent?.kind === 'resource.presets' && prevIntent.preset && !i.resources.accelerator && i.resources.cpu === undefined) i.preset = prevIntent.preset;
      // "rename api_helper to api-tools, then start a session with it mounted": a bare name renamed just before is
      // the folder "it" means (the planner reads a bare rename as a folder's when the name is a folder)
      const before = intents[index - 1];
      const renamedBare = !lastFolder && before?.intent.kind === 'session.rename' && before.intent.newName && !/\bsessions?\b|세션/i.test(before.span) ? before.intent.newName : undefined;
      const it = lastFolder ?? renamedBare;
      const mounts = i.mounts.flatMap((m) => (m.name === PRONOUN ? (it ? [{ ...m, name: it }] : []) : [m]));
      // "mount it" with nothing before it to be: ask which folder rather than start without it
      // (an "it" beside named folders is the session: "mount datasets into it", "name it X")
      if (!it && i.mounts.length > 0 && i.mounts.every((m) => m.name === PRONOUN) && /\bmount|\battach|마운트|붙여|붙이/i.test(p.span)) i.mountUnnamed = true;
      // "X 폴더를 만들고 … 세션에 마운트해줘": mounting with no folder named mounts the one just named
      if (mounts.length === 0 && lastFolder && /\bmount(?:ed|ing|s)?\b|\battach(?:ed|ing)?\b|마운트|붙여|붙이|붙인|연결/i.test(p.span)) mounts.push({ name: lastFolder });
      i.mounts = mounts;
      lastSession = i.name;
      lastCreated = i.name ? undefined : index;
    } else if (i.kind.startsWith('folder.') && i.kind !== 'folder.list') {
      const f = i as { name?: string };
      // "results-q3 폴더 만들어서 colleague한테 초대해줘": a folder task right after a create is about that folder
      const followsCreate = ['folder.create', 'folder.rename'].includes(intents[index - 1]?.intent.kind ?? '') && ['folder.share', 'folder.mkdir', 'folder.update_options', 'folder.info', 'folder.files', 'folder.clone'].includes(i.kind);
      if (!f.name && (refers || followsCreate) && lastFolder && i.kind !== 'folder.create') {
        f.name = lastFolder;
        p.missing = p.missing.filter((m) => m !== 'name');
      }
      // "rename api_helper to api-core and then share it": a bare name the planner will find is a folder
      const prev = intents[index - 1];
      if (!f.name && refers && !lastFolder && i.kind !== 'folder.create' && prev && (prev.intent.kind === 'session.rename' || prev.intent.kind === 'session.destroy') &&
        prev.intent.target?.names.length === 1 && !/\bsessions?\b|세션/i.test(prev.span)) {
        f.name = prev.intent.kind === 'session.rename' && prev.intent.newName ? prev.intent.newName : prev.intent.target.names[0];
        p.missing = p.missing.filter((m) => m !== 'name');
      }
      // "보냈다가 바로 다시 복구해줘", "trash X, then purge it": restore/purge right after a delete is that folder
      if (!f.name && (i.kind === 'folder.restore' || i.kind === 'folder.purge') && intents[index - 1]?.intent.kind === 'folder.delete' && lastFolder) {
        f.name = lastFolder;
        p.missing = p.missing.filter((m) => m !== 'name');
      }
      if (f.name) lastFolder = i.kind === 'folder.rename' && i.newName ? i.newName : f.name;
      // "make a src directory and move server.py into it": "it" is the directory just made
      const before = intents[index - 1]?.intent;
      if (i.kind === 'folder.move_file' && !i.destination && refers && before?.kind === 'folder.mkdir' && before.path && before.name === f.name) {
        i.destination = before.path;
        i.intoDirectory = true;
        p.missing = p.missing.filter((m) => m !== 'destination');
      }
    } else if (
      i.kind === 'session.destroy' || i.kind === 'session.info' || i.kind === 'session.logs' || i.kind === 'session.status_history' || i.kind === 'session.rename' ||
      i.kind === 'session.restart' || i.kind === 'session.interrupt' || i.kind === 'session.commit' || i.kind === 'session.start_service' || i.kind === 'session.stop_service'
    ) {
      const target = i.target ?? { names: [] };
      // "세션 만들고 로그 보여줘", "start a session and show the logs": a read right after a create reads that session
      const follows = i.kind !== 'session.destroy' && i.kind !== 'session.rename' && ['session.create', 'session.rename'].includes(intents[index - 1]?.intent.kind ?? '');
      if (target.names.length === 0 && !target.all && (refers || follows) && (lastSession || lastCreated !== undefined)) {
        i.target = lastSession ? { ...target, names: [lastSession] } : { ...target, created: lastCreated };
        p.missing = p.missing.filter((m) => m !== 'target');
      }
      if (i.target?.names[0]) {
        // after "rename X to Y", "it" is Y
        lastSession = i.kind === 'session.rename' && i.newName ? i.newName : i.target.names[0];
        lastCreated = undefined;
      }
    } else if (i.kind === 'service.create') {
      if (!i.modelFolder && lastFolder && refers) {
        i.modelFolder = lastFolder;
        p.missing = p.missing.filter((m) => m !== 'modelFolder');
      }
      if (i.name) lastService = i.name;
    } else if (
      (i.kind === 'service.delete' || i.kind === 'service.info' || i.kind === 'service.token' || i.kind === 'service.scale') && !i.name && lastService &&
      // "deploy X, 배포되면 바로 레플리카 2개로 스케일": a service task right after a deploy is about that service
      (refers || (i.kind !== 'service.delete' && intents[index - 1]?.intent.kind === 'service.create'))
    ) {
      i.name = lastService;
      p.missing = p.missing.filter((m) => m !== 'name');
    }
  }
}

/**
 * Session settings past resources and image: a bootstrap script, ports to pre-open, a start
 * time for a batch job, sessions to wait for. Their spans are blanked before the startup command
 * and names are read, so "bootstrap script `pip install …`" is no startup command.
 */
function sessionExtras(c: Clause): { slots: Partial<Extract<Intent, { kind: 'session.create' }>>; spans: Span[] } {
  const spans: Span[] = [];
  const slots: Partial<Extract<Intent, { kind: 'session.create' }>> = {};
  const boot = new RegExp(`\\bbootstrap(?:\\s+script)?\\s*(?:[:=]|of|is|that\\s+runs)?\\s*(${PLACEHOLDER})|(${PLACEHOLDER})\\s*(?:을|를)?\\s*(?:부트스트랩|bootstrap)`, 'i').exec(c.masked);
  if (boot) {
    slots.bootstrapScript = unmask((boot[1] ?? boot[2])!, c.quotes);
    spans.push({ start: boot.index, end: boot.index + boot[0].length });
  } else {
    // "a bootstrap script that runs pip install -r requirements.txt": to the end of the clause
    const plain = /\bbootstrap(?:\s+script)?\s+(?:that\s+runs|which\s+runs|running|to\s+run|:|=)\s+(.+?)\s*[.!]?\s*$/i.exec(c.masked);
    if (plain) {
      slots.bootstrapScript = unmask(plain[1]!, c.quotes);
      spans.push({ start: plain.index, end: plain.index + plain[0].length });
    }
  }
  // "tag it ablation-3", "태그는 exp-1"
  const tag = new RegExp(`\\btag(?:ged)?\\s+(?:it\\s+)?(?:as\\s+|with\\s+)?${NAME}(?![A-Za-z0-9_.\\-])|태그\\s*(?:는|은|:|=)?\\s*${NAME}`, 'i').exec(c.masked);
  if (tag) {
    const value = cleanName(unmask((tag[1] ?? tag[2])!, c.quotes));
    if (value && !isStopWord(value)) {
      slots.tag = value;
      spans.push({ start: tag.index, end: tag.index + tag[0].length });
    }
  }
  const ports =
    /\b(?:pre-?open(?:s|ed)?|expose[sd]?|open(?:s|ed)?|forward(?:s|ed)?)\s+(?:(?:the\s+)?(?:container\s+)?ports?\s+)(\d{2,5}(?:\s*(?:,|and|&)\s*\d{2,5})*)|\bports?\s+(\d{2,5}(?:\s*(?:,|and|&)\s*\d{2,5})*)\s+(?:pre-?)?open(?:ed)?|포트\s*(\d{2,5}(?:\s*(?:,|와|과|랑|하고)\s*\d{2,5})*)\s*(?:번)?\s*(?:을|를|도)?\s*(?:미리\s*)?(?:열어|열고|오픈|개방)|(\d{2,5}(?:\s*(?:,|와|과|랑|하고)\s*\d{2,5})*)\s*(?:번\s*)?포트\s*(?:를|을|도)?\s*(?:미리\s*)?(?:열어|열고|오픈|개방)/i.exec(c.lower);
  if (ports) {
    const list = (ports[1] ?? ports[2] ?? ports[3] ?? ports[4])!.match(/\d{2,5}/g)!.map(Number).filter((p) => p > 0 && p < 65536);
    if (list.length) slots.preopenPorts = list;
    spans.push({ start: ports.index, end: ports.index + ports[0].length });
  }
  // "scheduled to start in 1 hour", "1시간 뒤에 시작"
  const later = /\b(?:start(?:s|ing)?|run(?:s|ning)?|begin(?:s|ning)?|kick(?:s)?\s+off)\s+(?:it\s+)?in\s+(\d+)\s*(h|hrs?|hours?|m|mins?|minutes?)\b|(\d+)\s*(시간|분)\s*(?:뒤|후)에?\s*(?:시작|실행|돌려|돌리)/i.exec(c.lower);
  if (later) {
    const n = (later[1] ?? later[3])!;
    const unit = (later[2] ?? later[4])!;
    slots.startsAt = `${n}${/^(?:h|hr|hrs|hour|hours|시간)$/.test(unit) ? 'h' : 'm'}`;
    spans.push({ start: later.index, end: later.index + later[0].length });
  }
  // "waits for train-job-1 to finish", "after train-job-1 is done", "train-job-1 끝나면"
  const dep = new RegExp(`\\b(?:waits?\\s+(?:for|until)|after|once|when)\\s+(?:the\\s+session\\s+)?${NAME}\\s+(?:to\\s+)?(?:finish(?:es|ed)?|is\\s+(?:done|finished|complete)|complete[sd]?|end(?:s|ed)?|has\\s+finished)|\\bdepends?\\s+on\\s+(?:the\\s+session\\s+)?${NAME}|${NAME}\\s*(?:세션)?\\s*(?:이|가)?\\s*(?:끝나면|끝난\\s*(?:뒤|후|다음)에?|완료되면|끝나고)`, 'i').exec(c.masked);
  if (dep) {
    const name = cleanName(unmask((dep[1] ?? dep[2] ?? dep[3])!, c.quotes));
    if (name && !isStopWord(name)) {
      slots.dependencies = [name];
      spans.push({ start: dep.index, end: dep.index + dep[0].length });
    }
  }
  return { slots, spans };
}

/** A file name with a known extension, or a relative path: something inside a folder. */
const FILE_PATH =
  /(?<![\w@/.-])(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_-]+\.(?:py|ipynb|txt|json|jsonl|csv|tsv|ya?ml|md|sh|log|pt|pth|ckpt|bin|safetensors|parquet|h5|onnx|tar|gz|tgz|zip|toml|cfg|ini|pkl|npy|npz|png|jpe?g|html|js|ts)(?![\w.])|(?<![\w@/.:-])[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)+\/?(?![\w/:.])/i;

/** Classify one clause and build its intent; undefined when it asks for no task. */
/**
 * A prohibition is never a task: "don't kill the session", "never delete datasets", "세션은 끄지 마".
 * Its words are taken out before the clause is read again — unless the clause is an interrupt,
 * whose rules read "…, but don't kill the session" as what keeps the session up.
 */
function parseClause(part: { masked: string; lower: string }, quotes: string[]): ClauseIntent | undefined {
  const forbidden = prohibitions(part.lower);
  if (forbidden.length > 0) {
    const kept = parseClauseWords(part, quotes);
    // "…, but don't kill the session" keeps an interrupt's session up; "they must not change anything"
    // is the permission of a share or an options change
    if (kept?.intent.kind === 'session.interrupt' || kept?.intent.kind === 'folder.share' || kept?.intent.kind === 'folder.update_options') return kept;
    const rest = blank({ masked: part.masked, lower: part.lower, quotes }, forbidden);
    return rest.lower.trim() ? parseClauseWords(rest, quotes) : undefined;
  }
  return parseClauseWords(part, quotes);
}

function parseClauseWords(part: { masked: string; lower: string }, quotes: string[]): ClauseIntent | undefined {
  const whole: Clause = { masked: part.masked, lower: part.lower, quotes };
  // KEY=value pairs are settings, not names or words ("NCCL_DEBUG=INFO" names nothing); build() reads them from the whole clause
  const env = extractEnv(whole);
  const c = blank(whole, env.spans);
  const { resources } = extractResources(c.lower);
  const hasQuantities = Object.keys(resources).length > 0;
  const hasImage = extractImage(c) !== undefined;
  const hasName =
    /\uE000/.test(c.masked) ||
    explicitNames(c).length > 0 ||
    bareIdentifiers(c).length > 0 ||
    nounNames(c, `${SESSION_NOUNS_EN}|${FOLDER_NOUNS_EN}|${SERVICE_NOUNS_EN}`, `${SESSION_NOUNS_KO}|${FOLDER_NOUNS_KO}|${SERVICE_NOUNS_KO}`, true).length > 0;
  // names must not read as words: "train-job-1" holds neither the verb "train" nor the noun "job"
  const nameSpans = bareIdentifiers(c).map((h) => ({ start: h.index, end: h.index + h.value.length }));
  for (const m of c.masked.matchAll(/\uE000\d+\uE001/g)) nameSpans.push({ start: m.index, end: m.index + m[0].length });
  const hasFilePath = FILE_PATH.test(unmask(c.masked, quotes));
  // file names are not words either: "server.py" is no server
  for (const m of c.masked.matchAll(new RegExp(FILE_PATH.source, 'gi'))) nameSpans.push({ start: m.index, end: m.index + m[0].length });
  const f = features(blank(c, nameSpans).lower, { hasQuantities, hasImage, hasName, hasFilePath });
  const kind = classify(f);
  if (!kind) return undefined;
  const built = build(kind.kind, whole);
  if (!built) return undefined;
  // "…. fGPU 3개, datasets 마운트하고": amounts and mounts with no session noun detail the session before it
  const detailsOnly = kind.kind === 'session.create' && (!f.verb || f.verb === 'mount') && !f.nouns.some((n) => n.kind === 'session');
  const verbless = !f.verb && !f.question;
  return {
    intent: built.intent,
    missing: built.missing,
    confidence: kind.confidence,
    span: unmask(part.masked, quotes).trim(),
    ...(built.also?.length ? { also: built.also } : {}),
    ...(detailsOnly ? { detailsOnly } : {}),
    ...(verbless ? { verbless } : {}),
  };
}

/** One intent per name of a coordinated list: "delete folders a and b" → delete a, delete b. */
function expandLists(intents: ClauseIntent[]): ParsedIntent[] {
  return intents.flatMap(({ also, ...p }) => [p, ...(also ?? []).map((name): ParsedIntent => ({ ...p, intent: { ...p.intent, name } as Intent }))]);
}

/** Parse a request into intents. Never throws; huge or binary input is refused, not analysed. */
export function parseRequest(text: string): ParsedRequest {
  const input = typeof text === 'string' ? text : '';
  if (input.length > MAX_INPUT_CHARS) {
    return { text: input.slice(0, 200), language: 'en', intents: [], refusal: `the request is too long (${input.length} characters); please state the task in a sentence or two` };
  }
  const sample = input.slice(0, MAX_ANALYSED_CHARS);
  const controls = sample.match(/[\u0000-\u0008\u000E-\u001F\uFFFD]/g)?.length ?? 0;
  if (controls > 3 && controls > sample.length * 0.05) {
    return { text: input, language: 'en', intents: [], refusal: 'the request is not readable text' };
  }
  // key=value lines, command lines and the API's own words are read exactly by their own grammar
  const structured = readStructured(input, parseRequest);
  if (structured) return structured;
  // quoted and forwarded text is data; a line that tries to change the agent's rules is never a task
  // a chat tool's @-mentions, emoji and greetings are the medium, not the request
  let ask = withoutChatNoise(input);
  let quotedReadOnly = false;
  if (!isPlain(input)) {
    const framed = frameRequest(input);
    if (framed.injectedByUser) return { text: input, language: detectLanguage(input), intents: [], refusal: INJECTED_REFUSAL };
    if (framed.offTopic) return { text: input, language: detectLanguage(input), intents: [], refusal: framed.offTopic };
    if (framed.unsure && framed.adopted) return { text: input, language: detectLanguage(input), intents: [], question: framed.unsure };
    quotedReadOnly = framed.readOnly === true;
    if (!framed.ask.trim() && framed.injected.length > 0) return { text: input, language: detectLanguage(input), intents: [], refusal: INJECTED_REFUSAL };
    ask = framed.ask.replace(ASK_LABEL, '');
  }
  const prepared = expandEnumeration(withoutTimeoutKills(prepare(ask)));
  const language = detectLanguage(prepared.masked);
  if (!prepared.masked.trim()) return { text: input, language, intents: [], refusal: 'the request is empty' };

  let intents: ClauseIntent[] = [];
  const leftovers: string[] = [];
  // nobody asks for more than a handful of tasks at once; the cap bounds the merge work
  const allClauses = splitClauses(prepared.masked, prepared.lower);
  const clauses = allClauses.slice(0, MAX_CLAUSES);
  if (allClauses.length > MAX_CLAUSES) leftovers.push(`only the first ${MAX_CLAUSES} clauses were analysed`);
  let previous: { masked: string; lower: string } | undefined;
  // a clause with no task of its own ("corpus 폴더를 마운트해서", "환경 변수 X=1 넣어서") carries its slots
  // forward into the next clause; in English ("… and mount X at /p") it adds to the one before
  let carry: { masked: string; lower: string } | undefined;
  const contextFolders: string[] = [];
  const storyClauses: string[] = [];
  for (const [i, raw] of clauses.entries()) {
    const part = carry ? { masked: `${carry.masked} ${raw.masked}`, lower: `${carry.lower} ${raw.lower}` } : raw;
    carry = undefined;
    // "in the datasets folder, move mnist to legacy/mnist": a leading place is context for what follows
    // "세션 이름은 sft-run-03으로 하고 pytorch, fGPU 6개 …": naming first, the task after it
    if (!carry && i + 1 < clauses.length && (LEADING_PLACE.test(part.masked) || LEADING_SCOPE.test(raw.lower) || (intents.length === 0 && DETAILS_FOLLOW_UP.test(raw.lower)))) {
      carry = part;
      continue;
    }
    // "The code lives in the api_helper folder and the data is in datasets.": context, not a task —
    // its folders are what a later "mount both of those folders" means; what came before it was preamble
    if (STATEMENT.test(raw.lower) && !/[?]\s*$/.test(raw.lower) && !parseClause(raw, prepared.quotes)) {
      contextFolders.push(...statementFolders(raw, prepared.quotes));
      carry = undefined;
      continue;
    }
    // "ugh train-job-1 keeps OOMing at 32g.", "people keep overwriting server.py in api_helper.": what went
    // wrong, said before the ask — its names and amounts are the story, not settings of the task
    // (a reason given for an ask is not the story: "…, because the workers keep crashing")
    const saying = raw.lower.replace(/\b(?:because|since|coz|cause|otherwise|so\s+that)\b.*$/, '');
    const told = !carry && STORY.test(saying) && !/[?]\s*$/.test(raw.lower) && !TASK_START.test(raw.lower) ? parseClause(raw, prepared.quotes) : null;
    // ("someone keeps deleting train.py", "it got deleted": an event told, never an ask, whatever it reads as)
    if (told === undefined || (told && told.verbless && READ_INTENTS.has(told.intent.kind)) || (told !== null && STORY_EVENT.test(saying))) {
      storyClauses.push(raw.lower.trim());
      continue;
    }
    // "… and a session with 2 fGPU": read with the previous clause's verb first, or a bare noun reads as a lookup
    const parsed =
      (raw.elliptical && previous ? parseElliptical(raw, previous, prepared.quotes) : undefined) ??
      (raw.borrowsNextVerb && clauses[i + 1] ? parseWithNextPredicate(part, clauses[i + 1]!, prepared.quotes) : undefined) ??
      parseClause(part, prepared.quotes);
    // "세션 하나 만들어 주세요. fGPU는 2개, 메모리는 8GB로요": a clause of details only completes the session before it;
    // so does "…; put it in whichever group has room" (where "it" is that session)
    const lastKind = intents[intents.length - 1]?.intent.kind;
    const completes =
      ((parsed?.detailsOnly || PLACEMENT_FOLLOW_UP.test(raw.lower) || TIMEOUT_FOLLOW_UP.test(raw.lower)) && lastKind === 'session.create') ||
      ((DETAILS_FOLLOW_UP.test(raw.lower) || parsed?.verbless) && (lastKind === 'session.create' || lastKind === 'service.create')) ||
      // "… 토큰도 발급해줘. 유효기간은 7일": a bare detail, never a new thing of its own ("pytorch session with 1 fGPU")
      (parsed?.verbless === true && !/\.create$/.test(parsed.intent.kind) && (lastKind === 'service.token' || lastKind === 'folder.create' || lastKind === 'folder.share')) ||
      // "pytorch session, 2 fGPU, and bump shared memory to 4g": more of a resource for the session just asked for
      (lastKind === 'session.create' && parsed?.intent.kind === 'session.restart' && RESIZE_RESOURCE_EN.test(raw.lower) && (parsed.intent.target?.names.length ?? 0) === 0) ||
      // "…를 이미지로 저장해 줘. 이미지 이름: env-2": the name of the image being saved
      (IMAGE_NAME_FOLLOW_UP.test(raw.lower) && lastKind === 'session.commit') ||
      // "…; leave the model folder alone", "…, but keep notebook-old": an exception to the bulk task before it
      (EXCEPTION_FOLLOW_UP.test(raw.lower) && lastIsBulk(intents));
    if (completes && previous) {
      const merged = { masked: `${previous.masked} ${part.masked}`, lower: `${previous.lower} ${part.lower}` };
      const again = parseClause(merged, prepared.quotes);
      if (again && again.intent.kind === lastKind) {
        intents[intents.length - 1] = again;
        previous = merged;
        continue;
      }
    }
    if (parsed) {
      intents.push(parsed);
      previous = part;
      continue;
    }

    const koreanConnective = /[\uAC00-\uD7A3]\s*$/.test(part.lower);
    if (!koreanConnective && previous && intents.length > 0) {
      // the splitter took the comma or "and" between them: a list ("run-a, run-b and run-c") needs one back
      const merged = { masked: `${previous.masked}, ${part.masked}`, lower: `${previous.lower}, ${part.lower}` };
      const again = parseClause(merged, prepared.quotes);
      if (again && again.intent.kind === intents[intents.length - 1]!.intent.kind) {
        intents[intents.length - 1] = again;
        previous = merged;
        continue;
      }
    }
    carry = part;
  }
  if (carry && previous && intents.length > 0) {
    // a trailing Korean clause with no task ("… corpus 폴더 마운트해줘") completes the task before it
    const merged = { masked: `${previous.masked} ${carry.masked}`, lower: `${previous.lower} ${carry.lower}` };
    const again = parseClause(merged, prepared.quotes);
    if (again && again.intent.kind === intents[intents.length - 1]!.intent.kind) {
      intents[intents.length - 1] = again;
      carry = undefined;
    }
  }
  if (carry) leftovers.push(unmask(carry.masked, prepared.quotes).trim());
  intents = expandLists(intents);
  intents = mergeKillAndRelaunch(intents);
  for (const p of intents) {
    if (p.intent.kind === 'session.create' && (p.intent as { mountsFromContext?: boolean }).mountsFromContext && contextFolders.length) {
      const have = new Set(p.intent.mounts.map((m) => m.name));
      for (const name of contextFolders) if (!have.has(name)) p.intent.mounts.push({ name });
    }
    delete (p.intent as { mountsFromContext?: boolean }).mountsFromContext;
  }
  resolveReferences(intents);
  nameFromStory(intents, prepared);
  // "… terminate it and relaunch the same thing": the kill found its session in the story just now
  intents = mergeKillAndRelaunch(intents);
  // "delete datasets/mnist" once the folder is known to be datasets: the path inside it is mnist;
  // chat filler ("thanks") and a path under another folder are never paths in it
  for (const p of intents) {
    const i = p.intent as { kind: string; name?: string; paths?: string[] };
    if ((i.kind === 'folder.delete_files' || i.kind === 'folder.move_file' || i.kind === 'folder.rename_file') && i.name && i.paths) {
      i.paths = i.paths
        .map((x) => (x.startsWith(`${i.name}/`) && x.length > i.name!.length + 1 ? x.slice(i.name!.length + 1) : x))
        .filter((x) => !FILLER_WORD.test(x.replace(/[.!?,]+$/, '')));
    }
  }
  // a clause that only added to the previous task ("… and mount X") was merged by the splitter;
  // what is left over and unclassified is reported for --verbose
  const result: ParsedRequest = { text: input, language, intents };
  if (intents.length === 0) {
    const reason = refusalReason(prepared.lower);
    // a question about the cluster that no rule read still gets an answer: the list of what it asks about
    const answer = reason && !/^not a Backend\.AI task: I can/.test(reason) ? undefined : answerUnreadQuestion(unmask(prepared.masked, prepared.quotes));
    if (answer) intents = [answer];
    else if (reason) result.refusal = reason;
  } else {
    const harmful = refusalReason(prepared.lower, { taskFound: true });
    if (harmful) return { text: input, language, intents: [], refusal: harmful };
  }
  // questions never write: a change asked about is answered with reads and offered as a suggestion
  const answered = answerQuestions(ask, intents);
  intents = answered.intents;
  // quoted text asked for a change the user's own words did not adopt ("check that for me, don't start anything")
  const unadopted = quotedReadOnly ? intents.filter((p) => !READ_INTENTS.has(p.intent.kind)) : [];
  if (unadopted.length > 0) return { text: input, language, intents: [], question: unadoptedWritesQuestion(unadopted.map((p) => p.intent.kind)) };
  // "create the folder Minsu mentioned above": what to act on is in a conversation this request does not hold
  const elsewhere = OUTSIDE_REFERENCE.exec(prepared.masked);
  if (elsewhere && intents.some((p) => !READ_INTENTS.has(p.intent.kind))) {
    return { text: input, language, intents: [], question: `Your request refers to "${elsewhere[0].trim()}", which I cannot see. Which one do you mean? Please give its name.` };
  }
  if (answered.suggestions.length > 0) result.suggestions = answered.suggestions;
  result.intents = intents;
  if (intents.length > 0) {
    const unread = unreadWords(ask, intents, storyClauses);
    if (unread.length > 0) {
      result.unread = unread;
      result.notUnderstood = unread.map((w) => w.text);
    }
  }
  if (leftovers.length > 0 && leftovers.some((l) => l.length > 0)) result.leftovers = leftovers.filter((l) => l.length > 0);
  if (prepared.truncated) (result.leftovers ??= []).push(`only the first ${MAX_ANALYSED_CHARS} characters were analysed`);
  return result;
}

export { looksLikeIdentifier };

/** A literal for use inside a RegExp. */
function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** In-container apps a running session can open (session.start_service). */
const APPS: Array<[RegExp, string]> = [
  [/\bjupyter\s*lab\b|\bjupyterlab\b|주피터\s*랩/, 'jupyterlab'],
  [/\bjupyter(?:\s+notebook)?\b|주피터(?:\s*노트북)?/, 'jupyter'],
  [/\bvs\s*code\b|\bvscode\b|\bcode-server\b|vs\s*코드|브이에스\s*코드/, 'vscode'],
  [/\btensorboard\b|텐서\s*보드/, 'tensorboard'],
  [/\bttyd\b|\bweb\s+terminal\b|웹\s*터미널/, 'ttyd'],
  [/\bmlflow(?:-ui)?\b/, 'mlflow-ui'],
  [/\bsshd\b|\bssh\s+server\b/, 'sshd'],
];

function extractApp(lower: string): { value: string; text: string } | undefined {
  for (const [re, value] of APPS) {
    const m = re.exec(lower);
    if (m) return { value, text: m[0] };
  }
  return undefined;
}

/**
 * "배치로 돌려줘, 2시간 넘으면 종료해": the kill is the job's time limit, not a termination. The
 * verb is blanked (the duration stays, the create reads it as the batch timeout) when a job is
 * asked for before it.
 */
const TIMEOUT_KO = /(\d+(?:\.\d+)?\s*(?:시간|분|초)\s*(?:이상\s*(?:걸리면|돌면|지나면)?|넘(?:으면|게\s*되면|어가면|기면)|지나(?:면|도)|(?:안|내)에\s*안\s*끝나면))(\s*[^.;?!]{0,20}?(?:종료|꺼|끄|중단|중지|멈|죽|kill|stop)[^\s.,;?!]*)/;
/**
 * "kill train-job-1 and then relaunch exactly the same setup … but with 4 fGPU": a restart of that
 * session with what the second part changes, not a new session from defaults.
 */
function mergeKillAndRelaunch(intents: ClauseIntent[]): ClauseIntent[] {
  const out: ClauseIntent[] = [];
  for (let i = 0; i < intents.length; i++) {
    const a = intents[i]!;
    const b = intents[i + 1];
    // "kill X and relaunch it with 16g": the restart already terminates X first
    if (
      a.intent.kind === 'session.destroy' && a.intent.target.names.length === 1 && !a.intent.later && b?.intent.kind === 'session.restart' &&
      (b.intent.target.names.length === 0 || (b.intent.target.names.length === 1 && b.intent.target.names[0] === a.intent.target.names[0]))
    ) {
      out.push({ ...b, span: `${a.span} ${b.span}`, intent: { ...b.intent, target: a.intent.target }, missing: b.missing.filter((m) => m !== 'target') });
      i++;
      continue;
    }
    if (
      a.intent.kind === 'session.destroy' && a.intent.target.names.length === 1 && !a.intent.later &&
      b?.intent.kind === 'session.create' && !b.intent.name && !b.intent.image &&
      // ("relaunch the exact same thing", "relaunch it with 64g": the killed one again, as it was but for the change)
      /\bsame\s+(?:setup|config(?:uration)?|settings|spec|image|environment|thing|one|session|job)|\bas\s+before\b|\bidentical\b|\b(?:relaunch|re-launch|re-?start|recreate|re-create|bring\s+(?:it|that)\s+back)\b|\bstart\s+(?:it|that)\s+(?:again|back\s+up)\b|그대로|똑같(?:이|은)|동일한|같은\s*(?:설정|환경|스펙|이미지)|다시\s*(?:띄워|시작|실행|켜)/i.test(b.span)
    ) {
      const changed = b.intent.resources;
      out.push({
        ...a,
        span: `${a.span} ${b.span}`,
        intent: { kind: 'session.restart', target: a.intent.target, ...(Object.keys(changed).length ? { resources: changed } : {}) },
        missing: [],
      });
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** A sentence that says where things are ("the data is in datasets"), not what to do. */
/** A clause that tells what happened or how things are: a state or complaint verb. */
const STORY =
  /\b(?:still\s+(?:need|use|using|want)|already\s+backed\s+up|backed\s+(?:it\s+)?up|the\s+only\s+one\s+i\s+use|everything\s+i\s+need|has\s+everything)\b|(?:계속\s*쓸|백업해\s*(?:뒀|놨|두었)|백업\s*(?:했|해\s*뒀))|\b(?:keeps?|kept|was|were|has\s+been|have\s+been|had\s+been|looks?|seems?|broke|broken|crashed|crashes|crashing|died|dies|hangs?|hung|failed|fails|failing|stuck|dead|frozen|can'?t|cannot|couldn'?t|won'?t|doesn'?t|didn'?t|isn'?t|aren'?t|wasn'?t|is\s+(?:dead|down|broken|stuck|slow|full|gone|not|still|too|already|taking))\b|oom(?:ing|ed)?\b/;
/** Something that happened or keeps happening: "keeps deleting", "was overwritten", "has been idle". */
const STORY_EVENT = /\b(?:keeps?|kept)\s+(?:on\s+)?[a-z]+ing\b|\b(?:was|were|got|gets|has\s+been|have\s+been|had\s+been)\s+[a-z]+(?:ed|en|ing)\b/;
/** A clause that starts with a request verb is an ask, whatever else it says. */
const TASK_START = /^\s*(?:please\s+|pls\s+|can\s+you\s+|could\s+you\s+|just\s+)?(?:create|make|start|launch|spin|delete|remove|kill|terminate|stop|shut|rename|share|invite|move|deploy|serve|scale|open|run|restart|set|mount|clone|give|show|list|tell|tail|check|get|look|see|fetch|view|watch|find|put|print|display|describe)\b/;

const STATEMENT = /\b(?:lives?|sits?|resides?|is\s+(?:stored|kept|located)|are\s+(?:stored|kept|located)|is|are)\s+(?:all\s+)?(?:in|under|inside)\s+(?:the\s+|my\s+)?[\w.-]+/;

function statementFolders(c: { masked: string; lower: string }, quotes: string[]): string[] {
  const clause: Clause = { masked: c.masked, lower: c.lower, quotes };
  const out = new Set<string>();
  for (const m of c.masked.matchAll(new RegExp(`\\b(?:lives?|sits?|resides?|stored|kept|located|is|are)\\s+(?:all\\s+)?(?:in|under|inside)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_\\-]|\\.[A-Za-z0-9])`, 'gi'))) {
    const v = cleanName(unmask(m[1]!, quotes));
    if (v && !isStopWord(v)) out.add(v);
  }
  for (const h of nounNames(clause, FOLDER_NOUNS_EN, FOLDER_NOUNS_KO, true)) out.add(h.value);
  return [...out];
}

/**
 * "세션 두 개 만들어줘: 하나는 tf-a … , 다른 하나는 pt-b …", "two sessions: one named a with …, the other …":
 * each item is its own task, with the request's verb and noun ("세션 만들어줘 tf-a …. 세션 만들어줘 pt-b …").
 */
const ENUM_KO = /^(.*?)[:：]?\s*(?:하나는|한\s*개는|첫\s*번째(?:\s*세션)?는|첫째는)\s+(.+?)\s*[,，;]\s*(?:그리고\s*)?(?:다른\s*하나는|나머지\s*하나는|다른\s*건|두\s*번째(?:\s*세션)?는|둘째는)\s+(.+?)\s*$/;
const ENUM_EN = /^(.*?)[:：]\s*(?:the\s+first\s+(?:one\s+)?|one\s+)(.+?)\s*[,;]\s*(?:and\s+)?(?:the\s+other(?:\s+one)?|another(?:\s+one)?|the\s+second(?:\s+one)?)\s+(.+?)\s*$/i;

function expandEnumeration<T extends { masked: string; lower: string }>(p: T): T {
  const m = ENUM_KO.exec(p.masked) ?? ENUM_EN.exec(p.masked);
  if (!m || !m[1]!.trim()) return p;
  // the count belongs to the whole ("두 개", "two"); each item is one
  const head = m[1]!
    .replace(/\s*(?:두|2)\s*개(?:의)?|\s*(?:two|2)(?=\s+\w)/gi, '')
    .replace(/\bsessions\b/gi, 'a session')
    .replace(/\bnotebooks\b/gi, 'a notebook')
    .replace(/\bfolders\b/gi, 'a folder')
    .trim();
  const masked = `${head} ${m[2]!.replace(/[.!]+$/, '')}. ${head} ${m[3]!}`;
  return { ...p, masked, lower: lowerAscii(masked) };
}

/** A termination for later: "in 2 hours", "after 90 minutes", "if it runs longer than 3h", "tonight", "2시간 넘으면", "내일". */
const DEFERRED_KILL =
  /\b(?:in|after)\s+(?:an?\s+|\d+(?:\.\d+)?\s*)(?:h|hrs?|hours?|m|mins?|minutes?|days?)\b|\bif\s+it\s+(?:runs?|goes|is\s+still\s+running)\s+(?:for\s+)?(?:longer|more)\s+than\s+\S+(?:\s+\S+)?|\b(?:tonight|tomorrow|at\s+midnight|at\s+\d{1,2}(?::\d{2})?\s*(?:am|pm))\b|\d+(?:\.\d+)?\s*(?:시간|분|초)\s*(?:이상\s*(?:걸리면|돌면|지나면)?|넘(?:으면|게\s*되면|어가면|기면)|지나(?:면|도)|(?:뒤|후)에?)|내일|오늘\s*밤|자정에/;

const TIMEOUT_VERB_EN = /\b(?:and\s+)?(?:kill|stop|terminate|end|cancel|abort)\s+(?:it|the\s+job|the\s+session|the\s+run)?(?=\s*(?:if|when|once)\b[^.;]{0,40}?(?:longer|more\s+than|over|exceeds?|past)\b)/;
const JOB_ASKED = /배치|돌려|돌리|실행(?!\s*중)|만들|띄워|띄우|\bbatch\b|\brun\b/;

function withoutTimeoutKills<T extends { masked: string; lower: string }>(p: T): T {
  // "…, and kill it if it runs longer than 2 hours": the verb goes, the duration stays for the batch timeout
  const en = TIMEOUT_VERB_EN.exec(p.lower);
  if (en && JOB_ASKED.test(p.lower.slice(0, en.index))) {
    const blankOut = (s: string): string => s.slice(0, en.index) + ' '.repeat(en[0].length) + s.slice(en.index + en[0].length);
    p = { ...p, masked: blankOut(p.masked), lower: blankOut(p.lower) };
  }
  const m = TIMEOUT_KO.exec(p.lower);
  if (!m || !JOB_ASKED.test(p.lower.slice(0, m.index))) return p;
  const start = m.index + m[1]!.length;
  const end = m.index + m[0].length;
  const blankOut = (s: string): string => s.slice(0, start) + ' '.repeat(end - start) + s.slice(end);
  return { ...p, masked: blankOut(p.masked), lower: blankOut(p.lower) };
}

/** "kill it if it runs longer than 2 hours", "stop it after 90 minutes": a time limit for the job just asked for, not a termination */
const TIMEOUT_FOLLOW_UP = /\b(?:kill(?:ed)?|stop(?:ped)?|terminat(?:e|ed)|end(?:ed)?|cancel(?:l?ed)?)\b[^.;]{0,30}?\b(?:if|when|once|after)\b[^.;]{0,40}?(?:\d|longer|more\s+than)/;

/** "put it in gpu-a100", "run it on whichever group has room", "그건 gpu-a100에 띄워줘": where the session just asked for goes. */
const PLACEMENT_FOLLOW_UP = /^\s*(?:and\s+|then\s+)?(?:please\s+)?(?:put|place|run|schedule|send|land|start|launch|create|spawn)\s+(?:it|that|this|that\s+one|the\s+session)\s+(?:in|on|into|onto|to|at|inside)\b|^\s*(?:그건|그거|그\s*세션(?:은|을)?|이건)\s/;

/** A clause that only says where: "in the datasets folder", "inside api_helper", "datasets 폴더에서". */
/** "leave the model folder alone", "but keep notebook-old", "X는 빼고": an exception clause on its own. */
const EXCEPTION_FOLLOW_UP =
  /^\s*(?:and\s+|but\s+|just\s+|please\s+)*(?:leave|keep|spare|skip|exclude|don'?t\s+touch|not)\b|^\s*(?:except|excluding|other\s+than)\b|(?:은|는|만)?\s*(?:빼고|제외하고|놔두고|남겨\s*두고|그대로\s*둬)/;
const lastIsBulk = (intents: ParsedIntent[]): boolean => {
  const last = intents[intents.length - 1]?.intent as { bulk?: unknown; target?: { all?: boolean } } | undefined;
  return Boolean(last?.bulk || last?.target?.all);
};

/** Words about whether a folder may be cloned, and the ones that say it may not. */
const CLONEABLE_WORD = /\bcl?on(?:e)?able\b|\bclonable\b|\bbe\s+cloned\b|복제\s*(?:가능|불가|못|안\s*되)/;
const NOT_CLONEABLE =
  /\b(?:not|never)\s+(?:be\s+)?(?:cloneable|clonable)\b|\bnon-?(?:cloneable|clonable)\b|\bun-?(?:cloneable|clonable)\b|\b(?:can'?t|cannot|won'?t|shouldn'?t|must\s*n[o']t|not)\s+be\s+cloned\b|\bnobody\s+can\s+clone|복제\s*(?:불가|못\s*하게|안\s*되게|못|안\s*되)/;

/** "the folder Minsu mentioned above", "the session you suggested", "위에서 말한 폴더": a thing named only somewhere else. */
const OUTSIDE_REFERENCE =
  /\b(?:the|that|those)\s+(?:\w+\s+)?(?:folders?|sessions?|services?|files?|ones?|things?|images?|names?|settings?|config(?:uration)?)\s+(?:that\s+)?(?:[A-Za-z]+\s+)?(?:mentioned|suggested|talked\s+about|described|posted|linked|asked\s+(?:for|about)|proposed|wanted)\b(?:\s+(?:above|earlier|before|yesterday|in\s+(?:the|that)\s+(?:thread|chat|channel|meeting|email)))?|\b(?:mentioned|described|discussed|posted|listed)\s+(?:above|earlier|in\s+the\s+thread)\b|(?:위에서|아까|어제|스레드에서|채널에서)\s*(?:\S+\s*)?(?:말한|얘기한|언급한|말했던|얘기했던|올린)/i;

/** "이미지 이름은 X", "the image name is X": names the image a save before it makes. */
const IMAGE_NAME_FOLLOW_UP = /^\s*(?:and\s+)?(?:the\s+)?(?:image|이미지)\s*(?:name|이름|명)\s*(?:은|는|:|=|is|should\s+be|will\s+be)/;

/** A new session copied from one the request does not name: "like my other one", "same settings as before", "아까랑 똑같이". */
const COPY_OF_UNNAMED =
  /\b(?:just\s+)?like\s+(?:my|the)\s+(?:other|previous|last|old|earlier|first)\s+(?:one|session|notebook)\b|\bsame\s+(?:settings?|specs?|config(?:uration)?|setup|resources)\s+(?:as\s+)?(?:before|last\s+time|earlier|my\s+other|the\s+other|the\s+previous|the\s+last)\b|\b(?:as|like)\s+(?:before|last\s+time)\b|(?:지난번|이전|아까|저번|예전)\s*(?:거|것|세션)?\s*(?:이랑|랑|과|하고|처럼|와)\s*(?:똑같|같은|같이|동일)/;

/** "For every folder I own with 'data' in its name, invite …": a leading scope is the target of what follows. */
const LEADING_SCOPE = /^\s*(?:for|on|across|in)\s+(?:every|each|all|any)\b(?![^,]*\b(?:create|make|start|launch|delete|remove|terminate|kill|share|invite|rename|move)\b)/;
const LEADING_PLACE = new RegExp(`^\\s*(?:(?:in|inside|within|from|under)\\s+(?:the\\s+|my\\s+)?${NAME}(?:\\s+(?:folder|vfolder))?|${NAME}\\s*(?:폴더)?\\s*(?:에서|안에서|내에서))\\s*[,:]?\\s*$`, 'i');

/**
 * "… 서비스 띄워줘. 서비스 이름은 gemma-serve, 레플리카 1개", "… batch job. The command is `python x.py`":
 * a clause that names or details the thing just asked for, not a task of its own.
 */
const DETAILS_FOLLOW_UP =
  /^(?:(?!세션|session).)*?(?:할당|배정)(?:해|하여|해서)?\s*(?:줘|주세요|줄래|달라)|^\s*(?:and\s+)?(?:give|allocate|assign)\s+it\b|^\s*(?:and\s+)?(?:mount|attach)\s+(?!it\b)\S|^\s*(?:and\s+)?(?:the\s+)?name(?:d)?\s*[:=]?\s+\S|^\s*(?:and\s+)?(?:(?:the\s+|its\s+)?(?:service|session|job|folder)(?:'s)?\s+)?name\s*(?:is|:|=|should\s+be|will\s+be)|^\s*(?:and\s+)?(?:call|name)\s+it\b|^\s*(?:서비스|세션|작업|폴더)?\s*(?:의\s*)?(?:이름|명)\s*(?:은|는|:|=)|^\s*(?:이미지|image|메모리|memory|cpu|gpu|fgpu|코어|리소스)\s*(?:는|은|:|=)|^\s*(?:and\s+)?make\s+(?:it|the\s+(?:endpoint|service))\s+(?:open|public|private|accessible)|^\s*(?:실행|시작)?\s*(?:명령|커맨드|명령어)\s*(?:은|는|:|=)|^\s*(?:and\s+)?(?:the\s+)?(?:startup\s+)?(?:command|entrypoint|cmd)\s*(?:is|:|=|should\s+be)|^\s*(?:레플리카|복제본)\s*(?:은|는)?\s*\d/;

const READ_VERBS = /^(?:list|show|display|check|describe|inspect|view|fetch|get)$/;
const CREATE_VERBS = /^(?:create|make|start|launch|spin\s+up|fire\s+up|boot|open|run|set\s+up|provision|give\s+me|allocate)$/;

/**
 * "… and a session with 2 fGPU" / "list my sessions and my folders": the clause lends the
 * previous clause's verb. Only a new thing after a create verb ("a", "another") or "my …" after
 * a read verb; an add-on such as "and my datasets folder mounted" stays with its task.
 */
function parseElliptical(part: ClausePart, previous: { lower: string }, quotes: Parameters<typeof parseClause>[1]): ClauseIntent | undefined {
  const verb = leadingTaskVerb(previous.lower);
  if (!verb) return undefined;
  const my = /^\s*(?:(?:all\s+(?:of\s+)?)?my\b|(?:(?:model|inference)\s+)?(?:sessions|folders|vfolders|services|endpoints|presets|images)\b)/.test(part.lower);
  if (my ? !READ_VERBS.test(verb) : !CREATE_VERBS.test(verb)) return undefined;
  return parseClause({ masked: `${verb} ${part.masked}`, lower: `${verb} ${part.lower}` }, quotes) ?? undefined;
}

/** "세션이랑 폴더 삭제해줘" → "세션 삭제해줘": the noun takes the predicate (last word) of the clause after it. */
function parseWithNextPredicate(part: ClausePart, next: ClausePart, quotes: Parameters<typeof parseClause>[1]): ClauseIntent | undefined {
  const predicate = /(\S+)\s*[.?!]?\s*$/.exec(next.lower)?.[1];
  if (!predicate || !/[\uAC00-\uD7A3]/.test(predicate)) return undefined;
  const tail = next.lower.slice(next.lower.lastIndexOf(predicate));
  const maskedTail = next.masked.slice(next.lower.lastIndexOf(predicate));
  return parseClause({ masked: `${part.masked} ${maskedTail}`, lower: `${part.lower} ${tail}` }, quotes);
}
