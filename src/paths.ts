/**
 * Where bai-agent keeps its files. Overridable by env so tests and CI stay hermetic:
 * BAI_AGENT_CACHE_DIR (spec/index caches), BAI_AGENT_STATE_DIR (audit log, sandbox state),
 * BAI_AGENT_CONFIG_DIR. Defaults follow XDG.
 */
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

/** The package root (holds specs/ and policies/), whether running from src/ or dist/. */
export function packageRoot(): string {
  // this file is src/paths.ts or dist/paths.js: the root is one level up either way
  return resolve(dirname(fileURLToPath(import.meta.url)), '..');
}

export function bundledSpecsDir(): string {
  return join(packageRoot(), 'specs');
}

export function bundledPoliciesDir(): string {
  return join(packageRoot(), 'policies');
}
