/**
 * Text the user quotes or forwards is data, not a task. A ticket's background, a colleague's
 * message after "Forwarded from X:", lines that start with ">", a sentence quoted after
 * "Ticket #88:" — none of it is an instruction to the agent, and a "SYSTEM: ignore previous rules"
 * line inside it is never a task. What the user asks in their own words is the request; when
 * their own words only point at the quoted text ("Please do that.", "Can you handle it?", "Can you
 * find out?"), the quoted asks — without injected lines — are what is asked.
 */

/** Lines and sentences that try to change the agent's rules or role. */
const INJECTION =
  /\b(?:system|assistant|developer|admin)\s*(?:override|prompt|message|note)?\s*:|\bignore\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous|prior|above|earlier|safety|your)\s+(?:rules|instructions|prompts?|guidelines|policies)\b|\bdisregard\s+(?:all\s+|any\s+|the\s+|your\s+)?(?:previous\s+|prior\s+)?(?:rules|instructions|guidelines|policies)\b|\byou\s+are\s+now\s+(?:running\s+as\s+|acting\s+as\s+)?(?:an?\s+|the\s+)?(?:super\s*-?admin|admin(?:istrator)?|root|unrestricted)\b|\bact\s+as\s+(?:an?\s+)?(?:super\s*-?admin|admin(?:istrator)?|root)\b|\bjailbreak\b|(?:이전|앞의|기존)\s*(?:지시|규칙|명령)\s*(?:은|는|을|를)?\s*(?:모두\s*)?무시|관리자\s*(?:인\s*척|처럼\s*행동)/i;

/** A line that only introduces quoted material: "Forwarded from Jiwon:", "Ticket #4411 (priority: high)". */
const HEADER =
  /^\s*(?:(?:fw|fwd|re)\s*:|forwarded(?:\s+message)?(?:\s+from\b[^:]*)?:?|(?:colleague|customer|user)(?:'s)?\s+(?:message|note|request)\s*:?|(?:from|pasted\s+from|copied\s+from|quoted\s+from|via)\b[^:]{0,60}:|(?:ticket|issue|jira|bug|incident|task)\b[^:]{0,40}?(?:\(.*\))?\s*:?|background(?:\s*\([^)]*\))?\s*:|context\s*:|\[[^\]]{1,40}\]\s*$)\s*$/i;

/** Inline: a header, then a quoted sentence: "Ticket #88: 'Is there room…?' Please check." */
const INLINE_QUOTE =
  /^(\s*(?:(?:ticket|issue|jira|bug|incident|task)\b[^:'"“‘]{0,40}|(?:pasted|copied|quoted|forwarded)(?:\s+from\s+[^:'"“‘]{1,40})?|from\s+[^:'"“‘]{1,40}|background(?:\s*\([^)]*\))?|context|(?:colleague|customer|user)(?:'s)?\s+(?:message|note|request))\s*:\s*)(['"“‘])(.+?)(['"”’])(?=\s|$)/i;

/** The user's own words only point at what was quoted. */
const DEFERS =
  /^\s*(?:ok(?:ay)?[,.]?\s+|so[,.]?\s+|yes[,.]?\s+)?(?:please\s+|can\s+you\s+|could\s+you\s+|would\s+you\s+|pls\s+|kindly\s+)?(?:just\s+)?(?:do\s+(?:that|it|this|so|what\s+(?:they|he|she|the\s+\w+|\w+)\s+(?:asked|said|wants?|requested)(?:\s+for)?)|go\s+ahead|handle\s+(?:it|that|this)|take\s+care\s+of\s+(?:it|that|this)|make\s+it\s+so|find\s+out|look(?:\s+into\s+it)?|check(?:\s+(?:it|that|this))?(?:\s+and\s+reply(?:\s+on\s+the\s+\w+)?)?|reply(?:\s+on\s+the\s+\w+)?|answer\s+(?:it|that|this|them)|sort\s+(?:it|this|that)\s+out|help\s+(?:with\s+(?:it|that|this)|them|him|her))(?:\s+(?:please|for\s+me|for\s+them|now|asap))*\s*[.!?]*\s*$|^\s*(?:그렇게|그거|그대로|부탁한\s*대로|말한\s*대로)\s*(?:해|처리해)\s*(?:줘|주세요|줄래|줄\s*수\s*있어)?\s*[.!?]*\s*$|^\s*(?:처리|확인)\s*(?:해|좀\s*해)\s*(?:줘|주세요|줄래)\s*[.!?]*\s*$/i;

export interface FramedRequest {
  /** What the request asks, in the user's own words (or the quoted asks when theirs only point at them). */
  ask: string;
  /** Quoted or forwarded material: context, never a task. */
  data: string[];
  /** Lines that tried to change the agent's rules or role. */
  injected: string[];
  /** An injection in the user's own words (not quoted): the whole request is refused. */
  injectedByUser: boolean;
}

/** Separate the user's ask from quoted material and injected instructions. */
export function frameRequest(text: string): FramedRequest {
  const own: string[] = [];
  const data: string[] = [];
  const injected: string[] = [];
  let injectedByUser = false;
  let afterHeader = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) {
      afterHeader = false;
      continue;
    }
    if (/^>/.test(line)) {
      const quoted = line.replace(/^(?:>\s*)+/, '');
      if (INJECTION.test(quoted)) injected.push(quoted);
      else if (quoted) data.push(quoted);
      continue;
    }
    if (HEADER.test(line) && !/[?]\s*$/.test(line)) {
      afterHeader = true;
      continue;
    }
    const inline = INLINE_QUOTE.exec(line);
    if (inline) {
      const quoted = inline[3]!;
      if (INJECTION.test(quoted)) injected.push(quoted);
      else data.push(quoted);
      const rest = line.slice(inline[0].length).trim();
      if (rest) own.push(rest);
      continue;
    }
    // a line right under a header with no task words of the user's own is still the forwarded text
    if (afterHeader && INJECTION.test(line)) {
      injected.push(line);
      continue;
    }
    if (INJECTION.test(line)) {
      // the user's own sentence carries the injection: keep the rest of the line to explain the refusal
      injected.push(line);
      injectedByUser = true;
      continue;
    }
    own.push(line);
  }
  const ownText = own.join(' ').trim();
  // nothing of the user's own, or their words only point at the quote: the quoted asks are the request
  const ask = (ownText === '' || DEFERS.test(ownText)) && data.length > 0 ? data.join(' ') : ownText;
  return { ask, data, injected, injectedByUser };
}

/** True when the text holds no quoting, forwarding or injection: the common case, parsed as is. */
export function isPlain(text: string): boolean {
  return !/\n|^\s*>|:\s*['"“‘]/.test(text) && !INJECTION.test(text) && !INLINE_QUOTE.test(text);
}
