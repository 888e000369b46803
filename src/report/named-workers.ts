/**
 * The workers a finding names, with what identifies each beyond its pid (pure: facts + pids ->
 * StuckWorker[]). The pids come from the signal the finding's runbook names in its `workers:` key
 * (selfRequest.pids, external.topPids, abandoned.pids: src/runbooks/signal-spec.ts
 * WORKER_PID_PATHS). kill-stuck-workers later kills a worker only while it is still that process
 * on that request, so a worker whose request cannot be named (no accepted connection in the
 * socket table) is left out rather than guessed at.
 */
import { poolOf } from '../analysis/abandoned.js';
import { type LocalTest, localHosts, parseEndpoint, reaches } from '../analysis/address.js';
import { allWorkers } from '../analysis/workers.js';
import type { FpmPoolConfig, HostFacts } from '../facts/types.js';

/**
 * A worker the diagnosis named as stuck, with what identifies it beyond its pid: the process
 * (pid + start time) and the request it was busy on (the connection it accepted that request on).
 * kill-stuck-workers acts on a worker only while all three still match.
 */
export interface StuckWorker {
  pid: number;
  /** Epoch seconds the process started (ps etimes at diagnosis time; compared within ±2 s). */
  startedAt: number;
  pool: string;
  masterPid: number;
  /**
   * The request's identity: the connection the worker accepted it on. `unix:<inode>` (the local
   * inode of the accepted unix socket, as in /proc/PID/fd), `inode:<inode>` (a TCP socket's, where
   * the table came from /proc) or `tcp:<local>,<peer>` (as ss prints them).
   */
  conn: string;
  /** "GET /api.php", when the status page said. */
  request?: string;
  /** Seconds the request had run at diagnosis time (or the process age without a status page). */
  durationSec: number;
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

export function namedWorkers(facts: HostFacts, pids: readonly number[]): StuckWorker[] {
  const isLocal = localHosts(facts);
  const ours = ofDiagnosedMasters(facts);
  const byPid = new Map(allWorkers(facts, isLocal).map((w) => [w.pid, w]));
  const procs = new Map(facts.processes.map((p) => [p.pid, p]));
  const out: StuckWorker[] = [];
  for (const pid of [...new Set(pids)].sort((a, b) => a - b)) {
    const w = byPid.get(pid);
    const proc = procs.get(pid);
    if (!w || !proc || proc.role !== 'fpm-worker' || !ours(pid)) continue;
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
