/**
 * Which workers a finding's kill-stuck-workers action would end, with what identifies each beyond
 * its pid (pure: facts + runbook id -> StuckWorker[]). The action later kills a worker only while
 * it is still that process on that request, so a worker whose request cannot be named (no
 * accepted connection in the socket table) is left out rather than guessed at.
 *
 * - self-request-deadlock: the workers holding connections to this host's own site;
 * - slow-external-call: the busy workers waiting on the top endpoint;
 * - pool-exhausted, listen-backlog-overflow, slow-requests: busy workers whose current request has
 *   run at least the web server's read timeout (the web server has given up on them already).
 *   Only the status page knows how long a request has run; with only the process table (the
 *   page timed out, as it does when the pool is full) none is named: a process's age is not its
 *   request's.
 */
import { type LocalTest, localHosts, parseEndpoint, reaches } from '../analysis/address.js';
import { analyzeExternal } from '../analysis/external.js';
import { analyzeSelfRequest, type SelfAddress } from '../analysis/self-request.js';
import { analyzeTimeoutChain, routesTo } from '../analysis/timeout-chain.js';
import { allWorkers, type Worker } from '../analysis/workers.js';
import type { FpmPoolConfig, HostFacts, ProcessInfo } from '../facts/types.js';
import type { StuckWorker } from './types.js';

export interface StuckWorkerOptions {
  /** Inventory selfAddresses, as the diagnosis used them. */
  selfAddresses?: readonly SelfAddress[];
}

/** When no web server config says how long it waits (nginx's and Apache's usual 60 s). */
export const DEFAULT_READ_TIMEOUT_SEC = 60;

const BY_DURATION = new Set(['pool-exhausted', 'listen-backlog-overflow', 'slow-requests']);

function poolOf(facts: HostFacts, w: Worker, proc: ProcessInfo): FpmPoolConfig | undefined {
  return facts.fpm.pools.find((p) => p.name === w.pool && (p.masterPid <= 0 || p.masterPid === proc.ppid));
}

/**
 * The connection the worker accepted its request on: its socket whose local end is the pool's
 * listen address (the one workers.ts counts as "serving"), ESTAB or CLOSE-WAIT (the client gave up;
 * the worker still holds it). Without the pool's config, a listener the worker shares (it inherited
 * the listen fd) stands in for it. Named by inode where the table gives one (unix sockets; TCP
 * read from /proc), else by its two ends as ss prints them.
 */
export function acceptedConn(
  facts: HostFacts,
  pid: number,
  pool: FpmPoolConfig | undefined,
  isLocal: LocalTest = localHosts(facts),
): string | undefined {
  const listens = pool
    ? [pool.listen]
    : facts.listeners
        .filter((l) => l.pids.includes(pid))
        .map((l) => parseEndpoint(l.address))
        .filter((a) => a !== undefined);
  for (const c of facts.connections) {
    if (c.pid !== pid || (c.state !== 'ESTAB' && c.state !== 'CLOSE-WAIT')) continue;
    const local = parseEndpoint(c.local);
    if (!local || !listens.some((l) => reaches(local, l, isLocal))) continue;
    if (c.kind === 'unix' && c.localInode !== undefined) return `unix:${c.localInode}`;
    if (c.kind === 'tcp')
      return c.localInode !== undefined ? `inode:${c.localInode}` : `tcp:${c.local},${c.peer}`;
  }
  return undefined;
}

/** The longest read timeout of the routes to this pool, else the timeout chain's, else 60 s. */
function readTimeoutSec(facts: HostFacts, pool: FpmPoolConfig | undefined, chainSec: number): number {
  const routes = pool ? routesTo(facts, pool) : [];
  if (routes.length > 0) return Math.max(...routes.map((r) => r.readTimeoutSec));
  return chainSec > 0 ? chainSec : DEFAULT_READ_TIMEOUT_SEC;
}

/**
 * Workers of the masters the diagnosis is about. The process table holds every worker on the host,
 * including those of a master the inventory's fpm.config leaves out (another PHP version, someone
 * else's instance): the action must never name one of those.
 */
function ofDiagnosedMasters(facts: HostFacts): (pid: number) => boolean {
  const masters = new Set(facts.fpm.masters.map((m) => m.pid));
  const parent = new Map(facts.processes.map((p) => [p.pid, p.ppid]));
  return (pid) => masters.size === 0 || masters.has(parent.get(pid) ?? -1);
}

function candidatePids(
  facts: HostFacts,
  runbook: string,
  opts: StuckWorkerOptions,
  workers: Worker[],
): number[] {
  const self = opts.selfAddresses ? { selfAddresses: [...opts.selfAddresses] } : {};
  const ours = ofDiagnosedMasters(facts);
  if (runbook === 'self-request-deadlock') return analyzeSelfRequest(facts, self).value.pids.filter(ours);
  if (runbook === 'slow-external-call') {
    // The top endpoint among this master's workers (endpoints come sorted, most workers first).
    for (const e of analyzeExternal(facts, self).value.endpoints) {
      const pids = e.pids.filter(ours);
      if (pids.length > 0) return pids;
    }
    return [];
  }
  if (!BY_DURATION.has(runbook)) return [];
  const chain = analyzeTimeoutChain(facts).value.webReadTimeoutSec;
  const procs = new Map(facts.processes.map((p) => [p.pid, p]));
  return workers
    .filter((w) => {
      if (!w.busy || !w.durationFromStatus || !ours(w.pid)) return false;
      const proc = procs.get(w.pid);
      const pool = proc ? poolOf(facts, w, proc) : undefined;
      return w.durationSec >= readTimeoutSec(facts, pool, chain);
    })
    .map((w) => w.pid);
}

export function stuckWorkers(
  facts: HostFacts,
  runbook: string,
  opts: StuckWorkerOptions = {},
): StuckWorker[] {
  const isLocal = localHosts(facts);
  const workers = allWorkers(facts, isLocal);
  const byPid = new Map(workers.map((w) => [w.pid, w]));
  const procs = new Map(facts.processes.map((p) => [p.pid, p]));
  const out: StuckWorker[] = [];
  for (const pid of [...new Set(candidatePids(facts, runbook, opts, workers))].sort((a, b) => a - b)) {
    const w = byPid.get(pid);
    const proc = procs.get(pid);
    if (!w || !proc || proc.role !== 'fpm-worker') continue;
    const conn = acceptedConn(facts, pid, poolOf(facts, w, proc), isLocal);
    if (!conn) continue;
    const s: StuckWorker = {
      pid,
      startedAt: Math.round(proc.startedAt),
      pool: w.pool || proc.pool || '',
      masterPid: proc.ppid,
      conn,
      durationSec: Math.round(w.durationSec),
    };
    if (w.request) s.request = w.request;
    out.push(s);
  }
  return out;
}
