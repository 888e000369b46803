import type { HostFacts, ListenAddress } from '../facts/types.js';
import { BECOME_PROBE } from '../probes/run-probe.js';

/** `fpm-medic probe --format text`: a compact, human summary of what the probes found. */

function listen(l: ListenAddress | { kind: 'upstream'; name: string }): string {
  if (l.kind === 'unix') return `unix:${l.path}`;
  if (l.kind === 'tcp') return `${l.host}:${l.port}`;
  return `upstream ${l.name}`;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n}× ${k}`).join(', ');
}

export function formatFactsText(f: HostFacts): string {
  const out: string[] = [];
  out.push(`${f.host}  collected ${f.collectedAt}, window ${f.window.minutes}m`);
  const unreachable = f.failures.find((x) => x.probe === 'connect' || x.probe === BECOME_PROBE);
  if (unreachable) {
    // Nothing below would be a fact about the host, only about our failure to look.
    const what = unreachable.probe === BECOME_PROBE ? 'SUDO REFUSED' : 'UNREACHABLE';
    out.push(`  ${what}: ${unreachable.detail}`, `  fix: ${unreachable.fix}`);
    return `${out.join('\n')}\n`;
  }
  if (f.fpm.masters.length === 0) out.push('  FPM: no master process running');
  for (const m of f.fpm.masters) {
    out.push(
      `  FPM master ${m.pid} (${m.binary}) ${m.configPath}, up ${Math.max(0, f.clock.now - m.startedAt)}s`,
    );
  }
  for (const p of f.fpm.pools) {
    const st = f.status.find((s) => s.pool === p.name);
    const listener = f.listeners.find((l) =>
      p.listen.kind === 'unix' ? l.address === p.listen.path : l.address.endsWith(`:${p.listen.port}`),
    );
    const status = !st
      ? 'no status page'
      : st.ok
        ? `${st.status.activeProcesses}/${p.maxChildren} active, ${st.status.idleProcesses} idle`
        : `status ${st.reason}: ${st.detail}`;
    const queue = listener ? `, accept queue ${listener.recvQ}/${listener.sendQ}` : '';
    out.push(
      `    pool ${p.name}: ${p.pm} max_children=${p.maxChildren} ${listen(p.listen)}; ${status}${queue}`,
    );
  }
  if (f.web) {
    const routes = f.web.routes.map((r) => `${r.scope} -> ${listen(r.target)} read ${r.readTimeoutSec}s`);
    out.push(
      `  web: ${f.web.kind}${f.web.pid ? ` pid ${f.web.pid}` : ''}, listens ${f.web.listens.map((l) => `${l.host}:${l.port}`).join(' ') || '-'}`,
    );
    for (const r of routes) out.push(`    ${r}`);
  } else {
    out.push('  web: no nginx or Apache found');
  }
  const workers = f.processes.filter((p) => p.role === 'fpm-worker');
  out.push(
    `  workers: ${workers.length}${workers.length ? ` (${countBy(workers, (w) => w.pool ?? '?')})` : ''}`,
  );
  const workerPids = new Set(workers.map((w) => w.pid));
  const peers = f.connections.filter((c) => c.kind === 'tcp' && c.state === 'ESTAB' && workerPids.has(c.pid));
  // A worker's outbound TCP peers are where it waits: its own site, an API, a database.
  if (peers.length) out.push(`  worker TCP peers: ${countBy(peers, (c) => c.peer)}`);
  const logged = f.fpmLog.filter((e) => e.kind !== 'other');
  if (logged.length) {
    out.push(`  FPM log: ${countBy(logged, (e) => (e.signalName ? `${e.kind} ${e.signalName}` : e.kind))}`);
  }
  if (f.webErrors.length) out.push(`  web errors: ${countBy(f.webErrors, (e) => e.kind)}`);
  if (f.slowLog.length) out.push(`  slow log: ${countBy(f.slowLog, (e) => e.script)}`);
  if (f.oomKills.length) out.push(`  OOM kills: ${f.oomKills.map((k) => `${k.pid} (${k.comm})`).join(', ')}`);
  if (f.memory) {
    out.push(
      `  memory: ${Math.round(f.memory.memAvailableKb / 1024)} MiB available of ${Math.round(f.memory.memTotalKb / 1024)} MiB`,
    );
  }
  for (const x of f.failures) {
    // An untrusted process was read and deliberately left alone (docs/security.md).
    const what = x.reason === 'untrusted' ? 'ignored' : 'could not read';
    out.push(`  ${what} ${x.target} (${x.probe}): ${x.reason}: ${x.detail}; fix: ${x.fix}`);
  }
  out.push(`  probes: ${f.probes.map((p) => `${p.id} ${p.ok ? 'ok' : 'FAILED'} ${p.ms}ms`).join(', ')}`);
  return `${out.join('\n')}\n`;
}
