import type { HostReport } from '../report/host-report.js';

/** An audit outcome for finished reports: the worst verdict, and each host's verdict and root causes. */
export function diagnosisOutcome(
  reports: readonly (Pick<HostReport, 'host' | 'verdict' | 'findings'> & { reportId?: string })[],
): [string, Record<string, unknown>] {
  const order = ['critical', 'unknown', 'warning', 'healthy'] as const;
  const worst = order.find((v) => reports.some((r) => r.verdict === v)) ?? 'unknown';
  return [
    worst,
    {
      reports: reports.map((r) => ({
        host: r.host,
        verdict: r.verdict,
        rootCauses: r.findings.filter((f) => f.rootCause).map((f) => f.runbook),
        ...(r.reportId ? { reportId: r.reportId } : {}),
      })),
    },
  ];
}
