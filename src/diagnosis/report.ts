import type { Evidence } from '../analysis/signals.js';
import type { HostFacts, ProbeFailure, ProbeRun } from '../facts/types.js';
import type { ActionId, Finding, Severity } from '../runbooks/index.js';

/**
 * The JSON report of DESIGN.md ("CLI"): one object per host. Alerts, dashboards and scripts key on
 * `verdict`, `findings[].runbook` and `rootCause`; everything else is for people.
 */
export type ReportVerdict = 'healthy' | 'warning' | 'critical' | 'unknown';

export interface ReportFinding {
  runbook: string;
  severity: Severity;
  rootCause: boolean;
  symptoms: string[];
  explainedBy: string[];
  title: string;
  summary: string;
  evidence: Evidence[];
  actions: ActionId[];
  fix: string;
  confidence: number;
  missingProbes: string[];
}

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
    // Only what the engine decided to show; `info` findings stay in the report for completeness.
    findings: findings.map((f) => ({
      runbook: f.runbook,
      severity: f.severity,
      rootCause: f.rootCause,
      symptoms: f.symptoms,
      explainedBy: f.explainedBy,
      title: f.title,
      summary: f.summary,
      evidence: f.evidence,
      actions: f.actions,
      fix: f.fix,
      confidence: f.confidence,
      missingProbes: f.missingProbes,
    })),
    probes: facts.probes.map(({ id, ok, ms, bytes }) => ({ id, ok, ms, bytes })),
    failures: facts.failures,
  };
}
