/**
 * Which arguments of which operations name an entity (image, folder, session, resource group,
 * project, service) and which steps create one. Used by grounding (every named entity must exist
 * or be created earlier in the plan) and by the eval's hallucination count.
 */
import type { GroundedEntity } from './plan.js';
import { isStepValueRef } from './plan.js';

export type EntityKind = GroundedEntity['kind'];

export interface EntityMention {
  kind: EntityKind;
  /** name or id as written in the call */
  value: string;
  /** where in the call: `body.image`, `pathParams.session_name`… */
  at: string;
  /** true when the value is a UUID (ids reach terminated sessions too) */
  byId: boolean;
}

export interface CallShape {
  operationId: string;
  pathParams?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (v: string): boolean => UUID_RE.test(v);

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** First present key among aliases (the manager accepts field names and aliases). */
export function pick(o: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function push(out: EntityMention[], kind: EntityKind, value: unknown, at: string): void {
  if (typeof value === 'string' && value !== '' && !isStepValueRef(value)) {
    out.push({ kind, value, at, byId: isUuid(value) });
  }
}

/** Entities a call refers to (that must already exist, or be created earlier in the plan). */
export function referencedEntities(call: CallShape): EntityMention[] {
  const out: EntityMention[] = [];
  const p = obj(call.pathParams);
  const b = obj(call.body);
  const q = obj(call.query);
  const id = call.operationId;

  if (id.startsWith('session.') && !id.startsWith('session.create') && p.session_name !== undefined) {
    push(out, 'session', p.session_name, 'pathParams.session_name');
  }
  if (id === 'session.create_from_params' || id === 'session.create_from_params.2') {
    push(out, 'image', pick(b, 'image', 'lang'), 'body.image');
    const cfg = obj(b.config);
    push(out, 'resource_group', pick(cfg, 'scaling_group', 'scalingGroup'), 'body.config.scaling_group');
    push(out, 'project', pick(b, 'group', 'groupName', 'group_name'), 'body.group');
    const mounts = cfg.mounts;
    if (Array.isArray(mounts)) mounts.forEach((m, i) => push(out, 'folder', m, `body.config.mounts.${i}`));
    for (const key of Object.keys(obj(pick(cfg, 'mount_map', 'mountMap')))) push(out, 'folder', key, 'body.config.mount_map');
    const ids = cfg.mount_ids;
    if (Array.isArray(ids)) ids.forEach((m, i) => push(out, 'folder', m, `body.config.mount_ids.${i}`));
  }
  if (id.startsWith('folders.') && p.name !== undefined) push(out, 'folder', p.name, 'pathParams.name');
  if (id === 'folders.delete_by_id' || id === 'folders.restore' || id === 'folders.delete_from_trash_bin' || id === 'folders.purge') {
    push(out, 'folder', pick(b, 'vfolderId', 'vfolder_id', 'id'), 'body.id');
  }
  if (id === 'folders.force_delete') push(out, 'folder', p.folder_id, 'pathParams.folder_id');
  if (id === 'services.create') {
    const cfg = obj(b.config);
    push(out, 'folder', cfg.model, 'body.config.model');
    push(out, 'resource_group', pick(cfg, 'scaling_group', 'scalingGroup'), 'body.config.scaling_group');
    push(out, 'image', pick(b, 'image', 'lang'), 'body.image');
  }
  if (id.startsWith('services.') && p.service_id !== undefined) push(out, 'service', p.service_id, 'pathParams.service_id');
  if (id === 'v2/sessions.terminate' && Array.isArray(b.session_ids)) {
    b.session_ids.forEach((s, i) => push(out, 'session', s, `body.session_ids.${i}`));
  }
  if ((id === 'v2/sessions.get' || id === 'v2/sessions.get_logs') && p.session_id !== undefined) {
    push(out, 'session', p.session_id, 'pathParams.session_id');
  }
  if (id === 'scaling-groups.list_available_sgroups') push(out, 'project', pick(q, 'group', 'group_id', 'group_name'), 'query.group');
  if (id === 'resource.check_presets') {
    push(out, 'project', b.group, 'body.group');
    push(out, 'resource_group', b.scaling_group, 'body.scaling_group');
  }
  return out;
}

/** Entities a call brings into existence (so later steps may name them). */
export function createdEntities(call: CallShape): Array<{ kind: EntityKind; name: string }> {
  const b = obj(call.body);
  switch (call.operationId) {
    case 'session.create_from_params':
    case 'session.create_from_params.2': {
      const name = pick(b, 'session_name', 'name', 'clientSessionToken');
      return typeof name === 'string' ? [{ kind: 'session', name }] : [];
    }
    case 'v2/sessions.enqueue':
      return typeof b.session_name === 'string' ? [{ kind: 'session', name: b.session_name }] : [];
    case 'folders.create':
      return typeof b.name === 'string' ? [{ kind: 'folder', name: b.name }] : [];
    case 'folders.rename_vfolder':
      return typeof b.new_name === 'string' ? [{ kind: 'folder', name: b.new_name }] : [];
    case 'session.rename_session': {
      const name = pick(b, 'session_name', 'name');
      return typeof name === 'string' ? [{ kind: 'session', name }] : [];
    }
    case 'services.create': {
      const name = pick(b, 'name', 'service_name', 'clientSessionToken');
      return typeof name === 'string' ? [{ kind: 'service', name }] : [];
    }
    default:
      return [];
  }
}
