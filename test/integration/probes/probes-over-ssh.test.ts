import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFacts } from '../../../src/facts/types.js';
import {
  labPools,
  labWorkers,
  type ProbeHarness,
  startProbeHarness,
  statusOf,
  webErrorsOf,
} from './lab-probe-harness.js';

/**
 * Every lab state, induced for real, then read through fpm-medic's probes over a real SSH
 * connection: the facts must show the evidence each runbook will need.
 */
describe('probes over SSH against the real lab behind nginx', () => {
  let h: ProbeHarness;
  beforeAll(async () => {
    h = await startProbeHarness('nginx');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const collectSince = async (sinceMs: number): Promise<HostFacts> => (await h.collect(sinceMs)).facts;

  it('healthy: discovers the master, pools, web server and logs from the host alone', async () => {
    const since = Date.now();
    await h.lab.induce('healthy');
    const f = await collectSince(since);
    const master = f.fpm.masters.find((m) => m.pid === h.lab.fpmMasterPid);
    expect(master).toMatchObject({ binary: 'php-fpm8.2', configPath: h.lab.paths.fpmConf });
    const pools = labPools(f, h.lab);
    expect(pools.map((p) => p.name).sort()).toEqual(['odpool', 'tcppool', 'unixpool']);
    const unix = pools.find((p) => p.name === 'unixpool')!;
    expect(unix.listen).toEqual({ kind: 'unix', path: h.lab.pools.unixpool.socket });
    expect(unix.statusPath).toBe('/status');
    const tcp = pools.find((p) => p.name === 'tcppool')!;
    expect(tcp.listen).toMatchObject({ kind: 'tcp', port: h.lab.ports.tcppool });
    expect(f.fpm.globals.find((g) => g.masterPid === h.lab.fpmMasterPid)?.errorLog).toBe(h.lab.logs.fpm);

    expect(f.web?.kind).toBe('nginx');
    expect(f.web?.listens).toContainEqual(expect.objectContaining({ port: h.lab.ports.http }));
    expect(f.web?.errorLogs).toContain(h.lab.logs.webError);
    const socket = h.lab.pools.unixpool.socket!;
    expect(f.web?.routes.some((r) => r.target.kind === 'unix' && r.target.path === socket)).toBe(true);

    expect(statusOf(f, socket)?.ok).toBe(true);
    expect(statusOf(f, `127.0.0.1:${h.lab.ports.tcppool}`)?.ok).toBe(true);
    expect(f.listeners.some((l) => l.address === h.lab.pools.unixpool.socket)).toBe(true);
    expect(labWorkers(f, h.lab, 'tcppool').length).toBe(2);
    expect(f.webErrors).toEqual([]);
    expect(f.memory?.memAvailableKb).toBeGreaterThan(0);
    expect(f.probes.map((p) => [p.id, p.ok])).toEqual([
      ['discover-fpm', true],
      ['discover-web', true],
      ['runtime', true],
      ['kernel', true],
      ['fpm-status', true],
      ['logs', true],
    ]);
    expect(f.failures.filter((x) => x.target.includes(h.lab.dir))).toEqual([]);
  });

  it('pool-exhausted: the status page times out, the accept queue fills, FPM logs max_children', async () => {
    const since = Date.now();
    const s = await h.lab.induce('pool-exhausted');
    const f = await collectSince(since);
    const st = statusOf(f, s.details.socket);
    expect(st?.ok === false && st.reason === 'timeout').toBe(true);
    const listener = f.listeners.find((l) => l.address === s.details.socket);
    expect(listener?.recvQ).toBeGreaterThan(0);
    expect(f.fpmLog.some((e) => e.kind === 'max-children' && e.pool === s.details.pool)).toBe(true);
    expect(labWorkers(f, h.lab, s.details.pool).length).toBe(s.details.maxChildren);
    await s.end();
  });

  it("self-request-deadlock: busy workers hold connections to the lab's own web listener", async () => {
    const since = Date.now();
    const s = await h.lab.induce('self-request-deadlock');
    const f = await collectSince(since);
    const selfConns = f.connections.filter(
      (c) => c.kind === 'tcp' && s.details.workerPids.includes(c.pid) && c.peer === s.details.ownListener,
    );
    expect(selfConns.length).toBeGreaterThan(0);
    await s.end();
  });

  it('slow-external-call: workers are connected to the black-hole API endpoint', async () => {
    const since = Date.now();
    const s = await h.lab.induce('slow-external-call');
    const f = await collectSince(since);
    const held = f.connections.filter((c) => c.kind === 'tcp' && c.peer === s.details.endpoint);
    expect(new Set(held.map((c) => c.pid))).toEqual(new Set(s.details.workerPids));
    const st = statusOf(f, h.lab.pools[s.details.pool].listen);
    if (st?.ok) {
      const busy = st.status.processes.filter((p) => s.details.workerPids.includes(p.pid));
      expect(busy.every((p) => p.state === 'Running')).toBe(true);
    }
    await s.end();
  });

  it('request-timeout-kill: FPM terminates the request and nginx sees the reset', async () => {
    const since = Date.now();
    const s = await h.lab.induce('request-timeout-kill');
    const f = await collectSince(since);
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({
        kind: 'execution-timed-out',
        pool: s.details.pool,
        pid: s.details.killedPid,
      }),
    );
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({ kind: 'child-exited', pid: s.details.killedPid, signal: 15 }),
    );
    expect(webErrorsOf(f, 'reset').length).toBeGreaterThan(0);
    await s.end();
  });

  it("worker-oom-killed: the kernel kill, FPM's SIGKILL exit and the reset share a pid", async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-oom-killed');
    const f = await collectSince(since);
    expect(f.oomKills).toContainEqual(
      expect.objectContaining({ pid: s.details.killedPid, comm: 'php-fpm8.2', cgroup: true }),
    );
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({ kind: 'child-exited', pid: s.details.killedPid, signal: 9 }),
    );
    expect(webErrorsOf(f, 'reset').length).toBeGreaterThan(0);
    await s.end();
  });

  it('worker-crashed: FPM logs a SIGSEGV exit and nginx the reset', async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-crashed');
    const f = await collectSince(since);
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({
        kind: 'child-exited',
        pid: s.details.crashedPid,
        signal: 11,
        signalName: 'SIGSEGV',
      }),
    );
    expect(webErrorsOf(f, 'reset').length).toBeGreaterThan(0);
    await s.end();
  });

  it('fpm-down (stopped): no master, the socket is gone, nginx logs ENOENT', async () => {
    const since = Date.now();
    const s = await h.lab.induce('fpm-down', { variant: 'stopped' });
    const f = await collectSince(since);
    expect(f.fpm.masters.some((m) => m.configPath === h.lab.paths.fpmConf)).toBe(false);
    expect(f.listeners.some((l) => l.address === s.details.socket)).toBe(false);
    expect(webErrorsOf(f, 'connect-enoent', s.details.socket).length).toBeGreaterThan(0);
    await s.end();
  });

  it('fpm-down (stale socket): the file is left but nothing listens, nginx logs 111', async () => {
    const since = Date.now();
    const s = await h.lab.induce('fpm-down', { variant: 'stale-socket' });
    const f = await collectSince(since);
    expect(f.fpm.masters.some((m) => m.configPath === h.lab.paths.fpmConf)).toBe(false);
    expect(webErrorsOf(f, 'connect-refused', s.details.socket).length).toBeGreaterThan(0);
    await s.end();
  });

  it('socket-permission: nginx logs 13 Permission denied for the pool socket', async () => {
    const since = Date.now();
    const s = await h.lab.induce('socket-permission');
    const f = await collectSince(since);
    expect(webErrorsOf(f, 'connect-eacces', s.details.socket).length).toBeGreaterThan(0);
    await s.end();
  });

  it('listen-backlog-overflow: the queue sits at its backlog and nginx logs 11 EAGAIN', async () => {
    const since = Date.now();
    const s = await h.lab.induce('listen-backlog-overflow');
    const f = await collectSince(since);
    expect(webErrorsOf(f, 'connect-eagain', s.details.socket).length).toBeGreaterThan(0);
    const listener = f.listeners.find((l) => l.address === s.details.socket);
    expect(listener?.sendQ).toBe(s.details.backlog);
    expect(listener!.recvQ).toBeGreaterThanOrEqual(s.details.backlog);
    await s.end();
  });

  it('restart-window: a new master started inside the window, with refused/ENOENT errors around it', async () => {
    const since = Date.now();
    const s = await h.lab.induce('restart-window');
    const f = await collectSince(since);
    const master = f.fpm.masters.find((m) => m.pid === s.details.newMasterPid);
    expect(master).toBeDefined();
    expect(Math.abs(master!.startedAt - s.details.startedAt.getTime() / 1000)).toBeLessThanOrEqual(2);
    const gap = f.webErrors.filter((e) => e.kind === 'connect-refused' || e.kind === 'connect-enoent');
    expect(gap.length).toBeGreaterThan(0);
    expect(gap.every((e) => e.time >= Math.floor(s.details.stoppedAt.getTime() / 1000) - 1)).toBe(true);
    await s.end();
  });

  it('timeout-chain-misaligned: the values of each link of the chain are read from the host', async () => {
    const s = await h.lab.induce('timeout-chain-misaligned', { variant: 'terminate-zero' });
    const f = await collectSince(Date.now());
    const pools = labPools(f, h.lab);
    expect(pools.some((p) => p.requestTerminateTimeoutSec === 0)).toBe(true);
    expect(pools.map((p) => p.phpAdminValues.max_execution_time)).toEqual(
      pools.map(() => String(s.details.maxExecutionTimeSec)),
    );
    const master = f.fpm.masters.find((m) => m.pid === h.lab.fpmMasterPid);
    expect(master?.php?.loadedFile).toBeDefined();
    expect(f.web?.routes.map((r) => r.readTimeoutSec)).toContain(s.details.webReadTimeoutSec);
    await s.end();
  });

  it('max-children-oversized: max_children and worker RSS are both in the facts', async () => {
    const s = await h.lab.induce('max-children-oversized');
    const f = await collectSince(Date.now());
    const pool = labPools(f, h.lab).find((p) => p.name === s.details.pool);
    expect(pool?.maxChildren).toBe(s.details.maxChildren);
    const workers = f.processes.filter((p) => s.details.workerPids.includes(p.pid));
    expect(workers.length).toBe(s.details.workerPids.length);
    expect(workers.every((w) => w.rssKb > 1000)).toBe(true);
    await s.end();
  });

  it('slow-requests: slow log entries with script and frames', async () => {
    const since = Date.now();
    const s = await h.lab.induce('slow-requests');
    const f = await collectSince(since);
    const entries = f.slowLog.filter((e) => e.pool === s.details.pool);
    expect(entries.length).toBeGreaterThanOrEqual(s.details.entries);
    expect(entries[0]!.script).toMatch(/\.php$/);
    expect(entries[0]!.frames.length).toBeGreaterThan(0);
    await s.end();
  });
});
