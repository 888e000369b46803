/**
 * Where busy workers wait: their outbound TCP peers, grouped. Many workers on one peer with long
 * requests and little CPU are blocked on it (max_execution_time does not count that wait, §8.2).
 * Loopback peers (a local Redis or MySQL) are kept: a slow local dependency blocks workers too.
 * Only the web server itself is left out (that is a self-request), and only busy workers count:
 * idle workers keep persistent database connections open without waiting on them.
 */
import type { HostFacts, SocketConnection } from '../facts/types.js';
import { type LocalTest, localHosts, parseEndpoint, reaches } from './address.js';
import { capEvidence, seconds } from './evidence.js';
import { analyzeSelfRequest, type SelfRequestOptions } from './self-request.js';
import type { AnalyzerResult, EndpointSignal, Evidence } from './signals.js';
import { allWorkers, type Worker } from './workers.js';

const OUTBOUND = new Set(['ESTAB', 'SYN-SENT']);

/** A connection the worker accepted (from the web server), not one it opened. */
function isAccepted(facts: HostFacts, c: SocketConnection, isLocal: LocalTest): boolean {
  const local = parseEndpoint(c.local);
  if (!local) return false;
  return facts.listeners.some((l) => {
    const addr = parseEndpoint(l.address);
    return addr !== undefined && reaches(local, addr, isLocal);
  });
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function analyzeExternal(facts: HostFacts, opts: SelfRequestOptions = {}): AnalyzerResult<'external'> {
  const isLocal = localHosts(facts);
  const busy = new Map(
    allWorkers(facts, isLocal)
      .filter((w) => w.busy)
      .map((w) => [w.pid, w]),
  );
  const self = new Set(analyzeSelfRequest(facts, opts).value.targets);
  const byPeer = new Map<string, Map<number, Worker>>();
  for (const c of facts.connections) {
    const w = busy.get(c.pid);
    if (!w || c.kind !== 'tcp' || !OUTBOUND.has(c.state) || self.has(c.peer) || isAccepted(facts, c, isLocal))
      continue;
    const group = byPeer.get(c.peer) ?? new Map<number, Worker>();
    group.set(w.pid, w);
    byPeer.set(c.peer, group);
  }
  const endpoints: EndpointSignal[] = [...byPeer.entries()].map(([peer, group]) => {
    const ws = [...group.values()];
    const cpus = ws.map((w) => w.cpuPercent).filter((v): v is number => v !== undefined);
    return {
      peer,
      workers: ws.length,
      maxDurationSec: round1(Math.max(...ws.map((w) => w.durationSec))),
      avgCpu: cpus.length > 0 ? round1(cpus.reduce((a, b) => a + b, 0) / cpus.length) : 0,
      pids: ws.map((w) => w.pid).sort((a, b) => a - b),
    };
  });
  endpoints.sort((a, b) => b.workers - a.workers || b.maxDurationSec - a.maxDurationSec);
  const top = endpoints[0];
  const evidence: Evidence[] = endpoints.map((e) => {
    const fromStatus = [...byPeer.get(e.peer)!.values()].every((w) => w.durationFromStatus);
    const how = fromStatus ? 'requests running up to' : 'workers up to';
    return {
      source: 'ss',
      text: `${e.workers} busy worker${e.workers === 1 ? '' : 's'} -> ${e.peer}, ${how} ${seconds(e.maxDurationSec)}, avg CPU ${e.avgCpu}% (pids ${e.pids.join(', ')})`,
    };
  });
  return {
    key: 'external',
    value: {
      endpoints,
      topPeer: top?.peer ?? '',
      topWorkers: top?.workers ?? 0,
      topMaxDurationSec: top?.maxDurationSec ?? 0,
      topAvgCpu: top?.avgCpu ?? 0,
      topPids: top?.pids ?? [],
    },
    evidence: capEvidence(evidence),
  };
}
