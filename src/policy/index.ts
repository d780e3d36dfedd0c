/** Policies: which plan steps may run, which need confirmation, which are denied (policies/*.yaml). */
export { Policy, PolicyRule, RuleMatch, PolicyCaps, PolicyAllow, PolicyVerdict, isBytesSlot, slotQuantity } from './schema.js';
export type { PolicyInput } from './schema.js';
export {
  evaluateStep,
  evaluatePlan,
  countStep,
  effectiveEffect,
  creationRequest,
  ruleMatches,
  globMatch,
  NO_RUN,
} from './evaluate.js';
export type { StepFacts, RunCounters, CreationRequest } from './evaluate.js';
export {
  loadPolicy,
  parsePolicy,
  applyAllowAdmin,
  bundledPolicyNames,
  PolicyError,
  formatProblem,
  didYouMean,
  DEFAULT_POLICY,
} from './load.js';
export type { LoadedPolicy, LoadPolicyOptions, PolicyProblem } from './load.js';
