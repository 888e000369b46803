import { describe, expect, it } from 'vitest';
import { parseClock } from '../../../../src/probes/parsers/clock.js';
import { parseCgroupOom } from '../../../../src/probes/parsers/kernel.js';
import { parseCgroupMemory, parseMeminfo } from '../../../../src/probes/parsers/meminfo.js';
import { parseNetstat } from '../../../../src/probes/parsers/netstat.js';
import { processRole } from '../../../../src/probes/parsers/ps.js';
import { parseRuntime } from '../../../../src/probes/parsers/runtime.js';
import { parseSsConnections, parseSsListeners, splitHostPort } from '../../../../src/probes/parsers/ss.js';
import { systemFixture, WORK } from './fixtures.js';

// Snapshot taken while: 8 www workers (one sleeping, one calling its own nginx, one blocked on a
// "remote API" at 127.0.0.1:19212), 5 requests on a 2-worker TCP pool, one kill-pool request.
const facts = parseRuntime(systemFixture('runtime.txt'));

describe('runtime.sh snapshot (captured)', () => {
  it('reads the clock in the host zone', () => {
    expect(facts.clock!.utcOffsetMin).toBe(60);
    expect(facts.clock!.now).toBeGreaterThan(1.7e9);
    expect(facts.clock!.uptimeSec).toBeGreaterThan(0);
    expect(facts.failures).toEqual([]);
  });

  it('gives processes roles, pools and start times', () => {
    const master = facts.processes.find((p) => p.role === 'fpm-master')!;
    expect(master.args).toBe(`php-fpm: master process (${WORK}/etc/php-fpm.conf)`);
    expect(master.user).toBe('root');
    const workers = facts.processes.filter((p) => p.role === 'fpm-worker');
    const pools = new Map<string, number>();
    for (const w of workers) pools.set(w.pool!, (pools.get(w.pool!) ?? 0) + 1);
    expect(Object.fromEntries(pools)).toEqual({ www: 8, tcp: 2, perm: 1, oom: 1, kill: 1 });
    expect(workers.every((w) => w.ppid === master.pid && w.user === 'www-data' && w.rssKb > 0)).toBe(true);
    const web = facts.processes.filter((p) => p.role === 'web');
    expect(web.some((p) => p.args.startsWith('nginx: master process /usr/sbin/nginx'))).toBe(true);
    expect(web.some((p) => p.args === 'nginx: worker process')).toBe(true);
    expect(web.filter((p) => p.args.startsWith('/usr/sbin/apache2 -f'))).toHaveLength(2);
    expect(master.startedAt).toBe(facts.clock!.now - master.elapsedSec);
    // Kernel threads and helpers are "other"; "-" wchan is absent.
    expect(facts.processes.find((p) => p.args.startsWith('[kworker'))?.role).toBe('other');
    expect(facts.processes.some((p) => p.wchan === 'hrtimer_nanosleep')).toBe(true);
  });

  it('reads listen queues: full backlogs and a TCP pool with requests waiting', () => {
    const listener = (a: string) => facts.listeners.find((l) => l.address === a)!;
    expect(listener(`${WORK}/run/full.sock`)).toMatchObject({ kind: 'unix', recvQ: 1, sendQ: 0 });
    expect(listener('127.0.0.1:19211')).toMatchObject({ kind: 'tcp', recvQ: 1, sendQ: 0 });
    // 5 requests, 2 workers: 3 wait in the accept queue; backlog -1 = somaxconn 4096.
    expect(listener('127.0.0.1:19210')).toMatchObject({ kind: 'tcp', recvQ: 3, sendQ: 4096 });
    const www = listener(`${WORK}/run/www.sock`);
    const master = facts.processes.find((p) => p.role === 'fpm-master')!;
    expect(www.pids).toContain(master.pid);
    expect(www.pids).toHaveLength(9);
    expect(listener('[::1]:19202').kind).toBe('tcp');
  });

  it('reads connections: busy workers (Recv-Q 8), the nginx side by inode, the self-request', () => {
    const busy = facts.connections.filter(
      (c) => c.kind === 'unix' && c.local === `${WORK}/run/www.sock` && c.process === 'php-fpm8.2',
    );
    expect(busy.length).toBeGreaterThanOrEqual(3);
    expect(busy.every((c) => c.state === 'ESTAB' && c.recvQ === 8 && c.peer === '*')).toBe(true);
    const one = busy[0]!;
    const nginxSide = facts.connections.find((c) => c.localInode === one.peerInode)!;
    expect(nginxSide).toMatchObject({ process: 'nginx', peerInode: one.localInode });
    const self = facts.connections.find((c) => c.process === 'php-fpm8.2' && c.peer === '127.0.0.1:19201');
    expect(self, 'worker connected to its own nginx').toBeDefined();
    const external = facts.connections.find(
      (c) => c.process === 'php-fpm8.2' && c.peer === '127.0.0.1:19212',
    );
    expect(external?.state).toBe('ESTAB');
  });

  it('reads memory with the FPM cgroup limit, somaxconn and the TcpExt counters', () => {
    expect(facts.memory!.memTotalKb).toBeGreaterThan(facts.memory!.memAvailableKb);
    expect(facts.memory!.cgroupLimitKb).toBe(256 * 1024);
    expect(facts.kernel.somaxconn).toBe(4096);
    expect(facts.kernel.tcpListenOverflows).toBeGreaterThanOrEqual(0);
    // After the capture's SYN to the full TCP listener was dropped, the counters moved.
    const after = parseRuntime(systemFixture('runtime-after.txt'));
    expect(after.kernel.tcpListenOverflows!).toBeGreaterThan(facts.kernel.tcpListenOverflows!);
    expect(after.kernel.tcpListenDrops!).toBeGreaterThan(0);
  });
});

describe('system parsers on edge cases', () => {
  it('reads ss lines with and without Netid, IPv6, *:* and unnamed unix sockets', () => {
    expect(parseSsListeners('LISTEN 0      511        [::]:80     [::]:*', 'tcp')).toEqual([
      { kind: 'tcp', address: '[::]:80', recvQ: 0, sendQ: 511, pids: [] },
    ]);
    expect(parseSsConnections('u_str ESTAB 0 0 * 67137 * 68427 users:(("nginx",pid=15109,fd=13))')).toEqual([
      {
        kind: 'unix',
        state: 'ESTAB',
        local: '*',
        peer: '*',
        localInode: 67137,
        peerInode: 68427,
        recvQ: 0,
        sendQ: 0,
        pid: 15109,
        process: 'nginx',
      },
    ]);
    expect(parseSsConnections('tcp ESTAB 0 0 [::1]:80 [::1]:5555')[0]).toMatchObject({
      pid: 0,
      local: '[::1]:80',
    });
    expect(splitHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(splitHostPort('0.0.0.0:*')).toBeUndefined();
  });

  it('knows FPM/web proctitles', () => {
    expect(processRole('php-fpm: pool www-data.example')).toEqual({
      role: 'fpm-worker',
      pool: 'www-data.example',
    });
    expect(processRole('/usr/sbin/httpd -DFOREGROUND')).toEqual({ role: 'web' });
    expect(processRole('/usr/sbin/php-fpm8.2 --nodaemonize')).toEqual({ role: 'fpm-master' });
    expect(processRole('vim /etc/nginx/nginx.conf')).toEqual({ role: 'other' });
  });

  it('reads clock, meminfo without MemAvailable, cgroup limits and OOM counters', () => {
    expect(parseClock('now 100\noffset -0530\nuptime 5.5 1.0')).toEqual({
      now: 100,
      uptimeSec: 5.5,
      utcOffsetMin: -330,
    });
    expect(parseClock('offset +0000')).toBeUndefined();
    expect(parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nCached: 50 kB\nBuffers: 10 kB')).toEqual({
      memTotalKb: 1000,
      memAvailableKb: 160,
    });
    expect(parseCgroupMemory('limit 9223372036854771712\nusage 2048')).toEqual({ usageKb: 2 });
    expect(parseCgroupMemory('limit max\nusage 0')).toEqual({ usageKb: 0 });
    expect(
      parseCgroupOom('low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0', {
        pid: '7',
        path: '/system.slice/php8.2-fpm.service',
        version: '2',
      }),
    ).toEqual({ pid: 7, path: '/system.slice/php8.2-fpm.service', version: 2, oomKills: 1, ooms: 2 });
    expect(
      parseNetstat('TcpExt: A ListenOverflows\nTcpExt: 1 2\nIpExt: X\nIpExt: 3').get('ListenOverflows'),
    ).toBe(2);
  });
});
