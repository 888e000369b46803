import { userInfo } from 'node:os';
import { AuditLog, becomeDetail, diagnosisOutcome } from '../../audit/index.js';
import { diagnoseHosts } from '../../diagnosis/diagnose.js';
import { redactDeep } from '../../redact/redact.js';
import type { ReportVerdict } from '../../report/host-report.js';
import { loadRunbooks, runbookDirsFromEnv } from '../../runbooks/index.js';
import { defaultDiscoveryCacheDir, FileDiscoveryCache } from '../../store/discovery-cache.js';
import { EXIT } from '../exit-codes.js';
import { formatReportText } from '../format-report.js';
import { loadTargets, type TargetCliOptions } from '../targets.js';

export interface DiagnoseCliOptions extends TargetCliOptions {
  /** Print only the hosts' config patches (`patch -p0` applies them as they are). */
  patch?: boolean;
  /** false (`--no-cache`): dump each host's config afresh, and keep nothing. */
  cache?: boolean;
}

const EXIT_OF: Record<ReportVerdict, number> = {
  healthy: EXIT.ok,
  warning: EXIT.warning,
  critical: EXIT.critical,
  unknown: EXIT.unknown,
};

/** A group's exit code is its worst host's; "critical" outranks "unknown" (something is known broken). */
export function groupExitCode(verdicts: readonly ReportVerdict[]): number {
  for (const v of ['critical', 'unknown', 'warning'] as const) if (verdicts.includes(v)) return EXIT_OF[v];
  return EXIT.ok;
}

export async function diagnoseCommand(target: string, opts: DiagnoseCliOptions): Promise<number> {
  // Runbooks are checked before any host is touched, like the inventory: a bad one changes nothing.
  const runbooks = await loadRunbooks({ extraDirs: runbookDirsFromEnv() });
  const { hosts, single, window } = await loadTargets(target, opts);
  const audit = AuditLog.fromEnv(process.env);
  try {
    // Written (and on disk) before any host is contacted.
    const entry = await audit.begin({
      kind: 'diagnosis',
      who: { userId: cliUser(), source: 'cli' },
      what: `diagnose ${target}`,
      target,
      ...(single ? { host: target } : {}),
      detail: { window, ...becomeDetail(hosts) },
    });
    let results: Awaited<ReturnType<typeof diagnoseHosts>>;
    try {
      results = await diagnoseHosts(hosts, runbooks, {
        ...window,
        ...(opts.cache === false
          ? {}
          : { discoveryCache: new FileDiscoveryCache(defaultDiscoveryCacheDir()) }),
      });
    } catch (err) {
      await entry.fail(err);
      throw err;
    }
    await entry.complete(...diagnosisOutcome(results.map((r) => r.report)));
    return printReports(results, single, opts);
  } finally {
    await audit.close();
  }
}

function cliUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

function printReports(
  results: Awaited<ReturnType<typeof diagnoseHosts>>,
  single: boolean,
  opts: DiagnoseCliOptions,
): number {
  // What is printed ends up in tickets and chat: redacted like everything else that is shown.
  const reports = results.map((r) => redactDeep(r.report));
  if (opts.patch) {
    process.stdout.write(reports.flatMap((r) => r.patch?.files.map((f) => f.diff) ?? []).join(''));
  } else if (opts.format === 'json') {
    process.stdout.write(`${JSON.stringify(single ? reports[0] : reports, null, 2)}\n`);
  } else {
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(reports.map((r) => formatReportText(r, { color })).join('\n'));
  }
  return groupExitCode(reports.map((r) => r.verdict));
}
