/**
 * Property: the offline planner never plans a destructive write on the wrong target (issue 13).
 *
 * Requests are generated from a grammar of real wording, English and Korean — verbs, politeness
 * and filler, the ways a session, a folder or a file inside a folder is referred to — with
 * distractors that must never become targets: another entity given as context ("X is still
 * running, so …"), a prohibition ("… but don't touch X", "X는 건드리지 마"), a question ("can I
 * delete X?", "X 지워도 돼?") and a file named inside a folder (the folder itself is never the
 * target). Targets are the contract world's (SANDBOX-WORLD.md).
 *
 * Two levels: the parser screens many wordings cheaply and the planner plans each one the parser
 * misreads; and the whole offline planner plans a separate sample, each against a fresh sandbox (as
 * `bai-agent eval` plans). Both sample with a fixed seed and
 * check every case before failing, so one run lists every wrong write with its request text and
 * what was planned; rerun with DESTRUCTIVE_SEED=<n> to explore other wordings.
 * Asking (needs_clarification, or a plan with no write) is never wrong; writing anything but the
 * intended change on the intended entity is.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { READ_INTENTS, type Intent } from '../../src/planner/offline/intents.js';
import { parseRequest } from '../../src/planner/offline/parse/index.js';
import type { PlanDocument } from '../../src/planner/plan.js';
import { useSandboxPlanner } from '../support/sandbox-planner.js';

const SEED = Number(process.env.DESTRUCTIVE_SEED ?? 1313);

/**
 * Wrong writes the committed seed still finds (issue 13 is open: the planner plans a write on the
 * wrong target for these wordings; the test prints every one). A ratchet: fixes lower these numbers,
 * nothing may raise them. With DESTRUCTIVE_SEED set (exploring other wordings) the bar is zero.
 */
const KNOWN_WRONG = process.env.DESTRUCTIVE_SEED ? { parse: 0, planner: 0 } : { parse: 23, planner: 11 };

function expectAtMost(wrong: string[], allowed: number, message: string): void {
  expect(wrong.length, message).toBeLessThanOrEqual(allowed);
}
const PARSE_RUNS = 2000;
const PLAN_RUNS = 700;

// ---------------------------------------------------------------- the world's entities

type Target = { kind: 'session'; name: string } | { kind: 'folder'; name: string } | { kind: 'file'; folder: string; path: string };

const SESSIONS = ['train-job-1', 'notebook-old'];
const FOLDERS = ['datasets', 'api_helper', 'models'];
const FILES: Array<{ folder: string; path: string }> = [
  { folder: 'datasets', path: 'mnist' },
  { folder: 'datasets', path: 'cifar10' },
  { folder: 'api_helper', path: 'server.py' },
  { folder: 'api_helper', path: 'requirements.txt' },
  { folder: 'models', path: 'llama-3-8b' },
];
const FOLDER_IDS: Record<string, string> = {
  api_helper: 'aaaaaaaa-0000-4000-8000-000000000001',
  datasets: 'aaaaaaaa-0000-4000-8000-000000000002',
  models: 'aaaaaaaa-0000-4000-8000-000000000003',
};
const SESSION_IDS: Record<string, string> = {
  'train-job-1': '11111111-1111-4111-8111-111111111111',
  'notebook-old': '22222222-2222-4222-8222-222222222222',
};

const targetArb: fc.Arbitrary<Target> = fc.oneof(
  fc.constantFrom(...SESSIONS).map((name): Target => ({ kind: 'session', name })),
  fc.constantFrom(...FOLDERS).map((name): Target => ({ kind: 'folder', name })),
  fc.constantFrom(...FILES).map((f): Target => ({ kind: 'file', ...f })),
);

/** The entity a distractor names: a session, a folder, or a file (its own folder stays out of it). */
type Entity = Target;
const entityName = (e: Entity): string => (e.kind === 'file' ? `${e.folder}/${e.path}` : e.name);

// ---------------------------------------------------------------- wording

type Lang = 'en' | 'ko';

/** How a user names the entity, in each language. Korean forms carry their object particle when they need one. */
function refs(t: Target, lang: Lang): string[] {
  if (lang === 'en') {
    switch (t.kind) {
      case 'session':
        return [t.name, `the ${t.name} session`, `my ${t.name} session`, `session ${t.name}`, `the session called ${t.name}`, `my session ${t.name}`, `${t.name} session`];
      case 'folder':
        return [`the ${t.name} folder`, `my ${t.name} folder`, `my ${t.name}`, `folder ${t.name}`, t.name, `the vfolder ${t.name}`, `the folder named ${t.name}`, `the ${t.name} vfolder`];
      case 'file':
        return [
          `the file ${t.path} in ${t.folder}`,
          `${t.path} from ${t.folder}`,
          `${t.path} from the ${t.folder} folder`,
          `${t.path} in the ${t.folder} folder`,
          `${t.folder}/${t.path}`,
          `${t.path} inside ${t.folder}`,
          `${t.path} out of my ${t.folder} folder`,
          `the ${t.path} ${t.path.includes('.') ? 'file' : 'directory'} in my ${t.folder} folder`,
        ];
    }
  }
  switch (t.kind) {
    case 'session':
      return [t.name, `${t.name} 세션`, `${t.name} 세션을`, `${t.name}를`, `${t.name} 세션 좀`];
    case 'folder':
      return [`${t.name} 폴더`, `${t.name} 폴더를`, `${t.name} 폴더 좀`, `${t.name}를`, `${t.name} vfolder`];
    case 'file':
      return [`${t.folder}에서 ${t.path}`, `${t.folder} 폴더에서 ${t.path}`, `${t.folder} 폴더의 ${t.path}를`, `${t.folder}/${t.path}`, `${t.folder} 폴더 안의 ${t.path}`, `${t.folder} 폴더에 있는 ${t.path} 파일`];
  }
}

interface Verb {
  text: string;
  kinds: ReadonlyArray<Target['kind']>;
  /** a permanent delete: the folder may be purged from the trash bin as well */
  purge?: boolean;
}

const ALL = ['session', 'folder', 'file'] as const;
const EN_VERBS: Verb[] = [
  { text: 'delete', kinds: ALL },
  { text: 'remove', kinds: ALL },
  { text: 'get rid of', kinds: ALL },
  { text: 'nuke', kinds: ALL },
  { text: 'trash', kinds: ['folder', 'file'] },
  { text: 'wipe', kinds: ['folder'] },
  { text: 'erase', kinds: ['folder', 'file'] },
  { text: 'purge', kinds: ['folder'], purge: true },
  { text: 'permanently delete', kinds: ['folder'], purge: true },
  { text: 'kill', kinds: ['session'] },
  { text: 'terminate', kinds: ['session'] },
  { text: 'shut down', kinds: ['session'] },
  { text: 'stop', kinds: ['session'] },
  { text: 'destroy', kinds: ['session'] },
  { text: 'end', kinds: ['session'] },
];
/** Korean verb stems in the informal imperative; a politeness ending is added after them. */
const KO_VERBS: Verb[] = [
  { text: '삭제해', kinds: ALL },
  { text: '지워', kinds: ALL },
  { text: '없애', kinds: ALL },
  { text: '종료해', kinds: ['session'] },
  { text: '꺼', kinds: ['session'] },
  { text: '끝내', kinds: ['session'] },
  { text: '휴지통으로 보내', kinds: ['folder'] },
  { text: '영구 삭제해', kinds: ['folder'], purge: true },
  { text: 'delete 해', kinds: ALL },
  { text: 'kill 해', kinds: ['session'] },
];
const EN_PRE = ['', '', 'pls ', 'please ', 'could you ', 'can you please ', 'hey, ', 'I need you to ', 'go ahead and ', 'ok now ', 'Please '];
const EN_POST = ['', '', '', ' pls', ' please', ' when you get a chance', ', thanks', ' thx', ' asap', '.', '!', ' for me'];
const KO_PRE = ['', '', '혹시 ', '시간 될 때 ', '부탁인데 ', '음 ', '저기 '];
const KO_POLITE = ['', ' 줘', '줘', ' 주세요', '주세요', ' 줄래?', '줘요', ' 주실래요?'];
const KO_POST = ['', '', '.', ' 부탁해요', ' ㅎㅎ', '!'];

/** The Korean topic particle: 은 after a final consonant (세션), 는 after a vowel (폴더) or a Latin name. */
const topic = (ref: string): string => `${ref}${ref.endsWith('세션') ? '은' : '는'}`;

const enQuestionVerbs = ['delete', 'remove', 'kill', 'terminate', 'shut down', 'get rid of', 'trash', 'wipe', 'stop'];
const EN_QUESTIONS = [
  (v: string, r: string) => `can I ${v} ${r}?`,
  (v: string, r: string) => `is it safe to ${v} ${r}?`,
  (v: string, r: string) => `should I ${v} ${r}?`,
  (v: string, r: string) => `what happens if I ${v} ${r}?`,
  (v: string, r: string) => `would it be ok to ${v} ${r}?`,
  (v: string, r: string) => `am I allowed to ${v} ${r}?`,
  (v: string, r: string) => `is it possible to ${v} ${r}?`,
];
const KO_QUESTIONS = [
  (r: string) => `${r} 지워도 돼?`,
  (r: string) => `${r} 삭제해도 될까?`,
  (r: string) => `${r} 삭제해도 되나요?`,
  (r: string) => `${r} 없애도 괜찮아?`,
  (r: string) => `${r} 지우면 어떻게 돼?`,
  (r: string) => `${r} 종료해도 돼?`,
  (r: string) => `${r} 꺼도 되나요?`,
];
const EN_DONTS = [
  (r: string) => `don't delete ${r}`,
  (r: string) => `please do not remove ${r}`,
  (r: string) => `never kill ${r}`,
  (r: string) => `leave ${r} alone`,
  (r: string) => `do not touch ${r}`,
  (r: string) => `don't terminate ${r}, it's still needed`,
];
const KO_DONTS = [(r: string) => `${r} 지우지 마`, (r: string) => `${r} 삭제하지 마세요`, (r: string) => `${r} 종료하지 마`, (r: string) => `${r} 건드리지 마`, (r: string) => `${topic(r)} 절대 지우면 안 돼`];

/** Korean reference without the object particle (for "X는 …" topics and prohibitions). */
const bareKo = (t: Entity): string[] =>
  t.kind === 'session' ? [t.name, `${t.name} 세션`] : t.kind === 'folder' ? [`${t.name} 폴더`, t.name] : [`${t.folder}/${t.path}`, `${t.folder} 폴더의 ${t.path}`];
/** English reference for a distractor (same forms as targets, without possessive filler that reads as a command). */
const enRef = (t: Entity): string[] => refs(t, 'en');

/** Context (never a target) that names another entity, wrapped around the request. */
function enContext(d: Entity, ref: string, req: string): string[] {
  const common = [`${req} — I already backed up ${ref}`, `I'm done with it, ${req}; I still use ${ref}`, `I still need ${ref} for training, so ${req}`];
  if (d.kind === 'session') return [...common, `${d.name} is still running, so ${req}`, `${d.name} is still training, ${req}`, `since ${ref} is busy, ${req}`, `I only need ${ref} now, so ${req}`];
  if (d.kind === 'folder') return [...common, `${ref} has everything I need, so ${req}`, `now that ${ref} has a copy of it, ${req}`];
  return [...common, `${ref} is the only one I use, so ${req}`];
}
function koContext(d: Entity, ref: string, req: string): string[] {
  if (d.kind === 'session') return [`${topic(ref)} 아직 돌아가고 있으니까 ${req}`, `${topic(ref)} 계속 쓸 거라서 ${req}`, `${ref}만 남기고 ${req}`];
  if (d.kind === 'folder') return [`${topic(ref)} 계속 쓸 거니까 ${req}`, `${ref}에 백업해 뒀으니까 ${req}`, `${topic(ref)} 그대로 두고 ${req}`];
  return [`${topic(ref)} 계속 쓸 거니까 ${req}`, `${topic(ref)} 그대로 두고 ${req}`];
}
/** A prohibition about another entity, around the request. */
function enProhibit(ref: string, req: string): string[] {
  return [`${req} but don't touch ${ref}`, `${req}, but leave ${ref} alone`, `${req} and do not delete ${ref}`, `${req} — keep ${ref}`, `${req}. Do NOT remove ${ref}!`, `don't touch ${ref}, just ${req}`];
}
function koProhibit(ref: string, req: string): string[] {
  return [`${req}, ${topic(ref)} 건드리지 마`, `${topic(ref)} 남겨두고 ${req}`, `${req}. ${topic(ref)} 지우지 마세요`, `${topic(ref)} 빼고 ${req}`, `${req} ${topic(ref)} 절대 건드리면 안 돼`];
}

// ---------------------------------------------------------------- cases

type Form = 'request' | 'context' | 'prohibit' | 'file-keeps-folder' | 'question' | 'dont';
interface Case {
  text: string;
  form: Form;
  lang: Lang;
  /** the entity the request asks to change; none for a question or a bare prohibition */
  target?: Target;
  purge: boolean;
  /** names that must never be written to */
  distractors: string[];
}

const pick = <T,>(xs: readonly T[]): fc.Arbitrary<T> => fc.constantFrom(...xs);

/** A plain request on `t` in `lang`: verb, reference, politeness and filler. */
const requestArb = (t: Target, lang: Lang): fc.Arbitrary<{ text: string; purge: boolean }> => {
  const verbs = (lang === 'en' ? EN_VERBS : KO_VERBS).filter((v) => v.kinds.includes(t.kind));
  if (lang === 'en')
    return fc
      .tuple(pick(EN_PRE), pick(verbs), pick(refs(t, 'en')), pick(EN_POST))
      .map(([pre, v, r, post]) => ({ text: `${pre}${v.text} ${r}${post}`, purge: Boolean(v.purge) }));
  return fc
    .tuple(pick(KO_PRE), pick(refs(t, 'ko')), pick(verbs), pick(KO_POLITE), pick(KO_POST))
    .map(([pre, r, v, pol, post]) => ({ text: `${pre}${r} ${v.text}${pol}${post}`, purge: Boolean(v.purge) }));
};

/**
 * Another entity than `t`, never one that contains it or that it contains (a sibling file in the
 * same folder is one: "remove mnist from datasets but keep cifar10"; the file's own folder is
 * covered by 'file-keeps-folder').
 */
const otherEntity = (t: Target): fc.Arbitrary<Entity> => {
  const all: Entity[] = [
    ...SESSIONS.map((name): Entity => ({ kind: 'session', name })),
    ...FOLDERS.map((name): Entity => ({ kind: 'folder', name })),
    ...FILES.map((f): Entity => ({ kind: 'file', ...f })),
  ];
  const contains = (outer: Entity, inner: Entity): boolean => outer.kind === 'folder' && inner.kind === 'file' && inner.folder === outer.name;
  return pick(all.filter((e) => entityName(e) !== entityName(t) && !contains(e, t) && !contains(t, e)));
};
/**
 * The names a distractor protects: a session or folder by name, a file by folder/path and — unless
 * the request's own target lives in the same folder — its folder too (deleting the folder deletes the file).
 */
const distractorKeys = (d: Entity, t?: Target): string[] =>
  d.kind !== 'file' ? [d.name] : t?.kind === 'file' && t.folder === d.folder ? [entityName(d)] : [entityName(d), d.folder];

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(targetArb, pick<Lang>(['en', 'en', 'ko']), pick<Form>(['request', 'request', 'context', 'prohibit', 'prohibit', 'file-keeps-folder', 'question', 'dont']))
  .chain(([t, lang, form]): fc.Arbitrary<Case> => {
    const req = requestArb(t, lang);
    switch (form) {
      case 'request':
        return req.map((r) => ({ text: r.text, form, lang, target: t, purge: r.purge, distractors: [] }));
      case 'context':
      case 'prohibit':
        return fc.tuple(req, otherEntity(t)).chain(([r, d]) =>
          pick(lang === 'en' ? enRef(d) : bareKo(d)).chain((ref) =>
            pick(form === 'context' ? (lang === 'en' ? enContext(d, ref, r.text) : koContext(d, ref, r.text)) : lang === 'en' ? enProhibit(ref, r.text) : koProhibit(ref, r.text)).map(
              (text): Case => ({ text, form, lang, target: t, purge: r.purge, distractors: distractorKeys(d, t) }),
            ),
          ),
        );
      case 'file-keeps-folder': {
        // a file inside a folder, sometimes with the folder itself explicitly kept
        const file: fc.Arbitrary<Target> = t.kind === 'file' ? fc.constant(t) : pick(FILES).map((f): Target => ({ kind: 'file', ...f }));
        return file.chain((f) =>
          fc.tuple(requestArb(f, lang), fc.boolean()).chain(([r, keep]) => {
            const folder = (f as { folder: string }).folder;
            if (!keep) return fc.constant<Case>({ text: r.text, form, lang, target: f, purge: false, distractors: [folder] });
            const kept = lang === 'en' ? [`${r.text}, but keep the ${folder} folder itself`, `${r.text} (not the whole ${folder} folder)`] : [`${r.text}, ${folder} 폴더 자체는 지우지 마`, `${folder} 폴더는 두고 ${r.text}`];
            return pick(kept).map((text): Case => ({ text, form, lang, target: f, purge: false, distractors: [folder] }));
          }),
        );
      }
      case 'question':
        return pick(refs(t, lang)).chain((r) =>
          lang === 'en'
            ? fc.tuple(pick(EN_QUESTIONS), pick(enQuestionVerbs)).map(([q, v]): Case => ({ text: q(v, r), form, lang, purge: false, distractors: distractorKeys(t) }))
            : pick(KO_QUESTIONS).chain((q) => pick(bareKo(t)).map((b): Case => ({ text: q(b), form, lang, purge: false, distractors: distractorKeys(t) }))),
        );
      case 'dont':
        return lang === 'en'
          ? fc.tuple(pick(EN_DONTS), pick(refs(t, 'en'))).map(([d, r]): Case => ({ text: d(r), form, lang, purge: false, distractors: distractorKeys(t) }))
          : fc.tuple(pick(KO_DONTS), pick(bareKo(t))).map(([d, r]): Case => ({ text: d(r), form, lang, purge: false, distractors: distractorKeys(t) }));
    }
  });

/** Distinct cases from a fixed seed (the same wording twice checks nothing new). */
function sampleCases(n: number, seed: number): Case[] {
  const seen = new Set<string>();
  const out: Case[] = [];
  for (const c of fc.sample(caseArb, { numRuns: n * 3, seed })) {
    if (seen.has(c.text)) continue;
    seen.add(c.text);
    out.push(c);
    if (out.length === n) break;
  }
  return out;
}

// ---------------------------------------------------------------- checks

const norm = (p: string): string => p.replace(/^\/+|\/+$/g, '');
const describeTarget = (t?: Target): string => (t ? `${t.kind} ${entityName(t)}` : 'nothing');

/** Planner level: what is wrong with the writes this plan holds (empty: nothing). */
function planProblems(c: Case, doc: PlanDocument): string[] {
  const problems: string[] = [];
  const writes = doc.steps.filter((s) => s.effect === 'write');
  for (const s of writes) {
    const name = (s.pathParams as Record<string, unknown>).name ?? (s.pathParams as Record<string, unknown>).session_name;
    const body = (s.body ?? {}) as Record<string, unknown>;
    const what = `${s.operationId} ${JSON.stringify(s.pathParams)} ${JSON.stringify(s.body ?? {})}`;
    const t = c.target;
    if (!t) {
      problems.push(`wrote ${what}`);
      continue;
    }
    let ok = false;
    if (t.kind === 'session') ok = s.operationId === 'session.destroy' && (name === t.name || name === SESSION_IDS[t.name]);
    if (t.kind === 'folder') {
      const id = String(body.vfolderId ?? body.id ?? '');
      ok =
        (s.operationId === 'folders.delete_by_name' && name === t.name) ||
        (s.operationId === 'folders.delete_by_id' && id === FOLDER_IDS[t.name]) ||
        (c.purge && s.operationId === 'folders.delete_from_trash_bin' && id === FOLDER_IDS[t.name]);
    }
    if (t.kind === 'file') {
      const files = Array.isArray(body.files) ? (body.files as unknown[]).map((f) => norm(String(f))) : [];
      ok = s.operationId === 'folders.delete_files' && name === t.folder && files.length === 1 && files[0] === t.path;
    }
    if (!ok) problems.push(`wrote ${what}`);
  }
  return problems;
}

/**
 * The world names a write intent would act on: session and folder names, and `folder/path` for
 * files (a path given as `folder/path` with no folder names its folder itself). `<all>` for a bulk target.
 */
function intentTargets(i: Intent): string[] {
  const out: string[] = [];
  const rec = i as unknown as Record<string, unknown>;
  const target = rec.target as { names?: string[]; all?: boolean; allOfWhat?: boolean } | undefined;
  if (target?.names) out.push(...target.names);
  if (target?.all || target?.allOfWhat || rec.bulk) out.push('<all>');
  if (i.kind === 'folder.delete_files' || i.kind === 'folder.rename_file' || i.kind === 'folder.move_file' || i.kind === 'folder.download') {
    for (const p of i.paths) out.push(i.name ? `${i.name}/${norm(p)}` : norm(p));
    if (i.name) out.push(i.name);
  } else if (typeof rec.name === 'string') out.push(rec.name);
  return out;
}

const WORLD_NAMES = new Set([...SESSIONS, ...FOLDERS]);
/** the change each target asks for; the parser may leave a bare name's kind to the planner ("delete api_helper" reads as a session the planner finds is a folder) */
const INTENDED_KINDS: Record<Target['kind'], string[]> = {
  session: ['session.destroy', 'folder.delete', 'folder.purge'],
  folder: ['session.destroy', 'folder.delete', 'folder.purge'],
  file: ['folder.delete_files'],
};

/**
 * Parse level: what is wrong with the write intents the parser read (empty: nothing). Cheaper and
 * blunter than the planner level, so it only flags what the planner could not put right: a write
 * of another kind, a write naming a distractor or (for a file) the folder as a whole, a bulk
 * target, or a file path other than the one asked (paths are not checked against the folder before
 * a delete). An unknown name is not flagged: the planner asks about it.
 */
function parseProblems(c: Case): string[] {
  const parsed = parseRequest(c.text);
  const problems: string[] = [];
  const t = c.target;
  for (const p of parsed.intents) {
    if (READ_INTENTS.has(p.intent.kind)) continue;
    const what = `${p.intent.kind} ${JSON.stringify(p.intent)}`;
    const names = intentTargets(p.intent);
    if (!t) {
      // a question or a prohibition: no write at all on what it names
      if (names.some((n) => c.distractors.includes(n) || n === '<all>')) problems.push(`read a write: ${what}`);
      continue;
    }
    if (!INTENDED_KINDS[t.kind].includes(p.intent.kind)) {
      problems.push(`read another write: ${what}`);
      continue;
    }
    // deleting files inside the target file's own folder is not deleting that folder: the path check below decides
    const guarded = c.distractors.filter((n) => !(t.kind === 'file' && n === t.folder && p.intent.kind === 'folder.delete_files'));
    if (names.some((n) => guarded.includes(n) || n === '<all>')) problems.push(`read a write on a distractor: ${what}`);
    else if (t.kind === 'file' && p.intent.kind === 'folder.delete_files') {
      // in the intended folder (or an unknown one, which the planner asks about), only the intended path
      const i = p.intent;
      const inFolder = i.name === t.folder || (i.name === undefined && i.paths.every((x) => norm(x).startsWith(`${t.folder}/`)));
      const wanted = i.name === undefined ? `${t.folder}/${t.path}` : t.path;
      if (inFolder && !i.paths.every((x) => norm(x) === wanted)) problems.push(`read a wrong file: ${what}`);
      else if (!inFolder && i.name !== undefined && WORLD_NAMES.has(i.name)) problems.push(`read a write on another folder: ${what}`);
    } else if (t.kind !== 'file' && names.some((n) => n !== t.name && WORLD_NAMES.has(n))) problems.push(`read a write on another entity: ${what}`);
  }
  return problems;
}

const report = (level: string, seed: number, failures: Array<{ c: Case; problems: string[] }>, total: number): string =>
  `${failures.length} of ${total} ${level} cases wrong (sampled with seed ${seed}; rerun with DESTRUCTIVE_SEED=${SEED}):\n` +
  failures.map(({ c, problems }) => `  [${c.form}/${c.lang}] ${JSON.stringify(c.text)} — intended: ${describeTarget(c.target)}\n      ${problems.join('\n      ')}`).join('\n');

// ---------------------------------------------------------------- the generator itself

describe('the wording generator', () => {
  it('covers every form and language, and names targets and distractors from the contract world', () => {
    const cases = sampleCases(PARSE_RUNS, SEED);
    expect(cases.length).toBe(PARSE_RUNS);
    const forms = new Set(cases.map((c) => `${c.form}/${c.lang}`));
    for (const f of ['request', 'context', 'prohibit', 'file-keeps-folder', 'question', 'dont']) for (const l of ['en', 'ko']) expect(forms).toContain(`${f}/${l}`);
    const world = new Set([...SESSIONS, ...FOLDERS, ...FILES.map((f) => `${f.folder}/${f.path}`)]);
    for (const c of cases) {
      if (c.target) expect(world).toContain(entityName(c.target));
      for (const d of c.distractors) expect(world).toContain(d);
      if (c.target) expect(c.distractors).not.toContain(entityName(c.target));
    }
  });
});

// ---------------------------------------------------------------- the two levels

describe('the offline planner never plans a write on the wrong target', () => {
  const planOf = useSandboxPlanner('destructive-targets');

  it(`parse level: ${PARSE_RUNS} wordings screened by the parser; every misreading it flags is planned, and the plan must not write it`, async () => {
    // The parser is cheap, so it reads many wordings; what it misreads (a write of another kind, on a
    // distractor, on the folder of a file, on other files) the planner's own checks usually turn into a
    // question, so only a misreading the planner then plans is a failure. The misreadings it rescues are
    // counted, for whoever works on the parser.
    const cases = sampleCases(PARSE_RUNS, SEED);
    const flagged = cases.map((c) => ({ c, problems: parseProblems(c) })).filter((f) => f.problems.length > 0);
    const failures: Array<{ c: Case; problems: string[] }> = [];
    for (const f of flagged) {
      const problems = planProblems(f.c, await planOf(f.c.text));
      if (problems.length) failures.push({ c: f.c, problems: [...f.problems.map((p) => `parse: ${p}`), ...problems.map((p) => `plan: ${p}`)] });
    }
    console.log(`parse level, seed ${SEED}: ${cases.length} wordings — the parser misread ${flagged.length}, the planner wrote ${failures.length} of those`);
    if (failures.length) console.log(report('parse-level', SEED, failures, cases.length));
    expectAtMost(failures.map((f) => f.c.text), KNOWN_WRONG.parse, report('parse-level', SEED, failures, cases.length));
  }, 240_000);

  it(`planner level: ${PLAN_RUNS} wordings, each planned against a fresh sandbox`, async () => {
    // a different stream than the parse level's, so the two levels see different wordings
    const cases = sampleCases(PLAN_RUNS, SEED + 1);
    const failures: Array<{ c: Case; problems: string[] }> = [];
    // how each request ended, to see how often a request is done rather than asked about (not asserted)
    const tally = { request: { wrote: 0, asked: 0, noWrite: 0 }, 'question/prohibition': { wrote: 0, asked: 0, noWrite: 0 } };
    for (const c of cases) {
      const doc = await planOf(c.text);
      const problems = planProblems(c, doc);
      if (problems.length) failures.push({ c, problems });
      const outcome = doc.steps.some((s) => s.effect === 'write') ? 'wrote' : doc.outcome === 'needs_clarification' ? 'asked' : 'noWrite';
      tally[c.target ? 'request' : 'question/prohibition'][outcome] += 1;
    }
    console.log(`planner level, seed ${SEED + 1}: ${cases.length} wordings — ${JSON.stringify(tally)}; ${failures.length} wrote something wrong`);
    if (failures.length) console.log(report('planner-level', SEED + 1, failures, cases.length));
    expectAtMost(failures.map((f) => f.c.text), KNOWN_WRONG.planner, report('planner-level', SEED + 1, failures, cases.length));
  }, 240_000);
});
