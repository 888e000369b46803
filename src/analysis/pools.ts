/** Per pool: how many workers are busy, how many requests wait, and whether the pool is exhausted. */
import type { FpmPoolConfig, HostFacts, SocketListener } from '../facts/types.js';
import { type LocalTest, listenKey, localHosts, parseEndpoint, reaches } from './address.js';
import { capEvidence, occurrences } from './evidence.js';
import { activePools, inWindow, statusFor } from './scope.js';
import type { AnalyzerResult, Evidence, PoolSignal } from './signals.js';
import { poolWorkers } from './workers.js';

export function listenerOf(
  facts: HostFacts,
  pool: FpmPoolConfig,
  isLocal: LocalTest = localHosts(facts),
): SocketListener | undefined {
  return facts.listeners.find((l) => {
    if (l.kind !== pool.listen.kind) return false;
    const addr = parseEndpoint(l.address);
    return addr !== undefined && reaches(addr, pool.listen, isLocal);
  });
}

interface Queue {
  queued: number;
  backlog: number;
  from: 'ss' | 'status' | 'config';
}

/**
 * ss first: the status page's listen queue is always 0 for unix sockets (REFERENCE §1.7). For a
 * TCP pool ss did not show, the status page's numbers are right; else only the configured backlog
 * is known (-1 = somaxconn, and the kernel caps any value at somaxconn, §7.3).
 */
function queueOf(facts: HostFacts, pool: FpmPoolConfig, listener: SocketListener | undefined): Queue {
  if (listener) {
    return { queued: listener.recvQ, backlog: listener.sendQ ?? configuredBacklog(facts, pool), from: 'ss' };
  }
  const status = statusFor(facts, pool.name);
  if (pool.listen.kind === 'tcp' && status?.ok) {
    return { queued: status.status.listenQueue, backlog: status.status.listenQueueLen, from: 'status' };
  }
  return { queued: 0, backlog: configuredBacklog(facts, pool), from: 'config' };
}

/**
 * The backlog the kernel gives the pool's socket: listen.backlog capped at somaxconn (-1 = somaxconn,
 * §7.3); -1 when somaxconn is not known either. Stands in where the socket table came from /proc,
 * which does not show a listener's backlog.
 */
export function configuredBacklog(facts: HostFacts, pool: FpmPoolConfig): number {
  const somaxconn = facts.kernel.somaxconn;
  const configured = pool.listenBacklog;
  if (somaxconn === undefined) return configured < 0 ? -1 : configured;
  return configured < 0 ? somaxconn : Math.min(configured, somaxconn);
}

function poolSignal(
  facts: HostFacts,
  pool: FpmPoolConfig,
  isLocal: LocalTest,
): { signal: PoolSignal; queueFrom: Queue['from'] } {
  const { source, workers } = poolWorkers(facts, pool, isLocal);
  const busy = workers.filter((w) => w.busy).length;
  const status = statusFor(facts, pool.name);
  const q = queueOf(facts, pool, listenerOf(facts, pool, isLocal));
  const maxChildrenReached = facts.fpmLog.filter(
    (e) => e.kind === 'max-children' && e.pool === pool.name && inWindow(facts, e.time),
  ).length;
  const statusTimedOut = status?.ok === false && status.reason === 'timeout';
  const full = pool.maxChildren > 0 && busy >= pool.maxChildren;
  const signal: PoolSignal = {
    name: pool.name,
    pm: pool.pm,
    maxChildren: pool.maxChildren,
    busy,
    idle: workers.length - busy,
    total: workers.length,
    busySource: source,
    queued: q.queued,
    backlog: q.backlog,
    statusOk: status?.ok === true,
    statusTimedOut,
    maxChildrenReached,
    full,
    exhausted: full && (q.queued > 0 || statusTimedOut || maxChildrenReached > 0),
    listen: listenKey(pool.listen),
    listenKind: pool.listen.kind,
  };
  return { signal, queueFrom: q.from };
}

/** "ps + ss", or "/proc" where the host had neither (BusyBox, the php:fpm image). */
export function tablesText(facts: Pick<HostFacts, 'sources'>): string {
  const procs = facts.sources?.processes === 'proc' ? '/proc' : 'ps';
  const socks = facts.sources?.sockets === 'proc' ? '/proc' : 'ss';
  return procs === socks ? procs : `${procs} + ${socks}`;
}

function poolEvidence(facts: HostFacts, p: PoolSignal, queueFrom: Queue['from']): Evidence[] {
  const off = facts.clock.utcOffsetMin;
  let busy = `${p.busy}/${p.maxChildren} workers busy (${
    p.busySource === 'status'
      ? 'status page states'
      : `${tablesText(facts)}: the connection of a request, or a wait other than accept()`
  })`;
  if (p.busySource === 'ps' && facts.processes.length === 0) busy = 'busy workers unknown (no process table)';
  const backlog = p.backlog >= 0 ? `backlog ${p.backlog}` : 'backlog unknown';
  const queue =
    queueFrom === 'config'
      ? `queue on ${p.listen} not measured (${backlog})`
      : `${p.queued} queued on ${p.listen} (${backlog}${queueFrom === 'status' ? ', from the status page' : ''})`;
  const lines: Evidence[] = [
    {
      source: p.busySource === 'status' ? 'fpm-status' : 'ss',
      text: `pool ${p.name} (pm ${p.pm}): ${busy}, ${queue}`,
    },
  ];
  const status = statusFor(facts, p.name);
  if (status && !status.ok && status.reason === 'timeout') {
    lines.push({
      source: 'fpm-status',
      text: `pool ${p.name}: status page did not answer within ${status.ms} ms (it queues behind the busy workers)`,
    });
  }
  const reached = facts.fpmLog.filter(
    (e) => e.kind === 'max-children' && e.pool === p.name && inWindow(facts, e.time),
  );
  if (reached.length > 0) {
    lines.push({
      source: 'fpm-log',
      text: `FPM: ${reached[0]!.text} ${occurrences(
        reached.map((e) => e.time),
        off,
      )}`,
      time: reached[0]!.time,
    });
  }
  return lines;
}

export function analyzePools(facts: HostFacts): AnalyzerResult<'pools'> {
  const isLocal = localHosts(facts);
  const results = activePools(facts).map((pool) => poolSignal(facts, pool, isLocal));
  // Exhausted pools first: their lines are the ones that must survive the cap.
  const ordered = [...results].sort((a, b) => Number(b.signal.exhausted) - Number(a.signal.exhausted));
  return {
    key: 'pools',
    value: results.map((r) => r.signal),
    evidence: capEvidence(ordered.flatMap((r) => poolEvidence(facts, r.signal, r.queueFrom))),
  };
}
