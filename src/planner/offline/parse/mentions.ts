/**
 * Mention slots: names (quoted, "named X", "X라는", bare identifiers next to a noun), images,
 * mounts, environment variables, startup commands, resource groups, presets, projects, emails,
 * paths and permissions. Every function reads the clause's ASCII-lowercased masked text (`lower`)
 * and returns values from the original-case masked text (`masked`) at the same positions.
 */
import type { MountMention } from '../intents.js';
import { PLACEHOLDER, unmask } from './text.js';

export interface Clause {
  masked: string;
  lower: string;
  quotes: string[];
}

/** A name token: a quoted placeholder or an ASCII identifier (Korean particles end it). */
export const NAME = `(${PLACEHOLDER}|[A-Za-z0-9][A-Za-z0-9_.\\-]*[A-Za-z0-9_]|[A-Za-z0-9])`;

/** Words that are never a name when they stand next to "session"/"folder". */
const NOT_NAMES = new Set(
  (
    'the a an my our your his her their this that these those it its all every each any some new old another same ' +
    'running pending active idle stopped terminated finished dead errored failed current existing empty shared default ' +
    'batch interactive inference notebook notebooks jupyter gpu cpu gpus cpus fgpu fgpus interactive compute training ' +
    'model models general user personal project group team usage mode type permission cloneable host quota bin trash output logs log stdout stderr fit name ls dir go pls plz thanks asap itself whose which offer model-type data-type same one two three first last latest following ' +
    'read-only readonly read-write rw ro read-write-delete write-delete wd cpu-only gpu-only private public new, named called with using from in on at to for of and or ' +
    'session sessions folder folders vfolder vfolders service services job jobs container containers ' +
    'pytorch torch tensorflow tf python vllm ngc jax triton tgi nvidia cuda r julia image images ' +
    'is are be me us do does did please can could would should will just also then now there here what which who ' +
    'storage directory dir file files trash data mounted attached mounting read write only whichever whatever wherever ' +
    'if so as by into inside under within where when while resource resources scaling preset presets ' +
    'stop kill terminate delete remove destroy end close start create launch run make open show list rename share restore ' +
    'get describe check cancel nuke spin fire boot mount unmount give please purge recover deleted removed trashed down up off ' +
    'out back tear shut wipe erase empty inspect view display print tell see find about info details status logs log history ' +
    'forcefully force forced now immediately right asap too again gracefully undelete untrash permanently completely ' +
    'everything anything something them those these stuff both i you we they he she except but besides excluding keep ' +
    'killed terminated stopped deleted removed gone done finished ended dead limit limits quota quotas cap online offline live thing things more less bigger larger smaller beefier clone copy duplicate leave alone untouched space put coding mentioned above'
  ).split(/\s+/),
);

export const isStopWord = (s: string): boolean => NOT_NAMES.has(s.toLowerCase());

/** Common words that do name a folder when said with "the" ("the models folder", "the data folder"). */
const SOFT_NAMES = new Set(['model', 'models', 'data', 'shared', 'training', 'general', 'user', 'team', 'project', 'personal', 'storage', 'scratch']);
export const isSoftName = (s: string): boolean => SOFT_NAMES.has(s.toLowerCase());

/** Identifier-like: has a digit, '-', '_' or '.', or is a quoted placeholder. */
export const looksLikeIdentifier = (s: string): boolean =>
  (/[\uE000]|[-_]|\d/.test(s) && /[A-Za-z\uE000]/.test(s)) || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

const rx = (src: string, flags = 'g'): RegExp => new RegExp(src, flags);

export function valueAt(c: Clause, start: number, end: number): string {
  return unmask(c.masked.slice(start, end), c.quotes).trim();
}

/** Trim sentence punctuation that sticks to a bare name ("notebook-old?" "exp-7."). */
export function cleanName(s: string): string {
  return s.replace(/^[.\-]+|[.\-]+$/g, '');
}

export interface NameHit {
  value: string;
  index: number;
  /** explicit = quoted or introduced ("named X"); noun = next to a resource noun; bare = identifier-like */
  how: 'explicit' | 'noun' | 'bare';
}

const EXPLICIT = [
  rx(`(?:named|called|name\\s+it|call\\s+it|name\\s+(?:should\\s+be|is)|with\\s+(?:the\\s+)?name(?:\\s+of)?|name\\s*[:=]|titled|labell?ed)\\s+(?:as\\s+)?${NAME}`),
  rx(`${NAME}\\s*(?:이)?(?:라는|란|라고\\s*하는)`),
  rx(`이름(?:은|을|이|는)?\\s*[:=]?\\s*${NAME}`),
  rx(`(?:서비스|세션|폴더|작업)\\s*명(?:은|는|이|을)?\\s*[:=]?\\s*${NAME}`),
  // ", name scratch-cpu", "— service name llama3-chat": a bare "name X" in a list of settings
  rx(`(?:^|[,;(\u2014\u2013]\\s*|\\band\\s+)(?:(?:the\\s+)?(?:service|session|folder|job|endpoint)\\s+)?name\\s+(?!(?:it|is|was|should|will|would|must|be|as)\\b)${NAME}`),
  // Konglish: "service name은 llama-kr-svc로", "folder name: x"
  rx(`(?:service|session|folder|job|endpoint)\\s*name\\s*(?:(?:은|는|이|을|를)\\s*|[:=]\\s*)${NAME}`),
];

/** Explicitly introduced names, in order. */
export function explicitNames(c: Clause): NameHit[] {
  const hits: NameHit[] = [];
  for (const r of EXPLICIT) {
    for (const m of c.masked.matchAll(rx(r.source, 'gi'))) {
      const start = m.index + m[0].lastIndexOf(m[1]!);
      hits.push({ value: cleanName(valueAt(c, start, start + m[1]!.length)), index: start, how: 'explicit' });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/** Names standing next to a noun: "the session foo", "the datasets folder", "foo 세션을". */
export function nounNames(c: Clause, nounsEn: string, nounsKo: string, allowPlainWords: boolean): NameHit[] {
  const hits: NameHit[] = [];
  const push = (raw: string, index: number, definite = false): void => {
    const v = cleanName(valueAt(c, index, index + raw.length));
    const plain = !looksLikeIdentifier(raw);
    // "the models folder" names a folder; "a model folder" is a usage mode
    const soft = definite && SOFT_NAMES.has(v.toLowerCase());
    if (!v || (NOT_NAMES.has(v.toLowerCase()) && !soft)) return;
    // "a 2-node cluster", "the read-only folder": units and modes are no names, before a noun either
    if (/^(?:\d+-(?:nodes?|gpus?|fgpus?|cores?|way|containers?)|read-?only|read-?write|cpu-?only|gpu-?only|multi-?node|single-?node)$/i.test(v)) return;
    if (plain && !allowPlainWords) return;
    hits.push({ value: v, index, how: 'noun' });
  };
  // a word right after the noun is its name even if it is a common word ("the folder models")
  const after = rx(`(?<![A-Za-z0-9_\\-])(?:${nounsEn})\\s+(?:named\\s+|called\\s+)?${NAME}`, 'gi');
  for (const m of c.masked.matchAll(after)) push(m[1]!, m.index + m[0].length - m[1]!.length, true);
  const before = rx(`${NAME}\\s+(?:${nounsEn})(?![A-Za-z0-9_\\-])`, 'gi');
  for (const m of c.masked.matchAll(before)) push(m[1]!, m.index, /(?:the|my|our|your)\s+$/.test(c.lower.slice(Math.max(0, m.index - 6), m.index)));
  const ko = rx(`${NAME}\\s*(?:이라는\\s*|라는\\s*)?(?:${nounsKo})`, 'g');
  // Korean has no articles: "models 폴더" always names a folder
  for (const m of c.masked.matchAll(ko)) push(m[1]!, m.index, true);
  // "모델 폴더 roberta를 만들어줘": a name after the noun, ended by a particle
  const koAfter = rx(`(?:${nounsKo})\\s+${NAME}(?=\\s*(?:을|를|이|가|은|는|으로|로|도|에|$|[\uAC00-\uD7A3]))`, 'g');
  for (const m of c.masked.matchAll(koAfter)) if (/[A-Za-z\uE000]/.test(m[1]!)) push(m[1]!, m.index + m[0].length - m[1]!.length, true);
  return hits.sort((a, b) => a.index - b.index);
}

/** Identifier-like tokens anywhere ("kill train-job-1"). */
export function bareIdentifiers(c: Clause): NameHit[] {
  const hits: NameHit[] = [];
  // a colon ends a name only before a space ("in notebook-old: print(1)"); "local:volume1" is a host
  // a full stop after a name ends the sentence ("except notebook-old."): only ".x" continues it
  for (const m of c.masked.matchAll(rx(`(?<![A-Za-z0-9_.\\-/=@:])${NAME}(?![A-Za-z0-9_\\-/=@]|\\.[A-Za-z0-9_]|:\\S)`, 'g'))) {
    const raw = m[1]!;
    if (!looksLikeIdentifier(raw) || raw.startsWith('\uE000')) continue;
    if (IGNORED_IDENTIFIER.test(raw.toLowerCase()) || COMMON_HYPHENATED.test(raw.toLowerCase())) continue;
    hits.push({ value: cleanName(raw), index: m.index, how: 'bare' });
  }
  return hits;
}

/** Identifier-looking words that are units, modes or versions, not names. */
const IGNORED_IDENTIFIER =
  /^(?:\d+(?:[.,]\d+)*[a-z]*|read-?only|read-?write(?:-?delete)?|write-?delete|cpu-?only|gpu-?only|(?:model|data|general)-?type|multi-?node|single-?node|\d+-node|x86_64|aarch64|arm64|py\d+|cuda\d+(?:\.\d+)*|ubuntu\d+(?:\.\d+)*|python\d(?:\.\d+)*|tf\d(?:\.\d+)*|a100s?|h100s?|h200s?|v100s?|a10g?|l40s?|t4|l4|a6000|rtx\d+|gpt-\d.*|llama-?\d.*|re-?\w+|non-\w+|co-\w+|e-?mail|built-in|up-to-date|f-?gpus?|top-\d+|utf-8|ctrl-\w|[a-z]-[a-z]|\d+x|(?:force|hard|soft)-(?:kill|delete|remove|stop|terminate|destroy|restart|shutdown|quit))$/;

/** Everyday hyphenated words that name nothing ("clean-up time:", "a follow-up", "e-mail"). */
export const COMMON_HYPHENATED = /^(?:clean-?ups?|follow-?ups?|set-?ups?|check-?ins?|roll-?outs?|shut-?downs?|log-?ins?|sign-?ins?|heads?-up|to-?dos?|how-?to|one-?off|long-?running|short-?lived|no-?op|self-?serve|wrap-?up|tear-?down|start-?up|spin-?up|back-?ups?|e-?mail|built-in|up-to-date|state-of-the-art|ctrl-\w|re-\w+|co-\w+)$/;

// ------------------------------------------------------------------ images

const FRAMEWORK = '(?:ngc|nvidia|pytorch|torch|tensorflow|tf|python|py|jax|vllm|tgi|triton|sglang|huggingface|transformers|julia|cuda|ubuntu|pt(?=v?\\d)|파이토치|텐서플로우?|파이썬)';
const IMAGE_RUN = rx(
  `(?<![A-Za-z0-9_.\\-/])(${FRAMEWORK}(?:[ \\-]?v?\\d+(?:\\.\\d+)+|\\d+(?:\\.\\d+)*)?(?:[\\s\\-]+(?:${FRAMEWORK}(?:[ \\-]?v?\\d+(?:\\.\\d+)+|\\d+(?:\\.\\d+)*)?|v?\\d+(?:\\.\\d+)+)){0,4})(?![A-Za-z0-9_.\\-/])`,
  'g',
);
const IMAGE_REF = /(?<![\w./-])((?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\/)?[a-z0-9._-]+(?:\/[a-z0-9._-]+)*:[A-Za-z0-9._-]+|[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\/[a-z0-9._\/-]+)(?![\w./-])/gi;

/** The image as the user said it: a reference verbatim, else the framework words and versions. */
export function extractImage(c: Clause): { value: string; start: number; end: number } | undefined {
  for (const m of c.masked.matchAll(IMAGE_REF)) {
    const v = m[1]!;
    if (v.includes('@') || /^(?:https?|local|nfs|cephfs|[a-z]+):/.test(v.toLowerCase()) && !v.includes('/')) continue;
    return { value: v, start: m.index, end: m.index + v.length };
  }
  // a quoted reference after "image": image "foo/bar:1"
  const q = rx(`(?:image|이미지)\\s*[:=]?\\s*(${PLACEHOLDER})|(${PLACEHOLDER})\\s*(?:image|이미지)`, 'gi').exec(c.masked);
  if (q) {
    const ph = q[1] ?? q[2]!;
    const start = q.index + q[0].indexOf(ph);
    const value = valueAt(c, start, start + ph.length);
    // "the tensorflow image: `python eval.py`" quotes the command, not the image
    if (!(COMMAND_START.test(value) && /\s/.test(value))) return { value, start, end: start + ph.length };
  }
  for (const m of c.lower.matchAll(IMAGE_RUN)) {
    const run = m[1]!;
    // "python train.py" is a command, "py" alone says nothing, "cuda"/"ubuntu" alone is no framework
    const next = c.lower.slice(m.index + run.length, m.index + run.length + 40);
    if (/^(?:py|cuda|ubuntu|nvidia)$/.test(run)) continue;
    if (/^python$/.test(run) && /^\s+[\w./-]+\.(?:py|sh)\b|^\s+-[mc]\b/.test(next)) continue;
    if (/^\s*(?:(?:script|file|code|command|package|library|function|program)s?|-?\s*m\b)/.test(next)) continue;
    return { value: c.masked.slice(m.index, m.index + run.length).trim(), start: m.index, end: m.index + run.length };
  }
  return undefined;
}

// ------------------------------------------------------------------ commands

const COMMAND_START = /^(?:python3?|bash|sh|\.\/|node|torchrun|accelerate|deepspeed|pip|make|nvidia-smi|jupyter|java|go|cargo|npm|R|Rscript|julia)\b/;

/** The startup command: a quoted command, "that executes X", "running X", "X 실행". */
export function extractCommand(c: Clause): { value: string; start: number; end: number } | undefined {
  // quoted text that reads as a command, or any quoted text after run/execute words
  for (const m of c.masked.matchAll(rx(PLACEHOLDER, 'g'))) {
    const text = c.quotes[Number(m[0].slice(1, -1))] ?? '';
    const before = c.lower.slice(Math.max(0, m.index - 40), m.index);
    const after = c.lower.slice(m.index + m[0].length, m.index + m[0].length + 12);
    const introduced = /(?:run|runs|running|execute|executes|executing|command|cmd|startup|start\s+with|launch|launches|that\s+does)\s*(?:the\s+)?(?:command\s+)?[:=]?\s*$/.test(before) || /^\s*(?:을|를)?\s*(?:실행|돌려|돌리)/.test(after);
    if (introduced || (COMMAND_START.test(text) && / /.test(text))) return { value: text, start: m.index, end: m.index + m[0].length };
  }
  // arguments run to the end of the clause, but a Korean word ends them ("python run.py 실행해줘")
  const unquoted =
    /(?:that\s+(?:executes|runs)|which\s+(?:executes|runs)|executing|to\s+execute|with\s+(?:the\s+)?(?:startup\s+)?command|\brunning|\brun|\bexecute)\s+((?:python3?|bash|sh|\.\/|torchrun|accelerate|deepspeed|node|make|nvidia-smi)\S*(?:\s+(?!(?:in|on|with|using|as|inside|for|and|then|at)\b)(?![\uAC00-\uD7A3])[^\s,;]+){0,12})/.exec(c.masked);
  // a script run anywhere in the sentence: "run the training script python train.py --lr 3e-4"
  const script = unquoted ?? /(?:^|\s)((?:python3?|bash|sh|torchrun|deepspeed|node|accelerate\s+launch)\s+(?:-\S+\s+)*[\w./-]+\.(?:py|sh|js)(?:\s+(?!(?:in|on|with|using|as|inside|for|and|then|at)\b)(?![\uAC00-\uD7A3])[^\s,;]+){0,12}|\.\/[\w./-]+)/.exec(c.masked);
  if (script && !unquoted) {
    const v = script[1]!.trim();
    const start = script.index + script[0].length - script[1]!.length;
    if (/\b(?:run|runs|running|execute|executes|executing|실행|돌려|돌리)\b|실행|돌려|돌리/.test(c.lower)) return { value: v, start, end: start + script[1]!.length };
  }
  if (unquoted) {
    const v = unquoted[1]!.trim();
    const start = unquoted.index + unquoted[0].length - unquoted[1]!.length;
    return { value: v, start, end: start + unquoted[1]!.length };
  }
  return undefined;
}

// ------------------------------------------------------------------ env

/** KEY=value pairs and "environment variable KEY set to value". */
export function extractEnv(c: Clause): { env: Record<string, string>; spans: Array<{ start: number; end: number }>; unset: string[] } {
  const env: Record<string, string> = {};
  const spans: Array<{ start: number; end: number }> = [];
  const envContext = /env|environment|환경\s*변수/i.test(c.masked);
  for (const m of c.masked.matchAll(/(?<![\w.\-/])([A-Za-z_][A-Za-z0-9_]*)\s?=\s?(\uE000\d+\uE001|(?:[^\s,;]|,(?=\d))+)/g)) {
    const key = m[1]!;
    if (!/^[A-Z_][A-Z0-9_]*$/.test(key) && !envContext) continue;
    // "PYTHONUNBUFFERED=1을 설정": the particle is Korean grammar, not the value
    env[key] = unmask(m[2]!, c.quotes).replace(/[.)]+$/, '').replace(/(?<=[\x21-\x7E])[\uAC00-\uD7A3]+$/, '');
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  // "where HF_HOME is /home/work/models"
  for (const m of c.masked.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s+(?:is|=|should\s+be|set\s+to)\s+(\uE000\d+\uE001|[^\s,;]+)/g)) {
    if (m[1]! in env) continue;
    env[m[1]!] = unmask(m[2]!, c.quotes).replace(/[.)]+$/, '');
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  for (const m of c.masked.matchAll(/(?:environment\s+variables?|env(?:ironment)?\s+vars?|\benv)\s+([A-Za-z_][A-Za-z0-9_]*)\s+(?:set\s+)?(?:to|as|=)\s+(\uE000\d+\uE001|[^\s,;]+)/gi)) {
    env[m[1]!] = unmask(m[2]!, c.quotes).replace(/[.)]+$/, '');
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  for (const m of c.masked.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:환경\s*변수)?(?:를|을|는|은)?\s*(\uE000\d+\uE001|[^\s,;]+?)\s*(?:으로|로)\s*(?:설정|지정|세팅)/g)) {
    if (!/^[A-Z_][A-Z0-9_]*$/.test(m[1]!)) continue;
    env[m[1]!] = unmask(m[2]!, c.quotes);
    spans.push({ start: m.index, end: m.index + m[0].length });
  }
  // "with my W&B key set as WANDB_API_KEY", "env var HF_TOKEN": a variable named, its value not given
  const unset = new Set<string>();
  for (const m of c.masked.matchAll(/\b([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z][A-Z0-9]{2,})\s+(?:set|defined|exported|passed)\s+(?:as|in)\s+(?:an?\s+|the\s+)?(?:env(?:ironment)?\s*)?var(?:iable)?\b|\bwith\s+([A-Z][A-Z0-9]*_[A-Z0-9_]+)\s+(?:set|defined|exported)\b(?!\s*(?:to|=))/g)) {
    const name = (m[1] ?? m[2])!;
    if (!(name in env)) unset.add(name);
  }
  for (const m of c.masked.matchAll(/\b(?:set|export|add|pass|define)\s+(?:the\s+|an?\s+)?([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z][A-Z0-9]{2,})\s+(?:env(?:ironment)?\s*)?var(?:iable)?\b(?!\s*(?:to|=|as)\s)/g)) {
    if (!(m[1]! in env)) unset.add(m[1]!);
  }
  for (const m of c.masked.matchAll(/(?:\b(?:set|exported?|passed|provided)\s+(?:as|to|in|into)|(?:environment\s+variables?|env(?:ironment)?\s+vars?|\benv)|환경\s*변수)\s+(?:the\s+)?(?:env(?:ironment)?\s+(?:var(?:iable)?\s+)?)?([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z][A-Z0-9]{2,})\b(?!\s*=)(?!\s+(?:set\s+)?(?:to|as)\s)/g)) {
    if (!(m[1]! in env)) unset.add(m[1]!);
  }
  return { env, spans, unset: [...unset] };
}

// ------------------------------------------------------------------ placement

const GROUP_WORDS = '(?:resource|scaling)[\\s-]+groups?|sgroups?';
export function extractScalingGroup(c: Clause): { value: string; index: number } | undefined {
  // "a100 그룹(gpu-a100)", "the A100 group (gpu-a100)": the identifier in parentheses is the name
  const paren = /(?:그룹|group|groups)\s*\(\s*([A-Za-z0-9][A-Za-z0-9_.-]*)\s*\)/i.exec(c.masked);
  if (paren && looksLikeIdentifier(paren[1]!)) return { value: paren[1]!, index: paren.index };
  const pats = [
    rx(`(?:in|on|from|into|to|use|using|via)\\s+(?:the\\s+)?${NAME}\\s+(?:${GROUP_WORDS})`, 'gi'),
    rx(`(?:${GROUP_WORDS})\\s*(?:named\\s+|called\\s+|[:=]\\s*|(?:은|는|을|를)\\s*)?${NAME}`, 'gi'),
    rx(`${NAME}\\s*(?:리소스|자원|스케일링)?\\s*그룹`, 'g'),
    rx(`(?:in|on|from)\\s+(?:the\\s+)?${NAME}\\s+group(?![\\w-])`, 'gi'),
    rx(`(?:리소스|자원|스케일링)\\s*그룹\\s*${NAME}`, 'g'),
    // ", default resource group": an item in a list of settings
    rx(`(?:^|[,;\u2014\u2013]\\s*|\\band\\s+)(?:the\\s+)?${NAME}\\s+(?:${GROUP_WORDS})`, 'gi'),
  ];
  for (const p of pats) {
    for (const m of c.masked.matchAll(p)) {
      const v = cleanName(valueAt(c, m.index + m[0].lastIndexOf(m[1]!), m.index + m[0].lastIndexOf(m[1]!) + m[1]!.length));
      // "the default resource group" names the group called default
      const namedDefault = v?.toLowerCase() === 'default' && /resource|scaling|그룹/i.test(m[0]);
      if (!v || (NOT_NAMES.has(v.toLowerCase()) && !namedDefault) || /^(?:that|which|can|where|with|for|is|i)$/i.test(v)) continue;
      // "in the research group" may be a project; only identifier-like names count without "resource"
      if (/group$/i.test(m[0]) && !/resource|scaling/i.test(m[0]) && !looksLikeIdentifier(v) && !/그룹/.test(m[0])) continue;
      return { value: v, index: m.index };
    }
  }
  return placeName(c);
}

/**
 * "on gpu-a100", "in gpu-a100", "gpu-a100에서": where a workload runs, named without the word
 * "resource group". Only identifier-like names that no noun claims (a folder, project, preset…);
 * the proposer checks the name against the resource groups the user may use.
 */
const PLACE_EN = rx(
  `(?:\\bin|\\bon|\\binto|\\bonto|\\bvia)\\s+(?:the\\s+)?${NAME}(?![A-Za-z0-9_.\\-/@]|:[A-Za-z0-9])(?!\\s*(?:folders?|vfolders?|volumes?|projects?|presets?|images?|director(?:y|ies)|dirs?|nodes?|sessions?|services?|files?)\\b)`,
  'gi',
);
const PLACE_KO = rx(`(?<![A-Za-z0-9_.\\-/])${NAME}\\s*에(?:서)?(?!\\s*(?:마운트|붙|연결|있|들어|담|저장|넣))`, 'g');

function placeName(c: Clause): { value: string; index: number } | undefined {
  for (const p of [PLACE_EN, PLACE_KO]) {
    // a rejected match resumes one character on, so "on ⟨image⟩ in gpu-a100" still finds "in gpu-a100"
    const re = rx(p.source, p.flags);
    for (let m = re.exec(c.masked); m; m = re.exec(c.masked)) {
      re.lastIndex = m.index + 1;
      const start = m.index + m[0].lastIndexOf(m[1]!);
      const raw = c.masked.slice(start, start + m[1]!.length);
      if (raw.startsWith('\uE000') || !looksLikeIdentifier(raw) || IGNORED_IDENTIFIER.test(raw.toLowerCase())) continue;
      const v = cleanName(valueAt(c, start, start + raw.length));
      if (v && !NOT_NAMES.has(v.toLowerCase())) return { value: v, index: m.index };
    }
  }
  return undefined;
}

export function wantsAnyScalingGroup(lower: string): boolean {
  return (
    /\b(?:whichever|any|whatever|wherever|some)\b[^.;]{0,40}?\b(?:groups?|fits?|room|capacity|space|free|available)\b/.test(lower) ||
    /\bwherever\b|\banywhere\b|first\s+(?:group|one)\s+(?:that|with)/.test(lower) ||
    /\b(?:a|any|some|one|the)\s+(?:resource\s+|scaling\s+)?group\s+(?:that|which|where)\s+(?:\w+\s+){0,2}?(?:fit|fits|hold|holds|has\s+(?:room|space|capacity))\b/.test(lower) ||
    /아무\s*(?:그룹|데|곳|리소스)|아무데나|어디든|어디서든|(?:되는|남는|여유\s*있는|가능한)\s*(?:리소스\s*)?(?:그룹|곳)/.test(lower) ||
    /자리\s*(?:있는|남은|나는|되는)\s*(?:리소스\s*|자원\s*)?(?:그룹|곳|데)|(?:그룹|곳|데)\s*(?:으로|로|에)?\s*알아서|(?:들어갈|들어가는|맞는|수용할|수용\s*가능한|돌릴|띄울|받아\s*줄)\s*(?:수\s*있는\s*)?(?:리소스\s*|자원\s*)?(?:그룹|곳)|(?:리소스\s*|자원\s*)?그룹\s*(?:을|를)?\s*(?:알아서|적당히)?\s*(?:골라|찾아|선택해)/.test(lower)
  );
}

export function extractPreset(c: Clause): string | undefined {
  const pats = [
    rx(`(?:using|with|from|use|via|on)\\s+(?:the\\s+|a\\s+)?${NAME}\\s+(?:resource\\s+)?preset`, 'gi'),
    rx(`preset\\s*(?:named\\s+|called\\s+|[:=]\\s*)?${NAME}`, 'gi'),
    rx(`${NAME}\\s*(?:리소스\\s*)?프리셋`, 'g'),
    rx(`${NAME}[\\s-]+(?:sized|size|flavou?red)\\b`, 'gi'),
    rx(`프리셋\\s*${NAME}`, 'g'),
    // "a gpu-small preset session"
    rx(`${NAME}\\s+(?:resource\\s+)?preset(?![A-Za-z0-9_])`, 'gi'),
  ];
  for (const p of pats) {
    for (const m of c.masked.matchAll(p)) {
      const start = m.index + m[0].lastIndexOf(m[1]!);
      const v = cleanName(valueAt(c, start, start + m[1]!.length));
      if (v && !NOT_NAMES.has(v.toLowerCase()) && !/^(?:that|which|can|i|is|are|for|to|fits?|works?|exists?|available|allocatable|now|with|would|will|still|ok)$/i.test(v)) return v;
    }
  }
  return undefined;
}

export function extractProject(c: Clause): string | undefined {
  const pats = [
    rx(`(?:in|for|under|of|to|by)\\s+(?:the\\s+|my\\s+|our\\s+)?${NAME}\\s+(?:project|group)(?![\\w-])`, 'gi'),
    rx(`(?:project)\\s*(?:named\\s+|called\\s+|[:=]\\s*)?${NAME}`, 'gi'),
    rx(`${NAME}\\s*(?:프로젝트)`, 'g'),
    rx(`프로젝트\\s*(?:는|은|:|=)?\\s*${NAME}`, 'g'),
  ];
  for (const p of pats) {
    for (const m of c.masked.matchAll(p)) {
      const start = m.index + m[0].lastIndexOf(m[1]!);
      const v = cleanName(valueAt(c, start, start + m[1]!.length));
      if (v && !NOT_NAMES.has(v.toLowerCase()) && !/^(?:resource|scaling|that|which|can|i|is|folder|folders)$/i.test(v)) return v;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ mounts

const PRONOUN_FOLDER = /(?:\b(?:it|them|that\s+folder|this\s+folder|the\s+(?:new|newly\s+created|created|same)\s+folder|the\s+new\s+one)\b|그\s*폴더|이\s*폴더|해당\s*폴더|그걸|그것을?|방금\s*만든\s*폴더)/;
export const PRONOUN = '\u0002'; // marker for "the folder made earlier in this request"

/** Folders to mount: "with the X folder (mounted)", "mount X and Y at /p", "X 폴더를 마운트", "with it mounted". */
export function extractMounts(c: Clause): MountMention[] {
  const found: Array<{ name: string; index: number; end: number }> = [];
  const add = (name: string, index: number, end: number, soft = false): void => {
    const v = cleanName(name);
    if (!v || (NOT_NAMES.has(v.toLowerCase()) && !(soft && SOFT_NAMES.has(v.toLowerCase())))) return;
    if (!found.some((f) => f.name === v)) found.push({ name: v, index, end });
  };
  // nounNames already decided which plain words name a folder ("the models folder" does)
  for (const h of nounNames(c, 'folders?|vfolders?|storage\\s+folders?|storages?|directory|dir|volume', '폴더|디렉터리|디렉토리|볼륨|스토리지', true)) {
    add(h.value, h.index, h.index + h.value.length, true);
  }
  // "mount datasets at /data and api_helper at /code": each name may carry its mount path
  const AT_PATH = '(?:\\s+(?:at|on|to|into|as|under)\\s+/[^\\s,;]*)?(?:\\s+(?:read[\\s-]*only|read[\\s-]*write|ro|rw)\\b)?';
  const LIST = `${NAME}${AT_PATH}((?:\\s*(?:,|and|&|\\+|및|하고|와|과)\\s*(?:the\\s+)?${NAME}${AT_PATH}){0,5})`;
  for (const m of c.masked.matchAll(rx(`(?:mount(?:ing|ed|s)?|attach(?:ing)?)\\s+(?:both\\s+)?(?:the\\s+|my\\s+)?(?:folders?\\s+|vfolders?\\s+)?${LIST}`, 'gi'))) {
    let from = m.index;
    for (const n of m[0].replace(/^\S+\s+(?:both\s+)?/i, '').split(/\s*(?:,|\band\b|&|\+)\s*/)) {
      const name = n.replace(/^(?:the|my|folders?|vfolders?)\s+/gi, '').trim().split(/\s+/)[0]!;
      if (!/^[A-Za-z0-9\uE000]/.test(name)) continue;
      const at = Math.max(from, c.masked.indexOf(name, from));
      from = at + name.length;
      add(unmask(name, c.quotes), at, at + name.length, true);
    }
  }
  // "api_helper랑 datasets 폴더 붙여서": a Korean list before one folder noun
  for (const m of c.masked.matchAll(rx(`${NAME}((?:\\s*,\\s*${NAME})*\\s*(?:,|이랑|랑|하고|과|와|및)\\s*${NAME})\\s*(?:폴더|볼륨)`, 'g'))) {
    let from = m.index;
    for (const n of m[0].replace(/\s*(?:폴더|볼륨)$/, '').split(/\s*(?:,|이랑|랑|하고|및)\s*|(?<=[A-Za-z0-9_\uE001])\s*(?:과|와)\s*/)) {
      const name = n.trim();
      if (!/^[A-Za-z0-9\uE000]/.test(name) || /\s/.test(name)) continue;
      const at = Math.max(from, c.masked.indexOf(name, from));
      from = at + name.length;
      add(unmask(name, c.quotes), at, at + name.length, true);
    }
  }
  // "the datasets and api_helper folders (mounted)"
  for (const m of c.masked.matchAll(rx(`${NAME}((?:\\s*,\\s*(?:the\\s+)?${NAME})*\\s*,?\\s*(?:and|&)\\s+(?:the\\s+)?${NAME})\\s+(?:folders|vfolders)(?![A-Za-z0-9_])`, 'gi'))) {
    let from = m.index;
    for (const n of m[0].replace(/\s+v?folders$/i, '').split(/\s*(?:,|\band\b|&)\s*/)) {
      const name = n.replace(/^the\s+/i, '').trim();
      if (!/^[A-Za-z0-9\uE000]/.test(name) || /\s/.test(name)) continue;
      const at = Math.max(from, c.masked.indexOf(name, from));
      from = at + name.length;
      add(unmask(name, c.quotes), at, at + name.length, true);
    }
  }
  // (Konglish too: "datasets mount해서", "models를 attach해 줘")
  for (const m of c.masked.matchAll(rx(`${NAME}\\s*(?:을|를)?\\s*(?:마운트|붙여|붙이|붙인|연결|(?:mount|attach)(?=\\s*[\\uAC00-\\uD7A3]))`, 'g'))) add(valueAt(c, m.index, m.index + m[1]!.length), m.index, m.index + m[0].length, true);
  // "datasets랑 api_helper 둘 다 마운트해서"
  for (const m of c.masked.matchAll(rx(`${NAME}((?:\\s*(?:,|이랑|랑|하고|과|와|및)\\s*${NAME})+)\\s*(?:(?:두|세|2|3)\\s*(?:개\\s*)?폴더(?:\\s*(?:를|을|도))?\\s*)?(?:둘\\s*다|셋\\s*다|모두|전부|다)?\\s*(?:을|를)?\\s*(?:마운트|붙여|붙이|연결)`, 'g'))) {
    let from = m.index;
    for (const n of m[0].replace(/\s*(?:(?:두|세|2|3)\s*(?:개\s*)?폴더(?:\s*(?:를|을|도))?\s*)?(?:둘\s*다|셋\s*다|모두|전부|다)?\s*(?:을|를)?\s*(?:마운트|붙여|붙이|연결)$/, '').split(/\s*(?:,|이랑|랑|하고|및)\s*|(?<=[A-Za-z0-9_\uE001])\s*(?:과|와)\s*/)) {
      const name = n.trim();
      if (!/^[A-Za-z0-9\uE000]/.test(name) || /\s/.test(name)) continue;
      const at = Math.max(from, c.masked.indexOf(name, from));
      from = at + name.length;
      add(unmask(name, c.quotes), at, at + name.length, true);
    }
  }
  // "datasets는 /home/work/data 경로로 마운트": the folder, then where it goes
  for (const m of c.masked.matchAll(rx(`${NAME}\\s*(?:은|는|을|를)\\s*/[^\\s,;]+\\s*(?:경로|위치|디렉터리|디렉토리)?\\s*(?:에|로|으로)?\\s*(?:마운트|붙여|붙이|연결)`, 'g'))) {
    add(valueAt(c, m.index, m.index + m[1]!.length), m.index, m.index + m[1]!.length);
  }
  // "with both sweep-42 and datasets mounted", "with datasets, models and api_helper attached"
  for (const m of c.masked.matchAll(rx(`\\b(?:with|has|have|having)\\s+(?:both\\s+)?(?:the\\s+)?${NAME}((?:\\s*,\\s*(?:the\\s+)?${NAME})*\\s*,?\\s*(?:and|&)\\s+(?:the\\s+)?${NAME})\\s+(?:(?:folders?|vfolders?)\\s+)?(?:both\\s+)?(?:mounted|attached)`, 'gi'))) {
    let from = m.index;
    for (const n of m[0].replace(/^(?:with|has|have|having)\s+(?:both\s+)?/i, '').replace(/\s+(?:(?:v?folders?)\s+)?(?:both\s+)?(?:mounted|attached)$/i, '').split(/\s*(?:,|\band\b|&)\s*/)) {
      const name = n.replace(/^the\s+/i, '').trim();
      if (!/^[A-Za-z0-9\uE000]/.test(name) || /\s/.test(name)) continue;
      const at = Math.max(from, c.masked.indexOf(name, from));
      from = at + name.length;
      add(unmask(name, c.quotes), at, at + name.length, true);
    }
  }
  // "with datasets mounted", ", datasets mounted" (a trailing absolute phrase)
  for (const m of c.masked.matchAll(rx(`(?:\\bwith|\\band|,|;)\\s*(?:the\\s+)?${NAME}\\s+(?:(?:folder|vfolder)\\s+)?(?:mounted|attached)`, 'gi'))) {
    const start = m.index + m[0].indexOf(m[1]!, 1);
    add(valueAt(c, start, start + m[1]!.length), m.index, m.index + m[0].length);
  }
  // "mount both of those folders", "그 두 폴더 다 마운트": every folder the request mentioned before
  if (/\b(?:both\s+(?:of\s+)?(?:those|these|them|the)(?:\s+(?:two\s+)?folders)?|(?:those|these)\s+(?:two\s+)?folders|them\s+both|both\s+folders)\b|그\s*(?:두\s*)?폴더(?:들)?\s*(?:을|를)?\s*(?:둘\s*다|모두|다)/.test(c.lower) && /mount|attach|마운트|붙|연결/.test(c.lower)) {
    for (const h of nounNames(c, 'folders?|vfolders?', '폴더', true)) add(h.value, h.index, h.index + h.value.length, true);
    for (const m of c.masked.matchAll(rx(`\\b(?:is|are|lives?|sits?|stored|kept)\\s+(?:in|inside|under)\\s+(?:the\\s+|my\\s+)?${NAME}(?![A-Za-z0-9_.\\-])`, 'gi'))) {
      const start = m.index + m[0].lastIndexOf(m[1]!);
      add(valueAt(c, start, start + m[1]!.length), start, start + m[1]!.length, true);
    }
    if (found.length >= 2) {
      return found.sort((a, b) => a.index - b.index).map((f) => ({ name: f.name }));
    }
  }
  // "mounts it together with datasets", "attach it along with models": the pronoun's partner
  for (const m of c.masked.matchAll(rx(`\\b(?:mount(?:ing|ed|s)?|attach(?:ing|es)?)\\s+(?:it|that\\s+folder|this\\s+folder|the\\s+new\\s+one)\\s+(?:together\\s+with|along\\s*(?:side)?\\s*(?:with)?|alongside|as\\s+well\\s+as|plus|and|with)\\s+(?:the\\s+|my\\s+)?${NAME}`, 'gi'))) {
    const start = m.index + m[0].lastIndexOf(m[1]!);
    add(valueAt(c, start, start + m[1]!.length), start, start + m[1]!.length, true);
  }
  // "with it mounted", "mount it", "그 폴더를 마운트한"
  const pron = PRONOUN_FOLDER.exec(c.lower);
  // ("a computer that can use it": using the folder just made is mounting it)
  if (pron && /mount|attach|마운트|붙|연결|with\s+(?:it|that\s+folder)|\b(?:use|uses|using|access|accesses|read|reads|sees?)\s+(?:it|that\s+folder)\b/.test(c.lower)) found.push({ name: PRONOUN, index: pron.index, end: pron.index + pron[0].length });
  // "mount the folder into a new session": a folder the request never named is the one it mentioned before (if any)
  const definite = /\bthe\s+(?:folder|vfolder|storage|volume)\b(?!\s+(?:named|called)\b)/.exec(c.lower);
  if (found.length === 0 && definite && /mount|attach/.test(c.lower)) found.push({ name: PRONOUN, index: definite.index, end: definite.index + definite[0].length });

  return found
    .sort((a, b) => a.index - b.index)
    .map((f) => {
      const tail = c.masked.slice(f.end, f.end + 60);
      const path = /^\S*\s*(?:(?:at|to|on|under|into|as)\s+|(?:을|를)?\s*)(\/[^\s,;]+?)(?=[\s,;]|에|으로|로|$)/.exec(tail)?.[1] ?? /^[^,;]{0,30}?(\/[A-Za-z0-9_./-]+)/.exec(tail)?.[1];
      const near = c.lower.slice(Math.max(0, f.index - 25), f.end + 40);
      // "mount models read-only and datasets read-write": a mode right after the name is that folder's
      const own = /^\s*\(?\s*(read[\s-]*only|read[\s-]*write|ro|rw|writable)\b/.exec(c.lower.slice(f.end, f.end + 24))?.[1];
      const readOnly = own
        ? /only|^ro$/.test(own)
        : /read[\s-]*only|\bro\b|읽기\s*전용/.test(near) || (found.length === 1 && /read[\s-]*only|\bro\b|읽기\s*전용/.test(c.lower));
      return { name: f.name, ...(path ? { path: path.replace(/[.)]+$/, '') } : {}), ...(readOnly ? { readOnly: true } : {}) };
    });
}

// ------------------------------------------------------------------ lists

const LIST_EN = rx(`${NAME}((?:\\s*,\\s*(?:the\\s+)?${NAME})*\\s*,?\\s*(?:and|&|plus)\\s+(?:the\\s+)?${NAME})`, 'gi');
const LIST_KO = rx(`${NAME}((?:\\s*,\\s*${NAME})*\\s*(?:,|이랑|랑|하고|과|와|및)\\s*${NAME})`, 'g');

/**
 * Coordinated names: "exp-a and exp-b", "api_helper, datasets and models", "a랑 b". The longest
 * such list whose members all read as names (identifiers, quoted, or a soft name such as "models").
 */
export function nameList(c: Clause): string[] {
  let best: string[] = [];
  for (const r of [LIST_EN, LIST_KO]) {
    for (const m of c.masked.matchAll(rx(r.source, r.flags))) {
      const parts = m[0]
        .split(/\s*(?:,|\band\b|&|\bplus\b|이랑|랑|하고|및)\s*|(?<=[A-Za-z0-9_\uE001])\s*(?:과|와)\s*/i)
        .map((p) => p.replace(/^the\s+/i, '').trim())
        .filter(Boolean);
      const names = parts.map((p) => cleanName(unmask(p, c.quotes)));
      const isName = (n: string, i: number): boolean =>
        Boolean(n) && /^[A-Za-z0-9\uE000]/.test(parts[i]!) && !IGNORED_IDENTIFIER.test(n.toLowerCase()) &&
        (looksLikeIdentifier(parts[i]!) || !NOT_NAMES.has(n.toLowerCase()) || SOFT_NAMES.has(n.toLowerCase()));
      // "folders, exp-a and exp-b": the list is the run of names at the end
      let from = names.length;
      while (from > 0 && isName(names[from - 1]!, from - 1)) from--;
      const run = names.slice(from);
      if (run.length > 1 && run.length > best.length) best = run;
    }
  }
  return [...new Set(best)];
}

// ------------------------------------------------------------------ misc

export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

export function extractEmails(c: Clause): string[] {
  return [...new Set([...unmask(c.masked, c.quotes).matchAll(EMAIL)].map((m) => m[0].replace(/\.$/, '')))];
}

/** "they shouldn't be able to change anything", "must not modify", "수정은 못 하게": no writing at all. */
const NO_WRITING =
  /\b(?:shouldn'?t|should\s+not|must\s+not|mustn'?t|can'?t|cannot|won'?t|not)\s+(?:be\s+(?:able|allowed)\s+to\s+)?(?:change|modify|edit|write|touch|alter|overwrite)\b|\bno\s+(?:write|edit|modify)\s+(?:access|rights|permission)\b|(?:수정|편집|변경|쓰기)\s*(?:은|는|도)?\s*(?:못|안\s*되|불가|하지\s*못|할\s*수\s*없)/;

/** "must not be able to delete", "can't remove anything", "삭제는 못 하게": deleting is ruled out. */
const NO_DELETING = /\b(?:shouldn'?t|should\s+not|must\s+not|mustn'?t|can'?t|cannot|won'?t|not)\s+(?:be\s+(?:able|allowed)\s+to\s+)?(?:[a-z]+\s+(?:or|and)\s+)?(?:delete|remove)\b|(?:삭제|지우기)\s*(?:은|는|도)?\s*(?:못|안\s*되|불가|하지\s*못|할\s*수\s*없)/;

export function extractPermission(lower: string): 'ro' | 'rw' | 'wd' | undefined {
  if (NO_WRITING.test(lower)) return 'ro';
  if (NO_DELETING.test(lower)) return /read[\s-]*(?:and[\s-]*)?write|\brw\b|\b(?:can|may|able\s+to)\s+(?:also\s+)?(?:edit|write|modify|change|add)\b|수정\s*(?:은|도)?\s*(?:할\s*수|가능|되게)|쓰기/.test(lower) ? 'rw' : 'ro';
  if (/\b(?:able\s+to|can|could|allowed\s+to|may)\s+(?:also\s+)?(?:delete|remove)\b|삭제(?:도|까지)\s*(?:할\s*수|가능|하게)|write[\s/-]*delete|\bwd\b|\brwd\b|full\s+(?:read[\s/-]*write[\s/-]*delete\s+)?(?:access|control)|삭제\s*권한|모든\s*권한|삭제\s*까지/.test(lower)) return 'wd';
  if (/read[\s-]*only|readonly|\bro\b|read\s+access|view[\s-]*only|\bonly\s+(?:for\s+)?(?:reading|read|viewing|view|looking)\b|\bfor\s+reading(?:\s+only)?\b|\b(?:just|only)\s+(?:read|see|view|look)\b|\b(?:see|look|read)\s+but\s+not\s+(?:touch|change|edit|write|modify)|\bnot\s+(?:touch|change|edit|write|modify)\b|읽기\s*전용|읽기만|읽기\s*권한|보기만|보기\s*전용/.test(lower)) return 'ro';
  if (/read[\s-]*(?:and[\s-]*)?write|read\/write|\brw\b|write\s+access|writable|editable|\b(?:add|edit|change|modify|upload|write)\s+(?:and\s+(?:add|edit|change|modify|upload|write)\s+)?(?:files|things|stuff|data)\b|쓰기|읽고\s*쓰기|편집|수정\s*(?:도|할\s*수|가능)|업로드/.test(lower)) return 'rw';
  return undefined;
}

/** A path inside a folder ("/data/raw", "checkpoints/epoch1"). */
export function extractPaths(c: Clause): string[] {
  const out: string[] = [];
  for (const m of unmask(c.masked, c.quotes).matchAll(/(?<![\w@:])((?:\/|\.\/)?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+\/?|\/[A-Za-z0-9_.-]+|[A-Za-z0-9_-]+\.[A-Za-z0-9]{1,8})(?![\w@\/])/g)) {
    const p = m[1]!;
    if (/^\d+(?:\.\d+)+$/.test(p) || EMAIL.test(p)) continue;
    EMAIL.lastIndex = 0;
    out.push(p.replace(/\.$/, ''));
  }
  return out;
}
