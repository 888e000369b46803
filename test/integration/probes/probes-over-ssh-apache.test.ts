import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostFacts } from '../../../src/facts/types.js';
import {
  labPools,
  type ProbeHarness,
  startProbeHarness,
  statusOf,
  webErrorsOf,
} from './lab-probe-harness.js';

/**
 * The same probes behind Apache httpd with mod_proxy_fcgi: its config has no `-T`, its errors are
 * AHnnnnn codes and it answers 503 where nginx answers 502 (REFERENCE §5).
 */
describe('probes over SSH against the real lab behind Apache', () => {
  let h: ProbeHarness;
  beforeAll(async () => {
    h = await startProbeHarness('apache');
  });
  afterAll(async () => {
    await h?.stop();
  });

  const collectSince = async (sinceMs: number): Promise<HostFacts> => (await h.collect(sinceMs)).facts;

  it('healthy: Apache config, its FastCGI routes with ProxyTimeout, and both pools answer', async () => {
    const since = Date.now();
    await h.lab.induce('healthy');
    const f = await collectSince(since);
    expect(f.web?.kind).toBe('apache');
    expect(f.web?.configPath).toBe(h.lab.webConfigFile);
    expect(f.web?.listens).toContainEqual(expect.objectContaining({ port: h.lab.ports.http }));
    expect(f.web?.errorLogs).toContain(h.lab.logs.webError);
    const socket = h.lab.pools.unixpool.socket!;
    const route = f.web?.routes.find((r) => r.target.kind === 'unix' && r.target.path === socket);
    expect(route?.readTimeoutSec).toBe(h.lab.webConfig.readTimeoutSec);
    expect(labPools(f, h.lab).length).toBe(3);
    expect(statusOf(f, socket)?.ok).toBe(true);
    expect(f.webErrors.map((e) => e.text)).toEqual([]);
  });

  it('fpm-down: AH02454 (2) for the missing socket', async () => {
    const since = Date.now();
    const s = await h.lab.induce('fpm-down', { variant: 'stopped' });
    const f = await collectSince(since);
    const errs = webErrorsOf(f, 'connect-enoent', s.details.socket);
    expect(errs.length).toBeGreaterThan(0);
    expect(errs[0]!.server).toBe('apache');
    await s.end();
  });

  it('socket-permission: AH02454 (13) for the pool socket', async () => {
    const since = Date.now();
    const s = await h.lab.induce('socket-permission');
    const f = await collectSince(since);
    expect(webErrorsOf(f, 'connect-eacces', s.details.socket).length).toBeGreaterThan(0);
    await s.end();
  });

  it('pool-exhausted: status times out and requests queue at the socket', async () => {
    const since = Date.now();
    const s = await h.lab.induce('pool-exhausted');
    const f = await collectSince(since);
    const st = statusOf(f, s.details.socket);
    expect(st?.ok === false && st.reason === 'timeout').toBe(true);
    expect(f.listeners.find((l) => l.address === s.details.socket)?.recvQ).toBeGreaterThan(0);
    expect(f.fpmLog.some((e) => e.kind === 'max-children' && e.pool === s.details.pool)).toBe(true);
    await s.end();
  });

  it('request-timeout-kill: FPM terminates, Apache logs the reset (AH01075 104)', async () => {
    const since = Date.now();
    const s = await h.lab.induce('request-timeout-kill');
    const f = await collectSince(since);
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({ kind: 'execution-timed-out', pid: s.details.killedPid }),
    );
    expect(webErrorsOf(f, 'reset').length).toBeGreaterThan(0);
    await s.end();
  });

  it('worker-crashed: SIGSEGV exit and the reset seen by Apache', async () => {
    const since = Date.now();
    const s = await h.lab.induce('worker-crashed');
    const f = await collectSince(since);
    expect(f.fpmLog).toContainEqual(
      expect.objectContaining({ kind: 'child-exited', pid: s.details.crashedPid, signal: 11 }),
    );
    expect(webErrorsOf(f, 'reset').length).toBeGreaterThan(0);
    await s.end();
  });
});
