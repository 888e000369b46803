import type { HostFacts, ProbeFailure, ProbeRun } from '../facts/types.js';
import type { StuckWorker } from '../remediation/types.js';
import type { Finding } from '../runbooks/index.js';
import { usersFailingWith } from './users-failing.js';

/**
 * The JSON report of DESIGN.md ("CLI"): one object per host. Alerts, dashboards and scripts key on
 * `verdict`, `findings[].runbook` and `rootCause`; everything else is for people.
 */
export type ReportVerdict = 'healthy' | 'warning' | 'critical' | 'unknown';

/**
 * A finding as the engine made it, without the rendered Markdown body (that is the runbook's).
 * `workers`: for a finding that offers kill-stuck-workers, the workers that action would end, each
 * with what lets the action check it is still the same worker on the same request (absent when
 * none can be named).
 */
export type ReportFinding = Omit<Finding, 'body'> & { workers?: StuckWorker[] };

export interface HostReport {
  host: string;
  verdict: ReportVerdict;
  durationMs: number;
  collectedAt: string;
  windowMinutes: number;
  /** The log window exactly, for windows under a minute (`--since` a moment ago). */
  windowSeconds: number;
  findings: ReportFinding[];
  probes: Pick<ProbeRun, 'id' | 'ok' | 'ms' | 'bytes'>[];
  /** What could not be read, why, and the fix: a thin report says so. */
  failures: ProbeFailure[];
  /**
   * FPM's process_control_timeout (the smallest, with several masters): how long a reload lets
   * in-flight requests finish; 0 cuts them off (REFERENCE §8.4). Absent when no config was read.
   */
  processControlTimeoutSec?: number;
}

/**
 * healthy only when every probe ran: a host we could not fully look at with no finding is
 * "unknown" (exit 3), never "healthy".
 */
export function reportVerdict(
  findings: readonly Finding[],
  facts: HostFacts,
  unreachable: boolean,
): ReportVerdict {
  if (unreachable) return 'unknown';
  if (findings.some((f) => f.severity === 'critical') || usersFailingWith(findings, facts)) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return facts.probes.every((p) => p.ok) ? 'healthy' : 'unknown';
}

export function buildHostReport(input: {
  facts: HostFacts;
  findings: readonly Finding[];
  unreachable: boolean;
  durationMs: number;
  /** The workers kill-stuck-workers would end for a runbook (src/remediation/stuck-workers.ts). */
  stuckWorkers?: (runbook: string) => StuckWorker[];
}): HostReport {
  const { facts, findings } = input;
  const report: HostReport = {
    host: facts.host,
    verdict: reportVerdict(findings, facts, input.unreachable),
    durationMs: Math.round(input.durationMs),
    collectedAt: facts.collectedAt,
    windowMinutes: facts.window.minutes,
    windowSeconds: Math.round(facts.window.seconds),
    findings: findings.map(({ body: _body, ...f }) => {
      const workers = f.actions.includes('kill-stuck-workers') ? input.stuckWorkers?.(f.runbook) : undefined;
      return workers && workers.length > 0 ? { ...f, workers } : f;
    }),
    probes: facts.probes.map(({ id, ok, ms, bytes }) => ({ id, ok, ms, bytes })),
    failures: facts.failures,
  };
  const pct = facts.fpm.globals.map((g) => g.processControlTimeoutSec);
  if (pct.length > 0) report.processControlTimeoutSec = Math.min(...pct);
  return report;
}
