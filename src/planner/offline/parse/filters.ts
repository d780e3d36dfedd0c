/**
 * Filters and exceptions of bulk actions, as parts of the target rather than words to skip:
 * "every session running on the pytorch image", "the sessions that hold GPU shares, leave the
 * CPU-only ones", "any session that doesn't have datasets mounted", "GPU 안 쓰는 세션", "all my
 * general-purpose folders", "every folder with 'data' in its name", "all my folders except models".
 * Each rule names what it reads; the planner evaluates the filter on what its reads return and
 * shows what it kept.
 */
import type { FolderFilter, SessionFilter } from '../intents.js';
import { NAME, valueAt, cleanName, type Clause } from './mentions.js';
import { unmask } from './text.js';
import type { Span } from './resources.js';

interface Found<T> {
  value: T;
  spans: Span[];
}

const IMAGE_WORD = '(?:ngc[-\\s]?pytorch|pytorch|torch|tensorflow|tf|python|vllm|ngc)';
const IMAGE_CANON: Record<string, string> = { torch: 'pytorch', tf: 'tensorflow', 'ngc pytorch': 'ngc-pytorch', ngc: 'ngc-pytorch', 파이토치: 'pytorch', 텐서플로: 'tensorflow', 텐서플로우: 'tensorflow', 파이썬: 'python' };
const canonImage = (w: string): string => IMAGE_CANON[w.toLowerCase().replace(/-/g, ' ')] ?? IMAGE_CANON[w.toLowerCase()] ?? w.toLowerCase();

/** A named rule: what it reads (a regex on the clause) and what it produces. */
interface Rule<T> {
  name: string;
  doc: string;
  examples: string[];
  pattern: RegExp;
  produce(m: RegExpExecArray, c: Clause): T | undefined;
}

const GPU_WORDS = '(?:f?gpu\\s+shares?|f?gpus?|accelerators?|graphics\\s+cards?|cuda)';

/** Rules for one session's properties; `except` rules read the ones to leave alone. */
export const SESSION_FILTER_RULES: Array<Rule<SessionFilter>> = [
  {
    name: 'session.filter.cpu-only',
    doc: 'sessions without GPU slots',
    examples: ['the CPU-only ones', 'sessions that do not use any GPU', 'GPU 안 쓰는 세션', 'sessions without a GPU'],
    pattern: new RegExp(
      `\\bcpu[-\\s]only\\b|\\bnon[-\\s]gpu\\b|\\bno[-\\s]gpu\\b|\\b(?:that|which|who)\\s+(?:don'?t|do\\s+not|doesn'?t|does\\s+not|aren'?t|are\\s+not|isn'?t)\\s+(?:\\w+\\s+)?(?:use|using|have|hold|holding|need|on)\\s+(?:any\\s+|a\\s+)?${GPU_WORDS}|\\bwithout\\s+(?:a\\s+|any\\s+)?${GPU_WORDS}|(?:gpu|지피유)\\s*(?:를|을)?\\s*(?:안\\s*(?:쓰는|쓰고\\s*있는|잡은|잡고\\s*있는)|사용하지\\s*않는|없는|미사용)|cpu\\s*(?:만\\s*쓰는|전용)`,
      'i',
    ),
    produce: () => ({ accelerator: 'cpu' }),
  },
  {
    name: 'session.filter.gpu',
    doc: 'sessions holding GPU slots',
    examples: ['the sessions that hold GPU shares', 'sessions using GPUs', 'GPU 쓰는 세션들', 'every GPU session'],
    pattern: new RegExp(
      `\\b(?:that|which|who)\\s+(?:\\w+\\s+){0,2}?(?:hold|holds|holding|use|uses|using|have|has|having|got|hog|hogs|hogging|occupy|occupies)\\s+(?:any\\s+|a\\s+|some\\s+|the\\s+)?${GPU_WORDS}|\\bgpu\\s+(?:sessions|ones|jobs|notebooks|containers)\\b|\\b(?:sessions|ones|jobs)\\s+(?:with|on|using)\\s+(?:a\\s+|any\\s+)?${GPU_WORDS}|(?:gpu|지피유)\\s*(?:를|을)?\\s*(?:쓰는|쓰고\\s*있는|사용하는|사용\\s*중인|잡고\\s*있는|잡은)`,
      'i',
    ),
    produce: () => ({ accelerator: 'gpu' }),
  },
  {
    name: 'session.filter.image',
    doc: 'sessions started from one image',
    examples: ['every session running on the pytorch image', 'sessions using tensorflow', 'all python sessions', 'pytorch 이미지로 띄운 세션'],
    pattern: new RegExp(
      `\\b(?:on|using|running|with|from|based\\s+on|off)\\s+(?:the\\s+)?(?:plain\\s+|stock\\s+|default\\s+|old\\s+|base\\s+)?(${IMAGE_WORD})(?:\\s+image)?\\b|\\b(${IMAGE_WORD})\\s+(?:sessions|notebooks|jobs|containers|ones)\\b|(${IMAGE_WORD}|파이토치|텐서플로우?|파이썬)\\s*(?:이미지)?\\s*(?:로|으로|를|을)?\\s*(?:띄운|돌아가는|돌리는|쓰는|사용하는|만든|실행\\s*중인)\\s*(?:세션|노트북|작업)`,
      'i',
    ),
    produce: (m) => ({ image: canonImage((m[1] ?? m[2] ?? m[3])!) }),
  },
  {
    name: 'session.filter.not-mounted',
    doc: 'sessions that do not mount a folder',
    examples: ["any session that doesn't have the datasets folder mounted", 'sessions without datasets mounted', 'datasets 마운트 안 한 세션'],
    pattern: new RegExp(
      `\\b(?:that|which)\\s+(?:doesn'?t|don'?t|does\\s+not|do\\s+not)\\s+(?:have|mount|use)\\s+(?:the\\s+|my\\s+)?${NAME}(?:\\s+folder)?(?:\\s+mounted)?|\\bwithout\\s+(?:the\\s+|my\\s+)?${NAME}(?:\\s+folder)?\\s+mounted\\b|\\bnot\\s+mounting\\s+(?:the\\s+)?${NAME}|${NAME}\\s*(?:폴더)?\\s*(?:를|을|가|이)?\\s*(?:마운트\\s*안\\s*(?:한|된)|마운트하지\\s*않은|안\\s*붙인)`,
      'i',
    ),
    produce: (m, c) => nameOf(m, c, (name) => ({ notMounted: name })),
  },
  {
    name: 'session.filter.mounted',
    doc: 'sessions that mount a folder',
    examples: ['sessions that have datasets mounted', 'the ones mounting models', 'datasets를 마운트한 세션'],
    pattern: new RegExp(
      `\\b(?:that|which)\\s+(?:has|have|had)\\s+(?:the\\s+|my\\s+)?${NAME}(?:\\s+folder)?\\s+(?:mounted|attached)\\b|\\b(?:sessions|ones|notebooks|jobs)\\s+with\\s+(?:the\\s+|my\\s+)?${NAME}(?:\\s+folder)?\\s+mounted\\b|\\bmounting\\s+(?:the\\s+|my\\s+)?${NAME}|${NAME}\\s*(?:폴더)?\\s*(?:를|을|가|이)?\\s*(?:마운트한|마운트된|마운트하고\\s*있는|붙인)\\s*(?:세션|노트북|작업)`,
      'i',
    ),
    produce: (m, c) => nameOf(m, c, (name) => ({ mounted: name })),
  },
  {
    name: 'session.filter.name-prefix',
    doc: 'sessions whose name starts with a text',
    examples: ['sessions whose names start with exp-', 'every session starting with "tmp"', 'exp-로 시작하는 세션'],
    pattern: new RegExp(
      `\\b(?:whose\\s+names?\\s+|with\\s+names?\\s+|named\\s+)?(?:start|starts|starting|begin|begins|beginning)\\s+with\\s+${NAME}|\\bprefixed\\s+(?:with\\s+)?${NAME}|\\bnamed\\s+([A-Za-z0-9_.-]+)\\*|${NAME}\\s*(?:로|으로)\\s*시작하는`,
      'i',
    ),
    produce: (m, c) => nameOf(m, c, (name) => ({ namePrefix: name })),
  },
  {
    name: 'session.filter.name-contains',
    doc: 'things whose name contains a text',
    examples: ["with 'data' in its name", 'whose names contain exp', '이름에 test가 들어간'],
    pattern: new RegExp(
      `\\bwith\\s+${NAME}\\s+in\\s+(?:its|their|the)\\s+names?\\b|\\bnames?\\s+(?:contain|contains|containing|include|includes|including|having)\\s+${NAME}|\\b(?:containing|matching)\\s+${NAME}\\s+in\\s+(?:its|their|the)\\s+names?|이름에\\s*${NAME}\\s*(?:이|가)?\\s*(?:들어간|포함된|있는)`,
      'i',
    ),
    produce: (m, c) => nameOf(m, c, (name) => ({ nameContains: name })),
  },
];

/** The first capture group that matched, as a cleaned name from the original text. */
function nameOf<T>(m: RegExpExecArray, c: Clause, make: (name: string) => T): T | undefined {
  for (let i = 1; i < m.length; i++) {
    const g = m[i];
    if (g === undefined) continue;
    const start = m.index + m[0].indexOf(g);
    const v = cleanName(valueAt(c, start, start + g.length));
    if (v && !/^(?:it|them|that|this|any|a|the)$/i.test(v)) return make(v);
  }
  return undefined;
}

/** "leave the CPU-only ones", "except the GPU sessions", "but keep those with datasets mounted". */
const EXCEPT_INTRO = /\b(?:except(?:\s+for)?|excluding|other\s+than|apart\s+from|but\s+(?:not|keep|leave|spare)|leave|keep|spare)\s+(?:the\s+|those\s+|any\s+|my\s+)?/gi;
const EXCEPT_KO_AFTER = /^\s*(?:은|는|들은|들는)?\s*(?:빼고|제외하고|말고|남겨\s*두고|놔두고|그대로)/;

export interface TargetFilters<F> {
  filter?: F;
  except?: F;
  /** where the filters were read, so names inside them are not taken as targets */
  spans: Span[];
}

function readFilters<F extends object>(c: Clause, rules: Array<Rule<F>>): TargetFilters<F> {
  const spans: Span[] = [];
  let filter: F | undefined;
  let except: F | undefined;
  // exception clauses first: what follows "leave"/"except" up to the next comma or the end
  const exceptZones: Span[] = [];
  for (const m of c.lower.matchAll(EXCEPT_INTRO)) {
    const start = m.index;
    const rest = c.lower.slice(start);
    const end = start + (rest.search(/[,;.]|\band\b|$/) > 0 ? rest.search(/[,;.]|\band\b|$/) : rest.length);
    exceptZones.push({ start, end });
  }
  for (const rule of rules) {
    const rx = new RegExp(rule.pattern.source, 'gi');
    for (const m of c.lower.matchAll(rx)) {
      const mm = Object.assign([...m], { index: m.index, input: c.lower, groups: undefined }) as unknown as RegExpExecArray;
      const value = rule.produce(mm, c);
      if (!value) continue;
      const span = { start: m.index, end: m.index + m[0].length };
      if (spans.some((s) => s.start < span.end && span.start < s.end)) continue; // read already by an earlier rule
      const inExcept = exceptZones.some((z) => span.start >= z.start && span.start <= z.end) || EXCEPT_KO_AFTER.test(c.lower.slice(span.end, span.end + 12));
      if (inExcept) except = { ...(except ?? {}), ...value } as F;
      else filter = { ...(filter ?? {}), ...value } as F;
      spans.push(span);
    }
  }
  return { ...(filter ? { filter } : {}), ...(except ? { except } : {}), spans };
}

export function sessionFilters(c: Clause): TargetFilters<SessionFilter> {
  return readFilters(c, SESSION_FILTER_RULES);
}

/** Rules for folders: their usage mode and name. */
export const FOLDER_FILTER_RULES: Array<Rule<FolderFilter>> = [
  {
    name: 'folder.filter.usage-mode',
    doc: 'folders of one usage mode',
    examples: ['all my general-purpose folders', 'the model folders', '모델 폴더들'],
    pattern: /\b(general[-\s]purpose|general|model|data)(?:[-\s]type)?\s+(?:folders?|ones|vfolders?)\b|\b(?:folders|ones)\s+(?:of\s+type|for)\s+(models?|data|general)\b|(모델|데이터|일반)\s*(?:용|타입)?\s*폴더(?:들|는\s*다|\s*전부|\s*모두)/i,
    produce: (m) => {
      const w = (m[1] ?? m[2] ?? m[3])!.toLowerCase();
      return { usageMode: /^(?:model|models|모델)$/.test(w) ? 'model' : /^(?:data|데이터)$/.test(w) ? 'data' : 'general' };
    },
  },
  ...(SESSION_FILTER_RULES.filter((r) => r.name.startsWith('session.filter.name')).map((r) => ({
    ...r,
    name: r.name.replace('session.', 'folder.'),
    produce: r.produce as unknown as Rule<FolderFilter>['produce'],
  })) as Array<Rule<FolderFilter>>),
];

export function folderFilters(c: Clause): TargetFilters<FolderFilter> {
  return readFilters(c, FOLDER_FILTER_RULES);
}

/** "the model folder" in an exception ("leave the model folder alone") names a usage mode only when no folder is called so. */
export function exceptNamesIn(c: Clause): string[] {
  const out: string[] = [];
  for (const m of c.masked.matchAll(new RegExp(`\\b(?:except(?:\\s+for)?|excluding|other\\s+than|apart\\s+from|but\\s+(?:not|keep|leave|spare)|leave|keep|spare)\\s+(?:the\\s+|my\\s+)?${NAME}`, 'gi'))) {
    const v = cleanName(unmask(m[1]!, c.quotes));
    if (v && !/^(?:the|my|it|them|those|ones|cpu-only|gpu|model|general|data|rest|others?)$/i.test(v)) out.push(v);
  }
  return out;
}
