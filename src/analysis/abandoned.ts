/**
 * Requests the web server has already given up on: busy workers whose current request has run at
 * least the read timeout of the web server in front of their pool. Their clients got a 504; the
 * workers still hold a slot each, so they are what kill-stuck-workers may end when the pool is
 * full. Only the status page knows how long a request has run: with only the process table (the
 * page timed out, as it does when the pool is full) none is named, since a process's age is not
 * its request's.
 */
import type { FpmPoolConfig, HostFacts, ProcessInfo } from '../facts/types.js';
import { localHosts } from './address.js';
import { capEvidence, seconds } from './evidence.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { routesTo } from './timeout-chain.js';
import { allWorkers, type Worker } from './workers.js';

/** When no web server config says how long it waits (nginx's and Apache's usual 60 s). */
const DEFAULT_READ_TIMEOUT_SEC = 60;

/** The pool config a worker belongs to: its name, under its own master when the config says. */
export function poolOf(facts: HostFacts, w: Worker, proc: ProcessInfo): FpmPoolConfig | undefined {
  return facts.fpm.pools.find((p) => p.name === w.pool && (p.masterPid <= 0 || p.masterPid === proc.ppid));
}

/** The longest read timeout of the routes to this pool, else the timeout chain's, else 60 s. */
function readTimeoutSec(facts: HostFacts, pool: FpmPoolConfig | undefined, chainSec: number): number {
  const routes = pool ? routesTo(facts, pool) : [];
  if (routes.length > 0) return Math.max(...routes.map((r) => r.readTimeoutSec));
  return chainSec > 0 ? chainSec : DEFAULT_READ_TIMEOUT_SEC;
}

/** `webReadTimeoutSec`: the timeout chain's (analyzeTimeoutChain), for pools no route names. */
export function analyzeAbandoned(facts: HostFacts, webReadTimeoutSec: number): AnalyzerResult<'abandoned'> {
  const procs = new Map(facts.processes.map((p) => [p.pid, p]));
  const found: { w: Worker; timeout: number }[] = [];
  for (const w of allWorkers(facts, localHosts(facts))) {
    if (!w.busy || !w.durationFromStatus) continue;
    const proc = procs.get(w.pid);
    const timeout = readTimeoutSec(facts, proc ? poolOf(facts, w, proc) : undefined, webReadTimeoutSec);
    if (w.durationSec >= timeout) found.push({ w, timeout });
  }
  found.sort((a, b) => a.w.pid - b.w.pid);
  const evidence: Evidence[] = found.map(({ w, timeout }) => ({
    source: 'fpm-status',
    text: `worker ${w.pid} (pool ${w.pool}) has run ${w.request ?? 'its request'} for ${seconds(w.durationSec)}, past the web server's ${seconds(timeout)} read timeout`,
  }));
  const pids = found.map(({ w }) => w.pid);
  return { key: 'abandoned', value: { workers: pids.length, pids }, evidence: capEvidence(evidence) };
}
