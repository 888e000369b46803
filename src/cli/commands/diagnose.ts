import { inventoryPathFrom, loadInventory, resolveTargets } from '../../config/inventory.js';
import { diagnoseHosts } from '../../diagnosis/diagnose.js';
import type { ReportVerdict } from '../../diagnosis/report.js';
import { loadRunbooks, runbookDirsFromEnv } from '../../runbooks/index.js';
import { parseDurationSec, parseSince } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { formatReportText } from '../format-report.js';

export interface DiagnoseCliOptions {
  inventory?: string;
  format: 'text' | 'json';
  window: string;
  since?: string;
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
  const windowSec = parseDurationSec(opts.window);
  const sinceEpoch = opts.since === undefined ? undefined : parseSince(opts.since);
  const { path } = inventoryPathFrom(opts.inventory, process.env);
  // Both are checked before any host is touched: a bad inventory or runbook changes nothing.
  const [inventory, runbooks] = await Promise.all([
    loadInventory(path),
    loadRunbooks({ extraDirs: runbookDirsFromEnv() }),
  ]);
  const hosts = resolveTargets(inventory, target);
  const results = await diagnoseHosts(hosts, runbooks, {
    windowSec,
    ...(sinceEpoch !== undefined ? { sinceEpoch } : {}),
  });
  const reports = results.map((r) => r.report);
  if (opts.format === 'json') {
    const single = hosts.length === 1 && hosts[0]!.name === target;
    process.stdout.write(`${JSON.stringify(single ? reports[0] : reports, null, 2)}\n`);
  } else {
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    process.stdout.write(reports.map((r) => formatReportText(r, { color })).join('\n'));
  }
  return groupExitCode(reports.map((r) => r.verdict));
}
