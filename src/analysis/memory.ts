/**
 * Would every pool at pm.max_children fit in memory? A pool that cannot is an OOM kill waiting for
 * the next traffic peak.
 *
 * The budget is MemAvailable plus the RSS the running workers hold: the projection counts every
 * worker at max_children, including those already running, whose memory MemAvailable no longer
 * includes. Inside a memory cgroup (systemd MemoryMax, a container) the limit applies to the whole
 * group and is the budget when smaller. RSS counts shared pages (opcache, libraries, pages shared
 * with the master) in every worker, so the projection errs on the safe side.
 */
import type { HostFacts } from '../facts/types.js';
import { capEvidence, megabytes } from './evidence.js';
import { activePools } from './scope.js';
import type { AnalyzerResult, Evidence, Signals } from './signals.js';

/** Headroom for the master, the web server and the page cache the site needs to stay fast. */
export const BUDGET_SHARE = 0.8;

export function analyzeMemory(facts: HostFacts): AnalyzerResult<'memory'> {
  const workers = facts.processes.filter((p) => p.role === 'fpm-worker');
  const workerRssKb = workers.reduce((sum, p) => sum + p.rssKb, 0);
  const avgWorkerRssKb = workers.length > 0 ? Math.round(workerRssKb / workers.length) : 0;
  const pools = activePools(facts);
  const maxChildrenTotal = pools.reduce((sum, p) => sum + p.maxChildren, 0);
  const projectedKb = maxChildrenTotal * avgWorkerRssKb;
  const mem = facts.memory;
  let budgetKb = -1;
  if (mem) {
    const host = mem.memAvailableKb + workerRssKb;
    budgetKb = mem.cgroupLimitKb !== undefined ? Math.min(host, mem.cgroupLimitKb) : host;
  }
  const known = budgetKb >= 0 && avgWorkerRssKb > 0;
  const value: Signals['memory'] = {
    availableKb: mem?.memAvailableKb ?? -1,
    budgetKb,
    avgWorkerRssKb,
    maxChildrenTotal,
    projectedKb,
    oversized: known && maxChildrenTotal > 0 && projectedKb > budgetKb,
    suggestedMaxChildren: known ? Math.max(1, Math.floor((budgetKb * BUDGET_SHARE) / avgWorkerRssKb)) : -1,
  };
  const evidence: Evidence[] = [];
  if (workers.length > 0) {
    evidence.push({
      source: 'ps',
      text: `ps: ${workers.length} FPM workers, average RSS ${megabytes(avgWorkerRssKb)} (largest ${megabytes(
        Math.max(...workers.map((w) => w.rssKb)),
      )})`,
    });
  }
  if (pools.length > 0) {
    const parts = pools.map((p) => `${p.name} ${p.maxChildren}`).join(', ');
    evidence.push({ source: 'config', text: `pm.max_children: ${parts} = ${maxChildrenTotal} in total` });
  }
  if (mem) {
    const cgroup =
      mem.cgroupLimitKb !== undefined
        ? `, cgroup limit ${megabytes(mem.cgroupLimitKb)}`
        : ', no cgroup limit';
    evidence.push({
      source: 'meminfo',
      text: `MemAvailable ${megabytes(mem.memAvailableKb)} + running workers ${megabytes(workerRssKb)}${cgroup}: budget ${megabytes(budgetKb)}`,
    });
  }
  if (known && maxChildrenTotal > 0) {
    evidence.push({
      source: 'meminfo',
      text: `${maxChildrenTotal} × ${megabytes(avgWorkerRssKb)} = ${megabytes(projectedKb)} ${
        value.oversized ? '>' : '<='
      } budget ${megabytes(budgetKb)}; fits: pm.max_children ${value.suggestedMaxChildren} in total (${BUDGET_SHARE * 100}% of the budget)`,
    });
  }
  return { key: 'memory', value, evidence: capEvidence(evidence) };
}
