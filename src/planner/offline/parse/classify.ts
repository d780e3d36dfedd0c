/**
 * Which task a clause asks for: the main verb and its object noun decide the intent kind.
 * English puts the object after the verb ("delete the folder X"), Korean before it
 * ("X 폴더를 삭제해"), so the object is the first noun after an English verb or the last noun
 * before a Korean one.
 */
import type { IntentKind } from '../intents.js';

type Verb = 'create' | 'destroy' | 'delete' | 'purge' | 'restore' | 'rename' | 'share' | 'list' | 'info' | 'scale' | 'leave' | 'move' | 'serve' | 'mount' | 'execute';
type Noun = 'session' | 'folder' | 'directory' | 'file' | 'trash' | 'service' | 'preset' | 'rgroup' | 'image' | 'slot' | 'usage' | 'logs' | 'history' | 'token' | 'compute';

const V = (src: string): RegExp => new RegExp(src, 'g');

const VERBS_EN: Array<[Verb, RegExp]> = [
  ['serve', V('\\b(?:serve|serving(?!\\s+(?:endpoints?|services?))|deploy|deploying|host|publish|put\\s+(?:\\S+\\s+){1,4}?behind|(?:put|bring|take)\\s+(?:\\S+\\s+){1,8}?(?:online|live)(?!\\s+(?:sessions?|notebooks?))|go\\s+live)\\b')],
  ['purge', V('\\b(?:purge|permanently|for\\s+good|forever|empty\\s+(?:the\\s+|my\\s+)?trash|from\\s+(?:the\\s+)?trash\\s+(?:too|as\\s+well|completely))\\b|\\bhard[\\s-]delete\\b')],
  ['restore', V('\\b(?:restore|recover|undelete|untrash|bring\\s+back|get\\s+back)\\b')],
  ['rename', V('\\b(?:should\\s+be\\s+(?:called|named)|ought\\s+to\\s+be\\s+(?:called|named)|rename|renamed|renaming|change\\s+(?:the\\s+|its\\s+)?name|(?:a\\s+)?new\\s+name)\\b')],
  ['share', V('\\b(?:share|sharing|invite|grant|give\\s+(?:\\S+\\s+){1,6}?access)\\b|\\b(?:let|allow)\\s+(?:(?:my|our|a|the)\\s+(?:[a-z-]+\\s+){0,2})?[\\w.%+-]+@[\\w.-]+\\s+(?:to\\s+)?(?:read|write|access|use|see|view|edit|open|look|browse)\\b')],
  // ("leave X alone" spares X: it is not leaving a shared folder)
  ['leave', V('\\bleave\\b(?!\\s+(?:\\S+\\s+){0,5}?(?:alone|untouched|intact|be|as\\s+(?:it\\s+)?is|running|there)\\b)')],
  ['scale', V('\\b(?:scale|resize)\\b')],
  ['move', V('\\b(?:move|mv)\\b')],
  ['destroy', V('\\b(?:(?:need|want|get|have)\\s+(?:\\S+\\s+){1,4}?(?:killed|terminated|stopped|shut\\s+down|gone|taken\\s+down)|make\\s+(?:\\S+\\s+){1,6}?(?:go\\s+away|disappear|vanish)|turn(?:ing)?\\s+(?:\\S+\\s+){0,4}?off|switch\\s+(?:\\S+\\s+){0,4}?off|power\\s+(?:\\S+\\s+){0,4}?(?:off|down)|wind\\s+down|terminating|killing|stopping|shutting\\s+down|terminate|kill|stop|shut\\s*down|(?:shut|take|bring|close)\\s+(?:it|that|them(?:\\s+(?:both|all))?|this|those|that\\s+one|this\\s+one)\\s+(?:down|off)|shutdown|tear\\s+down|teardown|destroy|end|close|nuke|cancel|abort|halt|decommission|retire|knock\\s+out|take\\s+out|bring\\s+down)\\b')],
  ['delete', V('\\b(?:(?:need|want|get|have)\\s+(?:\\S+\\s+){1,4}?(?:deleted|removed|trashed|wiped|cleaned\\s+up)|deleting|removing|erasing|wiping|delete|remove|rm|trash|erase|drop|get\\s+rid\\s+of|clean\\s+up|wipe|discard|(?:can|should|may|could)\\s+go\\s+(?:to\\s+the\\s+|in(?:to)?\\s+the\\s+)?(?:trash|bin|recycle\\s+bin)|send\\s+(?:\\S+\\s+){1,4}?to\\s+the\\s+(?:trash|bin))\\b')],
  ['create', V("\\b(?:create|mkfolder|whip\\s+up|get\\s+(?:a\\s+|one\\s+|the\\s+)?(?:\\w+\\s+)?going|make(?!\\s+(?:sure|certain|sense|it\\s+so))|start|launch|spin\\s+up|spin|fire\\s+up|boot|open|run|set\\s+up|setup|provision|give\\s+me|get\\s+me|i\\s+(?:need|want|would\\s+like)|i'd\\s+(?:like|love)|can\\s+i\\s+(?:get|have)|bring\\s+up|stand\\s+up|put\\s+up|roll\\s+out|kick\\s+off|submit|queue|schedule|request|allocate|begin|new|add|mkdir|prepare|reserve|book|train|relaunch|re-launch)\\b|\\buse\\s+(?:the\\s+|a\\s+|an\\s+|my\\s+)?[\\w.-]+\\s+(?:preset|image)\\s+(?:for|to)\\b")],
  ['mount', V('\\b(?:mount|attach)\\b')],
  ['info', V("\\b(?:status|state|info|information|details?|describe|inspect|how\\s+is|how's|what's\\s+(?:happening|going\\s+on)|what\\s+is\\s+(?:happening|going\\s+on)|is\\s+(?:\\S+\\s+)?(?:still\\s+)?(?:running|up|alive|done|finished|ready|complete|completed|over))\\b")],
  ['list', V("\\b(?:list|show|display|what|what's|whats|which|see|view|get|check|tell\\s+me|how\\s+many|how\\s+much|are\\s+there|do\\s+i\\s+have|enumerate|print|ls|find|look\\s+up|give\\s+me)\\b")],
];

const VERBS_KO: Array<[Verb, RegExp]> = [
  ['serve', V('서빙|배포|서비스\\s*(?:해|로\\s*띄워|로\\s*올려)')],
  ['purge', V('영구|완전히|휴지통(?:에서)?\\s*(?:도\\s*)?(?:삭제|지워|비워)|비워')],
  ['restore', V('복원|복구|되살려|살려|되돌려')],
  ['rename', V('(?:이름|name)\\s*(?:을|를|은|는|도)?\\s*(?:좀\\s*|다시\\s*|새로\\s*)?(?:바꾼|바꿨|변경한|바꿔|바꾸|바꿀|변경|수정)|(?:으로|로)\\s*(?:이름\\s*)?(?:바꾼|바꿨|변경한|바꿔|바꾸|바꿀|변경)|개명')],
  // "colleague@…이 datasets 볼 수 있게 해줘": letting someone see or use a folder is sharing it
  ['share', V('공유|초대|[\\w.%+-]+@[\\w.-]+\\s*(?:님|씨)?\\s*(?:이|가|도|한테|에게)?[^.?!]{0,40}?(?:볼|읽을|쓸|사용할|접근할|열어\\s*볼|수정할|편집할)\\s*수\\s*있(?:게|도록)')],
  ['leave', V('나가|탈퇴')],
  ['scale', V('스케일|(?:늘려|줄여|늘리|줄이)')],
  ['move', V('옮겨|이동')],
  ['destroy', V('종료|꺼|끄|끝내|중지|중단|멈춰(?!\\s*있)|멈추(?!고\\s*있)|죽여|죽이|정지|닫아|내려|없애|정리|취소')],
  ['delete', V('삭제|지워|지우|제거|버려|휴지통\\s*(?:으로|에)\\s*(?:보내|보냈|보낸|넣|옮겨|옮긴|버려|버린)')],
  ['mount', V('마운트|붙여|붙이|붙인|붙일|연결')],
  ['create', V('(?:세션|노트북|컨테이너)\\s*(?:을|를|하나|한\\s*개)?\\s*올려|잡아|확보|만들(?!어져\\s*있)|만드|만든|생성(?!되어\\s*있|돼\\s*있|된)|시작|띄[워우울운]|열어|열래|(?<!시)켜|켤래|실행(?!\\s*중)|돌려|돌리|준비|할당|새로\\s|새\\s|필요해|원해|하고\\s*싶|할래|써\\s*줘|추가')],
  ['info', V('상태|정보|상세|어때|어떻게\\s*돼|돌아가')],
  ['list', V('보여|알려|목록|리스트|뭐|무엇|뭔|어떤|몇|얼마|확인|조회|있어|있나|있는지|볼래|보고\\s*싶|궁금|찾아')],
];

const NOUNS_EN: Array<[Noun, RegExp]> = [
  // "some kind of key so my app can talk to it": a key for a client to call a service is its token
  ['token', V('\\btokens?\\b|\\bkeys?\\s+(?:so|for|that)\\s+(?:my|our|the|a)\\s+(?:app|application|client|code|script|frontend|backend|service)\\b')],
  ['history', V('\\btimeline\\b|\\bthrough\\s+(?:each|every|its)\\s+status|\\b(?:status\\s+)?history\\b|\\btransitions?\\b|\\bgo(?:es)?\\s+from\\s+\\w+\\s+to\\b|\\bwent\\s+from\\s+\\w+\\s+to\\b|\\bwhen\\s+did\\b[^?]{0,40}\\b(?:start|become|turn|get|go)\\b')],
  ['logs', V('\\b(?:logs?|stdout|stderr|console\\s+output|output|printed|print)\\b')],
  ['service', V('\\b(?:(?:model\\s+|inference\\s+)?services?|endpoints?|deployments?|servings?)\\b')],
  ['preset', V('\\bpresets?\\b')],
  ['rgroup', V('\\b(?:(?:resource|scaling)[\\s-]+groups?|sgroups?)\\b')],
  ['slot', V('\\b(?:resource\\s+)?slots?(?:\\s+types?)?\\b|\\bresource\\s+types?\\b|\\baccelerator\\s+types?\\b')],
  ['usage', V('\\b(?:usage|used|consumption|consumed|utili[sz]ation|spent|spend)\\b')],
  ['image', V('\\b(?:images?|environments?|kernels?\\s+images?)\\b')],
  ['trash', V('\\b(?:the|my|from|in|to|into)\\s+trash\\b|\\btrash\\s+(?:bin|can)\\b|\\brecycle\\s+bin\\b')],
  ['directory', V('\\b(?:directory|directories|subfolders?|sub-folders?|subdirectory|subdirectories|subdir|mkdir|dir)\\b')],
  ['file', V('\\bfiles?\\b|\\bcontents?\\b|\\bwhat\\s*(?:\'s|is)\\s+(?:in|inside)\\b')],
  ['folder', V('\\b(?:mkfolder|folders?|vfolders?|v-folders?|storage\\s+folders?|storages?|volumes?|datasets?\\s+folders?)\\b')],
  ['session', V('\\b(?:sessions?|notebooks?|jupyter(?:lab)?|kernels?|containers?|jobs?|boxe?s?|instances?|machines?|computers?|workloads?|vms?|servers?|workspaces?|clusters?|pods?|batch(?!\\s*size))\\b')],
  ['compute', V('\\b(?:f-?gpus?|gpus?|cpus?|cores?|memory|ram|resources?|quota|capacity|a100s?|h100s?)\\b')],
];

const NOUNS_KO: Array<[Noun, RegExp]> = [
  ['token', V('토큰')],
  ['history', V('이력|히스토리|기록')],
  ['logs', V('로그(?!인|아웃)|출력')],
  ['service', V('서비스|엔드포인트|서빙')],
  ['preset', V('프리셋')],
  ['rgroup', V('(?:리소스|자원|스케일링)\\s*그룹')],
  ['slot', V('슬롯|자원\\s*종류|리소스\\s*종류')],
  ['usage', V('사용량|사용\\s*내역|썼')],
  ['image', V('이미지')],
  ['trash', V('휴지통')],
  ['directory', V('디렉터리|디렉토리|하위\\s*폴더')],
  ['file', V('파일|내용|들어\\s*있')],
  ['folder', V('폴더|스토리지|볼륨')],
  ['session', V('세션|노트북|컨테이너|작업|잡|주피터|인스턴스|서버|클러스터|배치')],
  ['compute', V('지피유|씨피유|메모리|코어|자원|리소스|쿼터|(?<!폴더\\s*(?:의\\s*)?)용량|gpu|cpu')],
];

interface Hit<T> {
  kind: T;
  index: number;
}

function hits<T>(table: Array<[T, RegExp]>, lower: string): Array<Hit<T>> {
  const out: Array<Hit<T>> = [];
  for (const [kind, rx] of table) {
    rx.lastIndex = 0;
    for (const m of lower.matchAll(rx)) out.push({ kind, index: m.index });
  }
  return out.sort((a, b) => a.index - b.index);
}

export interface ClauseFeatures {
  lower: string;
  korean: boolean;
  verbs: Array<Hit<Verb>>;
  nouns: Array<Hit<Noun>>;
  verb?: Verb;
  object?: Noun;
  hasQuantities: boolean;
  hasImage: boolean;
  hasName: boolean;
  /** names a file inside a folder ("server.py", "data/train.csv") */
  hasFilePath?: boolean;
  question: boolean;
}

export function features(lower: string, opts: { hasQuantities: boolean; hasImage: boolean; hasName: boolean; hasFilePath?: boolean }): ClauseFeatures {
  const korean = /[\uAC00-\uD7A3]/.test(lower) && hits(VERBS_KO, lower).length > 0;
  const allVerbs = korean ? [...hits(VERBS_KO, lower), ...hits(VERBS_EN, lower)] : hits(VERBS_EN, lower);
  // "I want delete X", "i need deploy …", "I'd like to share …": the wish is not a create, the verb after it is the task
  const verbs = allVerbs.filter((h) => {
    if (h.kind !== 'create') return true;
    const wish = /^(?:i\s+(?:really\s+)?(?:want|need|would\s+like|like)|i'd\s+(?:like|love))\s+(?:to\s+)?/.exec(lower.slice(h.index));
    if (!wish) return true;
    // "models has everything I need, so …": a relative clause about what one has, not a wish
    if (/\b(?:everything|all|what|that|which|something|anything|stuff)\s+$/.test(lower.slice(Math.max(0, h.index - 14), h.index))) return false;
    const next = h.index + wish[0].length;
    // "I need to see what's alive", "I want to know …": a wish to learn something creates nothing
    if (/^(?:see|know|check|find\s+out|understand|look|learn|confirm|verify|figure\s+out)\b/.test(lower.slice(next))) return false;
    // "I need that session killed", "I want to delete X": another task verb in the clause is the task
    return !allVerbs.some((o) => o !== h && o.kind !== 'list' && o.kind !== 'info' && o.kind !== 'mount' && o.kind !== 'create' && o.index >= h.index) &&
      !allVerbs.some((o) => o !== h && o.kind !== 'list' && o.index >= next && o.index <= next + 2);
  });
  const nouns = [...hits(NOUNS_EN, lower), ...(/[\uAC00-\uD7A3]/.test(lower) ? hits(NOUNS_KO, lower) : [])].sort((a, b) => a.index - b.index);
  // the main verb: the first strong English verb; the last Korean verb (Korean ends with its verb)
  const rank = (v: Verb): number => (v === 'list' || v === 'mount' ? 1 : v === 'info' ? 0.5 : 0);
  let verb: Hit<Verb> | undefined;
  if (korean) {
    const ko = hits(VERBS_KO, lower);
    const strong = ko.filter((h) => rank(h.kind) === 0);
    verb = strong[strong.length - 1] ?? ko[ko.length - 1];
  } else {
    verb = [...verbs].sort((a, b) => rank(a.kind) - rank(b.kind) || a.index - b.index)[0];
  }
  let object: Hit<Noun> | undefined;
  if (verb && korean) {
    object = [...nouns].reverse().find((n) => n.index < verb!.index) ?? nouns.find((n) => n.index > verb!.index);
  } else if (verb) {
    object = nouns.find((n) => n.index >= verb!.index) ?? [...nouns].reverse().find((n) => n.index < verb!.index);
  } else {
    object = nouns[0];
  }
  const question = /\?\s*$|^\s*(?:what|which|how|who|is|are|do|does|can|where)\b|(?:나요|니|까|냐|어\?|야\?)\s*$/.test(lower);
  return { lower, korean, verbs, nouns, ...(verb ? { verb: verb.kind } : {}), ...(object ? { object: object.kind } : {}), question, ...opts };
}

const has = (f: ClauseFeatures, v: Verb): boolean => f.verbs.some((h) => h.kind === v);
const hasNoun = (f: ClauseFeatures, n: Noun): boolean => f.nouns.some((h) => h.kind === n);

const REMAINING = /\b(?:left|remaining|remains?|free|available|spare|headroom|unused|allocatable|empty|idle|max(?:imum)?|can\s+i\s+(?:still\s+)?(?:use|get|allocate|request|have|run))\b|남은|남았|남아|여유|잔여|가용|사용\s*가능|쓸\s*수\s*있|비어|비었|한가/;

/** "issue a token", "generate one token that expires in 1 hour", "토큰도 하나 발급": asking for a token (of the service the request names) */
const TOKEN_ASK = /\b(?:issue|generate|create|make|mint|get|give)\s+(?:me\s+)?(?:(?:exactly|just|only)\s+)?(?:an?|one|a\s+new|new|another|single)?\s*(?:new\s+)?(?:api\s+|access\s+|auth\s+)?tokens?\b|토큰\s*(?:도|을|를)?\s*(?:하나\s*)?(?:발급|만들|생성)/;

/** Korean "in X, run CMD": the place (에서), the command (quoted, or a shell word), the verb (실행/돌려). */
export const KO_EXEC =
  /(?:에서|안에서)\s{3,}(?:을|를)?\s*(?:한\s*번|한번|좀)?\s*(?:실행|돌려|돌리|쳐)|(?:에서|안에서)\s*[^.?!]{0,40}?(?:명령어?|커맨드)\s*(?:을|를)?\s*(?:한\s*번|한번|좀)?\s*(?:실행|돌려|돌리|쳐)|(?:에서|안에서)\s*(?:\uE000\d+\uE001|(?:pip|python3?|nvidia-smi|nvcc|conda|ls|df|du|cat|top|free|env|which|echo|git|bash|sh|ps|uname|hostname)\b[^.?!]*?)\s*(?:명령어?|커맨드)?\s*(?:을|를)?\s*(?:한\s*번|한번|좀)?\s*(?:실행|돌려|돌리|쳐)/;

/** An app that runs inside a session (started with start-service). */
const APP_WORD = /\bjupyter\s*lab\b|\bjupyterlab\b|\bjupyter\b|\bvs\s*code\b|\bvscode\b|\bcode-server\b|\btensorboard\b|\bttyd\b|\bweb\s+terminal\b|\bmlflow\b|텐서\s*보드|주피터|웹\s*터미널/;

/** Growing or shrinking a session that runs: "make the session bigger", "give X more memory", "resize X". */
export const RESIZE_EN =
  /\b(?:make|get)\s+(?:the\s+|my\s+|this\s+|that\s+)?(?:\S+\s+){0,3}?(?:(?:a\s+(?:bit|lot)\s+|much\s+|even\s+)?(?:more\s+)?(?:bigger|larger|smaller|beefier|faster|more\s+powerful))\b|\b(?:resize|upsize|downsize|enlarge|beef\s+up|scale\s+up)\s+(?:the\s+|my\s+|this\s+|that\s+)?(?:session|notebook|it|[a-z0-9][a-z0-9_-]*-[a-z0-9_-]+)\b|\bgive\s+(?:\S+\s+){0,3}?(?:more|extra|additional)\s+(?:memory|ram|gpus?|fgpus?|cpus?|cores?|resources)\b/;
/** "bump the memory up to 64g", "increase the RAM": more of a resource, for a session that runs. */
export const RESIZE_RESOURCE_EN = /\b(?:bump|increase|raise|double|boost|up|grow)\s+(?:the\s+|my\s+|its\s+)?(?:memory|ram|gpus?|fgpus?|cpus?|cores?|shm|shared\s+memory)\b(?!\s+(?:limit|quota|polic))/;
export const RESIZE_KO = /(?:세션|그거|그\s*세션)[^.?!]{0,20}?(?:키워|늘려|크게\s*(?:해|만들)|사양\s*(?:올려|높여))/;

/** The intent kind of one clause, or undefined when it asks for no task. */
/** "휴지통 기능 테스트 중이야", "just testing the trash": a remark, not a task */
const REMARK = /^\s*(?:[^\s]+\s+){0,3}?(?:기능\s*)?(?:테스트|시험|실험|확인)\s*(?:하는\s*)?중(?:이야|이에요|입니다|인데|이라서?|이니까)?\s*[.!]?\s*$/;

export function classify(f: ClauseFeatures): { kind: IntentKind; confidence: number } | undefined {
  const l = f.lower;
  const v = f.verb;
  const o = f.object;
  if (REMARK.test(l)) return undefined;
  // "train-job-1에서 nvidia-smi 실행해줘", "notebook-old에서 `pip list` 한번 돌려봐": a command in a running session
  // ("python" there is the command, not an image: no new session is asked for)
  if (f.hasName && !f.hasQuantities && KO_EXEC.test(l) && !/(?:세션|노트북|컨테이너)\s*(?:을|를|하나|도)?\s*(?:새로\s*)?(?:만들|띄워|생성|열어)|새\s*세션|배치/.test(l)) {
    return { kind: 'session.execute', confidence: 0.75 };
  }
  // "The code lives in the api_helper folder and the data is in datasets.": context for the ask that follows
  if (!v && !f.question && /\b(?:lives?|sits?|resides?|is\s+(?:stored|kept|located)|are\s+(?:stored|kept|located))\s+(?:all\s+)?(?:in|under|inside)\b/.test(l)) return undefined;
  // "change my display name to Minji Park", "내 표시 이름을 박민지로 바꿔줘"
  if (/\b(?:change|set|update|rename|make)\s+(?:my\s+)(?:display\s+|full\s+|user\s+|profile\s+)?name\b|\bmy\s+(?:display|full)\s+name\s+(?:to|should\s+be|is)\b|\b(?:call|address)\s+me\s+\S/.test(l) || /(?:내|제)\s*(?:표시\s*|사용자\s*|계정\s*|프로필\s*)?(?:이름|닉네임)\s*(?:을|를|은|는)?\s*\S+?\s*(?:으로|로)\s*(?:바꿔|바꾸|변경|수정|설정)/.test(l)) {
    if (!hasNoun(f, 'session') && !hasNoun(f, 'folder') && !hasNoun(f, 'service')) return { kind: 'auth.update_name', confidence: 0.8 };
  }
  if (/어떤\s*계정|무슨\s*계정|누구\s*(?:로|계정)|로그인\s*(?:돼|된|되어|한|중)|logged\s+in\s+as|which\s+account/.test(l)) return { kind: 'auth.whoami', confidence: 0.85 };
  if (/\bwho\s*am\s*i\b|\bwhoami\b|\bmy\s+(?:account|user\s*(?:name|info)|role|e-?mail|profile|identity)\b|내\s*(?:계정|정보|역할|이메일)|나는\s*누구/.test(l)) {
    return { kind: 'auth.whoami', confidence: 0.9 };
  }
  const noToken = /\bno\s+(?:api\s+|auth\s+)?tokens?\b|\bwithout\s+(?:an?\s+|any\s+)?(?:api\s+|auth\s+)?tokens?\b|\btokens?\s+(?:not\s+)?(?:needed|required)\b|토큰\s*(?:없이|필요\s*없|안\s*필요)/.test(l);
  if (hasNoun(f, 'token') && !noToken && (hasNoun(f, 'service') || f.hasName || /\b(?:for|to|call|reach|use|access|query|hit)\s+(?:it|that|this)\b|\bapi\s+tokens?\b|그\s*서비스|거기|그거|그걸|그것/.test(l) || TOKEN_ASK.test(l))) return { kind: 'service.token', confidence: 0.85 };

  // stop the code a session runs, keep the session: "interrupt X", "stop only the running cell", "코드만 멈춰줘, 세션은 살려두고"
  if (
    /\binterrupt\b|인터럽트|\bctrl[\s+-]*c\b|컨트롤\s*c/.test(l) ||
    (/\b(?:stop|halt|cancel|abort)\s+(?:only\s+)?(?:the\s+|what(?:ever)?(?:\s+is|\s*'s)?\s+)?(?:running\s+|current\s+)?(?:code|cell|execution|computation|running|executing)\b(?!\s+(?:sessions?|notebooks?|containers?|jobs?|kernels?|services?)\b)/.test(l) && !/\bsessions?\s+(?:too|as\s+well)\b/.test(l)) ||
    /(?:코드|셀|실행|작업)\s*(?:만|은|을|를)?\s*(?:멈|중단|중지)/.test(l) && /세션\s*(?:은|는)?\s*(?:살려|유지|두고|놔두|그대로)|코드만|셀만/.test(l) ||
    /\bbut\s+(?:don'?t|do\s+not|without)\s+(?:kill|terminat|stop|end|clos)\w*\s+(?:the\s+|my\s+)?session\b|\b(?:keep|leave)\s+the\s+session\s+(?:up|running|alive|open)\b/.test(l)
  ) {
    if (!has(f, 'create') || /\binterrupt\b|\bctrl[\s+-]*c\b/.test(l)) return { kind: 'session.interrupt', confidence: 0.8 };
  }

  // a running session cannot grow in place: "make the session bigger", "give notebook-old more memory",
  // "세션 메모리 늘려줘" is a restart with the new amounts (and asks how much when it does not say)
  if (
    (RESIZE_EN.test(l) || RESIZE_KO.test(l) || (RESIZE_RESOURCE_EN.test(l) && !f.hasImage && !/\b(?:new|another|a|one)\s+(?:\S+\s+)?(?:session|notebook)\b/.test(l) && (f.hasName || !hasNoun(f, 'session') || /\b(?:it|that|this|my|the)\s+(?:session|notebook)\b/.test(l)))) &&
    !hasNoun(f, 'service') && !hasNoun(f, 'folder') && !has(f, 'share') && !has(f, 'delete') && !has(f, 'destroy') && !has(f, 'rename') &&
    (f.hasName || hasNoun(f, 'session') || /\b(?:it|that|this)\b|그\s*세션|그거/.test(l) || RESIZE_RESOURCE_EN.test(l))
  ) {
    return { kind: 'session.restart', confidence: 0.75 };
  }

  // stop an app inside a session, keep the session: "shut down the jupyter app in X", "X에서 텐서보드 꺼 줘"
  if (
    APP_WORD.test(l) &&
    /\b(?:shut\s*down|shutdown|stop|close|kill|disable|turn\s+off|quit|end)\b|닫아|꺼\s*(?:줘|주세요)|끄고|꺼줘|종료|중지|내려/.test(l) &&
    (f.hasName || /\b(?:in|on|inside)\s+(?:it|there|that\s+session)\b/.test(l)) &&
    !f.hasQuantities && !f.hasImage && !/\b(?:and|then)\s+(?:the\s+)?(?:whole\s+)?session\s+too\b|세션\s*(?:도|까지)\s*(?:꺼|종료)/.test(l) &&
    !/\b(?:open|launch|start)\b|열어|띄워|켜/.test(l)
  ) {
    return { kind: 'session.stop_service', confidence: 0.75 };
  }

  // terminate and re-create (the manager has no restart): "restart notebook-old", "relaunch X", "X 재시작해줘"
  if (
    /\b(?:restart|reboot|relaunch|re-launch|recreate|re-create|respawn|bounce)\b|\b(?:start|launch|spin\s+up|bring\s+up|boot|fire\s+up)\s+(?:\S+\s+){0,3}?(?:again|back\s+up)\b|재시작|재부팅|재실행|리스타트|다시\s*(?:시작|띄워|띄우|켜|만들어)/.test(l) &&
    !hasNoun(f, 'service') && !hasNoun(f, 'folder') && (f.hasName || hasNoun(f, 'session') || /\b(?:it|that|this|the\s+thing)\b|그\s*세션|그거/.test(l))
  ) {
    return { kind: 'session.restart', confidence: 0.8 };
  }

  // save a running session's container as an image: "commit train-job-1", "train-job-1을 이미지로 저장해줘"
  if (
    (/\bcommit\b/.test(l) && !/\bgit\s+commit\b/.test(l)) ||
    /\b(?:save|snapshot|export|turn|convert)\b[^.;]{0,60}\bas\s+(?:an?\s+)?(?:new\s+)?(?:container\s+)?image\b|\b(?:snapshot|imagify)\b/.test(l) ||
    /이미지\s*(?:로|으로)\s*(?:저장|커밋|만들|떠|굽|변환|스냅샷)|커밋|스냅샷/.test(l)
  ) {
    if (f.hasName || hasNoun(f, 'session')) return { kind: 'session.commit', confidence: 0.8 };
  }

  // a download link for a file in a folder: "download requirements.txt from api_helper", "api_helper의 x.csv 다운로드 링크"
  if (/\bdownload(?:s|ing)?\b|다운로드|다운\s*받/.test(l) && (f.hasFilePath || hasNoun(f, 'folder') || hasNoun(f, 'file')) && !hasNoun(f, 'session') && !hasNoun(f, 'image')) {
    return { kind: 'folder.download', confidence: 0.8 };
  }

  // my projects: "which projects am I a member of", "내 프로젝트 목록"
  if (/\b(?:my\s+projects|projects?\s+(?:am\s+i|i(?:'m|\s+am)|do\s+i)\b|(?:list|show|which|what)\s+(?:are\s+)?(?:my\s+|the\s+)?projects)\b|(?:내|제|소속(?:된)?|속한)\s*프로젝트|프로젝트\s*(?:목록|리스트|뭐\s*있)/.test(l) && !has(f, 'create') && !hasNoun(f, 'session') && !hasNoun(f, 'folder')) {
    return { kind: 'project.list', confidence: 0.8 };
  }

  // open an app inside a running session: "open jupyterlab inside notebook-old", "notebook-old에서 tensorboard 열어줘"
  if (
    /\bjupyter\s*lab\b|\bjupyterlab\b|\bjupyter\b|\bvs\s*code\b|\bvscode\b|\bcode-server\b|\btensorboard\b|\bttyd\b|\bweb\s+terminal\b|\bmlflow\b|\bsshd\b|텐서\s*보드|주피터|vs\s*코드|브이에스\s*코드|웹\s*터미널/.test(l) &&
    f.hasName &&
    !f.hasQuantities &&
    !f.hasImage &&
    /\b(?:in|inside|into|within|on|from|for)\b|에서|에\s/.test(l) &&
    (has(f, 'create') || /\b(?:open|launch|start|run|bring\s+up|give\s+me|get\s+me)\b|열어|열|띄워|실행|켜/.test(l)) &&
    !/\bnew\s+(?:session|notebook)\b|\bwith\s+\d/.test(l)
  ) {
    return { kind: 'session.start_service', confidence: 0.75 };
  }

  // "open jupyterlab in my old notebook session": an app in a session the request describes (the planner finds it or asks)
  if (APP_WORD.test(l) && /\b(?:open|launch|start|run|bring\s+up)\b/.test(l) && /\b(?:in|inside|on)\s+(?:my|the|that|our)\s+(?:\S+\s+){0,2}(?:session|notebook|container|one)\b/.test(l) && !/\b(?:new|another|a)\s+(?:\S+\s+)?(?:session|notebook)\b/.test(l) && !f.hasQuantities && !f.hasImage) {
    return { kind: 'session.start_service', confidence: 0.7 };
  }

  // "open the coding notebook in my old session": the notebook app of a session that exists, not a new session
  if (/\b(?:open|launch|start|bring\s+up|give\s+me)\s+(?:the\s+|a\s+)?(?:coding\s+|jupyter\s+|python\s+)?notebook(?:\s+app)?\s+(?:in|inside|on|of)\s+(?:my|the|that)\s+(?:\S+\s+)?(?:session|one)\b/.test(l) && !/\bnew\s+session\b/.test(l)) {
    return { kind: 'session.start_service', confidence: 0.7 };
  }

  // "다 뜨면 거기에 jupyter 열어줘", "then open jupyterlab in it": an app in the session just asked for
  if (
    /\bjupyter\s*lab\b|\bjupyterlab\b|\bjupyter\b|\bvs\s*code\b|\bvscode\b|\btensorboard\b|\bttyd\b|\bweb\s+terminal\b|텐서\s*보드|주피터|웹\s*터미널/.test(l) &&
    /\b(?:in|on|into)\s+(?:it|there|that(?:\s+session)?|the\s+(?:new\s+)?session)\b|거기|그\s*세션|그거|그\s*안/.test(l) &&
    /\b(?:open|launch|start|run|bring\s+up)\b|열어|열|띄워|켜/.test(l) && !f.hasQuantities && !f.hasImage
  ) {
    return { kind: 'session.start_service', confidence: 0.7 };
  }

  // files inside a session's container (not a storage folder): "train-job-1 세션 컨테이너 안의 /home/work 파일 목록"
  if ((hasNoun(f, 'file') || (/\bls\b/.test(l) && f.hasName) || /파일/.test(l)) && (hasNoun(f, 'session') || /\bcontainer\b|컨테이너/.test(l)) && !hasNoun(f, 'folder') && !has(f, 'delete') && !has(f, 'create') && !has(f, 'move')) {
    return { kind: 'session.files', confidence: 0.75 };
  }

  // "run this in notebook-old: print(1)", "execute `nvidia-smi` on train-job-1": code in a running session
  if (
    /\b(?:run|execute|exec|eval(?:uate)?)\b/.test(l) && f.hasName && !f.hasQuantities && !f.hasImage &&
    /\b(?:in|on|inside)\b/.test(l) && !/\bnew\s+(?:session|notebook)|\bbatch\b|배치/.test(l) &&
    (/\b(?:in|on|inside)\b[^:]{0,40}:\s*\S|\b(?:this|the\s+following|the|some|a)\s+(?:code|snippet|command|line|cell|script)\b|\b(?:run|execute|exec)\s+(?:this|the\s+following)\b|\b(?:run|execute|exec)\s{3,}(?:in|on|inside)\b/.test(l))
  ) {
    return { kind: 'session.execute', confidence: 0.75 };
  }

  // "open tensorboard" with no session named: an app in a running session (the planner asks which); "open a jupyter notebook" is a new session
  if (
    /^\s*(?:please\s+)?(?:open|launch|start|run|bring\s+up)\s+(?:the\s+|my\s+)?(?:tensorboard|vs\s*code|vscode|code-server|ttyd|web\s+terminal|mlflow(?:-ui)?|jupyter\s*lab|jupyterlab)\b(?!\s+(?:session|image|notebook))/.test(l) &&
    !f.hasQuantities && !f.hasImage && !hasNoun(f, 'session')
  ) {
    return { kind: 'session.start_service', confidence: 0.6 };
  }

  // "would a gpu-large session fit right now? just check": a capacity question, nothing started
  if (
    (/\b(?:would|will|does|do|could|can)\b[^.?]{0,40}\b(?:fit|be\s+allocatable|have\s+room)\b|\bis\s+there\s+(?:room|space|capacity)\b[^?]{0,40}\bfor\b|\benough\s+(?:room|space|capacity|resources)\s+for\b|들어갈\s*수\s*있(?:어|나|을까|는지)|자리\s*(?:있어|있나|있을까|있는지)|가능할까|돌릴\s*수\s*있(?:어|나|을까)/.test(l)) &&
    (f.question || /\bjust\s+check|\bdon'?t\s+(?:start|create|launch)|확인만|만들지\s*말고/.test(l)) && !/\bcreate\b|\bstart\b(?!\s+anything)|만들어\s*줘|띄워\s*줘|생성|만들|띄우|띄워|올려/.test(l.replace(/don'?t\s+start\s+anything|don'?t\s+(?:start|create|launch)\b/g, ''))
  ) {
    return { kind: 'resource.presets', confidence: 0.75 };
  }

  if (f.hasName && !hasNoun(f, 'folder') && /\bhow\s+long\s+has\b[^?]{0,40}\b(?:been\s+(?:up|running|alive)|run)|\bwhat(?:'s|\s+is)\s+it\s+(?:occupying|using|holding)|\bwhat\s+(?:does|is)\s+\S*\s*(?:occupy|occupying|holding)/.test(l)) {
    return { kind: 'session.info', confidence: 0.7 };
  }
  // "how much memory and GPU did train-job-1 get?", "train-job-1 자원 얼마나 쓰고 있어?": one session's allocation
  if (f.hasName && !hasNoun(f, 'folder') && !hasNoun(f, 'service') && /\bhow\s+(?:much|many)\b[^?]{0,60}\b(?:did|does|is|has)\s+(?:it\s+)?(?:\s*)(?:get|got|have|has|use|using|take|taking|allocated)\b|\b(?:did|does)\s+\s*\S*\s*(?:get|have|use)\s+(?:how\s+much|how\s+many)|(?:얼마나|몇\s*개)\s*(?:할당|받았|쓰고|사용)/.test(l) && !has(f, 'create')) {
    return { kind: 'session.info', confidence: 0.7 };
  }

  // "which images can I launch sessions with?": the image list, nothing launched
  if (/\b(?:which|what)\s+(?:(?:container|docker|kernel|base)\s+)?(?:images|environments|kernels)\b|(?:어떤|무슨)\s*이미지|이미지\s*(?:목록|뭐|종류)/.test(l) && (f.question || /\b(?:list|show)\b|알려|보여/.test(l))) {
    return { kind: 'image.list', confidence: 0.8 };
  }
  // "does this cluster offer fractional GPUs or whole GPUs?": the slot types
  if (/\b(?:fractional|whole|shared|partial)\s+gpus?\b[^?]{0,30}\b(?:or|vs\.?)\b|\b(?:offer|support|have)s?\b[^?]{0,20}\b(?:fractional|whole)\s+gpus?|(?:분할|소수점|fgpu)\s*(?:gpu)?\s*(?:지원|되나|돼|가능)/.test(l) && (f.question || /알려|보여/.test(l))) {
    return { kind: 'resource.slots', confidence: 0.8 };
  }

  // "how much space is api_helper taking up": one folder's size
  if (f.hasName && !hasNoun(f, 'session') && /\bhow\s+(?:much\s+(?:space|storage|disk)|big|large)\b[^?]{0,30}\b(?:taking|take|use|using|occupy|is)\b|(?:용량|크기)\s*(?:이|가)?\s*(?:얼마|몇)/.test(l)) {
    return { kind: 'folder.info', confidence: 0.7 };
  }

  // limits, not free capacity: "how many sessions am I allowed to run at once", "동시에 세션 몇 개까지"
  if (
    /\bresource\s+polic(?:y|ies)\b|\b(?:allowed|permitted)\s+to\s+(?:run|have|start|use)\b|\bmax(?:imum)?\s+(?:number\s+of\s+)?(?:concurrent|simultaneous|parallel)\b|\b(?:concurrent|simultaneous)\s+sessions?\s+(?:limit|can|allowed|max)|\bsession\s+limit\b|\bmy\s+(?:limits|quotas?)\b|리소스\s*정책|동시에\s*(?:몇|최대)|최대\s*(?:몇\s*개|세션)|세션\s*(?:개수\s*)?제한/.test(l) &&
    (f.question || /how\s+many|what|\bshow\b|\bcheck\b|\blist\b|\bdisplay\b|\bmake\s+sure\b|\bensure\b|\bam\s+i\b|\bare\s+we\b|\bover\s+my\b|몇|알려|뭐|얼마|보여|확인/.test(l))
  ) {
    return { kind: 'resource.policy', confidence: 0.8 };
  }

  // invitations sent to me
  if (/\binvitations?\b|\binvites?\s+(?:for|to)\s+me\b|\b(?:folder\s+|pending\s+|any\s+)invites\b|\binvites\s+(?:waiting|pending|i\s+(?:got|have|received))\b|(?:받은|온|들어온)\s*(?:폴더\s*)?(?:공유\s*)?초대|초대\s*(?:목록|내역|받은|온\s*거|(?:가|이)?\s*있는지)/.test(l) && !/@/.test(l) && (!has(f, 'share') || /초대\s*(?:가|이)?\s*(?:있|목록|내역)|(?:받은|온|들어온)\s*(?:폴더\s*)?(?:공유\s*)?초대|\bfor\s+me\b|waiting|pending/.test(l))) {
    return { kind: 'folder.invitations', confidence: 0.8 };
  }

  // which inference runtimes model services support
  if (/\bruntimes?\b|\bruntime\s+variants?\b|\binference\s+(?:engines?|backends?)\b|런타임/.test(l) && (!(v === 'serve' || v === 'create' || v === 'scale') || (v === 'serve' && (f.question || /\b(?:which|what|list|available|supported)\b|뭐|무엇|어떤|목록|있어|있나|종류|알려|보여/.test(l))))) {
    return { kind: 'service.runtimes', confidence: 0.8 };
  }

  // copy a folder
  if (/\b(?:clone|duplicate|copy)\b|복제(?!\s*가능)|복사|클론/.test(l) && !f.hasFilePath && !hasNoun(f, 'session') && !hasNoun(f, 'service') && (hasNoun(f, 'folder') || f.hasName)) {
    return { kind: 'folder.clone', confidence: 0.8 };
  }

  // folder options: "make api_helper read-only", "datasets를 읽기 전용으로 바꿔줘", "make models cloneable"
  const optionChange =
    !hasNoun(f, 'session') &&
    !/\bmount|마운트|\bshare\b|공유|@/.test(l) &&
    (/\b(?:make|set|turn|mark|change|switch|flip|lock|freeze)\b[^.;]{0,40}?\b(?:to\s+|as\s+|into\s+)?(?:be\s+)?(?:read[\s-]*only|readonly|read[\s-]*write|writable|(?:not\s+|un-?)?cloneable)\b/.test(l) ||
      /(?:읽기\s*전용|읽기\s*쓰기|쓰기\s*가능|복제\s*가능|복제\s*불가)\s*(?:\(\s*\w+\s*\))?\s*(?:으로|로|하게|이게|상태로|하도록)?\s*(?:설정\s*)?(?:바꿔|바꾸|바꿀|변경|설정|만들어|만들|해\s*줘|해줘|돌려|할\s*수|해도)/.test(l) ||
      /\b(?:flip|switch|turn|set)\s+\S*\s*(?:to|into)\s+(?:be\s+)?(?:read[\s-]*only|readonly|cloneable|writable)\b|\bmake\s+(?:the\s+|my\s+)?(?:\S+\s+)?(?:folder\s+)?itself\s+(?:read[\s-]*only|readonly|cloneable)/.test(l));
  // "make api_helper read-only" also reads as a create ("make"): the object right before the option decides
  const makeExistingIntoOption =
    (/\bmake\s+(?:(?:the|my)\s+(?:\S+\s+|\s+)(?:folder|vfolder)\s+|(?!(?:a|an|the|new|another|one|me)\b)\S+\s+|\s{2,})(?:folder\s+)?(?:itself\s+)?(?:read[\s-]*only|readonly|(?:not\s+)?cloneable)\b/.test(l) ||
      // "make all my general-purpose folders read-only": existing folders, many at once
      /\bmake\s+(?:all|every|each|both)\s+(?:of\s+)?(?:my\s+|the\s+|our\s+)?(?:[\w-]+\s+){0,2}(?:folders?|vfolders?|ones)\s+(?:read[\s-]*only|readonly|read[\s-]*write|(?:not\s+)?cloneable)\b/.test(l)) &&
    !hasNoun(f, 'session');
  if ((optionChange && v !== 'create') || makeExistingIntoOption) {
    return { kind: 'folder.update_options', confidence: 0.8 };
  }

  // "share datasets with x@y, and they should be able to delete files in it too": the share is the task
  if (has(f, 'share') && /@/.test(l) && !hasNoun(f, 'session')) return { kind: 'folder.share', confidence: 0.85 };

  // "ls datasets/cifar10", "what's in datasets/mnist": list a directory
  if ((/^\s*(?:ls|dir|tree)\b/.test(l) || v === 'list') && f.hasFilePath && !hasNoun(f, 'session') && !has(f, 'delete') && !has(f, 'rename') && !has(f, 'move') && !has(f, 'destroy')) {
    return { kind: 'folder.files', confidence: 0.75 };
  }

  // "move mnist and cifar10 into it": only files and directories inside folders move
  if (has(f, 'move') && !hasNoun(f, 'session') && !hasNoun(f, 'service') && v !== 'create' && !has(f, 'share') && !/\btrash\b|\brecycle\b|휴지통|쓰레기통/.test(l)) {
    return { kind: 'folder.move_file', confidence: 0.75 };
  }

  // "rename server.py in api_helper to main.py", "remove the cifar10 directory from datasets": what is inside a folder
  if ((f.hasFilePath || o === 'directory') && !hasNoun(f, 'session') && v !== 'create') {
    if (has(f, 'rename')) return { kind: 'folder.rename_file', confidence: 0.8 };
    if (has(f, 'move')) return { kind: 'folder.move_file', confidence: 0.8 };
    if (has(f, 'delete') || (has(f, 'destroy') && !/\bstop\b|종료|중지/.test(l))) return { kind: 'folder.delete_files', confidence: 0.8 };
  }


  // "delete cifar10 from datasets", "datasets에서 cifar10 지워 줘": what is taken out of a folder is its content
  if (
    (has(f, 'delete') || (has(f, 'destroy') && !/\bstop\b|종료|중지/.test(l))) && !hasNoun(f, 'session') && !hasNoun(f, 'service') && o !== 'trash' &&
    // (names are blanked out of `l` by now: "delete            from         ")
    // ("remove the old cifar10 data from the datasets folder": a described part of it, not the folder)
    (/\b(?:delete|remove|rm|erase|drop|wipe|trash|nuke|discard|get\s+rid\s+of|clear\s+out)\s+(?:the\s+|my\s+|a\s+|all\s+(?:the\s+)?)?(?:(?:old|stale|unused|leftover|previous|raw|obsolete)\s+)?(?:[\w.\/-]+\s+|\s{2,})(?:(?:directory|dir|subfolder|file|files|data|dataset|stuff|folder)\s+)?(?:from|out\s+of|inside|in|within)\s+(?:the\s+|my\s+)?(?!(?:trash|bin|recycle|sessions?|services?)\b)(?:[\w.-]+|\s{2,})/.test(l) ||
      /(?:에서|안의|안에\s*있는|속의|폴더의|의)\s+(?:[\w.\/-]+|\s{2,})\s*(?:디렉터리|디렉토리|파일)?\s*(?:을|를)?\s*(?:삭제|지워|지우|제거|없애|delete|remove)/.test(l))
  ) {
    return { kind: 'folder.delete_files', confidence: 0.75 };
  }

  // only services scale: "scale X to 3"
  if (v === 'scale' && !hasNoun(f, 'session') && !hasNoun(f, 'folder')) return { kind: 'service.scale', confidence: 0.8 };
  const serviceObject = o === 'service' || (v === 'serve' && o !== 'session') || (hasNoun(f, 'service') && o !== 'session' && o !== 'folder');
  if (serviceObject || (v === 'serve' && !hasNoun(f, 'session'))) {
    if (has(f, 'destroy') || has(f, 'delete')) return { kind: 'service.delete', confidence: 0.9 };
    if (has(f, 'scale') || (/\breplicas?\b|레플리카|복제본/.test(l) && !has(f, 'create') && !has(f, 'serve'))) return { kind: 'service.scale', confidence: 0.85 };
    if (v === 'serve' || has(f, 'serve') || (v === 'create' && o === 'service')) return { kind: 'service.create', confidence: 0.85 };
    if (has(f, 'info') && f.hasName) return { kind: 'service.info', confidence: 0.8 };
    if (f.hasName && !/\b(?:services|endpoints|deployments)\b|서비스\s*(?:목록|들)/.test(l)) return { kind: 'service.info', confidence: 0.7 };
    return { kind: 'service.list', confidence: 0.85 };
  }

  // "gpu-small preset but on the gpu-a100 group please": a named preset, placed, no verb, no question — a session order
  if (!v && !f.question && f.hasName && hasNoun(f, 'preset') && /\b(?:on|in|into)\s+(?:the\s+)?(?:\S+\s+)?(?:resource\s+)?group\b|\b(?:on|in|into)\s{3,}|\bplease\b|\bpl[sz]\b|부탁|(?:로|으로)\s*(?:하나|한\s*개)/.test(l) && !/\bwhat|which|list|show|available\b/.test(l)) {
    return { kind: 'session.create', confidence: 0.6 };
  }

  // read-only resource questions
  const creating = v === 'create' && (o === 'session' || o === undefined || o === 'compute' || o === 'image' || o === 'preset' || o === 'rgroup');
  if (!creating || f.question) {
    if ((hasNoun(f, 'compute') || /얼마|how\s+(?:many|much)/.test(l)) && REMAINING.test(l) && !hasNoun(f, 'session') && !hasNoun(f, 'folder') && !hasNoun(f, 'preset') && !(hasNoun(f, 'rgroup') && !/\b(?:f-?gpus?|gpus?|cpus?|cores?|memory|ram|quota|empty|free|idle)\b|지피유|메모리|쿼터|gpu|cpu|비어|비었|여유|남/.test(l)) && !hasNoun(f, 'slot')) {
      return { kind: 'resource.remaining', confidence: 0.85 };
    }
    if (o === 'preset' || (hasNoun(f, 'preset') && !hasNoun(f, 'session'))) return { kind: 'resource.presets', confidence: 0.85 };
    if (o === 'rgroup' || (hasNoun(f, 'rgroup') && !hasNoun(f, 'session'))) return { kind: 'resource.groups', confidence: 0.85 };
    if (o === 'slot' || (hasNoun(f, 'slot') && !hasNoun(f, 'session'))) return { kind: 'resource.slots', confidence: 0.8 };
    if ((hasNoun(f, 'usage') && !hasNoun(f, 'session') && !hasNoun(f, 'folder')) || /사용량|how\s+much\s+(?:have\s+)?i\s+used/.test(l)) {
      return { kind: 'resource.usage', confidence: 0.8 };
    }
    if ((hasNoun(f, 'compute') || /얼마|how\s+(?:many|much)/.test(l)) && REMAINING.test(l) && !hasNoun(f, 'session') && !hasNoun(f, 'folder')) {
      return { kind: 'resource.remaining', confidence: 0.85 };
    }
    if (o === 'image' && (v === 'list' || v === undefined || f.question)) return { kind: 'image.list', confidence: 0.85 };
  }

  // "move the datasets folder to the trash", "X 폴더 휴지통으로 보내줘": deleting a folder is moving it to the trash bin
  if (/\b(?:move|send|put|throw|toss)\b[^.;]{0,60}?\b(?:to|in|into)\s+(?:the\s+|my\s+)?trash\b|휴지통\s*(?:으로|에)\s*(?:옮|보내|넣|버려)/.test(l) && !hasNoun(f, 'session') && !hasNoun(f, 'file')) {
    return { kind: 'folder.delete', confidence: 0.85 };
  }

  // "datasets 폴더에 raw 폴더 만들어줘", "create a folder raw inside the datasets folder": a folder in a folder is a directory
  const folderNouns = f.nouns.filter((n) => n.kind === 'folder').length;
  // "… and put a folder named plots inside it": a folder inside the one just made is a directory
  if ((v === 'create' || /\b(?:put|add|place)\b/.test(l)) && hasNoun(f, 'folder') && /\b(?:inside|in|into|within|under)\s+(?:it|there|that(?:\s+folder)?|this(?:\s+folder)?|the\s+new\s+(?:one|folder))\b|그\s*안에|거기\s*안에/.test(l) && !hasNoun(f, 'session')) {
    return { kind: 'folder.mkdir', confidence: 0.75 };
  }
  // "create results/2024-q3 inside the datasets folder": a path made inside a named folder
  if (v === 'create' && f.hasFilePath && !hasNoun(f, 'session') && /\b(?:inside|in|within|under|into)\s+(?:the\s+|my\s+)?(?:[\w.-]+|\s{2,})\s*(?:folder|vfolder)\b|(?:폴더|볼륨)\s*(?:에|안에|속에|밑에)\s/.test(l)) {
    return { kind: 'folder.mkdir', confidence: 0.75 };
  }
  if (v === 'create' && folderNouns >= 2 && /(?:폴더|볼륨)\s*(?:에|안에|속에|밑에|아래에?)\s|\b(?:inside|in|within|under|into)\s+(?:the\s+|my\s+)?[\w.-]+\s+(?:folder|vfolder)\b/.test(l)) {
    return { kind: 'folder.mkdir', confidence: 0.8 };
  }

  // folders
  if (o === 'file' || (hasNoun(f, 'file') && (v === 'list' || v === undefined) && hasNoun(f, 'folder'))) {
    if (has(f, 'delete') || has(f, 'destroy')) return { kind: 'folder.delete_files', confidence: 0.8 };
    if (has(f, 'rename')) return { kind: 'folder.rename_file', confidence: 0.8 };
    if (has(f, 'move')) return { kind: 'folder.move_file', confidence: 0.8 };
    // "폴더 뭐 있어?" with no folder named asks for the folder list
    if (v !== 'create') return !f.hasName && !/\bfiles?\b|contents?|파일|안에/.test(l) ? { kind: 'folder.list', confidence: 0.7 } : { kind: 'folder.files', confidence: 0.85 };
  }
  if (o === 'directory' || (hasNoun(f, 'directory') && v === 'create')) {
    if (v === 'create' || has(f, 'create')) return { kind: 'folder.mkdir', confidence: 0.85 };
    if (v === 'list' || v === undefined) return { kind: 'folder.files', confidence: 0.7 };
  }
  // "trash api_helper": only folders go to the trash bin
  if (/^\s*(?:please\s+)?trash\s+(?!bin\b|can\b)/.test(l) && !hasNoun(f, 'session') && !hasNoun(f, 'service')) return { kind: 'folder.delete', confidence: 0.75 };
  if (o === 'trash') {
    if (has(f, 'restore')) return { kind: 'folder.restore', confidence: 0.85 };
    // the noun "trash" also reads as the verb: "what's in the trash?" deletes nothing
    const deleting = f.verbs.some((h) => h.kind === 'delete' && !/^trash/.test(l.slice(h.index)));
    if (has(f, 'purge')) return { kind: 'folder.purge', confidence: 0.85 };
    // "testing the trash bin: delete api_helper" moves it there; "delete X from the trash" purges
    const fromTrash = /\b(?:from|in|out\s+of)\s+(?:the\s+|my\s+)?(?:trash|bin|recycle)|(?:휴지통|쓰레기통)\s*(?:에서|에\s*있는|안의)|\bempty\b|비워/.test(l);
    if (deleting && f.hasName && !fromTrash) return { kind: 'folder.delete', confidence: 0.75 };
    if (deleting) return { kind: 'folder.purge', confidence: 0.85 };
    return { kind: 'folder.list', confidence: 0.6 };
  }
  if (o === 'folder' || (o === undefined && hasNoun(f, 'folder')) || (!o && (has(f, 'share') || has(f, 'restore') || has(f, 'purge')))) {
    if (has(f, 'share')) return { kind: 'folder.share', confidence: 0.9 };
    if (has(f, 'rename')) return { kind: 'folder.rename', confidence: 0.9 };
    if (has(f, 'restore')) return { kind: 'folder.restore', confidence: 0.9 };
    if (has(f, 'purge')) return { kind: 'folder.purge', confidence: 0.9 };
    if (has(f, 'leave')) return { kind: 'folder.leave', confidence: 0.8 };
    if (v === 'delete' || v === 'destroy') return { kind: 'folder.delete', confidence: 0.9 };
    if (v === 'create') return { kind: 'folder.create', confidence: 0.9 };
    if (v === 'info' && f.hasName) return { kind: 'folder.info', confidence: 0.8 };
    if (/\bin\b|\binside\b|에\s*(?:뭐|무엇|어떤)|안에/.test(l) && f.hasName && (v === 'list' || f.question)) return { kind: 'folder.files', confidence: 0.75 };
    if (v === 'list' || v === undefined || v === 'info') {
      return f.hasName && !/\bfolders\b|폴더\s*(?:목록|들|리스트)|모든\s*폴더|\ball\b/.test(l) ? { kind: 'folder.info', confidence: 0.65 } : { kind: 'folder.list', confidence: 0.9 };
    }
    // "세션 이름 X, 이미지 vllm, fGPU 4개, models 폴더 마운트": a session spec whose only verb is the mount
    if (v === 'mount') return hasNoun(f, 'session') && (f.hasQuantities || f.hasImage) ? { kind: 'session.create', confidence: 0.7 } : undefined;
  }

  // sessions (also the default object of run/kill verbs)
  // "start a gpu-small preset session", "a gpu-a100 resource group session": the noun before "session" only modifies it
  const modifiedSession = v === 'create' && (o === 'preset' || o === 'rgroup') && hasNoun(f, 'session');
  const sessionish = o === 'session' || o === 'compute' || o === 'logs' || o === 'history' || o === 'image' || o === undefined || modifiedSession;
  if (!sessionish) return undefined;
  if (hasNoun(f, 'logs') && !has(f, 'destroy') && !(v === 'create' && o === 'session')) return { kind: 'session.logs', confidence: 0.85 };
  if (hasNoun(f, 'history') && !has(f, 'create')) return { kind: 'session.status_history', confidence: 0.8 };
  if (has(f, 'rename') && v !== 'create') return { kind: 'session.rename', confidence: 0.85 };
  if (v === 'destroy' || v === 'delete') return { kind: 'session.destroy', confidence: o === 'session' ? 0.9 : 0.75 };
  if (!v && (f.hasQuantities || f.hasImage) && o === 'session' && !f.question) return { kind: 'session.create', confidence: 0.65 };
  if (v === 'create' || v === 'serve' || (v === 'mount' && (o === 'session' || f.hasQuantities || f.hasImage))) {
    if (o === 'session' || modifiedSession || f.hasQuantities || f.hasImage) return { kind: 'session.create', confidence: o === 'session' ? 0.9 : 0.75 };
    return undefined;
  }
  if ((v === 'info' || (has(f, 'info') && v === 'list')) && (f.hasName || o === 'session')) return { kind: f.hasName ? 'session.info' : 'session.list', confidence: 0.8 };
  // "… and then tell me its status": the status of what an earlier clause named or created
  if (has(f, 'info') && o === undefined && /\bits\b|\bit\b|그\s*세션|방금\s*만든/.test(l)) return { kind: 'session.info', confidence: 0.6 };
  if ((v === 'list' || v === undefined || f.question) && o === 'session') {
    return f.hasName && !/\bsessions\b|세션\s*(?:목록|들)|\ball\b|모든/.test(l) ? { kind: 'session.info', confidence: 0.7 } : { kind: 'session.list', confidence: 0.85 };
  }
  if (!v && (f.hasQuantities || f.hasImage) && o !== undefined) return { kind: 'session.create', confidence: 0.6 };
  if (v === 'list' && /\b(?:what's|what\s+is|whats)\s+running\b|뭐\s*(?:가\s*)?(?:돌아|실행)/.test(l)) return { kind: 'session.list', confidence: 0.75 };
  return undefined;
}
