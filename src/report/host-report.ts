import type { Signals } from '../analysis/signals.js';
import type { HostFacts, ProbeFailure, ProbeRun, RuntimeSources } from '../facts/types.js';
import { type ConfigPatch, hostFixes, type PoolCapacity } from '../fixes/index.js';
import { type Coverage, runbookCoverage } from '../runbooks/coverage.js';
import { type ActionId, APPLY_CONFIG } from '../runbooks/ids.js';
import type { Finding, Runbook } from '../runbooks/index.js';
import { workerPidsAt } from '../runbooks/signal-spec.js';
import { namedWorkers, type StuckWorker } from './named-workers.js';
import { usersFailingWith } from './users-failing.js';

/**
 * The JSON report of DESIGN.md ("CLI"): one object per host. Alerts, dashboards and scripts key on
 * `verdict`, `findings[].runbook` and `rootCause`; everything else is for people.
 */
export type ReportVerdict = 'healthy' | 'warning' | 'critical' | 'unknown';

/**
 * A finding as the engine made it, without the rendered Markdown body (that is the runbook's).
 * `workers`: for a finding whose runbook names workers, the workers kill-stuck-workers would end, each
 * with what lets the action check it is still the same worker on the same request (absent when
 * none can be named). `patch`: for a finding whose runbook names config fixes, its share of the
 * host's patch (absent when nothing needs changing or the files could not be located).
 */
export type ReportFinding = Omit<Finding, 'body'> & { workers?: StuckWorker[]; patch?: ConfigPatch };

export interface HostReport {
  host: string;
  verdict: ReportVerdict;
  durationMs: number;
  collectedAt: string;
  windowMinutes: number;
  /** The log window exactly, for windows under a minute (`--since` a moment ago). */
  windowSeconds: number;
  findings: ReportFinding[];
  /** `cachedAt`: discovery reused the dump made then, the host having said nothing it read changed. */
  probes: Pick<ProbeRun, 'id' | 'ok' | 'ms' | 'bytes' | 'cachedAt'>[];
  /** What could not be read, why, and the fix: a thin report says so. */
  failures: ProbeFailure[];
  /**
   * Which diagnoses this look at the host could make: `complete` when nothing was hidden; else
   * the runbooks that could still be ruled out (`checked`) and those that could not (`blind`,
   * each with what hid its evidence). Always set by buildHostReport; absent in reports stored
   * before it existed.
   */
  coverage?: Coverage;
  /**
   * Where the process and socket tables came from: `ps`/`ss`, or `proc` where the host has no
   * procps or iproute2 (BusyBox, the official php:fpm image). Absent when the runtime probe failed.
   */
  sources?: RuntimeSources;
  /**
   * FPM's process_control_timeout (the smallest, with several masters): how long a reload lets
   * in-flight requests finish; 0 cuts them off (REFERENCE §8.4). Absent when no config was read.
   */
  processControlTimeoutSec?: number;
  /** Per pool: arrival rate × request duration = workers needed, beside what it has and what memory allows. */
  capacity?: PoolCapacity[];
  /** Every finding's config fix in one coherent patch (`fpm-medic diagnose --patch` prints its diffs). */
  patch?: ConfigPatch;
}

/**
 * The worst finding's severity; with none, `healthy` only when the host was fully examined. A
 * failure that hid evidence (coverage.complete false: see analysis/blind-spots.ts, per reason)
 * makes "no finding" mean "nothing found in what could be seen": `unknown` (exit 3), never
 * `healthy` (DESIGN.md rule 9). While users get gateway errors, any finding is critical
 * (usersFailingWith).
 */
export function reportVerdict(
  findings: readonly Finding[],
  facts: HostFacts,
  coverage: Pick<Coverage, 'complete'>,
  unreachable: boolean,
): ReportVerdict {
  if (unreachable) return 'unknown';
  if (findings.some((f) => f.severity === 'critical') || usersFailingWith(findings, facts)) return 'critical';
  if (findings.some((f) => f.severity === 'warning')) return 'warning';
  return coverage.complete ? 'healthy' : 'unknown';
}

export function buildHostReport(input: {
  facts: HostFacts;
  findings: readonly Finding[];
  unreachable: boolean;
  durationMs: number;
  /**
   * The signals the findings were judged on: with them, a finding whose runbook names workers
   * (its `workers:` key) lists them, for kill-stuck-workers.
   */
  signals?: Signals;
  /** The runbooks evaluated: coverage names those the failures kept from being judged. */
  runbooks?: readonly Pick<Runbook, 'id' | 'when' | 'needs' | 'workers' | 'fixes'>[];
}): HostReport {
  const { facts, findings } = input;
  const coverage = runbookCoverage(input.runbooks ?? [], facts, findings);
  const runbookOf = (id: string) => input.runbooks?.find((r) => r.id === id);
  const fixes =
    input.signals && !input.unreachable
      ? hostFixes(
          facts,
          input.signals,
          findings.map((f) => ({ runbook: f.runbook, fixes: runbookOf(f.runbook)?.fixes ?? [] })),
        )
      : undefined;
  const report: HostReport = {
    host: facts.host,
    verdict: reportVerdict(findings, facts, coverage, input.unreachable),
    durationMs: Math.round(input.durationMs),
    collectedAt: facts.collectedAt,
    windowMinutes: facts.window.minutes,
    windowSeconds: Math.round(facts.window.seconds),
    findings: findings.map(({ body: _body, ...f }) => {
      const path = runbookOf(f.runbook)?.workers;
      const pids = path && input.signals ? workerPidsAt(input.signals, path) : [];
      const workers = pids.length > 0 ? namedWorkers(facts, pids) : [];
      const patch = fixes?.byFinding.get(f.runbook);
      // The patch is what apply-config applies: offered wherever there is one, and only there.
      const actions: ActionId[] = f.actions.filter((a) => a !== APPLY_CONFIG);
      if (patch) actions.push(APPLY_CONFIG);
      return { ...f, actions, ...(workers.length > 0 ? { workers } : {}), ...(patch ? { patch } : {}) };
    }),
    probes: facts.probes.map(({ id, ok, ms, bytes, cachedAt }) => ({
      id,
      ok,
      ms,
      bytes,
      ...(cachedAt ? { cachedAt } : {}),
    })),
    failures: facts.failures,
    coverage,
  };
  if (facts.sources) report.sources = facts.sources;
  const pct = facts.fpm.globals.map((g) => g.processControlTimeoutSec);
  if (pct.length > 0) report.processControlTimeoutSec = Math.min(...pct);
  if (fixes && fixes.capacity.length > 0) report.capacity = fixes.capacity;
  if (fixes?.patch) report.patch = fixes.patch;
  return report;
}
