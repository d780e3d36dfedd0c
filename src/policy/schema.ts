/**
 * The policy file schema (policies/*.yaml). Every object is strict, so a typo'd key is an error
 * naming its line instead of a silently ignored rule. The TypeScript type is derived from the
 * schema so the validator and the evaluator never drift.
 */
import { z } from 'zod';
import { parseBinarySize, parseDecimal } from '../units.js';

export const PolicyVerdict = z.enum(['allow', 'confirm', 'deny']);

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]);

/** `*` matches any run of characters (dots and slashes included), `?` exactly one. */
const Glob = z.string().min(1);

const Method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
const Effect = z.enum(['read', 'write']);
const Privilege = z.enum(['anonymous', 'user', 'admin', 'superadmin']);

/** All given keys must match (an empty match matches every step). */
export const RuleMatch = z.strictObject({
  operationId: oneOrMany(Glob).optional(),
  /** Matches when any of the operation's tags matches any glob. */
  tag: oneOrMany(Glob).optional(),
  /** Path template as in the spec, e.g. `/folders/*`. */
  path: oneOrMany(Glob).optional(),
  method: oneOrMany(Method).optional(),
  effect: Effect.optional(),
  privilege: oneOrMany(Privilege).optional(),
});
export type RuleMatch = z.infer<typeof RuleMatch>;

export const PolicyRule = z.strictObject({
  match: RuleMatch,
  verdict: PolicyVerdict,
  reason: z.string().min(1),
  /**
   * The verdict this rule gives instead when the run has `--allow-admin` (e.g. superadmin
   * operations: `deny`, but `confirm` with the flag). Without it, the flag changes nothing.
   */
  allowAdmin: PolicyVerdict.optional(),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/** A cap on one resource slot: bytes slots (`mem`) take sizes (`256g`), others decimals. */
const SlotCap = z.union([z.number().nonnegative(), z.string().min(1)]);

export const PolicyCaps = z.strictObject({
  /** Per session, summed over its nodes (per-node resources × cluster_size). */
  resources: z.record(z.string().min(1), SlotCap).optional(),
  /** Sessions a single run may create (a service counts its replicas). */
  sessionsPerRun: z.number().int().nonnegative().optional(),
  /** Calls a single run may make (reads included). */
  callsPerRun: z.number().int().nonnegative().optional(),
  /** Largest cluster_size a session may ask for. */
  clusterSize: z.number().int().positive().optional(),
});
export type PolicyCaps = z.infer<typeof PolicyCaps>;

export const PolicyAllow = z.strictObject({
  /** Resource groups (scaling groups) sessions and services may be created in, by name. */
  resourceGroups: z.array(Glob).min(1).optional(),
  /** Images sessions and services may use: globs over the reference or alias as requested. */
  images: z.array(Glob).min(1).optional(),
});
export type PolicyAllow = z.infer<typeof PolicyAllow>;

export const PolicyDefaults = z.strictObject({
  read: PolicyVerdict,
  write: PolicyVerdict,
});

export const Policy = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  /** The verdict when no rule matches. */
  defaults: PolicyDefaults,
  /** First match wins. */
  rules: z.array(PolicyRule).default([]),
  caps: PolicyCaps.optional(),
  allow: PolicyAllow.optional(),
});
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

/** Byte-valued resource slots (`mem`, `cuda.mem`, …): caps and requests parse as sizes. */
export function isBytesSlot(slot: string): boolean {
  return slot === 'mem' || slot.endsWith('.mem') || slot === 'shmem';
}

/** A slot quantity as a number (bytes for bytes slots); undefined when it is not one. */
export function slotQuantity(slot: string, value: unknown): number | undefined {
  return isBytesSlot(slot) ? parseBinarySize(value) : parseDecimal(value);
}

/** The known keys of each object kind, for did-you-mean on unknown keys. Paths use `*` for indexes. */
export const KNOWN_KEYS: Record<string, string[]> = {
  '': Object.keys(Policy.shape),
  defaults: Object.keys(PolicyDefaults.shape),
  'rules.*': Object.keys(PolicyRule.shape),
  'rules.*.match': Object.keys(RuleMatch.shape),
  caps: Object.keys(PolicyCaps.shape),
  allow: Object.keys(PolicyAllow.shape),
};
