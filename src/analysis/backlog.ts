/** Accept queues at their limit, on the sockets the web server hands PHP requests to. */
import type { HostFacts, SocketListener } from '../facts/types.js';
import { localHosts, parseEndpoint, reaches } from './address.js';
import { capEvidence } from './evidence.js';
import { configuredBacklog } from './pools.js';
import { activePools } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';

/**
 * The listeners that matter: the pools' and every FastCGI target of the web server (a socket
 * nginx passes to is an FPM backend to the user even when the pool config was not read).
 */
function fastcgiListeners(facts: HostFacts): SocketListener[] {
  const isLocal = localHosts(facts);
  const targets = activePools(facts).map((p) => p.listen);
  for (const r of facts.web?.routes ?? []) {
    if (r.target.kind === 'upstream') targets.push(...r.target.servers);
    else targets.push(r.target);
  }
  return facts.listeners.filter((l) => {
    const addr = parseEndpoint(l.address);
    return addr !== undefined && targets.some((t) => reaches(addr, t, isLocal));
  });
}

/**
 * A listener's backlog: ss shows it; from /proc (no ss), the configured backlog of the pool that
 * listens there stands in; undefined when neither is known.
 */
function backlogOf(facts: HostFacts, l: SocketListener): number | undefined {
  if (l.sendQ !== undefined) return l.sendQ;
  const isLocal = localHosts(facts);
  const addr = parseEndpoint(l.address);
  const pool = addr && activePools(facts).find((p) => reaches(addr, p.listen, isLocal));
  const backlog = pool ? configuredBacklog(facts, pool) : -1;
  return backlog >= 0 ? backlog : undefined;
}

/**
 * Full when the queue is at its backlog: the kernel accepts backlog+1 (sk_acceptq_is_full uses >),
 * so "at" is one short of refusing, and a backlog of 0 with one waiting is already full.
 */
export function isFull(recvQ: number, backlog: number | undefined): boolean {
  return backlog !== undefined && recvQ > 0 && recvQ >= backlog;
}

export function analyzeBacklog(facts: HostFacts): AnalyzerResult<'backlog'> {
  const full = fastcgiListeners(facts)
    .map((l) => ({ ...l, sendQ: backlogOf(facts, l) }))
    .filter((l) => isFull(l.recvQ, l.sendQ));
  const from = facts.sources?.sockets === 'proc' ? '/proc/net' : 'ss';
  const overflows = facts.kernel.tcpListenOverflows ?? 0;
  const drops = facts.kernel.tcpListenDrops ?? 0;
  const evidence: Evidence[] = full.map((l) => ({
    source: 'ss',
    text: `${from}: ${l.address} accept queue ${l.recvQ} waiting, backlog ${l.sendQ} (full: new connections are ${
      l.kind === 'unix' ? 'refused with EAGAIN' : 'dropped (SYN ignored)'
    })`,
  }));
  if (overflows + drops > 0) {
    evidence.push({
      source: 'kernel',
      text: `/proc/net/netstat: TcpExt ListenOverflows ${overflows}, ListenDrops ${drops} since boot`,
    });
  }
  return {
    key: 'backlog',
    value: { fullListeners: full.length, tcpOverflows: overflows + drops },
    evidence: capEvidence(evidence),
  };
}
