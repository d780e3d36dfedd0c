/**
 * The policy verdict of a plan step. Only the step's facts decide (operation, method, path,
 * tags, privilege, arguments) — never what the planner or an LLM claims about the step.
 *
 * Order: the first matching rule (or the default for the step's effect) gives the verdict; a
 * step that would be sent is then held to the per-run caps, the resource caps and the
 * allowlists, any of which turns it into `deny` naming the cap and the numbers.
 */
import type { StepFacts } from '../planner/check.js';
import { isStepValueRef, type PolicyDecision } from '../planner/plan.js';
import { effectOfRequest } from '../spec/call-facts.js';
import { formatBinarySize } from '../units.js';
import { isBytesSlot, slotQuantity, type Policy, type PolicyRule, type RuleMatch } from './schema.js';

export type { StepFacts };

/** What earlier steps of the same run have used up (steps that were denied are not counted). */
export interface RunCounters {
  calls: number;
  sessions: number;
}

export const NO_RUN: RunCounters = { calls: 0, sessions: 0 };

// ---------------------------------------------------------------------------------------------
// Facts derived from the step

/**
 * The step's effect as the one rule decides it (spec/call-facts.ts) from its method, path and
 * body; the step's own `effect` can only add a write (an operation the spec marks as writing).
 */
export function effectiveEffect(step: StepFacts): 'read' | 'write' {
  if (step.effect === 'write') return 'write';
  return effectOfRequest(step.method, step.path, step.body);
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function firstDefined(obj: Record<string, unknown> | undefined, ...keys: string[]): unknown {
  if (!obj) return undefined;
  for (const k of keys) if (obj[k] !== undefined) return obj[k];
  return undefined;
}

/** What a session- or service-creating call asks for, as far as its body says. */
export interface CreationRequest {
  /** Sessions the call creates (a service: its replicas). */
  sessions: number;
  /** Per-node resources as requested (raw values: `"128g"`, `8`, `"2.5"`, or a step ref). */
  resources: Record<string, unknown>;
  clusterSize: unknown;
  resourceGroup: { name?: unknown; id?: unknown };
  image: { ref?: unknown; id?: unknown };
}

/**
 * Recognised by method + path (the facts the manager routes on), so a curated spec's
 * operationIds cannot hide a creation from the caps.
 */
export function creationRequest(step: StepFacts): CreationRequest | undefined {
  if (step.method !== 'POST') return undefined;
  const body = asRecord(step.body) ?? {};
  const config = asRecord(body.config);
  switch (step.path) {
    case '/session':
    case '/session/_/create':
    case '/session/_/create-from-template':
    case '/session/_/create-cluster':
      return {
        sessions: 1,
        resources: asRecord(config?.resources) ?? {},
        clusterSize: firstDefined(body, 'cluster_size', 'clusterSize'),
        resourceGroup: { name: firstDefined(config, 'scaling_group', 'scalingGroup') },
        image: { ref: firstDefined(body, 'image', 'lang') },
      };
    case '/v2/sessions/enqueue': {
      const resources: Record<string, unknown> = {};
      const entries = Array.isArray(body.resource_entries) ? body.resource_entries : [];
      for (const entry of entries) {
        const e = asRecord(entry);
        if (e && typeof e.resource_type === 'string') resources[e.resource_type] = e.quantity;
      }
      return {
        sessions: 1,
        resources,
        clusterSize: body.cluster_size,
        resourceGroup: { name: body.resource_group, id: body.resource_group_id },
        image: { id: body.image_id },
      };
    }
    case '/services':
    case '/services/_/try': {
      const replicas = firstDefined(body, 'replicas', 'desired_session_count', 'desiredSessionCount');
      return {
        sessions: step.path === '/services' && typeof replicas === 'number' && replicas >= 1 ? replicas : 1,
        resources: asRecord(config?.resources) ?? {},
        clusterSize: firstDefined(body, 'cluster_size', 'clusterSize'),
        resourceGroup: { name: firstDefined(config, 'scaling_group', 'scalingGroup') },
        image: { ref: firstDefined(body, 'image', 'lang') },
      };
    }
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Matching

/** `*` = any run of characters, `?` = one character; everything else literal; whole string. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const globCache = new Map<string, RegExp>();
export function globMatch(glob: string, value: string): boolean {
  let re = globCache.get(glob);
  if (!re) globCache.set(glob, (re = globToRegExp(glob)));
  return re.test(value);
}

const list = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

export function ruleMatches(match: RuleMatch, step: StepFacts, effect: 'read' | 'write'): boolean {
  const ids = list(match.operationId);
  if (ids && !ids.some((g) => globMatch(g, step.operationId))) return false;
  const tags = list(match.tag);
  if (tags && !tags.some((g) => step.tags.some((t) => globMatch(g, t)))) return false;
  const paths = list(match.path);
  if (paths && !paths.some((g) => globMatch(g, step.path))) return false;
  const methods = list(match.method);
  if (methods && !methods.includes(step.method.toUpperCase() as (typeof methods)[number])) return false;
  if (match.effect && match.effect !== effect) return false;
  const privileges = list(match.privilege);
  if (privileges && !privileges.includes(step.privilege)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const deny = (rule: string, reason: string): PolicyDecision => ({ verdict: 'deny', rule, reason });

function baseDecision(policy: Policy, step: StepFacts, effect: 'read' | 'write'): PolicyDecision {
  const index = policy.rules.findIndex((r: PolicyRule) => ruleMatches(r.match, step, effect));
  const rule = policy.rules[index];
  if (rule) return { verdict: rule.verdict, rule: `rules[${index}]`, reason: rule.reason };
  const verdict = policy.defaults[effect];
  const said = verdict === 'allow' ? 'are allowed' : verdict === 'confirm' ? 'need confirmation' : 'are denied';
  return { verdict, rule: `defaults.${effect}`, reason: `${effect}s ${said} by default in policy ${policy.name}` };
}

function showQuantity(slot: string, n: number): string {
  return isBytesSlot(slot) ? formatBinarySize(n) : String(n);
}

/** The first cap or allowlist a creation breaks, as a deny decision. */
function checkCreation(policy: Policy, req: CreationRequest, run: RunCounters): PolicyDecision | undefined {
  const caps = policy.caps ?? {};
  if (caps.sessionsPerRun !== undefined && run.sessions + req.sessions > caps.sessionsPerRun) {
    const total = run.sessions + req.sessions;
    return deny(
      'caps.sessionsPerRun',
      `this would be session ${total} of the run, over the policy cap of ${caps.sessionsPerRun} sessions per run (caps.sessionsPerRun)`,
    );
  }

  let nodes = 1;
  if (req.clusterSize !== undefined) {
    const n = typeof req.clusterSize === 'number' ? req.clusterSize : Number(req.clusterSize);
    if (isStepValueRef(req.clusterSize) || !Number.isInteger(n) || n < 1) {
      if (caps.clusterSize !== undefined || caps.resources)
        return deny('caps.clusterSize', `cluster_size ${JSON.stringify(req.clusterSize)} cannot be checked against the policy caps`);
    } else nodes = n;
  }
  if (caps.clusterSize !== undefined && nodes > caps.clusterSize) {
    return deny('caps.clusterSize', `cluster_size ${nodes} exceeds the policy cap ${caps.clusterSize} (caps.clusterSize)`);
  }

  for (const [slot, capRaw] of Object.entries(caps.resources ?? {})) {
    const raw = req.resources[slot];
    if (raw === undefined) continue; // not requested: the manager's (small) default applies
    const cap = slotQuantity(slot, capRaw)!; // validated at load time
    const rule = `caps.resources.${slot}`;
    const perNode = slotQuantity(slot, raw);
    if (perNode === undefined || isStepValueRef(raw)) {
      return deny(rule, `${slot} ${JSON.stringify(raw)} is not a quantity the policy can check (${rule})`);
    }
    const total = perNode * nodes;
    if (total > cap) {
      const amount =
        nodes > 1
          ? `${showQuantity(slot, total)} (${showQuantity(slot, perNode)} per node × ${nodes} nodes)`
          : showQuantity(slot, total);
      return deny(rule, `${slot} ${amount} exceeds the policy cap ${showQuantity(slot, cap)} (${rule})`);
    }
  }

  const groups = policy.allow?.resourceGroups;
  if (groups) {
    const { name, id } = req.resourceGroup;
    if (typeof name === 'string') {
      if (!groups.some((g) => globMatch(g, name)))
        return deny('allow.resourceGroups', `resource group "${name}" is not one the policy allows (allow.resourceGroups: ${groups.join(', ')})`);
    } else {
      const why = id !== undefined ? 'is given by id' : 'is not named (the manager would pick one)';
      return deny('allow.resourceGroups', `the resource group ${why}, so it cannot be checked against allow.resourceGroups (${groups.join(', ')})`);
    }
  }

  const images = policy.allow?.images;
  if (images) {
    const { ref, id } = req.image;
    if (typeof ref === 'string') {
      if (!images.some((g) => globMatch(g, ref)))
        return deny('allow.images', `image "${ref}" is not one the policy allows (allow.images: ${images.join(', ')})`);
    } else {
      const why = id !== undefined ? 'is given by id' : 'is not named in the request';
      return deny('allow.images', `the image ${why}, so it cannot be checked against allow.images (${images.join(', ')})`);
    }
  }
  return undefined;
}

/** The verdict of one step, given what earlier steps of the run used up. */
export function evaluateStep(policy: Policy, step: StepFacts, run: RunCounters = NO_RUN): PolicyDecision {
  const effect = effectiveEffect(step);
  const base = baseDecision(policy, step, effect);
  if (base.verdict === 'deny') return base;

  const callsCap = policy.caps?.callsPerRun;
  if (callsCap !== undefined && run.calls + 1 > callsCap) {
    return deny('caps.callsPerRun', `this would be call ${run.calls + 1} of the run, over the policy cap of ${callsCap} calls per run (caps.callsPerRun)`);
  }
  const creation = effect === 'write' ? creationRequest(step) : undefined;
  if (creation) return checkCreation(policy, creation, run) ?? base;
  return base;
}

/** What a step adds to the run's counters if it is sent. */
export function countStep(step: StepFacts, decision: PolicyDecision, run: RunCounters): RunCounters {
  if (decision.verdict === 'deny') return run; // never sent
  const creation = effectiveEffect(step) === 'write' ? creationRequest(step) : undefined;
  return { calls: run.calls + 1, sessions: run.sessions + (creation?.sessions ?? 0) };
}

/** Verdicts of a plan's steps in order, with the per-run caps counted across them. */
export function evaluatePlan(policy: Policy, steps: StepFacts[]): PolicyDecision[] {
  let run = NO_RUN;
  return steps.map((step) => {
    const decision = evaluateStep(policy, step, run);
    run = countStep(step, decision, run);
    return decision;
  });
}
