import { describe, expect, it } from 'vitest';
import { parseKernelProbe, parseOomKills } from '../../../../src/probes/parsers/kernel.js';
import { parseRuntime } from '../../../../src/probes/parsers/runtime.js';
import { systemFixture } from './fixtures.js';

const clockCtx = { clock: { now: 1000, uptimeSec: 500, utcOffsetMin: 60 }, since: 0 };

describe('kernel.sh (captured: a real memcg OOM kill of a php-fpm worker)', () => {
  const runtime = parseRuntime(systemFixture('runtime.txt'));
  const kernel = parseKernelProbe(systemFixture('kernel.txt'), { clock: runtime.clock!, since: 0 });
  const ours = kernel.oomKills.filter((k) => k.memcg === '/fpm-medic-capture');

  it('finds the kill of the oom pool worker, with its memcg, in host time', () => {
    const oomWorker = runtime.processes.find((p) => p.pool === 'oom')!;
    const kill = ours.find((k) => k.pid === oomWorker.pid)!;
    expect(kill).toMatchObject({ comm: 'php-fpm8.2', cgroup: true, memcg: '/fpm-medic-capture' });
    expect(kill.anonRssKb).toBeGreaterThan(200_000);
    expect(kill.totalVmKb).toBeGreaterThan(kill.anonRssKb!);
    // The kill came after the runtime snapshot and before kernel.sh read its own clock.
    expect(kill.time).toBeGreaterThan(runtime.clock!.now);
    expect(kill.time).toBeLessThanOrEqual(kernel.clock!.now);
    expect(kernel.failures).toEqual([]);
  });

  it('matches the FPM side of the same event by pid', () => {
    const fpmLog = systemFixture('php-fpm.log');
    const oomWorker = runtime.processes.find((p) => p.pool === 'oom')!;
    expect(fpmLog).toContain(`[pool oom] child ${oomWorker.pid} exited on signal 9 (SIGKILL)`);
  });

  it('reads the cgroup v1 OOM counter of the FPM master', () => {
    const master = runtime.processes.find((p) => p.role === 'fpm-master')!;
    expect(kernel.cgroupOom).toEqual([
      { pid: master.pid, path: '/fpm-medic-capture', version: 1, oomKills: 1, underOom: false },
    ]);
  });

  it('windows on since', () => {
    const last = Math.max(...kernel.oomKills.map((k) => k.time));
    const later = parseKernelProbe(systemFixture('kernel.txt'), { clock: runtime.clock!, since: last + 1 });
    expect(later.oomKills).toEqual([]);
  });
});

describe('OOM line formats across kernels (REFERENCE §6)', () => {
  it('reads a global OOM with the summary after the kill line, and converts boot seconds', () => {
    const text = [
      '[  400.100000] Out of memory: Killed process 1234 (php-fpm8.2) total-vm:500kB, anon-rss:300kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:10kB oom_score_adj:0',
      '[  400.000000] oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/php8.2-fpm.service,task=php-fpm8.2,pid=1234,uid=33',
    ].join('\n');
    expect(parseOomKills(text, clockCtx)).toEqual([
      {
        time: 900.1,
        pid: 1234,
        comm: 'php-fpm8.2',
        totalVmKb: 500,
        anonRssKb: 300,
        cgroup: false,
        memcg: '/system.slice/php8.2-fpm.service',
        text: 'Out of memory: Killed process 1234 (php-fpm8.2) total-vm:500kB, anon-rss:300kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:10kB oom_score_adj:0',
      },
    ]);
  });

  it('reads the pre-4.19 two-line form with its "Task in" memcg line', () => {
    const text = [
      '<3>[  10.000000] Task in /php killed as a result of limit of /php',
      '[  10.000001] Memory cgroup out of memory: Kill process 99 (php-fpm7.2) score 287 or sacrifice child',
      '[  10.000002] Killed process 99 (php-fpm7.2) total-vm:1000kB, anon-rss:800kB, file-rss:0kB, shmem-rss:0kB',
    ].join('\n');
    expect(parseOomKills(text, clockCtx)).toMatchObject([
      { pid: 99, comm: 'php-fpm7.2', cgroup: true, memcg: '/php', totalVmKb: 1000, anonRssKb: 800 },
    ]);
  });

  it('reads journalctl -k -o short-iso (both offset spellings) and dmesg -T', () => {
    const journal = [
      '2024-01-15T03:42:17+0100 web-1 kernel: Out of memory: Killed process 5 (php-fpm8.2) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:1kB oom_score_adj:0',
      '2024-01-15T03:43:17+01:00 web-1 kernel: Out of memory: Killed process 6 (php-fpm8.2) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:33 pgtables:1kB oom_score_adj:0',
    ].join('\n');
    const kills = parseOomKills(journal, clockCtx, 'journal');
    expect(kills.map((k) => [k.pid, k.time])).toEqual([
      [5, Date.UTC(2024, 0, 15, 2, 42, 17) / 1000],
      [6, Date.UTC(2024, 0, 15, 2, 43, 17) / 1000],
    ]);
    const ctime = parseOomKills(
      '[Mon Jan  5 03:42:17 2024] Out of memory: Killed process 7 (php) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB',
      clockCtx,
    );
    expect(ctime[0]!.time).toBe(Date.UTC(2024, 0, 5, 2, 42, 17) / 1000);
  });

  it('reports an unreadable dmesg as a permission failure with the fix', () => {
    const out = [
      '@@error kernel-log reason=permission tool=dmesg fix=run%20the%20probes%20as%20root',
      'dmesg: read kernel buffer failed: Operation not permitted (kernel.dmesg_restrict=1)',
    ].join('\n');
    expect(parseKernelProbe(out, clockCtx).failures).toEqual([
      {
        probe: 'kernel',
        target: 'dmesg',
        reason: 'permission',
        detail: 'dmesg: read kernel buffer failed: Operation not permitted (kernel.dmesg_restrict=1)',
        fix: 'run the probes as root',
      },
    ]);
  });
});
