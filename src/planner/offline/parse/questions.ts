/**
 * Questions never write. A sentence that asks whether something is possible or what the state is
 * ("can I start a 4 fGPU session?", "would a gpu-large session fit?", "am I at my limit?",
 * "…할 수 있어?", "…돼?", "…가능한가요?") is answered with reads; the change it talks about is
 * offered as a suggestion (the command that would do it), never planned. A polite request is
 * still a request ("could you start …", "can you create … for me", "…해 줄래?", "…해 주실 수
 * 있나요?"). A request that says not to act ("just tell me, don't launch it", "하지 말고 확인만")
 * makes every change in it a suggestion.
 */
import { READ_INTENTS, type Intent, type ParsedIntent } from '../intents.js';

// ------------------------------------------------------------------ English

/** Opening words of an English question (after a little preamble such as "so," or "quick question:"). */
const QUESTION_START_EN =
  /^(?:what|which|how|who|whom|whose|where|when|why|is|are|am|was|were|do|does|did|can|could|would|will|should|shall|may|might|have|has|had|any\s+idea|i\s+wonder|i\s+was\s+wondering|wondering)\b/;
const PREAMBLE_EN = /^(?:(?:so|ok|okay|hey|hi|hello|um|uh|well|quick\s+question|question|btw|also|and|but|just\s+curious|curious)\b[\s,:—-]*)+/;
/** "could you start …", "can you please create …", "would you mind …", "will you …": a request. */
const POLITE_REQUEST_EN = /(?:^|[\s,;:—-])(?:can|could|would|will|won't)\s+(?:you|u|ya|someone)\b(?!\s+(?:tell|say|explain|show)\s+(?:me\s+)?(?:if|whether|how|what|which|why))|\bwould\s+you\s+mind\b|(?:^|[\s,;:—-])(?:can|could|may)\s+(?:i|we)\s+(?:please\s+)?(?:get(?!\s+rid\b)|have|grab|borrow|ask\s+you\s+to)\b|^(?:can|could)\s+(?!(?:a|an|any|one|some|every)\b)(?:\S+\s+){1,4}be\s+\w+(?:ed|en)\b(?![^?]*\bhypothetically\b)/;
/** Asking whether/what without asking for the change: "tell me whether…", "find out if…". */
const EMBEDDED_QUESTION_EN = /\b(?:wonder(?:ing)?|not\s+sure)\s+(?:if|whether)\b|\b(?:not|n't)\s+sure\s+(?:it|that|this|they|those|we|i)\s+(?:(?:will|would|can|could)\s+)?(?:fits?|works?|is\s+enough|are\s+enough)\b|\b(?:tell|let)\s+me\s+(?:know\s+)?(?:if|whether|how\s+(?:much|many))\b|\bfind\s+out\s+(?:if|whether)\b/;

// ------------------------------------------------------------------ Korean

/** A Korean request: the auxiliary 주다 ("해 줘", "해 줄래?", "해 주실 수 있나요?"), 부탁, or an imperative. */
const REQUEST_KO = /(?:줘|줄래|해\s*볼래|볼래요?\s*\??\s*$|줄\s*수\s*있|주세요|주실|주시겠|주시면|주면|주라|줘요|줄래요|주셔|주십|줬으면|주겠|주시길)|(?:줘|주세요|주시겠어|줄래)(?:요|\?)|부탁|바랍니다|해\s*봐|해봐|하자|합시다|하세요|해라/;
/** A Korean question: an ending that asks, or a question mark. */
const QUESTION_KO = /(?:수\s*있(?:어|나|나요|을까|을까요|는지|습니까|는가|어요)|(?:돼|되나|되나요|될까|될까요|되는지|되니|됩니까|되요|돼요)|가능(?:해|한가|한가요|할까|할까요|한지|합니까|해요|하니)|(?:있어|있나|있나요|있니|있을까|있습니까|있는지|없어|없나|없나요)|(?:인가요|인가|일까|일까요|인지|이야|이에요|예요|니|냐|나요|까요|까|지요|죠|는지|은지|을지|ㄹ지))\s*\??\s*$/;

// ------------------------------------------------------------------ do-not-act markers

/**
 * "don't launch it", "just tell me", "dry run", "without doing anything", "하지 말고", "확인만";
 * "I want to know … before I create one", "만들기 전에 알고 싶어요": the change is for later, by the user.
 */
const DO_NOT_ACT =
  /\b(?:don'?t|do\s+not|without)\s+(?:actually\s+)?(?:run|start|launch|create|do|execute|change|touch|apply|make|kill|terminate|delete|deploy|doing|restart|stop|rename|share|move|clone|purge|scale|mount|open|remove|trash|issue|send)(?:\s+(?:it|that|this|them|anything|yet|now|any\s+of\s+(?:it|that|them)))*\s*(?:[.,;!?)—]|$)|\b(?:just|only)\s+(?:tell|explain|check|show|let\s+me\s+know|answer|asking|curious|wondering)\b|\bdry[\s-]?run\b|\bhypothetically\b|\bonly\s+(?:tell|explain|check)\b|[\uAC00-\uD7A3]+지(?:는|도)?\s*(?:말고|마|말아|마세요|말아\s*줘|말고요|마요)|확인만|알려만|설명만|물어보는\s*거|\b(?:not|n't)\s+asking\s+(?:you\s+)?to\s+(?:start|create|run|launch|do|change|make)\b|\bjust\s+want\s+to\s+know\b|\b(?:want|need|like|wanted|have)\s+to\s+(?:know|check|see|understand|find\s+out|confirm|make\s+sure)\b[^.!?]*\bbefore\b|전에\s*(?:먼저\s*)?(?:알고|확인하고|보고|확인해\s*보고)\s*싶/;

/** Sentences of the request, with their end punctuation. */
function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?。？！])\s+|\n+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The sentence of `text` that holds most of `span`'s words. */
function sentenceOf(text: string, span: string): string {
  const all = sentences(text);
  if (all.length <= 1) return text.trim();
  const words = new Set(span.toLowerCase().split(/\s+/).filter((w) => w.length > 1));
  let best = all[0]!;
  let bestScore = -1;
  for (const s of all) {
    const score = s
      .toLowerCase()
      .split(/\s+/)
      .filter((w) => words.has(w)).length;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

/** Does this sentence ask (rather than tell the agent to act)? */
export function asksRatherThanTells(sentence: string): boolean {
  const s = sentence.trim().replace(/^[>"'“‘\s]+|["'”’\s]+$/g, '');
  if (/[\uAC00-\uD7A3]/.test(s) && /[\uAC00-\uD7A3]\S*\s*\??\s*$/.test(s)) {
    if (REQUEST_KO.test(s)) return false;
    return QUESTION_KO.test(s) || /\?\s*$/.test(s);
  }
  const lower = s.toLowerCase().replace(PREAMBLE_EN, '');
  if (POLITE_REQUEST_EN.test(lower)) return false;
  if (/^please\b/.test(lower)) return false;
  if (EMBEDDED_QUESTION_EN.test(lower)) return true;
  return QUESTION_START_EN.test(lower) || /\?\s*$/.test(lower);
}

/** The whole request says not to act ("just tell me, don't launch it"). */
export function saysNotToAct(text: string): boolean {
  return DO_NOT_ACT.test(text.toLowerCase());
}

/** "don't kill it": which kind of change is forbidden; generic words ("don't do it", "just tell me") forbid all. */
const FORBIDDEN_KIND: Array<[RegExp, RegExp]> = [
  [/^(?:kill|terminate|stop|end)$/, /^session\.(?:destroy|restart)$/],
  [/^(?:delete|remove|trash|purge)$/, /\.(?:delete|purge|delete_files|destroy)$/],
  [/^(?:start|launch|create|make|run|open)$/, /\.create$/],
  [/^(?:deploy)$/, /^service\.create$/],
  [/^(?:restart)$/, /^session\.restart$/],
  [/^(?:rename)$/, /\.rename(?:_file)?$/],
  [/^(?:share)$/, /^folder\.share$/],
  [/^(?:move)$/, /^folder\.move_file$/],
  [/^(?:clone)$/, /^folder\.clone$/],
  [/^(?:scale)$/, /^service\.scale$/],
];

/** "세션은 끄지 마": the stem before 지 마/말고, and the English verb it forbids. */
const KO_PROHIBITION = /([\uAC00-\uD7A3]+)지\s*(?:는|도)?\s*(?:말고요|말고|마세요|마요|말아\s*줘|말아|마)/g;
const KO_VERB: Array<[RegExp, string]> = [
  [/(?:끄|종료하|죽이|멈추|중지하|중단하)$/, 'kill'],
  [/(?:삭제하|지우|없애|버리)$/, 'delete'],
  [/(?:만들|띄우|시작하|생성하|실행하|켜)$/, 'create'],
  [/(?:바꾸|변경하)$/, 'change'],
];

/** Whether the request's "do not act" words cover this intent (all of them, or its kind of change). */
function forbids(text: string, kind: string): boolean {
  const lower = text.toLowerCase();
  if (!DO_NOT_ACT.test(lower)) return false;
  const specific = [
    ...[...lower.matchAll(/\b(?:don'?t|do\s+not|without)\s+(?:actually\s+)?([a-z]+)/g)].map((m) => m[1]!),
    ...[...lower.matchAll(KO_PROHIBITION)].map((m) => KO_VERB.find(([stem]) => stem.test(m[1]!))?.[1] ?? 'do'),
  ];
  const generic = DO_NOT_ACT.test(lower.replace(/\b(?:don'?t|do\s+not|without)\s+(?:actually\s+)?[a-z]+/g, ' ').replace(KO_PROHIBITION, ' '));
  if (generic || specific.some((v) => /^(?:do|doing|apply|change|touch|execute|issue|send|mount)$/.test(v))) return true;
  return specific.some((v) => FORBIDDEN_KIND.some(([verb, kinds]) => verb.test(v) && kinds.test(kind)));
}

/**
 * A read that answers a question about a change: what the change would need (capacity, limits)
 * or the things it would act on. Lists, not lookups by name: a question may name something that
 * does not exist yet ("could I call it ckpt?").
 */
function answeringRead(p: ParsedIntent, sentence: string): Intent {
  const i = p.intent as unknown as Record<string, unknown>;
  const kind = p.intent.kind;
  if (kind === 'session.create' || kind === 'service.create') {
    if (LIMITS.test(sentence.toLowerCase())) return { kind: 'resource.policy' };
    const sg = typeof i.scalingGroup === 'string' ? { scalingGroup: i.scalingGroup } : {};
    const preset = typeof i.preset === 'string' ? { preset: i.preset } : {};
    return { kind: 'resource.presets', ...sg, ...preset };
  }
  if (kind.startsWith('session.')) return { kind: 'session.list' };
  if (kind.startsWith('folder.')) return { kind: 'folder.list' };
  if (kind.startsWith('service.')) return { kind: 'service.list' };
  return { kind: 'auth.whoami' };
}

const LIMITS = /\bhow\s+many\b[^?]{0,40}\bsessions?\b|\b(?:at\s+once|at\s+the\s+same\s+time|concurrent(?:ly)?|simultaneous(?:ly)?|in\s+parallel|limits?|quota|allowed)\b|동시에|최대|제한|한도/;

/**
 * A question no rule read as a task, about things the cluster has ("what would happen if I
 * killed train-job-1?", "dry run: what would 'terminate all my sessions' terminate?"): answered
 * with the list of what it talks about, rather than left unanswered.
 */
export function answerUnreadQuestion(text: string): ParsedIntent | undefined {
  if (!asksRatherThanTells(text) && !saysNotToAct(text)) return undefined;
  const l = text.toLowerCase();
  const read = (intent: Intent): ParsedIntent => ({ intent, missing: [], confidence: 0.5, span: text.trim(), inQuestion: true });
  if (/\b(?:sessions?|notebooks?|jobs?|containers?|kill(?:ed|ing)?|terminat\w*|restart\w*)\b|세션|노트북|컨테이너|종료|재시작/.test(l)) return read({ kind: 'session.list' });
  if (/\b(?:folders?|vfolders?|storage|directory|directories|files?)\b|폴더|스토리지|디렉터리|디렉토리|파일/.test(l)) return read({ kind: 'folder.list' });
  if (/\b(?:services?|endpoints?|deploy\w*|serv(?:e|ing)|replicas?|scal(?:e|ing))\b|서비스|배포|서빙|레플리카/.test(l)) return read({ kind: 'service.list' });
  if (LIMITS.test(l)) return read({ kind: 'resource.policy' });
  if (/\b(?:f?gpus?|cpus?|cores?|memory|ram|capacity|room|space|free|resources?)\b|지피유|메모리|코어|자원|여유|용량/.test(l)) return read({ kind: 'resource.presets' });
  return undefined;
}

export interface Answered {
  intents: ParsedIntent[];
  /** The changes talked about, as requests the user could make (`bai-agent "…"`). */
  suggestions: string[];
}

/**
 * Turn the write intents of asking sentences (or of a request that says not to act) into the
 * reads that answer them; return the changes as suggestions.
 */
export function answerQuestions(text: string, intents: readonly ParsedIntent[]): Answered {
  const suggestions: string[] = [];
  const out: ParsedIntent[] = [];
  for (const p of intents) {
    if (READ_INTENTS.has(p.intent.kind)) {
      // a read asked in a question ("could I call it ckpt?") is answered by the list when its name is not there
      out.push(saysNotToAct(text) || asksRatherThanTells(sentenceOf(text, p.span)) ? { ...p, inQuestion: true } : p);
      continue;
    }
    const sentence = sentenceOf(text, p.span);
    if (!forbids(text, p.intent.kind) && !asksRatherThanTells(sentence)) {
      out.push(p);
      continue;
    }
    suggestions.push(p.span.replace(/^(?:(?:and|then|so|but)\s+)+/i, '').replace(/[?？]\s*$/, ''));
    out.push({ ...p, intent: answeringRead(p, sentence), missing: [], asked: true, inQuestion: true });
  }
  // two questions about the same thing need one answer
  const seen = new Set<string>();
  const deduped = out.filter((p) => {
    if (!p.asked) return true;
    const key = JSON.stringify(p.intent);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { intents: deduped, suggestions };
}
