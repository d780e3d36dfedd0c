/**
 * A small in-memory stand-in for the manager, for planning tests of the LLM path: a WorldView-
 * shaped object (what grounding and preflight ask) and an ApiCaller that answers read calls and
 * records every call made while planning.
 */
import type { ApiCaller, FolderInfo, WorldView } from '../../src/planner/world.js';

export interface FakeManager {
  world: WorldView;
  api: ApiCaller & { calls: Array<{ operationId: string; args: unknown }> };
}

export function fakeManager(opts: { folders?: FolderInfo[] } = {}): FakeManager {
  const folders: FolderInfo[] = opts.folders ?? [];
  const world = {
    lookups: [],
    folders: async () => folders,
    sessions: async () => [],
    images: async () => [],
    projects: async () => [{ id: '2de2b9a4-0000-4000-8000-000000000001', name: 'default' }],
    resourceGroups: async () => ['default'],
    resourceSlots: async () => ({ cpu: 'count', mem: 'bytes', 'cuda.shares': 'count' }),
    presets: async () => [],
    services: async () => [],
    capacity: async (project: string, resourceGroup: string) => ({ project, resourceGroup, keypairRemaining: {}, groupRemaining: {}, available: {} }),
  } as unknown as WorldView;

  const calls: Array<{ operationId: string; args: unknown }> = [];
  const api = {
    calls,
    async call<T>(operationId: string, args?: unknown): Promise<{ status: number; data: T }> {
      calls.push({ operationId, args });
      if (operationId === 'folders.list_folders') {
        return { status: 200, data: folders.map((f) => ({ id: f.id, name: f.name, usage_mode: f.usageMode, permission: f.permission, status: f.status })) as T };
      }
      throw new Error(`fake manager: no answer for ${operationId}`);
    },
  };
  return { world, api };
}
