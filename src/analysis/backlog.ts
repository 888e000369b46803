/** Accept queues at their limit, on the sockets the web server hands PHP requests to. */
import type { HostFacts, SocketListener } from '../facts/types.js';
import { localHosts, parseEndpoint, reaches } from './address.js';
import { capEvidence } from './evidence.js';
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
 * Full when the queue is at its backlog: the kernel accepts backlog+1 (sk_acceptq_is_full uses >),
 * so "at" is one short of refusing, and a backlog of 0 with one waiting is already full.
 */
export function isFull(l: SocketListener): boolean {
  return l.recvQ > 0 && l.recvQ >= l.sendQ;
}

export function analyzeBacklog(facts: HostFacts): AnalyzerResult<'backlog'> {
  const full = fastcgiListeners(facts).filter(isFull);
  const overflows = facts.kernel.tcpListenOverflows ?? 0;
  const drops = facts.kernel.tcpListenDrops ?? 0;
  const evidence: Evidence[] = full.map((l) => ({
    source: 'ss',
    text: `ss: ${l.address} accept queue ${l.recvQ} waiting, backlog ${l.sendQ} (full: new connections are ${
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
