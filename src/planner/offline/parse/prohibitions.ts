/**
 * A prohibition is never a task: "don't kill the session", "never delete datasets", "they must
 * not be able to edit it", "세션은 끄지 마". The parser takes these words out before it reads a
 * clause; the coverage check counts them as read.
 */
import type { Span } from './resources.js';

export const PROHIBITION_EN = /(?:^|[.!?]\s+|[,;:\u2014\u2013]\s*|\b(?:and|but|so|just|please)\s+)(?:please\s+)?(?:(?:they|he|she|we|you|people|users?|colleagues?|nobody|no\s+one)\s+)?(?:don'?t|do\s+not|never|shouldn'?t|should\s+not|must\s*n[o']t|can'?t|cannot|won'?t)\s+(?:be\s+(?:able|allowed)\s+to\s+)?[^,;.!?]*?(?=\s*(?:[,;.!?]|\b(?:just|but|only|instead|rather)\b|$))/g;
export const PROHIBITION_KO = /(?:^|[,;]\s*)[^,;.!?]*?(?:끄|종료하|삭제하|지우|없애|건드리|만들|띄우|재시작하|바꾸|공유하|죽이|멈추)지\s*(?:는|도)?\s*(?:마|말아|말고|마세요|말아\s*(?:줘|주세요))(?:요)?/g;

/** "Not a permanent delete — …", "not a big deal.": a short negated noun phrase standing alone is a remark, never a task. */
export const NEGATED_PHRASE = /(?:^|[.!?]\s+|[,;:\u2014\u2013]\s*)not\s+(?:a|an|any)\s+(?:[\w'-]+\s+){0,2}[\w'-]+(?=\s*(?:[,;.!?\u2014\u2013]|$))/g;

/**
 * "… so I can check what would be served before I create any service": what the user will do later,
 * themselves — a time, never a task ("before creating X" may order the agent's own steps: not here).
 */
export const USER_LATER = /\bbefore\s+(?:i|we)\s+(?:(?:actually|go\s+(?:and|ahead\s+and)|then)\s+)?(?:create|make|start|launch|deploy|delete|remove|run|spin|set|share|serve|open|kill|terminate|rename|move|mount|submit)\b[^,;.!?]*/g;

export function prohibitions(lower: string): Span[] {
  const spans: Span[] = [];
  for (const rx of [PROHIBITION_EN, PROHIBITION_KO, NEGATED_PHRASE, USER_LATER]) {
    rx.lastIndex = 0;
    for (const m of lower.matchAll(rx)) spans.push({ start: m.index, end: m.index + m[0].length });
  }
  return spans;
}

