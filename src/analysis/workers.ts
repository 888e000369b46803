/**
 * Which FPM workers are serving a request right now, and for how long.
 *
 * The status page's per-process states are the best source (REFERENCE §1.6). Without them (the
 * page timed out, which is exactly when the pool is saturated, or has no status path) the process
 * table alone cannot tell a worker waiting in accept() from one waiting on a database: both sleep.
 * What tells them apart:
 * - the socket table: a worker serving a request holds the connection it accepted on the pool's
 *   listen socket (its local address is the listen address; Recv-Q 8 is the unread FCGI_STDIN
 *   record, §7.1) until the request ends, whatever became of the client: CLOSE-WAIT once the web
 *   server gave up and closed its end (TCP), a unix stream whose peer is gone (peer inode 0);
 * - the worker's own state: R or D, or a wait channel other than accept() (sleep(), poll() on a
 *   database...). Only a worker asleep in accept() is idle.
 * A worker with none of these (wchan unreadable, e.g. another user's process) counts as idle.
 */
import type {
  FpmPoolConfig,
  FpmStatusProcess,
  HostFacts,
  ProcessInfo,
  SocketConnection,
} from '../facts/types.js';
import { type LocalTest, localHosts, parseEndpoint, reaches } from './address.js';
import { activePools, statusFor } from './scope.js';

export interface Worker {
  pid: number;
  pool: string;
  busy: boolean;
  /** Seconds the current request has run (status page); with only ps, the process age. */
  durationSec: number;
  /** durationSec is the request's own duration, not the process age (an upper bound). */
  durationFromStatus: boolean;
  /** Lifetime CPU% from ps, when ps saw the worker. */
  cpuPercent?: number;
  /** "GET /sleep.php?s=4", from the status page. */
  request?: string;
}

export interface PoolWorkers {
  pool: FpmPoolConfig;
  source: 'status' | 'ps';
  workers: Worker[];
}

/**
 * The kernel functions a process blocked in accept() sleeps in: inet_csk_accept (TCP, IPv4 and
 * IPv6) and, for unix sockets, unix_accept or the datagram wait it calls. An idle FPM worker sleeps
 * in exactly this; any other wait channel is a request in progress.
 */
const ACCEPT_WCHAN = /^(inet_csk_accept|unix_accept|skb_wait_for_more_packets|skb_recv_datagram)$/;

/** ps shows wchan with its leading underscores stripped (procps), /proc/PID/wchan with them. */
export function waitsInAccept(wchan: string): boolean {
  return ACCEPT_WCHAN.test(wchan.replace(/^_+/, ''));
}

/** The status request fpm-medic itself sent occupies a worker that would otherwise be idle. */
function isOwnStatusRequest(p: FpmStatusProcess, statusPath: string | undefined): boolean {
  return p.requestUri.split('?')[0] === (statusPath ?? '/status');
}

/**
 * Did this worker accept `c` on one of the sockets it listens on (i.e. is it serving it)? Any state
 * counts: the worker holds the connection until its request ends, even once the peer has left.
 */
function acceptedHere(
  facts: HostFacts,
  c: SocketConnection,
  pool: FpmPoolConfig | undefined,
  isLocal: LocalTest,
): boolean {
  if (c.state === 'LISTEN' || c.state === 'UNCONN') return false;
  const local = parseEndpoint(c.local);
  if (!local) return false;
  if (pool && reaches(local, pool.listen, isLocal)) return true;
  // Without the pool's config: workers inherit the listen fd, so ss names them on the listener.
  return facts.listeners.some((l) => {
    const addr = parseEndpoint(l.address);
    return addr !== undefined && l.pids.includes(c.pid) && reaches(local, addr, isLocal);
  });
}

function busyByPs(
  facts: HostFacts,
  p: ProcessInfo,
  pool: FpmPoolConfig | undefined,
  isLocal: LocalTest,
): boolean {
  if (/^[RD]/.test(p.stat)) return true;
  if (facts.connections.some((c) => c.pid === p.pid && acceptedHere(facts, c, pool, isLocal))) return true;
  return p.wchan !== undefined && !waitsInAccept(p.wchan);
}

function psWorker(
  facts: HostFacts,
  p: ProcessInfo,
  pool: FpmPoolConfig | undefined,
  isLocal: LocalTest,
): Worker {
  return {
    pid: p.pid,
    pool: p.pool ?? pool?.name ?? '',
    busy: busyByPs(facts, p, pool, isLocal),
    durationSec: p.elapsedSec,
    durationFromStatus: false,
    cpuPercent: p.cpuPercent,
  };
}

/**
 * FPM masters running on the host that this diagnosis is not about (the inventory's fpm.config
 * names another, or ours is stopped): their workers are neither evidence nor action targets.
 */
function foreignMasters(facts: HostFacts): Set<number> {
  const ours = new Set(facts.fpm.masters.map((m) => m.pid));
  return new Set(
    facts.processes.filter((p) => p.role === 'fpm-master' && !ours.has(p.pid)).map((p) => p.pid),
  );
}

function isPoolProcess(p: ProcessInfo, pool: FpmPoolConfig, foreign: Set<number>): boolean {
  if (p.role !== 'fpm-worker' || p.pool !== pool.name) return false;
  // A pool read from a config no running master uses (FPM stopped): another master's pool of the
  // same name is not this one.
  return pool.masterPid > 0 ? p.ppid === pool.masterPid : !foreign.has(p.ppid);
}

export function poolWorkers(facts: HostFacts, pool: FpmPoolConfig, isLocal = localHosts(facts)): PoolWorkers {
  const status = statusFor(facts, pool.name);
  const byPid = new Map(facts.processes.map((p) => [p.pid, p]));
  if (status?.ok && status.status.processes.length > 0) {
    const workers = status.status.processes.map((s): Worker => {
      const ps = byPid.get(s.pid);
      const w: Worker = {
        pid: s.pid,
        pool: pool.name,
        busy: s.state !== 'Idle' && !isOwnStatusRequest(s, pool.statusPath),
        durationSec: s.requestDurationUs / 1e6,
        durationFromStatus: true,
      };
      if (ps) w.cpuPercent = ps.cpuPercent;
      if (s.requestMethod && s.requestMethod !== '-') w.request = `${s.requestMethod} ${s.requestUri}`;
      return w;
    });
    return { pool, source: 'status', workers };
  }
  const foreign = foreignMasters(facts);
  const workers = facts.processes
    .filter((p) => isPoolProcess(p, pool, foreign))
    .map((p) => psWorker(facts, p, pool, isLocal));
  return { pool, source: 'ps', workers };
}

/** Every worker on the host: those of known pools, then any the config did not name. */
export function allWorkers(facts: HostFacts, isLocal = localHosts(facts)): Worker[] {
  const out: Worker[] = [];
  const seen = new Set<number>();
  for (const pool of activePools(facts)) {
    for (const w of poolWorkers(facts, pool, isLocal).workers) {
      if (seen.has(w.pid)) continue;
      seen.add(w.pid);
      out.push(w);
    }
  }
  // A master the inventory left out (fpm.config names another one, or ours is stopped) is not this
  // diagnosis's: its workers are neither evidence nor anything an action may touch.
  const others = foreignMasters(facts);
  for (const p of facts.processes) {
    if (p.role !== 'fpm-worker' || seen.has(p.pid) || others.has(p.ppid)) continue;
    seen.add(p.pid);
    out.push(psWorker(facts, p, undefined, isLocal));
  }
  return out;
}
