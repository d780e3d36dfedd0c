/**
 * Validators compiled at build time. Compiling one large body schema with ajv (the
 * session-creation body, with its refs) costs ~45 ms, and loading ajv itself more; a cold
 * `bai-agent plan` would pay that on every run. ajv can emit a compiled validator as standalone
 * JavaScript, so `npm run build` compiles every validator of the bundled spec into the package
 * (dist/validators/<spec sha>-<ajv version>/, src/build/validators.ts) and a run loads the few it
 * needs in ~3 ms each, without ajv.
 *
 * That code runs in the process that holds the secret key, so it is read only from the package
 * itself — never from a cache directory another user, a CI cache or a restored archive could have
 * written. Any other spec (--spec FILE|URL|live) is compiled in memory on each run.
 * A missing, unreadable or broken file is a miss: the caller compiles as before.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Bump when the way validators are compiled (ajv options, schema rewriting) changes. */
const FORMAT = 1;

/**
 * The only modules standalone validator code may require: ajv's runtime helpers and the
 * ajv-formats format table. Static requires, so the bundled CLI carries them.
 */
const RUNTIME: Record<string, () => unknown> = {
  'ajv/dist/runtime/equal': () => require('ajv/dist/runtime/equal'),
  'ajv/dist/runtime/timestamp': () => require('ajv/dist/runtime/timestamp'),
  'ajv/dist/runtime/ucs2length': () => require('ajv/dist/runtime/ucs2length'),
  'ajv/dist/runtime/uri': () => require('ajv/dist/runtime/uri'),
  'ajv/dist/runtime/validation_error': () => require('ajv/dist/runtime/validation_error'),
  'ajv-formats/dist/formats': () => require('ajv-formats/dist/formats'),
};

function runtimeRequire(id: string): unknown {
  const load = RUNTIME[id];
  if (!load) throw new Error(`standalone validator requires ${id}`);
  return load();
}

export class ValidatorCache {
  private readonly dir: string;
  private dirReady = false;

  /** `specSha256` pins the components every ref resolves against; `root` is the package's dist/ (or a test's directory). */
  constructor(root: string, specSha256: string) {
    const ajvVersion = (require('ajv/package.json') as { version: string }).version;
    this.dir = join(root, 'validators', `${specSha256.slice(0, 16)}-ajv${ajvVersion}-f${FORMAT}`);
  }

  private file(key: string): string {
    return join(this.dir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.cjs`);
  }

  /** The validator saved under `key`, or undefined (never throws). */
  load<F>(key: string): F | undefined {
    let code: string;
    try {
      code = readFileSync(this.file(key), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const module = { exports: {} as Record<string, unknown> };
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- code ajv generated at build time, shipped in the package
      new Function('require', 'module', 'exports', code)(runtimeRequire, module, module.exports);
      const fn = (module.exports.default ?? module.exports) as unknown;
      return typeof fn === 'function' ? (fn as F) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Save standalone code (at build time); an unwritable directory only costs speed. */
  save(key: string, code: string): void {
    try {
      if (!this.dirReady) {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      const target = this.file(key);
      const tmp = `${target}.${process.pid}.tmp`;
      writeFileSync(tmp, code, { mode: 0o600 });
      renameSync(tmp, target);
    } catch {
      // read-only home, full disk: compile again next time
    }
  }
}
