/**
 * Stable ids from DESIGN.md: alerts, dashboards, policies and users key on them, so a runbook may
 * only name actions the remediation layer knows, and the shipped set is pinned by a test.
 */
export const ACTION_IDS = ['fpm-reload', 'fpm-start', 'kill-stuck-workers', 'apply-config'] as const;
export type ActionId = (typeof ACTION_IDS)[number];

/**
 * The action that applies a finding's config patch (src/fixes): offered wherever a finding has a
 * patch, whatever its runbook's `actions:` say, since the patch is what it applies.
 */
export const APPLY_CONFIG = 'apply-config' satisfies ActionId;

/**
 * Actions the policy's autoRemediation may not name: a config change is applied only after a
 * person has read its diff and approved it.
 */
export const MANUAL_ONLY_ACTIONS: readonly ActionId[] = [APPLY_CONFIG];

/**
 * The config fixes a runbook may name (front matter `fixes:`): each computes the directive
 * changes that fix its finding for good, as a reviewed diff (src/fixes/plan.ts, docs/config-fixes.md).
 */
export const FIX_IDS = ['max-children', 'timeout-chain', 'listen-backlog', 'graceful-reload'] as const;
export type FixId = (typeof FIX_IDS)[number];

export const SHIPPED_RUNBOOK_IDS = [
  'fpm-down',
  'socket-permission',
  'pool-exhausted',
  'listen-backlog-overflow',
  'self-request-deadlock',
  'slow-external-call',
  'timeout-chain-misaligned',
  'request-timeout-kill',
  'worker-oom-killed',
  'worker-crashed',
  'max-children-oversized',
  'slow-requests',
  'restart-window',
] as const;

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Higher is worse; used to sort findings and to pick a verdict. */
export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };
