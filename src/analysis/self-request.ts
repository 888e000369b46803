/**
 * Workers calling their own site: each holds a worker while it waits for another request that
 * needs a worker of the same host, so under load the pool deadlocks on itself.
 */
import type { HostFacts, ListenAddress, ProcessInfo, SocketConnection } from '../facts/types.js';
import { type LocalTest, localHosts, normalHost, parseEndpoint, reaches } from './address.js';
import { capEvidence, seconds } from './evidence.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { allWorkers, type Worker } from './workers.js';

export interface SelfAddress {
  host: string;
  port?: number;
}

interface SelfTarget {
  addr?: ListenAddress;
  /** An inventory address without a port: any port on it routes back here. */
  host?: string;
  label: string;
}

function selfTargets(facts: HostFacts, selfAddresses: readonly SelfAddress[]): SelfTarget[] {
  const targets: SelfTarget[] = [];
  const web = facts.web;
  for (const l of web?.listens ?? []) {
    targets.push({ addr: { kind: 'tcp', host: l.host, port: l.port }, label: `own ${web!.kind} listener` });
  }
  // Discovery may have failed while ss still shows what the web server listens on.
  const webPids = new Map(facts.processes.filter((p) => p.role === 'web').map((p) => [p.pid, p]));
  for (const l of facts.listeners) {
    if (l.kind !== 'tcp') continue;
    const owner = l.pids.map((pid) => webPids.get(pid)).find((p): p is ProcessInfo => p !== undefined);
    const addr = parseEndpoint(l.address);
    if (owner && addr) targets.push({ addr, label: `own ${owner.args.split(/[\s:]/, 1)[0]} listener` });
  }
  for (const s of selfAddresses) {
    const label = 'inventory selfAddress';
    targets.push(
      s.port === undefined
        ? { host: s.host, label }
        : { addr: { kind: 'tcp', host: s.host, port: s.port }, label },
    );
  }
  return targets;
}

function targetOf(peer: ListenAddress, targets: SelfTarget[], isLocal: LocalTest): SelfTarget | undefined {
  return targets.find((t) =>
    t.addr
      ? reaches(peer, t.addr, isLocal)
      : peer.kind === 'tcp' && normalHost(peer.host) === normalHost(t.host!),
  );
}

const OUTBOUND = new Set(['ESTAB', 'SYN-SENT']);

export interface SelfRequestOptions {
  selfAddresses?: readonly SelfAddress[];
}

function describe(w: Worker | undefined): string {
  if (!w) return '';
  const req = w.request ? `, serving ${w.request}` : '';
  return w.durationFromStatus
    ? `, busy ${seconds(w.durationSec)}${req}`
    : `, worker up ${seconds(w.durationSec)}`;
}

export function analyzeSelfRequest(
  facts: HostFacts,
  opts: SelfRequestOptions = {},
): AnalyzerResult<'selfRequest'> {
  const isLocal = localHosts(facts);
  const targets = selfTargets(facts, opts.selfAddresses ?? []);
  const workers = new Map(allWorkers(facts, isLocal).map((w) => [w.pid, w]));
  const found: { c: SocketConnection; label: string }[] = [];
  for (const c of facts.connections) {
    // A connection to our own site is made by a worker that is in a request: no busy check needed.
    if (c.kind !== 'tcp' || !OUTBOUND.has(c.state) || !workers.has(c.pid)) continue;
    const peer = parseEndpoint(c.peer);
    if (!peer) continue;
    const t = targetOf(peer, targets, isLocal);
    if (t) found.push({ c, label: t.label });
  }
  const pids = [...new Set(found.map((f) => f.c.pid))].sort((a, b) => a - b);
  const evidence: Evidence[] = found.map(({ c, label }) => {
    const w = workers.get(c.pid);
    const pool = w?.pool ? ` (pool ${w.pool})` : '';
    const state = c.state === 'ESTAB' ? '' : ` [${c.state}]`;
    return { source: 'ss', text: `worker ${c.pid}${pool} -> ${c.peer} (${label})${state}${describe(w)}` };
  });
  return {
    key: 'selfRequest',
    value: { workers: pids.length, targets: [...new Set(found.map((f) => f.c.peer))], pids },
    evidence: capEvidence(evidence),
  };
}
