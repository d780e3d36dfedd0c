/**
 * Where the world lives: in memory, and optionally in a JSON state file shared by separate
 * processes (each CLI run with `--sandbox` starts its own in-process server on the same file).
 * Writes go to a temp file renamed into place, so a reader never sees half a document; a file
 * whose identity (inode, size, mtime) changed since our last read or write is reloaded.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { BaiError } from '../errors.js';
import { stateDir } from '../paths.js';
import { assertWorld, type SandboxWorld } from './world.js';

/** The state file the CLI's in-process `--sandbox` mode shares between runs. */
export function defaultSandboxStatePath(): string {
  return join(stateDir(), 'sandbox', 'state.json');
}

type FileIdentity = Pick<Stats, 'ino' | 'size' | 'mtimeMs'>;

export class WorldStore {
  private world: SandboxWorld;
  private lastText = '';
  private lastIdentity: FileIdentity | null = null;

  constructor(
    seed: SandboxWorld,
    private readonly statePath?: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.world = seed;
    if (!statePath) return;
    const loaded = this.readFile();
    if (loaded) this.world = loaded;
    else this.save();
  }

  /** The current world, reloaded first if another process changed the state file. */
  current(): SandboxWorld {
    if (!this.statePath) return this.world;
    const identity = this.identity();
    if (identity && !sameIdentity(identity, this.lastIdentity)) {
      try {
        const loaded = this.readFile();
        if (loaded) this.world = loaded;
      } catch (err) {
        // a half-written or corrupted file from elsewhere: keep serving what we have
        this.log(`sandbox: ignoring unreadable state file (${(err as Error).message})`);
      }
    }
    return this.world;
  }

  /** Persist the world if it changed since the last read or write. */
  save(): void {
    if (!this.statePath) return;
    const text = JSON.stringify(this.world);
    if (text === this.lastText) return;
    mkdirSync(dirname(this.statePath), { recursive: true });
    const tmp = `${this.statePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, this.statePath);
    this.lastText = text;
    this.lastIdentity = this.identity();
  }

  private identity(): FileIdentity | null {
    try {
      const s = statSync(this.statePath!);
      return { ino: s.ino, size: s.size, mtimeMs: s.mtimeMs };
    } catch {
      return null;
    }
  }

  /** The file's world, or undefined when there is no file. Throws a BaiError when it is not a world. */
  private readFile(): SandboxWorld | undefined {
    const path = this.statePath!;
    const identity = this.identity();
    if (!identity) return undefined;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new BaiError(`cannot read the sandbox state file ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, 'bad_input');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BaiError(`the sandbox state file ${path} is not valid JSON (delete it, or run "bai-agent sandbox --reset")`, 'bad_input');
    }
    const world = assertWorld(parsed, `the sandbox state file ${path}`);
    this.lastText = text;
    this.lastIdentity = identity;
    return world;
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity | null): boolean {
  return b !== null && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
