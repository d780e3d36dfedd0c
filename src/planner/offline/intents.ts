/**
 * What the offline semantic parser extracts from a request: a list of intents with slots.
 * Mentions are the user's words (not yet grounded): the proposer matches them against what the
 * manager has (images, folders, sessions, resource groups, presets, services) and turns intents
 * into calls. The parser never invents a value the user did not give; it lists what is missing.
 */

/** An accelerator amount as the user said it; the proposer maps it to the site's slot. */
export interface AcceleratorAmount {
  amount: number;
  /** `fgpu` = fractional GPU shares (`cuda.shares`); `gpu` = whole GPUs ("2 GPUs", "half a GPU"). */
  unit: 'fgpu' | 'gpu';
  /** The text it came from, for assumptions in the preview. */
  text: string;
}

export interface ResourceRequest {
  cpu?: number;
  /** bytes */
  mem?: number;
  accelerator?: AcceleratorAmount;
  /** bytes; goes to `resource_opts.shmem`, never to `resources` */
  shmem?: number;
}

export interface MountMention {
  /** folder name as said ("datasets", "exp-7") */
  name: string;
  /** mount path inside the container, if given ("at /home/work/data") */
  path?: string;
  readOnly?: boolean;
}

export interface SessionCreateIntent {
  kind: 'session.create';
  /** Image as the user said it ("NGC PyTorch 23.07", "tensorflow", "python 3.11"); fuzzy-matched later. */
  image?: string;
  resources: ResourceRequest;
  name?: string;
  sessionType?: 'interactive' | 'batch' | 'inference';
  startupCommand?: string;
  /** batch only, seconds */
  batchTimeout?: number;
  mounts: MountMention[];
  environ: Record<string, string>;
  /** A named resource group ("in gpu-a100"). */
  scalingGroup?: string;
  /** "whichever resource group can fit it": the planner tries the groups one by one. */
  anyScalingGroup?: boolean;
  /** A named resource preset ("using the gpu-large preset"). */
  preset?: string;
  /** Project (group) if named ("in the research project"). */
  project?: string;
  /** `group=X` as written: a project or a resource group, told apart by what the manager has (group-name.ts). */
  groupName?: string;
  clusterSize?: number;
  clusterMode?: 'single-node' | 'multi-node';
  /** run when the container starts, before the startup command ("bootstrap script `pip install …`") */
  bootstrapScript?: string;
  /** container ports to pre-open */
  preopenPorts?: number[];
  /** batch only: a start time or delay ("1h") */
  startsAt?: string;
  /** sessions (names or ids) that must finish first */
  dependencies?: string[];
  /** "mount my folder": a mount was asked for without saying which folder */
  mountUnnamed?: boolean;
  /** "3 sessions": how many to create (default 1). */
  count?: number;
  tag?: string;
}

/** What a bulk action's sessions must be (all given parts hold); evaluated on the manager's list. */
export interface SessionFilter {
  /** holds GPU slots (`gpu`) or none (`cpu`) */
  accelerator?: 'gpu' | 'cpu';
  /** started from this image, as said ("pytorch"); matched against the manager's images */
  image?: string;
  /** mounts this folder / does not */
  mounted?: string;
  notMounted?: string;
  namePrefix?: string;
  nameContains?: string;
}

/** What a bulk action's folders must be. */
export interface FolderFilter {
  usageMode?: 'general' | 'model' | 'data';
  namePrefix?: string;
  nameContains?: string;
}

/** "all my folders except models", "every general-purpose folder": several folders, chosen from the list. */
export interface FolderBulk {
  all: true;
  except?: string[];
  filter?: FolderFilter;
  exceptFilter?: FolderFilter;
}

export interface SessionTarget {
  /** sessions named explicitly (names or ids) */
  names: string[];
  /** "all my sessions" / "every running session" */
  all?: boolean;
  /** "delete everything": all of what, sessions or folders? Said with no noun, so the planner asks. */
  allOfWhat?: boolean;
  /** status filter with `all` ("running", "pending") in manager form: RUNNING, PENDING… */
  status?: string[];
  /** "… and show me its logs": the session that intent number `created` of this request creates (unnamed yet). */
  created?: number;
  /** "all sessions except notebook-old", "… but keep X": sessions to leave alone */
  except?: string[];
  /** "my GPU session", "the batch job": no name, a description the one live session must fit */
  described?: 'gpu' | 'cpu' | 'batch' | 'interactive' | `image:${string}`;
  /** with `all`: only the sessions that fit ("every session on the pytorch image") */
  filter?: SessionFilter;
  /** with `all`: leave these out ("leave the CPU-only ones") */
  exceptFilter?: SessionFilter;
}

export interface SessionDestroyIntent {
  kind: 'session.destroy';
  target: SessionTarget;
  forced?: boolean;
  /** "… if it runs longer than 2 hours", "2시간 넘으면 종료": a termination asked for later, which the manager cannot schedule */
  later?: string;
}

export interface SessionReadIntent {
  kind: 'session.list' | 'session.info' | 'session.logs' | 'session.status_history';
  target?: SessionTarget;
  status?: string[];
}

export interface SessionRenameIntent {
  kind: 'session.rename';
  target: SessionTarget;
  newName?: string;
}

/** Acting on a running session without ending it: stop the code it runs, or open an app in it. */
export interface SessionActionIntent {
  kind: 'session.interrupt' | 'session.start_service' | 'session.stop_service' | 'session.commit' | 'session.restart' | 'session.files';
  target: SessionTarget;
  /** session.start_service / stop_service: the in-container app ("jupyterlab", "vscode", "tensorboard", …) */
  app?: string;
  /** session.commit: the name of the saved image file ("as my-env") */
  filename?: string;
  /** session.restart: the re-created session's name when it should differ ("call the new one X") */
  newName?: string;
  /** session.files: the directory inside the container */
  path?: string;
  /** session.restart: what changes in the new one ("… but with 4 fGPU") */
  resources?: ResourceRequest;
  /** session.restart: the request asks for more (or less) without saying how much ("make it bigger") */
  resizeUnsaid?: boolean;
}

export interface SessionExecuteIntent {
  kind: 'session.execute';
  target: SessionTarget;
  code?: string;
}

export interface FolderCreateIntent {
  kind: 'folder.create';
  name?: string;
  usageMode?: 'general' | 'model' | 'data';
  permission?: 'ro' | 'rw' | 'wd';
  host?: string;
  project?: string;
  cloneable?: boolean;
}

export interface FolderTargetIntent {
  kind:
    | 'folder.delete' // move to trash
    | 'folder.purge' // delete permanently (from trash)
    | 'folder.restore' // restore from trash
    | 'folder.info'
    | 'folder.files'
    | 'folder.leave';
  name?: string;
  /** several folders at once (delete, purge, restore): chosen from the list */
  bulk?: FolderBulk;
  /** sub-path for folder.files */
  path?: string;
}

/** Change a folder's options (read-only, cloneable) or copy it. */
export interface FolderOptionsIntent {
  kind: 'folder.update_options' | 'folder.clone';
  name?: string;
  /** update_options on several folders at once */
  bulk?: FolderBulk;
  permission?: 'ro' | 'rw' | 'wd';
  cloneable?: boolean;
  /** folder.clone: the copy's name */
  newName?: string;
}

export interface FolderListIntent {
  kind: 'folder.list' | 'folder.invitations';
}

export interface FolderMkdirIntent {
  kind: 'folder.mkdir';
  name?: string;
  path?: string;
}

export interface FolderRenameIntent {
  kind: 'folder.rename';
  name?: string;
  newName?: string;
}

export interface FolderShareIntent {
  kind: 'folder.share';
  name?: string;
  /** share several folders at once */
  bulk?: FolderBulk;
  emails: string[];
  permission?: 'ro' | 'rw' | 'wd';
}

export interface FolderFileOpIntent {
  kind: 'folder.delete_files' | 'folder.rename_file' | 'folder.move_file' | 'folder.download';
  name?: string;
  paths: string[];
  newName?: string;
  destination?: string;
  /** the destination is a directory the paths go into ("into raw", "into it") */
  intoDirectory?: boolean;
  /** folder.delete_files: delete directories with their contents (the default); `vfolder rm` without `-r` says false */
  recursive?: boolean;
}

export interface ResourceIntent {
  kind:
    | 'resource.presets' // which presets exist / are allocatable now (preset: the one asked about)
    | 'resource.remaining' // how much is left (fGPU, cpu, mem)
    | 'resource.groups' // which resource groups can I use
    | 'resource.slots' // which slot types exist
    | 'resource.usage' // my usage stats
    | 'resource.policy'; // my limits: concurrent sessions, max resources per session
  scalingGroup?: string;
  /** resource.presets: the preset the question is about ("does gpu-large fit?") */
  preset?: string;
}

export interface ImageListIntent {
  kind: 'image.list';
  /** free-text filter ("pytorch images") */
  filter?: string;
}

export interface ServiceCreateIntent {
  kind: 'service.create';
  name?: string;
  /** model folder mention */
  modelFolder?: string;
  /** a directory inside the model folder to serve ("the llama-3-8b weights from models") */
  modelSubpath?: string;
  /** "model definition at x/model-definition.yaml" (relative to the model folder) */
  modelDefinitionPath?: string;
  runtimeVariant?: string;
  image?: string;
  replicas?: number;
  resources: ResourceRequest;
  scalingGroup?: string;
  openToPublic?: boolean;
  environ: Record<string, string>;
}

export interface ServiceTargetIntent {
  kind: 'service.delete' | 'service.info' | 'service.scale' | 'service.token';
  name?: string;
  replicas?: number;
  /** token lifetime like `1h`, `30m`, `7d` */
  duration?: string;
}

export interface AccountNameIntent {
  kind: 'auth.update_name';
  /** the new display (full) name, as said */
  fullName?: string;
}

export interface ServiceListIntent {
  kind: 'service.list' | 'service.runtimes' | 'project.list';
}

export interface IdentityIntent {
  kind: 'auth.whoami';
}

/**
 * A call written in the API's own words: an operationId or `METHOD /path`, with arguments as
 * written. Which argument is a path parameter, a query parameter or a body field, and the type of
 * its value, are resolved against the operation's schema by the handler (api-call.ts).
 */
export interface ApiCallIntent {
  kind: 'api.call';
  /** `folders.update_vfolder_options` (the operationId form) */
  operationId?: string;
  /** `POST` with `path` `/folders/datasets/mkdir` (the method-and-path form; the path is concrete) */
  method?: string;
  path?: string;
  /** `key=value` arguments in order; a dotted key is a path into the body (`config.resources.cuda.shares`) */
  args: Array<{ key: string; value: string; quoted: boolean; /** a word written before the pair ("resources cuda.shares=4"): the object it may go into */ group?: string }>;
  /** a JSON object written as the whole body */
  body?: Record<string, unknown>;
  /** `session.execute on train-job-1: …`: what the call acts on, for its one path parameter not given by name */
  subject?: string;
  /** a note with the call said it changes nothing ("-- no changes"): a call that writes is asked about */
  readOnly?: boolean;
}

export type Intent =
  | SessionCreateIntent
  | SessionDestroyIntent
  | SessionReadIntent
  | SessionRenameIntent
  | SessionExecuteIntent
  | SessionActionIntent
  | FolderOptionsIntent
  | FolderCreateIntent
  | FolderTargetIntent
  | FolderListIntent
  | FolderMkdirIntent
  | FolderRenameIntent
  | FolderShareIntent
  | FolderFileOpIntent
  | ResourceIntent
  | ImageListIntent
  | ServiceCreateIntent
  | ServiceTargetIntent
  | ServiceListIntent
  | AccountNameIntent
  | IdentityIntent
  | ApiCallIntent;

export type IntentKind = Intent['kind'];

/** Intents that only read: everything else asks for a change on the manager. */
export const READ_INTENTS: ReadonlySet<IntentKind> = new Set<IntentKind>([
  'session.list',
  'session.info',
  'session.logs',
  'session.status_history',
  'session.files',
  'folder.list',
  'folder.info',
  'folder.files',
  'folder.invitations',
  'resource.presets',
  'resource.remaining',
  'resource.groups',
  'resource.slots',
  'resource.usage',
  'resource.policy',
  'image.list',
  'service.list',
  'service.info',
  'service.runtimes',
  'project.list',
  'auth.whoami',
]);

export interface ParsedIntent<I extends Intent = Intent> {
  intent: I;
  /** Slots only the user can give that are absent (e.g. `name` for folder.delete). */
  missing: string[];
  /** 0..1: how sure the parser is that this is what was asked. */
  confidence: number;
  /** The part of the request this intent came from. */
  span: string;
  /** A read that answers a question about a change (the change itself is only suggested). */
  asked?: boolean;
  /** Read in a question: when what it names is not there, the list of such things answers it. */
  inQuestion?: boolean;
  /** The structured-grammar rule that read it (grammar/structured), when one did. */
  rule?: string;
}

export interface ParsedRequest {
  text: string;
  language: 'en' | 'ko' | 'mixed';
  intents: ParsedIntent[];
  /** Set when the request is not a Backend.AI task (or asks for something harmful/forbidden). */
  refusal?: string;
  /** Values picked up that no intent used (for debugging / --verbose). */
  leftovers?: string[];
  /**
   * Words that could change a write and that no rule read (names, numbers, quoted text, `${VAR}`,
   * negations, exceptions): the planner asks about them instead of planning around them.
   */
  unread?: UnreadWord[];
  /** `unread` as text, for the plan document and other planners (empty: every word accounted for). */
  notUnderstood?: string[];
  /** Changes the request asked about rather than asked for: offered as requests to make, never planned. */
  suggestions?: string[];
  /**
   * The request cannot be read as written (an unknown key, an empty value, an unexpanded `${VAR}`,
   * an unclosed quote): the planner asks this instead of planning anything.
   */
  question?: string;
}

export interface UnreadWord {
  text: string;
  kind: 'name' | 'number' | 'quoted' | 'variable' | 'negation' | 'exception' | 'filter';
}
