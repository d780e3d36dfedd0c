/**
 * Refusals: requests that are not a Backend.AI task (food, weather, jokes, unrelated code or
 * chat) and the few that are harmful whatever they mention (mining, attacking, other users' keys).
 */

const DOMAIN =
  /\b(?:sessions?|notebooks?|jupyter|kernels?|containers?|jobs?|folders?|vfolders?|storage|gpus?|fgpus?|cpus?|cores?|memory|ram|images?|presets?|resource|scaling|groups?|services?|endpoints?|models?|backend\.?ai|cluster|nodes?|quota|mount|logs?|tokens?|replicas?|pytorch|tensorflow|vllm|ngc|python|batch|inference|terminate|kill|deploy|serve|usage)\b|세션|노트북|폴더|이미지|프리셋|서비스|그룹|자원|리소스|지피유|메모리|코어|로그|마운트|배치|모델|클러스터|사용량|토큰|fgpu|gpu|cpu/;

const STRONG_DOMAIN =
  /\b(?:sessions?|notebooks?|jupyter|containers?|jobs?|folders?|vfolders?|gpus?|fgpus?|presets?|resource\s+groups?|services?|endpoints?|backend\.?ai|cluster|quota|mount(?:ed)?|batch)\b|세션|노트북|폴더|프리셋|서비스|지피유|마운트|배치|클러스터/;

const OFF_TOPIC: Array<[RegExp, string]> = [
  [/\b(?:pizza|burger|sushi|food|lunch|dinner|breakfast|coffee|restaurant|taxi|uber|flight|hotel|groceries)\b|피자|치킨|음식|배달|점심|저녁|커피|택시|비행기|호텔/, 'ordering food or services'],
  [/\bweather\b|\bforecast\b|날씨|기온|비\s*와/, 'the weather'],
  [/\b(?:jokes?|poems?|poetry|haikus?|limericks?|sonnets?|story|stories|essays?|songs?|lyrics|raps?|tweets?|cover\s+letter|love\s+letter|birthday\s+(?:card|message))\b|농담|시\s*(?:한\s*편\s*)?(?:써|지어)|노래|이야기|소설|편지|가사/, 'creative writing'],
  [/\b(?:stock|bitcoin\s+price|exchange\s+rate|news|sports?|football|soccer|movie|recipe)\b|주식|환율|뉴스|축구|영화|레시피/, 'general information'],
  [/\btranslate\b|번역/, 'translation'],
  [/\b(?:write|implement|code|fix|debug|refactor)\b[^.]{0,40}\b(?:function|class|script|program|algorithm|regex|sql|html|css|website|app)\b/, 'writing unrelated code'],
];

const HARMFUL: Array<[RegExp, string]> = [
  [/\b(?:mine|mining)\s+(?:some\s+|a\s+few\s+)?(?:crypto|bitcoin|monero|ethereum|coins?)|crypto\s*mining|채굴/, 'cryptocurrency mining is not an allowed use of the cluster'],
  [/\b(?:ddos|attack|hack|exploit|brute[\s-]*force|crack)\b[^.]{0,40}\b(?:server|site|password|users?|accounts?|manager|cluster)|해킹|디도스/, 'attacking systems is not something I will help with'],
  [/\b(?:show|print|display|reveal|tell|give|send|what(?:'s|\s+is|\s+are)|echo|copy|paste|output)\b[^?!\n]{0,60}?\b(?:(?:api\s+|login\s+|account\s+)?credentials?\b|secret\s*(?:access\s*)?keys?|passwords?)\b|(?:시크릿|비밀|secret)\s*(?:키|번호|key)\s*(?:가|를|좀|이|은|는)?\s*(?:[^.?!]{0,12}?)(?:뭐|알려|보여|출력|확인|말해)/, 'I never reveal secret keys or passwords: they stay in your configuration and are masked in everything I print'],
  [/credentials?\.(?:toml|json|ya?ml|ini)|\.backend\.ai\/(?:config|credentials)|\bkeypair\s+file\b|\baccess\s+key\s+and\s+(?:the\s+)?secret\b|\b(?:cat|print|show|dump)\b[^?!\n]{0,30}\.env\b/, 'I never reveal secret keys or passwords: they stay in your configuration and are masked in everything I print'],
  [/\b(?:hmac|signing)\s+(?:secret|key)\b|\bsecret\s+(?:you(?:'re|\s+are)?\s+(?:sign|us)|(?:you\s+)?sign(?:ing)?\s+(?:requests|with))|\b(?:api|private)\s+secret\b|서명\s*(?:키|비밀)/, 'I never reveal secret keys or passwords: they stay in your configuration and are masked in everything I print'],
  [/\b(?:promote|elevate|upgrade|make)\s+(?:me|my\s+(?:account|user|role))\s+(?:to\s+|an?\s+|into\s+)?(?:super\s*-?admin|admin(?:istrator)?|root)\b|\bgive\s+me\s+(?:super\s*-?admin|admin(?:istrator)?)\s+(?:rights|privileges?|access|role)|(?:superadmin|슈퍼\s*관리자|관리자|어드민|admin)\s*(?:으로|로)\s*(?:승격|올려|바꿔|변경)|(?:관리자|어드민|admin)\s*권한\s*(?:을|를)?\s*(?:줘|부여|달라)/i, 'changing your own role is not something I can do: ask a cluster administrator'],
  [/\b(?:terminate|kill|delete|remove|destroy|stop)\b[^.?!]{0,40}\b(?:belong(?:s|ing)?\s+to\s+(?:other|another)\s+users?|other\s+users?'?s?\s+(?:sessions?|folders?)|someone\s+else'?s)|다른\s*(?:사용자|사람)\s*(?:의|들의)?\s*(?:세션|폴더)[^.?!]{0,20}(?:종료|삭제|지워|꺼)/, 'acting on other users\' sessions or folders needs administrator rights'],
  // someone else's things by their e-mail, or everybody's: "colleague@x's notebook", "옆 팀 a@b 세션들", "all users' sessions"
  [/[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*(?:'s|’s|')\s+(?:(?:\w|-)+\s+){0,2}(?:sessions?|notebooks?|jobs?|containers?|workloads?|folders?|vfolders?|keypairs?|(?:api\s+|access\s+|secret\s+)?keys?|credentials?|services?)\b|[\w.+-]+@[\w-]+(?:\.[\w-]+)+\s*(?:의|님의|님)?\s*(?:세션|폴더|노트북|작업|키페어|키)|\b(?:all|every|other)\s+users?(?:'s|’s|')?\s+(?:sessions|folders|notebooks|jobs)\b|\b(?:sessions|folders)\s+of\s+(?:all|every|other)\s+users?\b|\bincluding\s+other\s+(?:users|people)(?:'s|’s|')?\b|\ball\s+users,?\s+not\s+just\s+mine\b|\bother\s+(?:people|users)(?:'s|’s|')\s+(?:sessions|folders|notebooks|jobs)\b|(?:모든|다른)\s*(?:사용자|사람|유저)\s*(?:들)?\s*(?:의)?\s*(?:세션|폴더)/i, 'acting on other users\' sessions, folders or keys needs administrator rights, and this agent only acts on your own'],
  // cluster administration: registries, image aliases, resource policies and quotas
  [/\b(?:rescan|re-scan|reindex|re-index|refresh)\b[^.?!\n]{0,30}\b(?:registr(?:y|ies)|images?)\b|\b(?:add|create|set|register|define)\b[^.?!\n]{0,30}\balias(?:es)?\b[^.?!\n]{0,30}\bimages?\b|\b(?:raise|increase|bump|lift|change|set|update|extend|double)\b[^.?!\n]{0,40}\b(?:resource\s+polic(?:y|ies)|keypair(?:'s)?\s+(?:\w+\s+)?(?:limit|polic(?:y|ies)|quota)|quotas?|(?:f?gpu|session|concurrency|cpu|memory)\s+(?:limit|quota)s?|(?:my|our|the)\s+limits?)\b|(?:한도|쿼터|할당량|리소스\s*정책|자원\s*정책|제한)\s*(?:을|를)?\s*(?:좀\s*)?(?:늘려|올려|바꿔|변경|풀어)|레지스트리\s*(?:를|을)?\s*(?:다시\s*)?(?:스캔|리스캔)/i, 'that is cluster administration (registries, image aliases, resource policies and quotas): it needs an administrator, and this agent does not change it'],
  [/\b(?:steal|dump|exfiltrate|leak)\b[^.]{0,40}\b(?:keys?|secrets?|passwords?|credentials?)|other\s+users?'?\s+(?:secret|access)\s+keys?|남의\s*(?:키|비밀)/, 'reading other users\' credentials is not allowed'],
];

/**
 * Asking for a piece of writing ("write me a haiku about GPUs", "compose a poem about my
 * sessions") is off-topic even though it mentions cluster words that read as a task.
 */
const WRITING_ASK =
  /\b(?:write|compose|make\s+up|come\s+up\s+with|tell|sing|draft)\s+(?:me\s+|us\s+)?(?:a|an|some|another|one)?\s*(?:short\s+|funny\s+|little\s+|nice\s+|cute\s+)?(?:jokes?|poems?|haikus?|limericks?|sonnets?|story|stories|essays?|songs?|lyrics|raps?|tweets?|cover\s+letter|love\s+letter)\b|(?:시|소설|노래\s*가사|가사|농담)\s*(?:한\s*(?:편|곡|개)\s*)?(?:를|을)?\s*(?:써|지어|만들어|해)\s*(?:줘|주세요|줄래)/;

const BARE_TASK =
  /^\s*(?:please\s+)?(?:create|make|start|launch|run|open|delete|remove|stop|kill|terminate|rename|share|deploy|serve|mount|restore)\b(?:\s+(?:it|one|them|this|that|something|a\s+new\s+one))?\s*(?:please|now)?\s*[.!?]*\s*$|^\s*(?:그거\s*|그걸\s*|하나\s*)?(?:만들어|생성해|삭제해|지워|꺼|종료해|시작해|띄워|공유해|실행해)\s*(?:줘|주세요|줄래)?\s*[.!?]*\s*$/;

const GREETING = /^\s*(?:hi|hello|hey|thanks|thank\s+you|good\s+(?:morning|night|evening)|how\s+are\s+you|안녕|고마워|감사합니다|ㅎㅇ)\b/;

/** A refusal reason, or undefined when the text may be a Backend.AI task (`taskFound`: the parser recognised one). */
export function refusalReason(lower: string, opts: { taskFound?: boolean } = {}): string | undefined {
  for (const [rx, why] of HARMFUL) if (rx.test(lower)) return why;
  if (WRITING_ASK.test(lower)) return 'not a Backend.AI task (creative writing)';
  // a recognised task is refused only for the reasons above
  if (opts.taskFound) return undefined;
  const domain = DOMAIN.test(lower);
  // a language or framework name alone does not make "write a python function" a cluster task
  const strong = STRONG_DOMAIN.test(lower);
  // called only when no task was recognised: an off-topic ask is refused even if it mentions GPUs
  for (const [rx, topic] of OFF_TOPIC) if (rx.test(lower) && (!strong || topic !== 'writing unrelated code')) return `not a Backend.AI task (${topic})`;
  if (GREETING.test(lower) && !domain) return 'not a Backend.AI task (general chat)';
  // a task verb with nothing to act on ("create", "delete it", "만들어줘") is a task missing its object: ask, do not refuse
  if (BARE_TASK.test(lower)) return undefined;
  if (!domain) {
    const letters = lower.match(/[a-z\uAC00-\uD7A3]/g)?.length ?? 0;
    if (letters === 0) return 'the request contains no words I can read';
    return 'not a Backend.AI task: I can manage sessions, folders, images, resources and model services';
  }
  return undefined;
}
