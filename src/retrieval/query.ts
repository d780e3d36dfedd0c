/**
 * A request sentence → weighted search terms plus the signals the ranking priors use (which
 * actions it asks for, whether it talks about admin scope). Works on any input: empty, huge,
 * binary or nonsense text gives few or no terms, never an exception.
 */
import type { RetrievalDomain } from './domain.js';
import { hangulBigrams, tokens } from './text.js';

/** Longer input is cut: a request is a sentence, not a document. */
export const MAX_QUERY_CHARS = 2000;
/** At most this many distinct terms reach the index (keeps latency flat on long input). */
export const MAX_QUERY_TERMS = 48;

export interface AnalyzedQuery {
  /** The request as analysed (cut to MAX_QUERY_CHARS, control characters blanked). */
  text: string;
  /** term → weight (literal words 1, words of names and synonym expansions lower). */
  weights: Map<string, number>;
  /**
   * Concepts: a word the user wrote together with what it expands to (`output` → `log`,
   * `container`). Ranking counts how many *concepts* an operation matches, so one word with
   * three expansions does not outweigh three different words.
   */
  groups: Map<string, number>[];
  /** Terms the user actually wrote (typo tolerance is only for these). */
  literal: Set<string>;
  /** Action names from the domain data (`create`, `destroy`, `list`…). */
  actions: Set<string>;
  /** The request talks about admin scope (all users, superadmin…). */
  privileged: boolean;
}

const LITERAL_WEIGHT = 1;
/** Words inside names (`my-lab`, `api_helper`, quoted strings) say little about the operation. */
const NAME_WORD_WEIGHT = 0.5;
/** Words that say what to do (they also drive the verb prior). */
const ACTION_WORD_WEIGHT = 0.6;
/** Hangul character bigrams of unknown words: match Korean catalog text, weakly. */
const BIGRAM_WEIGHT = 0.3;

export function analyzeQuery(query: string, domain: RetrievalDomain): AnalyzedQuery {
  const text = sanitize(query);
  const seq = tokens(text, domain.korean);
  const weights = new Map<string, number>();
  const literal = new Set<string>();
  const groupOf: (Map<string, number> | undefined)[] = seq.map(() => undefined);
  const extraGroups: Map<string, number>[] = [];

  const add = (group: Map<string, number>, term: string, weight: number) => {
    if (!term || (weights.size >= MAX_QUERY_TERMS && !weights.has(term))) return;
    if ((weights.get(term) ?? 0) < weight) weights.set(term, weight);
    if ((group.get(term) ?? 0) < weight) group.set(term, weight);
  };

  const actionMatches = domain.actionPhrases.match(seq);
  const actionWord = new Set(actionMatches.flatMap((m) => m.positions));

  seq.forEach((tok, i) => {
    const term = tok.term;
    if (domain.stopwords.has(term) || /^\d+$/.test(term) || isSizeLike(term)) return; // sizes: patterns give them meaning
    const group = new Map<string, number>();
    groupOf[i] = group;
    literal.add(term);
    // verbs ("list", "kill") are judged by the verb prior; as search words they would let any
    // operation named list_* outrank the one about the thing the request names
    const weight = tok.inName ? NAME_WORD_WEIGHT : actionWord.has(i) ? ACTION_WORD_WEIGHT : LITERAL_WEIGHT;
    add(group, term, weight);
    for (const bigram of hangulBigrams(term)) add(group, bigram, BIGRAM_WEIGHT);
  });

  // a phrase joins the concepts of the words it covers and adds its expansion to them
  for (const m of domain.synonyms.match(seq)) {
    const first = m.positions.find((p) => groupOf[p]) ?? m.positions[0]!;
    const group = groupOf[first] ?? new Map<string, number>();
    for (const p of m.positions) {
      const other = groupOf[p];
      if (other && other !== group) {
        for (const [t, w] of other) group.set(t, Math.max(w, group.get(t) ?? 0));
        // every word that belonged to the merged concept now belongs to this one
        groupOf.forEach((g, i) => {
          if (g === other) groupOf[i] = group;
        });
      }
      groupOf[p] = group;
    }
    // a phrase made only of words of a name (my-lab, notebook-old) is weaker evidence
    const scale = m.positions.every((p) => seq[p]!.inName) ? NAME_WORD_WEIGHT : 1;
    for (const term of m.payload.terms) add(group, term, m.payload.weight * scale);
  }
  for (const { regex, expansion } of domain.patterns) {
    if (!regex.test(text)) continue;
    const group = new Map<string, number>();
    extraGroups.push(group);
    for (const term of expansion.terms) add(group, term, expansion.weight);
  }

  const groups = [...new Set(groupOf.filter((g) => g !== undefined)), ...extraGroups].filter((g) => g.size > 0);
  return {
    text,
    weights,
    groups,
    literal,
    actions: new Set(actionMatches.map((m) => m.payload)),
    privileged: domain.privilegePhrases.match(seq).length > 0,
  };
}

/**
 * How much of the request an operation matched: the sum, over concepts, of the best weight
 * among the concept's terms that the operation matched.
 */
export function conceptCoverage(q: AnalyzedQuery, matchedTerms: readonly string[]): number {
  let total = 0;
  for (const group of q.groups) {
    let best = 0;
    for (const t of matchedTerms) {
      const w = group.get(t);
      if (w !== undefined && w > best) best = w;
    }
    total += best;
  }
  return total;
}

/** Cut to size and blank out control characters (binary input). */
function sanitize(query: string): string {
  const cut = typeof query === 'string' ? query.slice(0, MAX_QUERY_CHARS) : '';
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]+/g, ' ');
}

function isSizeLike(term: string): boolean {
  return /^\d+(?:k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)$/.test(term);
}
