/**
 * A busy host over the pools and config files discover-fpm sent for Debian's own www pool
 * (test/fixtures/fpm/discover-sources.txt), and its report: the plan, the patch and the capacity
 * tests and the Slack tests of the patch read the same one.
 */
import type { AccessLogEntry, FpmPoolConfig, HostFacts } from '../../../src/facts/types.js';
import { parseFpmDiscovery } from '../../../src/probes/parsers/discover-fpm.js';
import { buildHostReport, type HostReport } from '../../../src/report/host-report.js';
import { baseFacts, NOW, worker } from '../analysis/helpers.js';
import { fixtureSections } from '../probes/fpm/fixtures.js';
import { signalsWith } from '../runbooks/signals-builder.js';

export const found = parseFpmDiscovery(fixtureSections('discover-sources.txt'));
export const www = found.pools.find((p) => p.masterPid === 0 && p.name === 'www')!;
export const WWW = '/etc/php/8.2/fpm/pool.d/www.conf';

/** 14 req/s of 0.9 s over the 15-minute window, five 40 MB workers. */
export function busyHost(pools: FpmPoolConfig[] = [www]): HostFacts {
  const accessLog: AccessLogEntry[] = Array.from({ length: 14 * 900 }, (_, i) => ({
    time: NOW - 900 + i / 14,
    pool: 'www',
    durationMs: 900,
  }));
  return baseFacts({
    fpm: {
      masters: [],
      globals: found.globals.filter((g) => g.masterPid === 0),
      pools,
      php: found.php,
      configFiles: found.configFiles,
    },
    processes: [1, 2, 3, 4, 5].map((i) => worker(200 + i, 'www', { ppid: 0, rssKb: 40 * 1024 })),
    accessLog,
  });
}

// floor(budget × 80% / 40 MB) = 41 workers.
export const memory = { budgetKb: Math.ceil((41 * 40 * 1024) / 0.8), oversized: false };

/** busyHost's report with its pool-exhausted finding: a 4-change patch of www.conf. */
export function busyReport(): HostReport {
  const facts = busyHost();
  const signals = signalsWith({ memory });
  const finding = {
    runbook: 'pool-exhausted',
    severity: 'critical' as const,
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: 'Pool exhausted',
    summary: 'every worker busy',
    evidence: [],
    actions: [],
    fix: 'raise pm.max_children',
    confidence: 1,
    missingProbes: [],
  };
  return buildHostReport({
    facts,
    findings: [finding],
    unreachable: false,
    durationMs: 1,
    signals,
    runbooks: [{ id: 'pool-exhausted', when: { text: 'true' } as never, needs: [], fixes: ['max-children'] }],
  });
}
