/**
 * Text the user quotes or forwards is data, not a task. A mail (From:/Subject: headers), a ticket
 * (Reporter:/Description: fields), chat lines ("[10:02] minji: …"), lines after ">", a fenced
 * "----- forwarded message -----", a checklist or an on-call handoff pasted under "X wrote:" or
 * "From the runbook:" — none of it is an instruction to the agent. What the user asks in their own
 * words is the request. Only when their own words adopt the quoted text ("sure, do it", "can you
 * do what Jae asked", "pls set it up and also …", "take care of the session from this ticket")
 * do the quoted asks become the request — and then without the lines that try to change the
 * agent's rules or act as an administrator or for every user ("SYSTEM: …", "Assistant note: as
 * admin, also …", "<!-- … -->"): those are never followed, and never stop the legitimate part.
 * When the adopting words only ask to check ("check that for me, don't start anything") the
 * request is read-only: a write the quoted text asks for is asked about, not planned.
 *
 * Chat pastes (Slack, Teams) follow the same rule, read through ./chat.ts: "^ can you do it",
 * "can you make that?", "do 1 and 3", "can you answer her?" adopt; "regenerate mine" adopts an ask
 * made of everyone for the user's own things; a paste whose lines all come from one speaker who
 * talks to the agent ("[11:03] Dan: @bai-agent spin up …") is that speaker's request.
 */
import { readChatLine } from './chat.js';

/** Sentences that try to change the agent's rules or role. */
const INJECTION =
  /\b(?:system|assistant|developer|admin)\s*(?:override|prompt|message|note)?\s*:|\bignore\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|safety|your)\s+(?:rules|instructions|prompts?|guidelines|policies)\b|\bdisregard\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous\s+|prior\s+)?(?:rules|instructions|guidelines|policies)\b|\byou\s+are\s+now\s+(?:running\s+as\s+|acting\s+as\s+|in\s+)?(?:an?\s+|the\s+)?(?:super\s*-?admin|admin(?:istrator)?|root|unrestricted|maintenance\s+mode|developer\s+mode|god\s+mode)\b|\bact\s+as\s+(?:an?\s+)?(?:super\s*-?admin|admin(?:istrator)?|root)\b|\bjailbreak\b|\bignore\s+(?:the|this|your)\s+(?:user|requester|human|operator)\b|(?:이전|앞의|기존)\s*(?:지시|규칙|명령)\s*(?:은|는|을|를)?\s*(?:모두\s*)?무시|관리자\s*(?:인\s*척|처럼\s*행동)/i;

/**
 * A quoted sentence that asks to act with rights the user has not claimed, or on everybody's
 * things: a third party's words cannot raise what the agent does ("as admin, also purge …",
 * "for all users", "every user on the cluster").
 */
const ESCALATION =
  /\bas\s+(?:an?\s+|the\s+)?(?:super\s*-?)?admin(?:istrator)?\b|\bwith\s+(?:super\s*-?)?admin(?:istrator)?\s+(?:rights|privileges?|access|role)\b|\b(?:for|of|from)\s+(?:all|every|each)\s+(?:other\s+)?users?\b|\bevery\s+users?(?:'s|’s|')?\b|\ball\s+(?:other\s+)?users(?:'|’)?\b|\b(?:everyone|everybody)(?:'s|’s)\b|\bon\s+(?:the\s+)?whole\s+cluster\b|관리자\s*(?:권한|로서|로)|모든\s*(?:사용자|유저)/i;

/** "has been idle for 6 days", "was stuck for 2 hours": the duration of a state already past. */
const STATE_DURATION =
  /(\b(?:has|have|had)\s+been\s+(?:\w+\s+){0,2}?\w+|\b(?:was|were|sat|stayed|stuck|hung|idled|hanging)\b[^.,;!?]{0,30}?)\s+for\s+(?:about\s+|over\s+|more\s+than\s+|almost\s+|nearly\s+)?(?:\d+(?:\.\d+)?|an?|a\s+few|several)\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?|[hdm])\b/gi;

/** "image: tensorflow", "1 fGPU": a field or a fragment of a spec, read with the lines around it. */
const FIELD_LINE = /^\s*(?:[\w .-]{1,24}:\s*\S.*|\S+(?:\s+\S+){0,2})\s*$/;

/** The sender's own plans: "I'll copy the files myself", "we will test it tomorrow". */
const SENDERS_PLAN = /^\s*(?:i|we)(?:'ll|\s+will|'m\s+going\s+to|\s+am\s+going\s+to|'re\s+going\s+to|\s+can|'d\s+like\s+to\s+(?:do|handle|copy|move|upload))\b/i;

/** "… so I can drop the numbers there": why the sender asks, nothing more to do. */
const PURPOSE = /,?\s+so\s+(?:that\s+)?(?:i|we|they|he|she|the\s+\w+|everyone|people)\s+(?:can|could|may|will)\b[^.!?]*/i;

/** Hidden text in a message: never shown to a reader, never a task. */
const HIDDEN = /<!--[\s\S]*?(?:-->|$)/g;

/** Lines that fence forwarded material: "---", "----- forwarded message -----", "-----Original Message-----". */
const FENCE = /^\s*(?:[-=_~*]{3,}[^\n]{0,40}?[-=_~*]{0,}|[-=_~*]{3,}|={2,}\s*\w[^\n]{0,30}={2,})\s*$/;

/** Mail and ticket metadata: not an ask, not the user's words. */
const META_FIELD =
  /^\s*(?:from|to|cc|bcc|date|sent|subject|re|fw|fwd|reply-to|reporter|reported\s+by|assignee|assigned\s+to|priority|status|severity|labels?|components?|created|updated|opened\s+by|requested\s+by|filed\s+by|owner|type|environment|due(?:\s+date)?|channel|thread|sender)\s*:/i;

/** Ticket fields whose value is the quoted ask: "Description: session x has been idle, please terminate it." */
const BODY_FIELD =
  /^\s*(?:description|summary|title|details?|body|steps(?:\s+to\s+reproduce)?|comments?|note|notes|request|message|text|ask|problem|issue|update)(?:\s*\([^)]{0,40}\))?(?:\s*#?\d+)?\s*:\s*(.*)$/i;

/**
 * A line that opens quoted material; what follows its colon on the same line is quoted too:
 * "Forwarded from Jiwon:", "Forwarding this from the support inbox:", "From the CI log:",
 * "From #ml-platform: …", "Jae wrote: …", "Ticket #883 repro request:", "OPS-5120: …",
 * "On-call handoff:", "From the reproducibility checklist:", "Background:".
 */
const OPENER =
  /^\s*(?:(?:fw|fwd|re)\s*:|begin\s+forwarded\s+message\s*:?|forward(?:ed|ing)(?:\s+(?:this|the|a|my|his|her|their))?(?:\s+(?:message|mail|e-?mail|note|thread|chat|ticket|post|request))?(?:\s+(?:from|by|of)\b[^:]{0,60})?\s*:|(?:pasted|copied|quoted|relayed|pasting|copying|quoting|relaying)(?:\s+(?:this|it|here|over))?\s+from\b[^:]{0,60}:|(?:(?:ok(?:ay)?|so|fyi|tl;?dr)[,:\s]+)*(?:(?:the|our|a|quick)\s+)?(?:thread|meeting|standup|stand-up|channel|chat|call|sync|discussion|convo)\s+(?:summary|recap|notes|tl;?dr|decisions|outcome|action\s+items)(?:\s+(?:from|for|of)\b[^:]{0,40})?\s*(?::|$)|(?:fyi[,:]?\s+)?from\s+(?!my\b|the\s+(?:datasets?|models?)\s+folder)[^:\s][^:]{0,60}:|(?:[\w.@#-]+\s+){0,3}[\w.@#-]+\s+(?:wrote|writes|said|says|asked|asks|posted|messaged|commented|replied|sent(?:\s+(?:me|this|us))?)(?:\s+(?:in|on|to|at|yesterday|today|earlier|this\s+morning)\b[^:]{0,40})?\s*:|(?:on-?call\s+)?hand-?off(?:\s+notes?)?(?:\s+(?:from|for)\b[^:]{0,40})?\s*:|(?:the\s+)?(?:[\w-]+\s+){0,3}(?:checklist|runbook|to-?do\s+list|action\s+items|notes)(?:\s+(?:from|for)\b[^:]{0,40})?\s*:|(?:ticket|jira|bug|incident|case|issue)(?:\s*#?[\w-]*\d[\w-]*)?(?:\s+[\w\s-]{0,30}?)?(?:\s*\([^)]*\))?\s*:|(?:ticket|jira|bug|incident|case|issue)\s*#?[\w-]*\d[\w-]*\s*(?:\([^)]*\))?\s*$|(?:colleague|customer|user|manager|boss|teammate|team\s*lead|lead)(?:'s)?\s+(?:message|note|request|e-?mail|mail|ask)\s*:|background(?:\s*\([^)]*\))?\s*:|context\s*:|\[[^\]]{1,40}\]\s*$)/i;

/** An issue key opening a ticket: "OPS-4412", "INFRA-210: …" (capitals: "logs-2024" is a name). */
const ISSUE_KEY = /^\s*[A-Z][A-Z0-9]{1,9}-\d+\b(?:[^:\n]{0,40}?:|\s*$)/;

/** A chat line: "[10:02] minji: …", "10:02 <bora> …", "(9:41 AM) Dana: …". */
const CHAT =
  /^\s*[[(]?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?[\])]?\s*(?:<\s*@?([\w.@-]{1,40})\s*>|@?([\w.@-]{1,40})\s*:)\s*(.*)$/i;

/** A speaker before quoted words: "Bora: …", "[helpdesk-bot] …", "<dana> …" (field names are not speakers). */
const SPEAKER = /^\s*(?:\[[\w .@-]{1,40}\]|<\s*@?[\w.@-]{1,40}\s*>|[*_]{1,2}@?[A-Za-z][\w .-]{0,30}?[*_]{1,2}(?:\s*[([]\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?\s*[)\]])?\s*:|@?[A-Za-z][\w.-]{0,30}\s*[([]\s*\d{1,2}:\d{2}(?:\s*[ap]\.?m\.?)?\s*[)\]]\s*:|@?(?!(?:image|name|env|environ|mounts?|gpus?|fgpus?|cpus?|mem|memory|ram|command|cmd|group|folder|session|service|model|replicas?|resources?|type|host|path|note)\s*:)[A-Za-z][\w.-]{0,30}\s*:)\s+/i;

/** A list item: "- x", "* x", "• x", "1. x", "2) x", "[ ] x". */
const ITEM = /^\s*(?:[-*•]|\d{1,2}[.)]|\[\s?[xX ]?\s?\])\s+/;

/** "- notebook-old: terminate" — a handoff line: a target, then what to do with it. */
const TARGET_ACTION = /^([\w.@/-]{2,60}|(?:all|every|everything|the\s+rest|rest|others?|anything|remaining)(?:\s+[\w-]+){0,2})\s*:\s*(.+)$/i;

/** A handoff action starts with what to do. */
const ACTION_VERB =
  /^(?:terminate|kill|stop|shut\s+down|delete|remove|drop|destroy|clean\s+up|purge|rename|restart|reboot|share|unshare|scale|archive|create|start|launch|mount|unmount|clone|move|copy|commit|save|snapshot|check|inspect|restore|recover|make|set|give|grant|revoke|invite|extend|bump)\b/i;

/** Handoff actions that leave a thing as it is: context, never a task. */
const NO_ACTION =
  /^(?:leave|keep|let)\s+(?:it|this|them)?\s*(?:running|alone|as\s+is|untouched|up|on)?\b|^(?:no\s+(?:action|change)s?|nothing(?:\s+to\s+do)?|don'?t\s+touch(?:\s+it)?|skip|ignore|as\s+is|n\/a|none|fine|ok(?:ay)?)\b/i;

/** Words by which a list item names everything ("the rest", "all others"): its exceptions would matter. */
const BULK_TARGET = /^(?:all|every(?:thing|one)?|the\s+rest|rest|others?|anything\s+else|everything\s+else|remaining)\b/i;

const BULK_WORDS = /\b(?:all|every\w*|the\s+rest|others|remaining|anything\s+else)\b/i;

/* ---- the user's own words that adopt the quoted ones ---- */

const LEAD =
  String.raw`(?:(?:ok(?:ay)?|sure(?:\s+thing)?|yes|yeah|yep|yup|fine|right|great|cool|so|alright|all\s+right|sounds\s+good|approved|lgtm|->|=>|→|>>)[\s,.!:]+)*(?:(?:please|pls|plz|kindly|just|then|now|go\s+ahead\s+and|can\s+you|could\s+you|would\s+you|will\s+you|can\s+u|could\s+u|i'?d\s+like\s+you\s+to|i\s+need\s+you\s+to)\s+)*`;
/** What the quote asks, pointed at: "it", "that", "both steps", "the folder he mentions", "the session from this ticket". */
const SOURCE = String.raw`(?:(?:this|that|the|his|her|their|your)\s+(?:ticket|message|mail|e-?mail|thread|chat|note|request|handoff|hand-?off|checklist|list|log|post|comment|ask|runbook|steps?)|him|her|them|above|below|there)`;
/** Numbered items of a pasted list: "1 and 2", "#1, #3", "steps 2-3", "items 1 & 4". */
const ITEM_NUMBERS = String.raw`(?:(?:the\s+)?(?:steps?|items?|points?|tasks?|numbers?)\s+)?#?\d{1,2}(?:\s*(?:,|and|&|\+|-|–|to|,\s*and)\s*#?\d{1,2})*`;
const POINTER = String.raw`(?:it|that|this|them|those|these|so|mine(?:\s+too)?|${ITEM_NUMBERS}|all(?:\s+of)?\s+(?:it|that|this|them)|(?:all\s+|both\s+)?(?:the\s+)?(?:steps|items|tasks|things|changes|actions|points)(?:\s+(?:above|below|listed|there|in\s+it))?|both(?:\s+(?:steps|items|things|tasks|of\s+them))?|everything(?:\s+(?:above|listed|there|in\s+it))?|the\s+(?:handoff|hand-?off|checklist|runbook|list|request|ask|ticket|plan)|what\s+(?:it|he|she|they|[\w.-]+|the\s+[\w-]+)\s+(?:says|said|asks?|asked(?:\s+for)?|wants?|wanted|requested|needs?|describes?|described|mentions?|mentioned|suggests?|suggested|wrote)|as\s+(?:it|he|she|they|[\w.-]+)\s+(?:says|said|asked|wants?|described|requested)|the\s+(?:[\w-]+\s+){0,3}?(?:[\w-]+)\s+(?:(?:he|she|they|it|[\w.-]+)\s+(?:mentions?|mentioned|asks?\s+for|asked\s+(?:for|about)|wants?|wanted|requested|describes?|described|needs?|is\s+asking\s+(?:for|about))|(?:from|in|on|mentioned\s+in|described\s+in)\s+${SOURCE}))`;
const HOW = String.raw`(?:\s*,?\s*(?:as\s+(?:described|requested|asked|listed|written|said|above|below|(?:it|he|she|they|[\w.-]+)\s+(?:asks?|asked|said|says|wants?|described))|for\s+(?:me|him|her|them|us|[\w.-]+)|please|pls|now|asap|then|too|right\s+away|thanks?(?:\s+you)?|thx|as\s+well))*`;
const ACT =
  String.raw`(?:do|handle|apply|follow|execute|action|run|perform|process|complete|finish|carry\s+out|take\s+care\s+of|deal\s+with|sort\s+out|make|create|start|launch|spin\s+up|set\s+up|open|deploy|serve|delete|remove|clean\s+up|terminate|kill|stop|shut\s+down|rename|share|grant|give\s+(?:him|her|them|me)|invite|mount|restart|scale|fix|implement|get|regenerate|renew|rotate|reset|refresh|update|change|bump|move|copy|upload|download|commit|save|clone|archive|resize|extend|build)`;
const CHECK = String.raw`(?:check|verify|look\s+into|look\s+at|find\s+out|answer|confirm|see|investigate|tell\s+me|figure\s+out)`;

/** A clause of the user's own that only points at the quoted asks and says "do them". */
const ADOPT_ACT = new RegExp(
  String.raw`^\s*${LEAD}(?:go\s+ahead(?:\s+with\s+(?:it|that|this|them))?|make\s+it\s+so|do\s+it|(?:${ACT})\s+(?:${POINTER})(?:\s+(?:up|out))?|(?:set|sort|spin)\s+(?:it|that|this|them)\s+(?:up|out)|(?:yes|ok(?:ay)?|sure|approved)(?:\s+please)?)${HOW}\s*[.!?]*\s*$`,
  'i',
);
/** A clause that only points at the quoted text and asks to find out: the request is read-only. */
const ADOPT_CHECK = new RegExp(String.raw`^\s*${LEAD}(?:${CHECK})(?:\s+(?:${POINTER}))?(?:\s+(?:out|up|for\s+(?:me|him|her|them|us)))*(?:\s+and\s+(?:reply|answer|respond)(?:\s+(?:on|in|to)\s+(?:the\s+)?\w+)?)?${HOW}\s*[.!?]*\s*$`, 'i');
/** "reply on the ticket", "answer them": the answer is the reads. */
const ADOPT_REPLY =
  /^\s*(?:please\s+|pls\s+|can\s+(?:you|u)\s+|could\s+(?:you|u)\s+)?(?:reply|respond|answer)(?:\s+(?:on|in|to)\s+(?:the\s+)?(?:ticket|thread|message|mail|chat|them|him|her|it|question)|\s+(?:him|her|them|it|that|this|the\s+question))?(?:\s+for\s+me)?\s*[.!?]*\s*$/i;
/** A bare "can you?", "pls?", "this pls" ("+1" only agrees: not an ask) — an ask only when the user points at the message above ("^ could you?"). */
const ADOPT_BARE = /^\s*(?:(?:can|could|would|will)\s+(?:you|u)(?:\s+(?:please|pls))?|(?:please|pls|plz)(?:\s+(?:this|that))?|this\s+(?:please|pls))\s*[.!?]*\s*$/i;
/** Korean: "그렇게 해줘", "부탁한 대로 처리해 줘", "확인해 줘". */
const ADOPT_KO =
  /^\s*(?:그렇게|그거|그대로|부탁한\s*대로|말한\s*대로|요청한\s*대로|적힌\s*대로)\s*(?:해|처리해|진행해)\s*(?:줘|주세요|줄래|줄\s*수\s*있어)?\s*[.!?]*\s*$|^\s*(?:처리|진행)\s*(?:해|좀\s*해)\s*(?:줘|주세요|줄래)\s*[.!?]*\s*$/;
const CHECK_KO = /^\s*(?:확인|체크|알아봐|알아)\s*(?:해|좀\s*해)?\s*(?:줘|주세요|줄래|봐\s*줘)\s*[.!?]*\s*$/;

/** "don't start anything", "no changes", "just look": the user forbids writes in their own words. */
const READ_ONLY =
  /\b(?:do\s+not|don'?t|dont|never)\s+(?:start|create|launch|run|change|touch|do|make|delete|modify|spin\s+up|kick\s+off)\s+(?:anything|any\s+\w+|it|them|yet)\b|\bno\s+changes?\b|\bwithout\s+(?:starting|creating|changing|running|launching|doing)\s+anything\b|\b(?:just|only)\s+(?:check|look|see|tell\s+me)\b|(?:아무것도|뭐\s*든)\s*(?:시작|만들|실행|바꾸)지\s*(?:말|마)|확인만/i;

/** Writing a reply to the quoted message: not a Backend.AI task. */
const WRITE_REPLY =
  /^\s*(?:please\s+|can\s+you\s+|could\s+you\s+|pls\s+)?(?:draft|write|compose|prepare|send|craft|type\s+up)\s+(?:me\s+|them\s+|him\s+|her\s+)?(?:a|an|the|my|our)?\s*(?:\w+\s+){0,2}(?:reply|response|answer|e-?mail|mail|message|note|follow-?up)\b/i;

export interface FramedRequest {
  /** What the request asks: the user's own words, or the quoted asks they adopt (with what else they add). */
  ask: string;
  /** Quoted or forwarded material: context, never a task unless the user's words adopt it. */
  data: string[];
  /** Sentences that tried to change the agent's rules or role, or act for everybody. */
  injected: string[];
  /** An injection in the user's own words (not quoted): the whole request is refused. */
  injectedByUser: boolean;
  /** The user's own words adopt the quoted asks ("sure, do it", "do what Jae asked"). */
  adopted?: boolean;
  /** The user's own words allow reads only ("check that for me, don't start anything"). */
  readOnly?: boolean;
  /** The quoted asks cannot be followed safely as written: the question to ask. */
  unsure?: string;
  /** The user asks for something that is no Backend.AI task (a reply to the message): why. */
  offTopic?: string;
}

interface Quoted {
  /** quoted sentences that ask or tell something (injections removed) */
  asks: string[];
  /** quoted lines that only describe (subjects, metadata) */
  context: string[];
  injected: string[];
  /** list items that leave a thing as it is ("train-job-1: leave it running") */
  kept: string[];
  /** a list item acts on everything ("the rest: terminate") */
  bulk: boolean;
  /** the number of the list item each ask came from ("2. start …"), by the ask's index */
  numbers: (number | undefined)[];
}

/** Separate the user's ask from quoted material and injected instructions. */
export function frameRequest(text: string): FramedRequest {
  const quoted: Quoted = { asks: [], context: [], injected: [], kept: [], bulk: false, numbers: [] };
  const own: string[] = [];
  const ownInjected: string[] = [];
  // hidden comments are never shown to whoever reads the message: never a task, wherever they are
  const visible = text.replace(HIDDEN, (m) => {
    quoted.injected.push(m.replace(/^<!--\s*|\s*(?:-->)?$/g, ''));
    return ' ';
  });
  let inFence = false;
  let inBlock = false;
  const singleLine = !/\n/.test(visible.trim());
  // chat lines: who spoke, and whether they spoke to the agent
  const speakers = new Set<string>();
  let chatToBot = false;
  let onlyChat = true;
  let pointsUp = false;
  for (const raw of visible.split(/\r?\n/)) {
    if (!raw.trim()) {
      if (!inFence) inBlock = false;
      continue;
    }
    const said = readChatLine(raw);
    const line = said.text.trim();
    // a line of greetings and emoji only says nothing, and ends nothing
    if (!line) continue;
    // "@bai-agent can you handle 1 and 2?" under a pasted summary: the user talks to the agent again
    if (said.addressesBot && inBlock && !inFence && !/^>/.test(line) && !CHAT.test(line)) inBlock = false;
    if (FENCE.test(line)) {
      // a fence opens quoted material and the next one closes it; what follows the close is the user's again
      inFence = !inFence;
      inBlock = false;
      continue;
    }
    if (/^>/.test(line)) {
      onlyChat = false;
      addQuoted(quoted, stripSpeaker(line.replace(/^(?:>\s*)+/, '')));
      continue;
    }
    const chat = CHAT.exec(line);
    if (chat) {
      speakers.add((chat[1] ?? chat[2] ?? '').toLowerCase());
      chatToBot ||= said.addressesBot;
      addQuoted(quoted, chat[3] ?? '');
      continue;
    }
    onlyChat = false;
    if (inFence || inBlock) {
      readQuotedLine(quoted, line);
      continue;
    }
    if (META_FIELD.test(line)) {
      inBlock = true;
      quoted.context.push(line);
      continue;
    }
    const opener = OPENER.exec(line) ?? ISSUE_KEY.exec(line);
    if (opener && !/[?]\s*$/.test(line.slice(0, opener[0].length + 1))) {
      inBlock = true;
      const rest = line.slice(opener[0].length).trim();
      // "Ticket #4411: terminate notebook-old" typed as one line is the user's own shorthand
      if (singleLine && rest && !/^["“‘']/.test(rest) && !/hand-?off|wrote|said|asked|forward|pasted|copied|quoted|relayed/i.test(opener[0])) {
        own.push(line);
        continue;
      }
      // `FYI from standup: "make a folder …". can you do both?` — the quote ends where its mark closes
      const span = /^["“‘](.+?)["”’]\s*[.,;:!]?\s+(\S.*)$/.exec(rest);
      if (span) {
        readQuotedLine(quoted, span[1]!);
        own.push(span[2]!);
        pointsUp ||= said.pointsUp;
        inBlock = false;
        continue;
      }
      if (rest) readQuotedLine(quoted, unquote(rest));
      continue;
    }
    // a quoted sentence inline after a header the OPENER did not know: `Jae: "…"`
    const inline = /^(@?[A-Za-z][\w.@-]{0,30}):\s*(["“‘'])(.+?)(["”’'])\s*(.*)$/.exec(line);
    if (inline && SPEAKER.test(`${inline[1]}: x`) && !INJECTION.test(inline[1]!)) {
      readQuotedLine(quoted, inline[3]!);
      if (inline[5]) own.push(inline[5]);
      continue;
    }
    if (INJECTION.test(line)) {
      ownInjected.push(line);
      continue;
    }
    own.push(line.replace(/^\s*(?:->|=>|→|>>)\s*/, ''));
    pointsUp ||= said.pointsUp;
  }
  const injected = [...quoted.injected, ...ownInjected];
  // "- the rest: terminate" beside "- x: leave it running": what "the rest" spares is not safe to guess
  const unsure = quoted.kept.length > 0 && (quoted.bulk || quoted.asks.some((a) => BULK_WORDS.test(a))) ? `the list acts on everything beside what it keeps (${quoted.kept.join(', ')}): name each one to act on` : undefined;
  const injectedByUser = ownInjected.length > 0;
  const base = { data: quoted.asks, injected, injectedByUser, ...(unsure ? { unsure } : {}) };
  const ownText = own.join(' ').trim();

  // "[11:03] Dan: @bai-agent spin up …" / "[11:04] Dan: oh and name it …": one speaker's messages
  // to the agent, pasted whole, are that speaker's request (and so the user's)
  if (!ownText && onlyChat && chatToBot && speakers.size === 1 && quoted.asks.length > 0) {
    return { ...base, ask: quoted.asks.join('\n'), adopted: true };
  }

  // nothing of the user's own (a pasted message with no comment): what it asks is read, and a
  // change it asks for is asked about — nobody has said to make it
  if (!ownText) return { ...base, ask: quoted.asks.join('\n'), adopted: false, ...(quoted.asks.length > 0 ? { readOnly: true } : {}) };

  const parts = ownClauses(ownText);
  let adopted = false;
  let readOnly = READ_ONLY.test(ownText);
  const offTopic: string[] = [];
  // a spec with no ask of its own ("image: tensorflow, 1 fGPU") needs the user's verb ("create it as described")
  const quotedAsks = quoted.asks.some((a) => REQUESTS.test(a));
  for (const part of parts) {
    const clause = part.text;
    if (ADOPT_ACT.test(clause) || ADOPT_KO.test(clause) || (pointsUp && ADOPT_BARE.test(clause))) {
      part.adopts = true;
      part.keep = !quotedAsks && !GENERIC_ADOPT.test(clause);
    } else if (ADOPT_CHECK.test(clause) || CHECK_KO.test(clause) || ADOPT_REPLY.test(clause)) {
      part.adopts = true;
      readOnly = true;
    } else if (WRITE_REPLY.test(clause)) offTopic.push(clause);
    adopted ||= part.adopts === true;
  }
  // what the user adds besides adopting: "pls set it up and also give me a token …" keeps "also give me a token …"
  const rest = parts
    .filter((p) => (p.keep || !p.adopts) && !(readOnly && READ_ONLY.test(p.text)) && !THANKS.test(p.text) && !offTopic.includes(p.text))
    .map((p, i) => (i === 0 ? p.text : `${p.sep}${p.text}`))
    .join('')
    .replace(/^\s*(?:and|but|then|also)\s+/i, '')
    .trim();
  if (offTopic.length > 0 && !rest && !adopted) {
    return { ...base, ask: '', offTopic: 'not a Backend.AI task (writing a reply to a message): I can manage sessions, folders, images, resources and model services' };
  }
  // "why was it stuck?" about the one thing the quoted text names: "it" is that thing
  if (!adopted) return { ...base, ask: pointAt(ownText, [...quoted.asks, ...quoted.context]), adopted };
  if (quoted.asks.length > 0 && quoted.asks.some((a) => SENDERS_OWN.test(a))) {
    return { ...base, ask: '', adopted, offTopic: "the quoted text asks me to act on its sender's own sessions, folders or keys: only they (or an administrator) can ask for that" };
  }
  // "can you delete Minho's folder old-data?" — somebody else's things, asked by a third person
  const others = quoted.asks.map((a) => OTHERS_OWN.exec(a)?.[1]).find((o) => o !== undefined);
  if (others) {
    return { ...base, ask: '', adopted, offTopic: `the quoted text asks me to act on ${others}'s sessions, folders or keys: only they (or an administrator) can ask for that` };
  }
  // "handle 1 and 3": the numbered items the user names, and no others
  const adopting = parts.filter((p) => p.adopts).map((p) => p.text);
  const picked = pickItems(quoted, adopting);
  if (typeof picked === 'string') return { ...base, ask: '', adopted, unsure: picked };
  // "we need a folder named x" + "can you make that?": the user's verb makes what the quote needs
  const verb = adopting.map((c) => MAKE_VERB.exec(c)?.[1]).find((v) => v !== undefined);
  const asks = fromSendersView(picked).map((a) => (verb ? a.replace(NEEDS, `${verb} `) : a));
  // "can someone bump it to 4 fGPU?" adopted by "^ could you?": "it" is nothing either of them names
  const vague = asks.find((a) => VAGUE_OBJECT.test(a));
  if (vague && ![...asks, ...quoted.context, rest].some((t) => new RegExp(QUOTED_NAME.source, 'i').test(t))) {
    return { ...base, ask: '', adopted, unsure: `the quoted message says "${VAGUE_OBJECT.exec(vague)![0]}" without naming what: which session, folder or service do you mean?` };
  }
  // a pointer at quoted text that held only injections asks nothing of its own
  const ask = [...asks, ...(rest ? [rest] : [])].join('\n');
  return { ...base, ask, adopted, ...(readOnly ? { readOnly } : {}) };
}

/** The user's own verb of making, when the quote only says what is needed. */
const MAKE_VERB = /\b(make|create|set\s+up|spin\s+up|start|launch|open|deploy|serve)\b/i;
/** "we need a …", "we'd like the …": a need, not yet an act. */
const NEEDS = /^\s*(?:(?:we|i|they|you|the\s+team)\s+)?(?:really\s+|still\s+|also\s+)?(?:need|want|would\s+like|'d\s+like|could\s+use)\s+(?=(?:a|an|the|some|one|two|\d+)\s)/i;
/** An act on "it" / "that one": what it means must be named somewhere. */
const VAGUE_OBJECT =
  /\b(?:bump|rename|restart|stop|kill|delete|remove|terminate|scale|resize|extend|move|share|mount|update|change|upgrade|downgrade|increase|raise|lower|shut\s+down|clean\s+up)\s+(?:it|that(?:\s+one)?|this(?:\s+one)?|them)\b/i;

/**
 * The quoted asks the adopting words pick by number ("do 1 and 3", "steps 2-3"): all of them when
 * no number is named; a question (string) when a named number is no item of the paste.
 */
function pickItems(quoted: Quoted, adopting: string[]): string[] | string {
  const named = new Set<number>();
  for (const clause of adopting) {
    for (const m of clause.matchAll(/(?<![+\w.])#?(\d{1,2})(?:\s*(?:-|–|to)\s*#?(\d{1,2}))?/g)) {
      const from = Number(m[1]);
      const to = m[2] ? Number(m[2]) : from;
      for (let n = from; n <= Math.min(to, from + 20); n++) named.add(n);
    }
  }
  if (named.size === 0) return quoted.asks;
  const numbered = new Set(quoted.numbers.filter((n): n is number => n !== undefined));
  const missing = [...named].filter((n) => !numbered.has(n));
  if (missing.length > 0) return `you named item ${missing.join(', ')}, which the pasted list does not have: say which steps to do`;
  return quoted.asks.filter((_, i) => named.has(quoted.numbers[i] ?? -1));
}

/** Adopting words that name no action of their own: the quoted asks say what to do. */
const GENERIC_ADOPT = new RegExp(
  String.raw`^\s*${LEAD}(?:go\s+ahead|make\s+it\s+so|do|handle|apply|follow|execute|action|perform|process|complete|finish|carry\s+out|take\s+care\s+of|deal\s+with|sort\s+(?:it|this|that)\s+out|yes|ok(?:ay)?|sure|approved)\b`,
  'i',
);

/** A quoted sentence that asks for something ("please …", "could you …", "we need …", "create a folder …"). */
const REQUESTS =
  /\b(?:please|pls|could\s+you|can\s+you|would\s+you|will\s+you|need(?:s|ed)?|want(?:s|ed)?|should|let'?s|must|have\s+to|has\s+to|someone\s+needs)\b|^\s*(?:create|make|start|launch|run|open|delete|remove|clean\s+up|terminate|kill|stop|shut\s+down|restart|rename|share|grant|give|invite|mount|deploy|serve|scale|bump|set\s+up|spin\s+up|check|show|list|move|copy|clone|upload|download|purge|empty|commit|save)\b/i;

/** The sender's own things: "restart my notebook", "delete my old folders" — not the user's to act on. */
/** Somebody else's things, by name or handle: "Minho's folder", "@jae's old sessions" (never "today's", "the team's"). */
const OTHERS_OWN =
  /(?<![\w.-])(@[\w.-]+|(?!(?:Today|Yesterday|Tomorrow|Tonight|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Last|This|That|Next|The|It|Everyone|Everybody|Someone|Somebody|Nobody|Team|Group|Project)(?:'s|’s))[A-Z][a-z][\w-]*)(?:'s|’s)\s+(?:own\s+)?(?:[\w-]+\s+){0,2}(?:sessions?|notebooks?|jobs?|containers?|folders?|vfolders?|services?|endpoints?|keys?|keypairs?|tokens?|workloads?|files?|data)\b/;
const SENDERS_OWN =
  /\b(?:my|mine)\s+(?:[\w-]+\s+){0,2}(?:sessions?|notebooks?|jobs?|containers?|folders?|vfolders?|services?|endpoints?|keys?|keypairs?|tokens?|workloads?)\b/i;

/**
 * What the quoted text says, as the user would say it: its "your" is the user's ("your models
 * folder" → "my models folder"); its "me" is the sender, named by the address they give
 * ("give me read access … my account is a@b" → "give a@b read access …").
 */
function fromSendersView(asks: string[]): string[] {
  const address = asks.map((a) => SENDER_ADDRESS.exec(a)?.[1]).find((a) => a !== undefined);
  return asks
    .filter((a) => !(address && SENDER_ADDRESS.test(a) && a.replace(SENDER_ADDRESS, '').replace(/[\s.,!]/g, '').length === 0))
    .map((a) => {
      let out = a.replace(/\byour\b/gi, 'my').replace(/\byours\b/gi, 'mine');
      if (address) out = out.replace(SENDER_ADDRESS, '').replace(/\b(give|grant|send|invite|share\s+(?:it|this|that|the\s+\w+)\s+with|add)\s+me\b/gi, `$1 ${address}`).replace(/\bwith\s+me\b/gi, `with ${address}`);
      return out.trim();
    })
    .filter((a) => a.length > 0);
}

/** "my account is a@b", "I'm a@b", "my e-mail: a@b" — the sender's address. */
const SENDER_ADDRESS = /\b(?:my\s+(?:account|e-?mail|address|login|user(?:name)?|id)\s*(?:is|=|:)|i'?m|i\s+am)\s+([\w.+-]+@[\w-]+(?:\.[\w-]+)+)\.?/i;

/** Names in quoted text: identifiers with a digit, '-', '_' or '.' (not addresses, paths, variables). */
const QUOTED_NAME = /(?<![\w@/.=-])([a-z][\w]*(?:[-_.][\w]+)+|[a-z]+\d[\w-]*)(?![\w@/=-]|\.\w)/gi;

/** The user's "it" when the quoted text names exactly one thing and their own words name none. */
function pointAt(own: string, quoted: string[]): string {
  if (!/\bit\b/i.test(own) || new RegExp(QUOTED_NAME.source, 'i').test(own)) return own;
  const names = new Set<string>();
  for (const q of quoted) for (const m of q.matchAll(QUOTED_NAME)) if (!/^[A-Z0-9_]+$/.test(m[1]!)) names.add(m[1]!);
  if (names.size !== 1) return own;
  const [name] = [...names];
  return own.replace(/\bit\b/i, name!);
}

const THANKS = /^\s*(?:thanks?(?:\s+you)?|thx|ty|cheers)\s*[.!]*\s*$/i;

/** True when the text holds no quoting, forwarding or injection: the common case, parsed as is. */
export function isPlain(text: string): boolean {
  return !/\n|^\s*>|:\s*['"“‘]|<!--/.test(text) && !INJECTION.test(text) && !OPENER.test(text) && !ISSUE_KEY.test(text) && !CHAT.test(text);
}

/** One line inside quoted material: fields, speakers and list items read; metadata kept as context. */
function readQuotedLine(quoted: Quoted, line: string): void {
  if (META_FIELD.test(line)) {
    quoted.context.push(line);
    return;
  }
  const body = BODY_FIELD.exec(line);
  if (body) {
    if (body[1]) addQuoted(quoted, body[1]);
    return;
  }
  const chat = CHAT.exec(line);
  addQuoted(quoted, chat ? chat[3] ?? '' : stripSpeaker(line));
}

/** Add a quoted line: each sentence that injects is set aside, list items become sentences. */
function addQuoted(quoted: Quoted, line: string): void {
  let text = unquote(line.trim());
  if (!text) return;
  const number = /^\s*(\d{1,2})[.)]\s/.exec(text)?.[1];
  if (ITEM.test(text)) {
    text = text.replace(ITEM, '');
    const item = listItem(text);
    if (item.kept) {
      quoted.kept.push(item.kept);
      return;
    }
    quoted.bulk ||= item.bulk === true;
    // an item is a task of its own: it ends where the item ends
    text = /[.!?]$/.test(item.text) || FIELD_LINE.test(item.text) && !ACTION_VERB.test(item.text) ? item.text : `${item.text}.`;
  }
  // "has been idle for 6 days": how long a state lasted describes it, it sets nothing
  text = text.replace(STATE_DURATION, '$1');
  const kept: string[] = [];
  for (const sentence of sentences(text)) {
    if (INJECTION.test(sentence) || ESCALATION.test(sentence)) quoted.injected.push(sentence);
    // the sender's own plans ("I'll copy the files over myself") are not asked of anyone
    else if (!SENDERS_PLAN.test(sentence)) kept.push(sentence.replace(PURPOSE, ''));
  }
  // a line keeps its form ("name: x" on a line of its own is a field); sentences end where they did
  if (kept.length === 0) return;
  const line2 = kept.join(' ');
  quoted.numbers[quoted.asks.length] = number === undefined ? undefined : Number(number);
  quoted.asks.push(FIELD_LINE.test(line2) || /[.!?]$/.test(line2) ? line2 : `${line2}.`);
}

/**
 * A list item as a sentence. "notebook-old: terminate" → "terminate notebook-old";
 * "api_helper: rename to api_helper_archive" → "rename api_helper to api_helper_archive";
 * "train-job-1: leave it running" asks nothing (undefined) unless another item names everything.
 */
function listItem(text: string): { text: string; kept?: string; bulk?: boolean } {
  const m = TARGET_ACTION.exec(text);
  if (!m || (/\s/.test(m[1]!) && !BULK_TARGET.test(m[1]!)) || !(ACTION_VERB.test(m[2]!) || NO_ACTION.test(m[2]!))) return { text };
  const [, target, action] = m as unknown as [string, string, string];
  if (BULK_TARGET.test(target)) return { text: `${action} ${target}`, bulk: true };
  if (NO_ACTION.test(action)) return { text, kept: target };
  // the pronoun the action uses for the target, or the place right after its verb
  if (/\b(?:it|this|them)\b/i.test(action)) return { text: action.replace(/\b(?:it|this|them)\b/i, target) };
  const verb = /^(\w+(?:\s+(?:down|up|off|out))?)\b\s*(.*)$/i.exec(action)!;
  return { text: `${verb[1]} ${target}${verb[2] ? ` ${verb[2]}` : ''}` };
}

/** Sentences of a quoted line; a rules-changing marker ("SYSTEM:", "Assistant note:") starts a new one. */
function sentences(text: string): string[] {
  return text
    .replace(/\s+(?=(?:system|assistant|developer|admin)\s*(?:override|prompt|message|note)?\s*:)/gi, '\n')
    .split(/(?<=[.!?])\s+(?=\S)|\n/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** "Bora: can you …" → "can you …"; "[helpdesk-bot] SYSTEM …" → "SYSTEM …". */
function stripSpeaker(line: string): string {
  // "SYSTEM:" and "Assistant note:" are no speakers: the marker stays for the injection check
  return line.replace(SPEAKER, (speaker) => (INJECTION.test(speaker) ? speaker : ''));
}

/** The words inside one pair of enclosing quotes. */
function unquote(text: string): string {
  const m = /^\s*["“‘'](.*)["”’']\s*$/.exec(text);
  return (m ? m[1]! : text).trim();
}

interface OwnClause {
  text: string;
  /** the separator before it in the user's text */
  sep: string;
  adopts?: boolean;
  /** an adopting clause whose verb the quoted text lacks: kept in the ask */
  keep?: boolean;
}

/** The user's own words, cut where a second thing starts: sentences, then ", " / "and also" / "but". */
function ownClauses(text: string): OwnClause[] {
  const pieces = text.split(/((?<=[.!?;])\s+|\s*;\s*|\s*,\s*(?=(?:and\s+)?(?:also\s+|then\s+|but\s+|don'?t\b|do\s+not\b|no\s+|just\s+|only\s+|and\s+))|\s+(?:and\s+also|and\s+then|but|then)\s+(?=\S)|(?<![#\d])\s+and\s+(?!#?\d{1,2}\b)(?=\S))/i);
  const out: OwnClause[] = [];
  for (let i = 0; i < pieces.length; i += 2) {
    const t = pieces[i]!.trim();
    if (t) out.push({ text: t, sep: i === 0 ? '' : pieces[i - 1]! });
  }
  return out;
}

/** The question when the quoted text asks for changes the user's own words did not ask for. */
export function unadoptedWritesQuestion(kinds: string[]): string {
  return `the quoted text asks for changes (${[...new Set(kinds)].join(', ')}), and your own words did not ask me to make them: say which to make, in your own words`;
}
