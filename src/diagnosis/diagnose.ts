import pLimit from 'p-limit';
import { analyze } from '../analysis/analyze.js';
import type { ResolvedHost } from '../config/types.js';
import { type Collected, collectFacts } from '../probes/collect.js';
import type { DiscoveryCache } from '../probes/discovery-cache.js';
import { buildHostReport, type HostReport } from '../report/host-report.js';
import { evaluateRunbooks, type Runbook } from '../runbooks/index.js';
import { withTransport } from '../transport/factory.js';
import type { Transport } from '../transport/transport.js';

export interface DiagnoseOptions {
  windowSec: number;
  /** Absolute window start (epoch seconds), see CollectOptions.sinceEpoch. */
  sinceEpoch?: number;
  /** For tests and callers that already hold a connection (the worker's pool). */
  transport?: Transport;
  signal?: AbortSignal;
  /** Keep and reuse each host's discovery dumps while the host says they still hold. */
  discoveryCache?: DiscoveryCache;
}

export interface Diagnosis {
  report: HostReport;
  collected: Collected;
}

/** One host: probes -> facts -> signals -> runbooks -> report. Never throws for host trouble. */
export async function diagnoseHost(
  host: ResolvedHost,
  runbooks: readonly Runbook[],
  options: DiagnoseOptions,
): Promise<Diagnosis> {
  const started = performance.now();
  return withTransport(host, options.transport, async (transport) => {
    const collected = await collectFacts(transport, host, {
      windowSec: options.windowSec,
      ...(options.sinceEpoch !== undefined ? { sinceEpoch: options.sinceEpoch } : {}),
      commandTimeoutMs: host.commandTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.discoveryCache
        ? { discoveryCache: { cache: options.discoveryCache, identity: discoveryIdentity(host) } }
        : {}),
    });
    const selfAddresses = host.selfAddresses.map((a) =>
      a.port === undefined ? { host: a.host } : { host: a.host, port: a.port },
    );
    const analysis = analyze(collected.facts, { selfAddresses });
    const findings = collected.unreachable
      ? []
      : evaluateRunbooks(runbooks, analysis, {
          failedProbes: collected.facts.probes.filter((p) => !p.ok).map((p) => p.id),
        });
    const report = buildHostReport({
      facts: collected.facts,
      findings,
      unreachable: collected.unreachable,
      durationMs: performance.now() - started,
      runbooks,
      // The signals name the workers kill-stuck-workers may act on later (runbooks' `workers:`).
      signals: analysis.signals,
    });
    return { report, collected };
  });
}

/** Who a host's dumps are read as: another address, port, login or become sees other files. */
export function discoveryIdentity(host: ResolvedHost): string {
  const become = host.become ? JSON.stringify(host.become) : 'none';
  if (host.local || !host.ssh) return `local ${become}`;
  return `${host.ssh.user}@${host.address}:${host.ssh.port} ${become}`;
}

/** Hosts of a group in parallel, never more than this many SSH sessions at once (parallel-ssh's default). */
export const GROUP_CONCURRENCY = 32;

export async function diagnoseHosts(
  hosts: readonly ResolvedHost[],
  runbooks: readonly Runbook[],
  options: Omit<DiagnoseOptions, 'transport'> & { concurrency?: number },
): Promise<Diagnosis[]> {
  const limit = pLimit(options.concurrency ?? GROUP_CONCURRENCY);
  return Promise.all(hosts.map((h) => limit(() => diagnoseHost(h, runbooks, options))));
}
