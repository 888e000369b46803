import type { HostFacts, ProbeFailure, ProbeRun } from '../facts/types.js';
import type { Finding } from '../runbooks/index.js';

/**
 * The JSON report of DESIGN.md ("CLI"): one object per host. Alerts, dashboards and scripts key on
 * `verdict`, `findings[].runbook` and `rootCause`; everything else is for people.
 */
export type ReportVerdict = 'healthy' | 'warning' | 'critical' | 'unknown';

/** A finding as the engine made it, without the rendered Markdown body (that is the runbook's). */
export type ReportFinding = Omit<Finding, 'body'>;

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
  if (findings.some((f) => f.severity === 'critical')) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return facts.probes.every((p) => p.ok) ? 'healthy' : 'unknown';
}

export function buildHostReport(input: {
  facts: HostFacts;
  findings: readonly Finding[];
  unreachable: boolean;
  durationMs: number;
}): HostReport {
  const { facts, findings } = input;
  return {
    host: facts.host,
    verdict: reportVerdict(findings, facts, input.unreachable),
    durationMs: Math.round(input.durationMs),
    collectedAt: facts.collectedAt,
    windowMinutes: facts.window.minutes,
    windowSeconds: Math.round(facts.window.seconds),
    findings: findings.map(({ body: _body, ...f }) => f),
    probes: facts.probes.map(({ id, ok, ms, bytes }) => ({ id, ok, ms, bytes })),
    failures: facts.failures,
  };
}
