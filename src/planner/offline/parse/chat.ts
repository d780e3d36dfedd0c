/**
 * How a request pasted from a chat tool (Slack, Teams, Mattermost) looks, and what of it is only
 * the medium: the bot's @-handle and channel-wide mentions (@here, @channel), emoji and their
 * `:shortcodes:`, greetings and sign-offs ("hey", "morning all!", "quick one:", "thx"), and
 * attributions ("per Sara's msg below", "(Kevin's request from yesterday's thread)"). None of
 * them names anything or asks anything; they are removed before the words are read.
 *
 * Two of them carry meaning, and are reported rather than lost: a line that addresses the bot is
 * somebody talking to the agent (not quoted material), and "^" / 👆 points at the message above
 * (what a bare "can you?" then adopts).
 */

/** The agent's own handle: "@bai-agent", "@bai", "@backend.ai-bot", "@agent". */
const BOT_HANDLE = String.raw`@(?:bai|backend\.?ai|backendai)(?:[-_.]?(?:agent|bot|assistant))?(?![\w.-]*\w)|@(?:agent|bot)(?![\w-])`;
/** Mentions of the whole channel: nobody in particular, never a name. */
const BROADCAST = String.raw`@(?:here|channel|everyone|all)(?![\w-])`;
const MENTION = new RegExp(String.raw`(?<![\w.@/-])(?:${BOT_HANDLE}|${BROADCAST})(?:\s*[,:](?![\w+-]))?`, 'gi');
const ADDRESSES_BOT = new RegExp(String.raw`(?<![\w.@/-])${BOT_HANDLE}`, 'i');

/** Emoji pointing at the message above: the same as "^". */
const POINT_UP = /👆|☝(?:\uFE0F)?|⬆(?:\uFE0F)?|🔝/gu;
/** Emoji, with their variation selectors, skin tones and joiners. */
const EMOJI = /\p{Extended_Pictographic}(?:[\uFE0E\uFE0F]|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*|[\uFE0F\u200D]|\p{Emoji_Modifier}/gu;
/** Slack/Teams shortcodes: ":wave:", ":+1:", ":white_check_mark:" (never "image:tag" — no word before). */
const SHORTCODE = /(?<![\w:/.-]):[a-z0-9][a-z0-9_+-]{0,40}:(?![\w/:])/gi;

/** A greeting or a preamble at the start of a line: "hey", "morning all!", "hi team,", "quick one:". */
const GREETING =
  /^(?:(?:hey|hi|hello|hiya|howdy|yo|morning|good\s+(?:morning|afternoon|evening|day)|gm|greetings|ok(?:ay)?\s+so)(?:\s+(?:all|everyone|team|folks|guys|there|y'?all|again|friend))?(?:\s*[,!.:;]+\s*|\s+-+\s+|\s+(?=\S))|(?:quick|small|tiny|one)\s+(?:one|q|question|ask|favou?r|request|thing)(?:\s+(?:for\s+you|from\s+[#@]?[\w.-]+))?(?:\s*[:,!.]+\s*|\s+-+\s+))+/i;
/** A sign-off after the last ask: "thx!", "ty", "thanks in advance", "tia". */
const SIGN_OFF =
  /(?:(?<=^|[.!?,;)])\s*(?:ty(?:sm)?|ta)|(?<=^|[.!?,;)]|\s)\s*(?:thx|thnx|thanks(?:\s+(?:a\s+lot|so\s+much|in\s+advance))?|thank\s+you(?:\s+so\s+much)?|tia|cheers|much\s+appreciated|appreciate\s+it))\s*[.!]*\s*$/i;
/**
 * Whose message a request comes from: "per Sara's msg below," "as per the thread above,"
 * "(Kevin's request from yesterday's thread)", "(from Jae)". Who asked changes nothing to do.
 */
const ATTRIBUTION =
  /(?:^|(?<=[,;.!?]))\s*(?:as\s+)?per\s+(?:[\w.-]+(?:'s|’s)\s+|the\s+|this\s+|that\s+)?(?:msg|message|request|ask|note|post|comment|thread|discussion|convo|conversation)(?:\s+(?:below|above|here|there|earlier|from\s+[\w.#-]+))?\s*[,:]?\s*|\s*\((?:[\w.-]+(?:'s|’s)\s+(?:msg|message|request|ask|note|idea|post)|(?:requested|asked)\s+by\s+[\w.@-]+|from\s+[@#]?[\w.-]+|via\s+[@#]?[\w.-]+)(?:\s+(?:from|in|on)\s+[^)]{0,40})?\)/gi;

export interface ChatLine {
  /** the line without the medium's noise */
  text: string;
  /** the line speaks to the agent (it names the agent's @-handle) */
  addressesBot: boolean;
  /** the line points at the message above ("^", 👆) */
  pointsUp: boolean;
}

/** One line of chat text, read: what it says, whether it talks to the agent, whether it points up. */
export function readChatLine(line: string): ChatLine {
  const addressesBot = ADDRESSES_BOT.test(line);
  let pointsUp = false;
  let text = line.replace(POINT_UP, () => {
    pointsUp = true;
    return ' ';
  });
  // "^ can you do it", "^^ this pls": a caret where a word would start points at the message above
  text = text.replace(/(?<![\w^])\^+(?![\w^])/g, () => {
    pointsUp = true;
    return ' ';
  });
  text = text.replace(MENTION, ' ').replace(EMOJI, ' ').replace(SHORTCODE, ' ');
  text = text.replace(ATTRIBUTION, ' ');
  const quote = /^\s*(?:>\s*)+/.exec(text)?.[0] ?? '';
  let body = text.slice(quote.length).replace(/[ \t]{2,}/g, ' ').trim();
  body = body.replace(GREETING, '').replace(/^[\s,;:.!-]+/, '');
  // "… to Ji-woo Lee, thanks!": the comma before a sign-off goes with it
  const signedOff = body.replace(SIGN_OFF, '');
  if (signedOff !== body) body = signedOff.replace(/(?<=\S)[\s,;-]+$/, '');
  body = body.trim();
  return { text: quote ? `${quote.trim()} ${body}` : body, addressesBot, pointsUp };
}

/** A whole request with the medium's noise removed, line by line (lines that only greet are dropped). */
export function withoutChatNoise(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => (l.trim() ? readChatLine(l).text : ''))
    .filter((l, i, all) => l.trim() || (i > 0 && all[i - 1]!.trim()))
    .join('\n')
    .trim();
}

/** True when the text holds something of a chat tool's: a mention, an emoji, a shortcode, a caret pointer. */
export function looksLikeChat(text: string): boolean {
  return new RegExp(MENTION.source, 'i').test(text) || /\p{Extended_Pictographic}/u.test(text) || new RegExp(SHORTCODE.source, 'i').test(text) || /(?:^|\s)\^+(?:\s|$)/.test(text);
}
