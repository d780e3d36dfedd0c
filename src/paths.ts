/**
 * Where bai-agent keeps its files. Overridable by env so tests and CI stay hermetic:
 * BAI_AGENT_CACHE_DIR (spec/index caches), BAI_AGENT_STATE_DIR (audit log, sandbox state),
 * BAI_AGENT_CONFIG_DIR. Defaults follow XDG.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

function xdg(envVar: string, fallback: string[]): string {
  const v = process.env[envVar];
  return v && v.trim() ? v : join(homedir(), ...fallback);
}

export function cacheDir(): string {
  return process.env.BAI_AGENT_CACHE_DIR || join(xdg('XDG_CACHE_HOME', ['.cache']), 'bai-agent');
}

export function stateDir(): string {
  return process.env.BAI_AGENT_STATE_DIR || join(xdg('XDG_STATE_HOME', ['.local', 'state']), 'bai-agent');
}

export function configDir(): string {
  return process.env.BAI_AGENT_CONFIG_DIR || join(xdg('XDG_CONFIG_HOME', ['.config']), 'bai-agent');
}

let root: string | undefined;

/**
 * The package root (holds specs/ and policies/), whether running from src/, dist/ or the bundled
 * CLI in dist/bundle/: the nearest directory upwards with both package.json and specs/.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'specs'))) return (root = dir);
    const up = dirname(dir);
    if (up === dir) return (root = resolve(dirname(fileURLToPath(import.meta.url)), '..'));
    dir = up;
  }
}

export function bundledSpecsDir(): string {
  return join(packageRoot(), 'specs');
}

export function bundledPoliciesDir(): string {
  return join(packageRoot(), 'policies');
}
