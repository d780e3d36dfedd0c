/**
 * The workspace's shared reference material (../shared next to the repository): the upstream
 * OpenAPI spec, HMAC vectors, the eval dev set. Tests read it in place; it is never copied in.
 * BAI_SHARED_DIR overrides the location.
 */
import { existsSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export function sharedDir(): string {
  const dir = process.env.BAI_SHARED_DIR ?? resolve(repoRoot, '..', 'shared');
  if (!existsSync(dir)) {
    throw new Error(`shared reference folder not found at ${dir} (set BAI_SHARED_DIR)`);
  }
  return dir;
}

export const sharedPath = (...parts: string[]): string => join(sharedDir(), ...parts);
export const upstreamSpecPath = (): string => sharedPath('reference', 'backendai-manager-openapi.json');
export const hmacVectorsPath = (): string => sharedPath('reference', 'hmac-vectors.json');
export const devSetPath = (): string => sharedPath('eval', 'dev.jsonl');
