/**
 * The access policy (FPM_MEDIC_POLICY; format in docs/policy.md): who may diagnose which hosts,
 * who may approve which action, and which runbooks may act on their own where.
 */
export {
  type ActionPolicy,
  type ApprovalRequest,
  type ApprovalSettings,
  type AutoRemediation,
  type Decision,
  Policy,
} from './access-policy.js';
export { GroupMembershipError, PolicyError, PolicyNotFoundError, WorkspaceUnknownError } from './errors.js';
export { loadPolicy, type ParsePolicyOptions, POLICY_ENV, parsePolicy, policyPathFrom } from './load.js';
export { CachedGroupMembership, type GroupFetch, type GroupMembership } from './membership.js';
export type { Actor, PolicyHost, RuleRef } from './rules.js';
export {
  type Belonging,
  FixedHomeWorkspace,
  type HomeWorkspace,
  SlackHomeWorkspace,
  type WorkspaceFetch,
} from './workspace.js';
