/**
 * Command lines in the Backend.AI CLI's words (`vfolder create NAME HOST`, `session destroy X`,
 * `service scale X 2`) and in a shell's (`mkdir folder/dir`, `rm folder/file`, `mv a b`, `ls`).
 * Each rule is a named record: the words that start it, how its positional arguments and flags
 * become `key=value` arguments (keys.ts), and the task they make. Command names and flags follow
 * the real CLI (src/ai/backend/client/cli/{vfolder,service}.py, session/{lifecycle,args}.py);
 * every command also takes `key=value` pairs and `--key value` for any key of the vocabulary.
 */
import type { IntentKind } from '../../intents.js';
import { problem, type Problem } from './keys.js';

/** One argument for the task: a key of the vocabulary (or an environment variable) and its raw value. */
export interface Arg {
  key: string;
  value: string;
}

export interface FlagSpec {
  /** the key the flag sets */
  key: string;
  /** a flag that takes no value sets this one */
  set?: string;
  /** `-r cpu=2`, `--resource-opts shmem=8g`: the value is itself `key=value` */
  nested?: boolean;
  /** a flag of the real CLI that bai-agent cannot honour: said, never silently dropped */
  unsupported?: string;
  /** a flag that changes nothing here (e.g. `rm -f`: bai-agent asks before deleting either way) */
  ignored?: true;
}

/** Positional words (unquoted) → arguments; `undefined` when the words do not fit (then the line is read as a sentence). */
export type Positionals = (words: string[]) => Arg[] | Problem | undefined;

export interface CommandRule {
  name: string;
  doc: string;
  examples: string[];
  /** the words that start the command (aliases included) */
  heads: string[];
  /** heads that are English verbs (kill, start, restart): after them the arguments must look like names or paths, or the line is a sentence */
  verbHeads?: string[];
  positionals: Positionals;
  flags: Record<string, FlagSpec>;
  /** the task; may depend on the arguments (`mkdir NAME` creates a folder, `mkdir NAME/dir` a directory) */
  kind: IntentKind | ((args: Arg[]) => IntentKind | Problem);
  /** one task per value of this key (`vfolder mkdir F a b` makes two directories) */
  eachOf?: string;
  /** arguments a head says by itself (`batch session` is type=batch) */
  headArgs?: Record<string, Arg[]>;
  /** `A -> B`: the words before and after the arrow as arguments; undefined when they do not fit */
  arrow?: (left: string[], right: string[]) => Arg[] | Problem | undefined;
  /** heads that are commands only with an arrow (`clone a -> b`; `clone the folder` is a sentence) */
  arrowOnly?: string[];
  /** heads that are commands only with a key=value or an option after them (`batch` alone creates nothing) */
  pairsOnly?: string[];
}

/** `A -> B` (also → and =>): from A to B — the new name of a rename or a clone, the folder an invitation is for. */
export const ARROWS = new Set(['->', '→', '=>', '-->']);

/** `SOURCE -> NEW`: at most one source (absent: the planner asks which), exactly one new name. */
const sourceToNew =
  (sourceKey: string): NonNullable<CommandRule['arrow']> =>
  (left, right) =>
    left.length <= 1 && right.length === 1 ? [...left.map((value) => ({ key: sourceKey, value })), { key: 'new_name', value: right[0]! }] : undefined;

// ------------------------------------------------------------------ positional shapes

/**
 * Positionals by name, in order: `key` (one, may be absent: the planner asks), `key?` (optional),
 * `key*` (the rest). More words than the shape holds: not this command.
 */
function named(...spec: string[]): Positionals {
  return (words) => {
    const args: Arg[] = [];
    let i = 0;
    for (const s of spec) {
      const key = s.replace(/[?*]$/, '');
      if (s.endsWith('*')) {
        while (i < words.length) args.push({ key, value: words[i++]! });
      } else if (i < words.length) args.push({ key, value: words[i++]! });
    }
    return i < words.length ? undefined : args;
  };
}

/** `FOLDER/PATH …` or `FOLDER PATH …`: one folder and the paths inside it. */
/** `datasets:/raw/2024` (a folder and a path in it, as mounts are written) is `datasets/raw/2024`. */
const folderColonPath = (w: string): string => w.replace(/^([\w.-]+):\/+(?=\S)/, '$1/');

function folderAndPaths(pathKey: string, opts: { required?: boolean } = {}): Positionals {
  return (written) => {
    const words = written.map(folderColonPath);
    if (words.length === 0) return [];
    const first = words[0]!;
    if (first.includes('/') && !first.startsWith('/')) {
      const split = words.map((w) => splitFolderPath(w));
      const folder = split[0]!.folder;
      if (split.some((s) => s.folder !== folder || !s.path)) {
        return problem(`${words.join(' ')}: give paths inside one folder, as FOLDER/PATH (or FOLDER PATH …)`);
      }
      return [{ key: 'folder', value: folder }, ...split.map((s) => ({ key: pathKey, value: s.path }))];
    }
    const rest = words.slice(1);
    if (opts.required && rest.length === 0) return [{ key: 'folder', value: first }];
    return [{ key: 'folder', value: first }, ...rest.map((value) => ({ key: pathKey, value }))];
  };
}

function splitFolderPath(word: string): { folder: string; path: string } {
  const at = word.indexOf('/');
  return { folder: word.slice(0, at), path: word.slice(at + 1).replace(/\/+$/, '') };
}

const isPath = (w: string): boolean => w.includes('/') && !w.startsWith('/') && !/^[\w.-]+:\/*$/.test(w);

// ------------------------------------------------------------------ flags shared by several commands

/** `backend.ai session create` / `start` (session/args.py and lifecycle.py). */
const SESSION_CREATE_FLAGS: Record<string, FlagSpec> = {
  '-t': { key: 'name' },
  '--name': { key: 'name' },
  '--client-token': { key: 'name' },
  '--type': { key: 'type' },
  '-c': { key: 'cmd' },
  '--startup-command': { key: 'cmd' },
  '--timeout': { key: 'timeout' },
  '--batch-timeout': { key: 'timeout' },
  '-e': { key: 'env' },
  '--env': { key: 'env' },
  '-v': { key: 'mount' },
  '--volume': { key: 'mount' },
  '-m': { key: 'mount' },
  '--mount': { key: 'mount' },
  '--scaling-group': { key: 'sg' },
  '--sgroup': { key: 'sg' },
  '-r': { key: 'resources', nested: true },
  '--resources': { key: 'resources', nested: true },
  '--resource-opts': { key: 'resource_opts', nested: true },
  '--cluster-size': { key: 'cluster_size' },
  '--cluster-mode': { key: 'cluster_mode' },
  '-g': { key: 'project' },
  '--group': { key: 'project' },
  '--tag': { key: 'tag' },
  '--starts-at': { key: 'starts_at' },
  '--depends': { key: 'depends' },
  '--bootstrap-script': { key: 'bootstrap', unsupported: 'reads a local file, which bai-agent does not upload: write the script itself as bootstrap="…"' },
  '--owner': { key: 'owner', unsupported: 'acts for another user: bai-agent creates sessions as you' },
  '-o': { key: 'owner', unsupported: 'acts for another user: bai-agent creates sessions as you' },
  '--owner-access-key': { key: 'owner', unsupported: 'acts for another user: bai-agent creates sessions as you' },
  '--enqueue-only': { key: 'enqueue', set: 'true', unsupported: 'changes how the session is waited for: bai-agent waits until it is RUNNING' },
};

/** Nested `-r KEY=VALUE` resource keys (the CLI's slot names) and `--resource-opts` keys. */
const NESTED_KEYS: Record<string, Record<string, string>> = {
  resources: { cpu: 'cpu', mem: 'mem', memory: 'mem', gpu: 'gpu', 'cuda.device': 'gpu', 'cuda.shares': 'fgpu', fgpu: 'fgpu' },
  resource_opts: { shmem: 'shmem' },
};

/** Read a nested flag value (`cpu=2`) into an argument of the vocabulary. */
export function nestedArg(flag: string, group: string, value: string): Arg | Problem {
  const eq = value.indexOf('=');
  const key = eq > 0 ? value.slice(0, eq).trim().toLowerCase() : '';
  const mapped = NESTED_KEYS[group]?.[key];
  if (!mapped) {
    const known = Object.keys(NESTED_KEYS[group] ?? {}).join(', ');
    return problem(`${flag} ${value}: expected KEY=VALUE with KEY one of ${known}`);
  }
  return { key: mapped, value: value.slice(eq + 1) };
}

const PARENTS_FLAGS: Record<string, FlagSpec> = {
  // directories are always made with their parents
  '-p': { key: 'parents', ignored: true },
  '--parents': { key: 'parents', ignored: true },
  '-e': { key: 'exist_ok', unsupported: 'accepts a directory that exists already' },
  '--exist-ok': { key: 'exist_ok', unsupported: 'accepts a directory that exists already' },
};

// ------------------------------------------------------------------ the rules

const onlyIf =
  (kind: IntentKind, when: (args: Arg[]) => boolean, otherwise: IntentKind) =>
  (args: Arg[]): IntentKind =>
    when(args) ? kind : otherwise;

export const COMMANDS: CommandRule[] = [
  // ---- folders (backend.ai vfolder …)
  {
    name: 'vfolder-list',
    doc: 'list your folders, or the files in one: vfolder ls [NAME [PATH]] (or NAME/PATH)',
    examples: ['vfolder list', 'vfolder ls', 'vfolder ls datasets', 'vfolder ls datasets/mnist', 'vfolder files datasets mnist'],
    heads: ['vfolder list', 'vfolder list-own', 'folder list', 'vfolder ls', 'folder ls', 'ls folders', 'ls vfolders', 'vfolder files', 'folder files'],
    positionals: folderAndPaths('path'),
    flags: {},
    kind: onlyIf('folder.files', (a) => a.length > 0, 'folder.list'),
  },
  {
    name: 'vfolder-create',
    doc: 'create a folder: vfolder create NAME [HOST]',
    examples: ['vfolder create exp1 local:volume1', 'vfolder create exp1 --host local:volume1 -m model -p ro --cloneable', 'create folder name=exp1 usage=data', 'mkvf exp1 type=data'],
    heads: ['vfolder create', 'folder create', 'vfolder new', 'create folder', 'create vfolder', 'new folder', 'new vfolder', 'mkvf', 'mkvfolder'],
    positionals: named('name', 'host?'),
    flags: {
      '--host': { key: 'host' },
      '-g': { key: 'project' },
      '--group': { key: 'project' },
      '-m': { key: 'usage' },
      '--usage-mode': { key: 'usage' },
      '-p': { key: 'perm' },
      '--permission': { key: 'perm' },
      '--cloneable': { key: 'cloneable', set: 'true' },
      '--allow-clone': { key: 'cloneable', set: 'true' },
      '--unmanaged-path': { key: 'unmanaged', unsupported: 'maps a host path (admins only)' },
    },
    kind: 'folder.create',
  },
  {
    name: 'vfolder-delete',
    doc: 'move a folder to the trash: vfolder delete NAME',
    examples: ['vfolder delete old-runs'],
    heads: ['vfolder delete', 'vfolder trash', 'folder delete', 'delete folder', 'delete vfolder'],
    positionals: named('folder'),
    flags: {},
    kind: 'folder.delete',
  },
  {
    name: 'vfolder-purge',
    doc: 'delete a folder for good (from the trash): vfolder purge NAME',
    examples: ['vfolder purge old-runs', 'vfolder delete-trash old-runs'],
    heads: ['vfolder purge', 'vfolder delete-trash', 'folder purge'],
    positionals: named('folder'),
    flags: {},
    kind: 'folder.purge',
  },
  {
    name: 'vfolder-restore',
    doc: 'restore a folder from the trash: vfolder restore NAME',
    examples: ['vfolder recover old-runs'],
    heads: ['vfolder restore', 'vfolder recover', 'folder restore'],
    positionals: named('folder'),
    flags: {},
    kind: 'folder.restore',
  },
  {
    name: 'vfolder-rename',
    doc: 'rename a folder: vfolder rename OLD NEW',
    examples: ['vfolder rename exp1 exp2', 'ren vfolder exp1 -> exp2'],
    heads: ['vfolder rename', 'folder rename', 'ren vfolder', 'ren folder', 'rename vfolder', 'vfolder ren'],
    arrowOnly: ['rename vfolder'],
    positionals: named('folder', 'new_name'),
    arrow: sourceToNew('folder'),
    flags: {},
    kind: 'folder.rename',
  },
  {
    name: 'vfolder-info',
    doc: "a folder's details: vfolder info NAME",
    examples: ['vfolder info datasets'],
    heads: ['vfolder info', 'folder info', 'vfolder show'],
    positionals: named('folder'),
    flags: {},
    kind: 'folder.info',
  },
  {
    name: 'vfolder-mkdir',
    doc: 'make directories in a folder: vfolder mkdir NAME PATH… (or NAME/PATH); one task per path',
    examples: ['vfolder mkdir datasets raw', 'vfolder mkdir datasets/raw/2024 -p', 'vfolder mkdir datasets a b'],
    heads: ['vfolder mkdir', 'folder mkdir'],
    positionals: folderAndPaths('path'),
    flags: PARENTS_FLAGS,
    kind: 'folder.mkdir',
    eachOf: 'path',
  },
  {
    name: 'vfolder-rm',
    doc: 'delete files in a folder: vfolder rm NAME PATH… [-r] (or NAME/PATH); never the folder itself',
    examples: ['vfolder rm datasets old.csv', 'vfolder rm datasets/old -r'],
    heads: ['vfolder rm', 'vfolder delete-file', 'folder rm'],
    positionals: (words) => {
      const args = folderAndPaths('path')(words);
      if (Array.isArray(args) && args.length === 1) {
        return problem(`vfolder rm ${words[0]}: which files? Write vfolder rm ${words[0]} PATH… (vfolder delete ${words[0]} moves the folder itself to the trash)`);
      }
      return args;
    },
    flags: { '-r': { key: 'recursive', set: 'true' }, '--recursive': { key: 'recursive', set: 'true' } },
    kind: 'folder.delete_files',
  },
  {
    name: 'vfolder-rename-file',
    doc: 'rename a file in a folder: vfolder rename-file NAME PATH NEWNAME',
    examples: ['vfolder rename-file datasets a.csv b.csv'],
    heads: ['vfolder rename-file', 'folder rename-file'],
    positionals: named('folder', 'path', 'new_name'),
    flags: {},
    kind: 'folder.rename_file',
  },
  {
    name: 'vfolder-mv',
    doc: 'move a file inside a folder: vfolder mv NAME SRC DST',
    examples: ['vfolder mv datasets a.csv archive/a.csv'],
    heads: ['vfolder mv', 'vfolder move', 'folder mv'],
    positionals: named('folder', 'path', 'dst'),
    flags: {},
    kind: 'folder.move_file',
  },
  {
    name: 'vfolder-invite',
    doc: 'share a folder: vfolder invite NAME EMAIL… [-p ro|rw|wd] (also vfolder share)',
    examples: ['vfolder invite datasets bob@example.com -p ro', 'invite bob@example.com -> datasets perm=ro'],
    heads: ['vfolder invite', 'vfolder share', 'folder share', 'folder invite', 'invite', 'share'],
    arrowOnly: ['invite', 'share'],
    positionals: named('folder', 'email*'),
    // EMAIL… -> FOLDER
    arrow: (left, right) => (left.length > 0 && right.length === 1 ? [{ key: 'folder', value: right[0]! }, ...left.map((value) => ({ key: 'email', value: value.replace(/,$/, '') }))] : undefined),
    flags: { '-p': { key: 'perm' }, '--perm': { key: 'perm' }, '--permission': { key: 'perm' } },
    kind: 'folder.share',
  },
  {
    name: 'vfolder-invitations',
    doc: 'folder invitations sent to you',
    examples: ['vfolder invitations'],
    heads: ['vfolder invitations', 'folder invitations'],
    positionals: named(),
    flags: {},
    kind: 'folder.invitations',
  },
  {
    name: 'vfolder-leave',
    doc: 'leave a folder shared with you: vfolder leave NAME',
    examples: ['vfolder leave team-data'],
    heads: ['vfolder leave', 'folder leave'],
    positionals: named('folder'),
    flags: {},
    kind: 'folder.leave',
  },
  {
    name: 'vfolder-clone',
    doc: 'copy a folder: vfolder clone NAME TARGET',
    examples: ['vfolder clone datasets datasets-copy', 'clone datasets -> datasets-copy'],
    heads: ['vfolder clone', 'folder clone', 'clone'],
    arrowOnly: ['clone'],
    positionals: named('folder', 'new_name', 'host?'),
    arrow: sourceToNew('folder'),
    flags: { '-m': { key: 'usage', unsupported: 'sets the copy’s usage mode' }, '--usage-mode': { key: 'usage', unsupported: 'sets the copy’s usage mode' }, '-p': { key: 'perm', unsupported: 'sets the copy’s permission' }, '--permission': { key: 'perm', unsupported: 'sets the copy’s permission' } },
    kind: 'folder.clone',
  },
  {
    name: 'vfolder-update-options',
    doc: "change a folder's permission or cloneable flag: vfolder update-options NAME [-p P] [--set-cloneable BOOL]",
    examples: ['vfolder update-options datasets --set-cloneable true', 'vfolder update-options datasets -p ro'],
    heads: ['vfolder update-options', 'folder update-options', 'update-options'],
    positionals: named('folder'),
    flags: { '-p': { key: 'perm' }, '--permission': { key: 'perm' }, '--set-cloneable': { key: 'cloneable' } },
    kind: 'folder.update_options',
  },
  {
    name: 'vfolder-download',
    doc: 'download links for files: vfolder request-download NAME FILE (also vfolder download NAME FILE…)',
    examples: ['vfolder request-download datasets mnist/train.csv'],
    heads: ['vfolder request-download', 'vfolder download', 'folder download'],
    positionals: folderAndPaths('path', { required: true }),
    flags: {},
    kind: 'folder.download',
  },

  // ---- shell-like file commands: FOLDER/PATH addresses a path inside a folder; a bare NAME is a folder
  {
    name: 'shell-ls',
    doc: 'ls lists your folders; ls FOLDER[/PATH] the files in one',
    examples: ['ls', 'ls datasets', 'ls datasets/mnist'],
    heads: ['ls'],
    positionals: (words) => (words.length <= 1 ? folderAndPaths('path')(words) : undefined),
    flags: { '-l': { key: 'long', ignored: true }, '-la': { key: 'long', ignored: true }, '-al': { key: 'long', ignored: true } },
    kind: onlyIf('folder.files', (a) => a.length > 0, 'folder.list'),
  },
  {
    name: 'shell-mkdir',
    doc: 'mkdir FOLDER/DIR… makes directories (one task each); mkdir NAME creates a folder',
    examples: ['mkdir datasets/raw', 'mkdir -p datasets/raw/2024', 'mkdir exp-42'],
    heads: ['mkdir'],
    positionals: (words) => {
      if (words.length === 1 && !words[0]!.includes('/')) return [{ key: 'name', value: words[0]! }];
      // "mkdir -p runs/ckpt inside datasets" is a sentence
      return words.length > 0 && words.every(isPath) ? folderAndPaths('path')(words) : undefined;
    },
    flags: PARENTS_FLAGS,
    kind: (args) => (args.some((a) => a.key === 'folder') ? 'folder.mkdir' : 'folder.create'),
    eachOf: 'path',
  },
  {
    name: 'shell-rm',
    doc: 'rm FOLDER/PATH… deletes files inside a folder; rm NAME is a question (a folder? a session?), never a deletion',
    examples: ['rm datasets/old.csv', 'rm -r datasets/old'],
    heads: ['rm'],
    positionals: (words) => {
      if (words.length > 0 && words.every(isPath)) return folderAndPaths('path')(words);
      if (words.length === 1) {
        return problem(
          `rm ${words[0]}: rm deletes files inside a folder, written FOLDER/PATH. To delete the folder ${words[0]} itself write \`vfolder delete ${words[0]}\`; to end the session ${words[0]}, \`session destroy ${words[0]}\``,
        );
      }
      return undefined;
    },
    flags: {
      '-r': { key: 'recursive', set: 'true' },
      '-R': { key: 'recursive', set: 'true' },
      '-rf': { key: 'recursive', set: 'true' },
      '-fr': { key: 'recursive', set: 'true' },
      '--recursive': { key: 'recursive', set: 'true' },
      '-f': { key: 'force', ignored: true },
    },
    kind: 'folder.delete_files',
  },
  {
    name: 'shell-mv',
    doc: 'mv FOLDER/A FOLDER/B moves (or renames) a file inside a folder (FOLDER/DIR/ moves it into DIR); mv A B renames folder A',
    examples: ['mv datasets/a.csv datasets/archive/a.csv', 'mv datasets/a.csv datasets/archive/', 'mv exp1 exp2'],
    heads: ['mv'],
    positionals: (words) => {
      if (words.length !== 2) return undefined;
      const [a, b] = words.map(folderColonPath) as [string, string];
      if (!isPath(a) && !isPath(b)) return [{ key: 'folder', value: a }, { key: 'new_name', value: b }];
      if (isPath(a) && isPath(b) && splitFolderPath(a).folder === splitFolderPath(b).folder) {
        const from = splitFolderPath(a).path;
        // "mv F/a.csv F/archive/": into the directory, keeping the file's name (as a shell does)
        const into = b.endsWith('/') && splitFolderPath(b).path ? `${splitFolderPath(b).path}/${from.split('/').pop()}` : splitFolderPath(b).path;
        return [{ key: 'folder', value: splitFolderPath(a).folder }, { key: 'path', value: from }, { key: 'dst', value: into }];
      }
      if (isPath(a) && isPath(b)) return problem(`mv ${a} ${b}: moves stay inside one folder (mv FOLDER/A FOLDER/B)`);
      return undefined;
    },
    flags: {},
    kind: (args) => (args.some((a) => a.key === 'dst') ? 'folder.move_file' : 'folder.rename'),
  },

  // ---- sessions (backend.ai session …)
  {
    name: 'session-create',
    doc: 'create a session: session create [IMAGE] with the CLI’s flags (-t NAME, --type, -c CMD, -e K=V, -m FOLDER, -r cpu=2, …) or key=value pairs',
    examples: ['session create pytorch -t ci-1 -r cuda.shares=2', 'session create image=pytorch fgpu=2', 'start python --type batch -c "python x.py"', 'start cr.backend.ai/stable/python:3.11-ubuntu22.04'],
    heads: ['session create', 'session start', 'sess create', 'sess start', 'start'],
    verbHeads: ['start'],
    positionals: named('image?'),
    flags: SESSION_CREATE_FLAGS,
    kind: 'session.create',
  },
  {
    name: 'session-create-pairs',
    doc: 'create a session from key=value pairs after a short phrase: new session img=pytorch fgpu=2',
    examples: ['new session img=pytorch fgpu=2', 'create session --image tensorflow --gpu 1'],
    heads: ['new session', 'create session', 'start session', 'launch session', 'session new', 'new sess', 'sess'],
    pairsOnly: ['sess'],
    positionals: named(),
    flags: SESSION_CREATE_FLAGS,
    kind: 'session.create',
  },
  {
    name: 'session-create-typed',
    doc: 'create a session of a type from key=value pairs: batch session: img=python cmd="…" (also batch, interactive session, interactive)',
    examples: ['batch img=python cmd="python x.py" timeout=1h', 'interactive session, image=pytorch, fgpu=1'],
    heads: ['batch session', 'batch sess', 'batch job', 'batch', 'interactive session', 'interactive sess', 'interactive'],
    pairsOnly: ['batch session', 'batch sess', 'batch job', 'batch', 'interactive session', 'interactive sess', 'interactive'],
    headArgs: {
      'batch session': [{ key: 'type', value: 'batch' }],
      'batch sess': [{ key: 'type', value: 'batch' }],
      'batch job': [{ key: 'type', value: 'batch' }],
      batch: [{ key: 'type', value: 'batch' }],
      'interactive session': [{ key: 'type', value: 'interactive' }],
      'interactive sess': [{ key: 'type', value: 'interactive' }],
      interactive: [{ key: 'type', value: 'interactive' }],
    },
    positionals: named(),
    flags: SESSION_CREATE_FLAGS,
    kind: 'session.create',
  },
  {
    name: 'session-destroy',
    doc: 'terminate sessions: session destroy NAME… [-f] (also rm, kill, terminate; kill NAME… alone)',
    examples: ['session destroy train-job-1', 'session kill a b -f', 'kill train-job-1'],
    heads: ['session destroy', 'session rm', 'session kill', 'session terminate', 'session delete', 'sess destroy', 'sess rm', 'sess kill', 'kill'],
    verbHeads: ['kill'],
    positionals: named('session*'),
    flags: {
      '-f': { key: 'forced', set: 'true' },
      '--forced': { key: 'forced', set: 'true' },
      '-r': { key: 'recursive', unsupported: 'cancels the sessions that depend on it too' },
      '--recursive': { key: 'recursive', unsupported: 'cancels the sessions that depend on it too' },
      '-s': { key: 'stats', ignored: true },
      '--stats': { key: 'stats', ignored: true },
    },
    kind: 'session.destroy',
  },
  {
    name: 'session-list',
    doc: 'list sessions: session list [--running | --status S] (also session ls, ps); session ls NAME [PATH] lists files in its container',
    examples: ['session list', 'sess ls --running', 'ps --status PENDING', 'session ls train-job-1 /home/work'],
    heads: ['session list', 'session ls', 'session ps', 'sess list', 'sess ls', 'ps', 'ls sessions'],
    positionals: named('session?', 'path?'),
    flags: { '--running': { key: 'status', set: 'RUNNING' }, '--status': { key: 'status' } },
    kind: onlyIf('session.files', (a) => a.some((x) => x.key === 'session'), 'session.list'),
  },
  {
    name: 'session-info',
    doc: "a session's details: session info NAME",
    examples: ['session info train-job-1'],
    heads: ['session info', 'session show', 'session get', 'sess info'],
    positionals: named('session'),
    flags: {},
    kind: 'session.info',
  },
  {
    name: 'session-logs',
    doc: "a session's logs: session logs NAME",
    examples: ['session logs train-job-1'],
    heads: ['session logs', 'sess logs'],
    positionals: named('session'),
    flags: { '-k': { key: 'kernel', unsupported: 'picks one kernel of a cluster session' }, '--kernel': { key: 'kernel', unsupported: 'picks one kernel of a cluster session' }, '--kernel-id': { key: 'kernel', unsupported: 'picks one kernel of a cluster session' } },
    kind: 'session.logs',
  },
  {
    name: 'session-status-history',
    doc: "a session's status history: session status-history NAME",
    examples: ['session status-history train-job-1'],
    heads: ['session status-history', 'session history', 'sess status-history'],
    positionals: named('session'),
    flags: {},
    kind: 'session.status_history',
  },
  {
    name: 'session-rename',
    doc: 'rename a session: session rename NAME NEWNAME',
    examples: ['session rename train-job-1 train-main', 'ren sess train-job-1 -> train-main'],
    heads: ['session rename', 'sess rename', 'ren sess', 'ren session', 'rename sess', 'rename session', 'sess ren'],
    arrowOnly: ['rename session'],
    positionals: named('session', 'new_name'),
    arrow: sourceToNew('session'),
    flags: {},
    kind: 'session.rename',
  },
  {
    name: 'session-restart',
    doc: 'restart a session (terminate, then create it again): session restart NAME',
    examples: ['session restart notebook-old'],
    heads: ['session restart', 'sess restart', 'restart'],
    verbHeads: ['restart'],
    positionals: named('session'),
    flags: {},
    kind: 'session.restart',
  },
  {
    name: 'session-commit',
    doc: 'save a session as an image: session commit NAME',
    examples: ['session commit train-job-1'],
    heads: ['session commit', 'sess commit'],
    positionals: named('session'),
    flags: {},
    kind: 'session.commit',
  },
  {
    name: 'session-interrupt',
    doc: 'interrupt the code a session runs: session interrupt NAME',
    examples: ['session interrupt train-job-1'],
    heads: ['session interrupt', 'sess interrupt'],
    positionals: named('session'),
    flags: {},
    kind: 'session.interrupt',
  },
  {
    name: 'session-app',
    doc: 'open an app in a session: session app NAME APP',
    examples: ['session app notebook-old jupyterlab'],
    heads: ['session app', 'sess app'],
    positionals: named('session', 'app'),
    flags: {},
    kind: 'session.start_service',
  },
  {
    name: 'session-exec',
    doc: 'run code in a session: session exec NAME CODE',
    examples: ['session exec notebook-old "print(1)"'],
    heads: ['session exec', 'session execute', 'sess exec'],
    positionals: named('session', 'code'),
    flags: {},
    kind: 'session.execute',
  },

  // ---- model services (backend.ai service …)
  {
    name: 'service-list',
    doc: 'list model services',
    examples: ['service list'],
    heads: ['service list', 'service ls', 'svc list', 'svc ls', 'ls services'],
    positionals: named(),
    flags: {},
    kind: 'service.list',
  },
  {
    name: 'service-info',
    doc: "a service's details: service info NAME",
    examples: ['service info llama-chat'],
    heads: ['service info', 'svc info'],
    positionals: named('svc'),
    flags: {},
    kind: 'service.info',
  },
  {
    name: 'service-create',
    doc: 'deploy a model: service create [IMAGE MODEL REPLICAS] [-t NAME] [--runtime-variant R] … or key=value pairs',
    examples: ['service create vllm models 1 -t llama-chat --runtime-variant vllm', 'service create name=llama-chat model=models runtime=vllm replicas=1'],
    heads: ['service create', 'svc create', 'create service', 'new service'],
    positionals: named('image?', 'model?', 'replicas?'),
    flags: {
      '-t': { key: 'name' },
      '--name': { key: 'name' },
      '--runtime-variant': { key: 'runtime' },
      '--public': { key: 'public', set: 'true' },
      '--expose-to-public': { key: 'public', set: 'true' },
      '--scaling-group': { key: 'sg' },
      '--sgroup': { key: 'sg' },
      '-r': { key: 'resources', nested: true },
      '--resources': { key: 'resources', nested: true },
      '-e': { key: 'env' },
      '--env': { key: 'env' },
      '--model-definition-path': { key: 'model_definition' },
      '-p': { key: 'project', unsupported: 'picks the project: the planner picks the one the resource group is open to' },
      '--project': { key: 'project', unsupported: 'picks the project: the planner picks the one the resource group is open to' },
    },
    kind: 'service.create',
  },
  {
    name: 'service-delete',
    doc: 'delete a model service: service rm NAME',
    examples: ['service rm llama-chat'],
    heads: ['service rm', 'service delete', 'service destroy', 'svc rm', 'svc delete'],
    positionals: named('svc'),
    flags: {},
    kind: 'service.delete',
  },
  {
    name: 'service-scale',
    doc: 'scale a model service: service scale NAME REPLICAS',
    examples: ['service scale llama-chat 2'],
    heads: ['service scale', 'svc scale'],
    positionals: named('svc', 'replicas'),
    flags: {},
    kind: 'service.scale',
  },
  {
    name: 'service-token',
    doc: 'issue an API token: service generate-token NAME DURATION',
    examples: ['service generate-token llama-chat 7d'],
    heads: ['service generate-token', 'service token', 'svc generate-token', 'svc token'],
    positionals: named('svc', 'duration?'),
    flags: {},
    kind: 'service.token',
  },
];


/** Words that read as a name or a path, for commands whose head is an English verb (`kill train-job-1`, not `kill all my sessions`). */
export function looksLikeName(word: string, quoted: boolean): boolean {
  return quoted || /[-_./0-9:@]/.test(word);
}

