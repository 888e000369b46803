import { existsSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { waitFor } from '../../lab/wait.js';
import {
  alive,
  cmdline,
  dmesg,
  fileMode,
  lines,
  nginxTime,
  procStat,
  read,
  sh,
  ssPidsTo,
  ssUnixListen,
} from './helpers.js';

// Every assertion below reads the real artefact (log file, ss, dmesg, /proc, HTTP status) with a
// regex written from REFERENCE.md, independently of the regexes the lab itself waits on.

const NGINX_PREFIX = String.raw`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;
const FPM_PREFIX = String.raw`^\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\]`;

describe('lab behind nginx', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ web: 'nginx' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const fpmLog = () => lab.logs.fpm;
  const errLog = () => lab.logs.webError;
  const sock = () => lab.pools.unixpool.socket!;

  it('runs its own FPM and nginx with non-standard paths and free ports', () => {
    expect(lab.dir).toMatch(/\/fpm-medic-lab-[\w]+$/);
    for (const port of Object.values(lab.ports)) {
      expect(port).toBeGreaterThan(0);
      expect(port < 19100 || port > 19299).toBe(true);
    }
    expect(cmdline(lab.fpmMasterPid!)).toBe(`php-fpm: master process (${lab.dir}/etc/php-fpm.conf)`);
    const workers = lab.workerPids();
    expect(workers.map(cmdline)).toEqual(
      expect.arrayContaining(['php-fpm: pool unixpool', 'php-fpm: pool tcppool']),
    );
    const wwwData = 33;
    expect(fileMode(sock())).toEqual({ mode: '0660', uid: wwwData, gid: wwwData });
    expect(ssUnixListen(sock())).toBeDefined();
    expect(sh('ss', ['-tln'])).toContain(`127.0.0.1:${lab.pools.tcppool.tcp!.port}`);
    expect(cmdline(lab.webMasterPid!)).toContain(`nginx -c ${lab.dir}/etc/nginx.conf`);
    // The effective FPM config, as a probe would read it.
    const tt = sh('sh', [
      '-c',
      `/usr/sbin/php-fpm8.2 -tt -y ${lab.dir}/etc/php-fpm.conf -c ${lab.dir}/etc/php.ini 2>&1`,
    ]);
    expect(tt).toMatch(/NOTICE: \[unixpool\]/);
    expect(tt).toMatch(/NOTICE: \tpm.max_children = 3/);
    expect(tt).toMatch(/NOTICE: \trequest_terminate_timeout = 20s/);
    expect(tt).toMatch(/test is successful/);
  });

  it('healthy: every pool answers 200, no warnings anywhere', async () => {
    const s = await lab.induce('healthy');
    expect(Object.values(s.details.responses)).toEqual([200, 200, 200, 200, 200]);
    expect((await lab.get('/status?json')).body).toMatch(/"pool":"unixpool","process manager":"dynamic"/);
    expect(read(errLog())).toBe('');
    expect(lines(fpmLog(), /WARNING|ERROR/)).toEqual([]);
    // Access log with duration (ms), memory (KiB) and CPU%, as in REFERENCE §3.2.
    expect(read(lab.logs.access('unixpool'))).toMatch(
      /^- - {2}\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d [+-]\d{4} "GET \/health\.php" 200 \S+\/www\/health\.php [\d.]+ \d+ [\d.]+%$/m,
    );
  });

  it('pool-exhausted: max_children reached, requests queued at the socket', async () => {
    const s = await lab.induce('pool-exhausted', { holdMs: 20_000 });
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `${FPM_PREFIX} WARNING: \\[pool unixpool\\] server reached pm\\.max_children setting \\(3\\), consider raising it$`,
        ),
      ),
    ).toHaveLength(1);
    const q = await waitFor('ss Recv-Q > 0', () => {
      const l = ssUnixListen(sock());
      return l && l.recvQ > 0 ? l : undefined;
    });
    expect(q.sendQ).toBe(4096);
    const busy = lab.workerPids('unixpool');
    expect(busy).toHaveLength(3);
    expect(s.details.maxChildren).toBe(3);
    await s.end();
  });

  it('self-request-deadlock: every worker holds a connection to the lab’s own listener', async () => {
    const s = await lab.induce('self-request-deadlock', { holdMs: 20_000 });
    const own = `127.0.0.1:${lab.ports.http}`;
    const workers = lab.workerPids('unixpool');
    expect(workers).toHaveLength(3);
    await waitFor('each worker connected to the own listener', () =>
      workers.every((p) => ssPidsTo(own).includes(p)),
    );
    // The inner requests wait behind them in the accept queue.
    await waitFor('inner requests queued', () => (ssUnixListen(sock())?.recvQ ?? 0) > 0);
    expect(s.details.ownListener).toBe(own);
    await s.end();
  });

  it('slow-external-call: workers blocked on the black-hole API with ~0% CPU', async () => {
    const s = await lab.induce('slow-external-call', { holdMs: 20_000 });
    const api = lab.blackhole.address;
    expect(api).toMatch(/^127\.0\.0\.2:\d+$/);
    const blocked = await waitFor('2 workers connected to the API', () => {
      const p = ssPidsTo(api).filter((pid) => lab.workerPids('unixpool').includes(pid));
      return p.length >= 2 ? p : undefined;
    });
    const before = blocked.map((p) => procStat(p)!.cpuTicks);
    // A measurement window, not a synchronisation: how much CPU the blocked workers burn in 1 s.
    await delay(1000);
    blocked.forEach((p, i) => {
      const now = procStat(p)!;
      expect(now.state).toBe('S');
      expect(now.cpuTicks - before[i]!).toBeLessThanOrEqual(5);
    });
    expect(s.details.endpoint).toBe(api);
    await s.end();
  });

  it('request-timeout-kill: FPM terminates the request, nginx sees the reset, client gets 502', async () => {
    const s = await lab.induce('request-timeout-kill');
    expect(s.details.response.status).toBe(502);
    const pid = s.details.killedPid;
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `${FPM_PREFIX} WARNING: \\[pool unixpool\\] child ${pid}, script '\\S+/www/sleep\\.php' \\(request: "GET /sleep\\.php\\?s=6"\\) execution timed out \\(\\d+\\.\\d{6} sec\\), terminating$`,
        ),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `WARNING: \\[pool unixpool\\] child ${pid} exited on signal 15 \\(SIGTERM\\) after \\d+\\.\\d{6} seconds from start$`,
        ),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] \\d+#\\d+: \\*\\d+ recv\\(\\) failed \\(104: Connection reset by peer\\) while reading response header from upstream, .*request: "GET /sleep\\.php\\?s=6 HTTP/1\\.1", upstream: "fastcgi://unix:${sock()}:"`,
        ),
      ),
    ).toHaveLength(1);
    // A killed request leaves no FPM access-log line (REFERENCE §3.2).
    expect(read(lab.logs.access('unixpool'))).not.toContain('/sleep.php?s=6');
  });

  it('worker-oom-killed: the kernel OOM-kills a worker inside a memory cgroup', async () => {
    const s = await lab.induce('worker-oom-killed');
    const pid = s.details.killedPid;
    const cg = s.details.cgroup;
    expect(cg).toBe(`/sys/fs/cgroup/memory/fpm-medic-lab-${lab.id}`);
    expect(read(`${cg}/memory.oom_control`)).toMatch(/^oom_kill [1-9]\d*$/m);
    expect(read(`${cg}/cgroup.procs`).split('\n')).toContain(String(lab.fpmMasterPid));
    expect(dmesg()).toMatch(
      new RegExp(
        `Memory cgroup out of memory: Killed process ${pid} \\(php-fpm8\\.2\\) total-vm:\\d+kB, anon-rss:\\d+kB, file-rss:\\d+kB, shmem-rss:\\d+kB, UID:33 pgtables:\\d+kB oom_score_adj:0`,
      ),
    );
    expect(dmesg()).toMatch(
      new RegExp(`oom-kill:constraint=CONSTRAINT_MEMCG,.*task=php-fpm8\\.2,pid=${pid},uid=33`),
    );
    expect(
      lines(
        fpmLog(),
        new RegExp(`WARNING: \\[pool unixpool\\] child ${pid} exited on signal 9 \\(SIGKILL\\) after`),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        /recv\(\) failed \(104: Connection reset by peer\) while reading response header from upstream, .*"GET \/mem\.php/,
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
    await s.end();
    expect(existsSync(cg)).toBe(false);
  });

  it('worker-crashed: a real SIGSEGV in the worker', async () => {
    const s = await lab.induce('worker-crashed');
    const pid = s.details.crashedPid;
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `WARNING: \\[pool unixpool\\] child ${pid} exited on signal 11 \\(SIGSEGV( - core dumped)?\\) after \\d+\\.\\d{6} seconds from start$`,
        ),
      ),
    ).toHaveLength(1);
    // The state crashes only while the printk_ratelimit budget has room (kernel-log.ts), so the
    // kernel's line is always there; it names the pid FPM reports.
    expect(s.details.dmesgLine).toMatch(new RegExp(`php-fpm8\\.2\\[${pid}\\]: segfault at [0-9a-f]+ ip `));
    expect(dmesg()).toContain(s.details.dmesgLine);
    expect(
      lines(
        errLog(),
        /recv\(\) failed \(104: Connection reset by peer\) while reading response header from upstream, .*"GET \/segv\.php/,
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
  });

  it('fpm-down (stopped): socket gone, nginx logs ENOENT at [crit], 502', async () => {
    const master = lab.fpmMasterPid;
    const s = await lab.induce('fpm-down');
    expect(alive(master)).toBe(false);
    expect(lab.fpmMasterPid).toBeUndefined();
    expect(existsSync(sock())).toBe(false);
    expect(lines(fpmLog(), /NOTICE: exiting, bye-bye!/)).toHaveLength(1);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[crit\\] .*connect\\(\\) to unix:${sock()} failed \\(2: No such file or directory\\) while connecting to upstream`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
  });

  it('fpm-down (stale socket): master and workers killed -9, socket file left, 111 refused', async () => {
    const s = await lab.induce('fpm-down', { variant: 'stale-socket' });
    expect(existsSync(sock())).toBe(true);
    expect(ssUnixListen(sock())).toBeUndefined();
    expect(lines(fpmLog(), /bye-bye/)).toEqual([]);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] .*connect\\(\\) to unix:${sock()} failed \\(111: Connection refused\\) while connecting to upstream`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
    // The next start must cope with the stale file, as a real restart does.
    await s.end();
    expect((await lab.get('/health.php')).status).toBe(200);
  });

  it('socket-permission: root-owned 0600 socket, nginx (www-data) gets EACCES', async () => {
    const s = await lab.induce('socket-permission');
    expect(fileMode(sock())).toEqual({ mode: '0600', uid: 0, gid: 0 });
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[crit\\] .*connect\\(\\) to unix:${sock()} failed \\(13: Permission denied\\) while connecting to upstream`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
  });

  it('listen-backlog-overflow: tiny backlog full, nginx gets EAGAIN, immediate 502s', async () => {
    const s = await lab.induce('listen-backlog-overflow', { holdMs: 20_000 });
    const q = ssUnixListen(sock());
    expect(q?.sendQ).toBe(2);
    expect(q?.recvQ).toBeGreaterThanOrEqual(2);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] .*connect\\(\\) to unix:${sock()} failed \\(11: Resource temporarily unavailable\\) while connecting to upstream`,
        ),
      ).length,
    ).toBeGreaterThan(0);
    const r = await waitFor('an immediate 502', async () => {
      const res = await lab.get('/health.php', { timeoutMs: 2_000 });
      return res.status === 502 ? res : undefined;
    });
    expect(r.ms).toBeLessThan(1000);
    await s.end();
  });

  it('restart-window: a stop+start under traffic, errors clustered around the new start', async () => {
    const s = await lab.induce('restart-window');
    const d = s.details;
    expect(d.newMasterPid).not.toBe(d.oldMasterPid);
    expect(cmdline(d.newMasterPid)).toBe(`php-fpm: master process (${lab.dir}/etc/php-fpm.conf)`);
    const fpm = read(fpmLog());
    expect(fpm).toMatch(
      /NOTICE: Terminating \.\.\.\n.*NOTICE: exiting, bye-bye!\n.*NOTICE: fpm is running, pid \d+/,
    );
    expect(fpm).toContain(`NOTICE: fpm is running, pid ${d.newMasterPid}`);
    const errs = lines(
      errLog(),
      /connect\(\) to unix:\S+ failed \((2: No such file or directory|111: Connection refused)\)/,
    );
    expect(errs.length).toBeGreaterThanOrEqual(3);
    // Whole-second timestamps: every error within a second of the stop..start window.
    for (const l of errs) {
      const t = nginxTime(l);
      expect(t).toBeGreaterThanOrEqual(Math.floor(d.stoppedAt.getTime() / 1000) * 1000 - 1000);
      expect(t).toBeLessThanOrEqual(d.startedAt.getTime() + 1000);
    }
    expect(d.failures.every((f) => f.status === 502)).toBe(true);
    expect((await lab.get('/health.php')).status).toBe(200);
  });

  it('timeout-chain-misaligned (terminate-zero): request_terminate_timeout = 0 in the effective config', async () => {
    const s = await lab.induce('timeout-chain-misaligned');
    const tt = sh('sh', [
      '-c',
      `/usr/sbin/php-fpm8.2 -tt -y ${lab.dir}/etc/php-fpm.conf -c ${lab.dir}/etc/php.ini 2>&1`,
    ]);
    const unixSection = tt.split('NOTICE: [unixpool]')[1]?.split(/NOTICE: \[\w+\]/)[0] ?? '';
    expect(unixSection).toMatch(/NOTICE: \trequest_terminate_timeout = 0s?\n/);
    expect(read(lab.webConfigFile)).toMatch(/fastcgi_read_timeout 30s;/);
    expect(s.details.requestTerminateTimeout).toBe('0');
  });

  it('timeout-chain-misaligned (terminate-exceeds-web): nginx gives up first with 504, FPM finishes later', async () => {
    const s = await lab.induce('timeout-chain-misaligned', { variant: 'terminate-exceeds-web' });
    expect(read(lab.webConfigFile)).toMatch(/fastcgi_read_timeout 3s;/);
    expect(s.details.response?.status).toBe(504);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] .*upstream timed out \\(110: Connection timed out\\) while reading response header from upstream, .*"GET /sleep\\.php\\?s=5 HTTP/1\\.1", upstream: "fastcgi://unix:${sock()}"`,
        ),
      ),
    ).toHaveLength(1);
    // FPM logs the same request later with its own status (REFERENCE §3.2): the two sides disagree.
    await waitFor('FPM access line for the timed-out request', () =>
      /"GET \/sleep\.php\?s=5" 200 \S+ 5\d{3}\.\d+ /.test(read(lab.logs.access('unixpool'))),
    );
    await s.end();
    expect(read(lab.webConfigFile)).toMatch(/fastcgi_read_timeout 30s;/);
  });

  it('max-children-oversized: ondemand max_children 5000 × worker RSS exceeds RAM', async () => {
    const s = await lab.induce('max-children-oversized');
    const tt = sh('sh', [
      '-c',
      `/usr/sbin/php-fpm8.2 -tt -y ${lab.dir}/etc/php-fpm.conf -c ${lab.dir}/etc/php.ini 2>&1`,
    ]);
    const od = tt.split('NOTICE: [odpool]')[1]?.split(/NOTICE: \[\w+\]/)[0] ?? '';
    expect(od).toMatch(/NOTICE: \tpm = ondemand\n/);
    expect(od).toMatch(/NOTICE: \tpm.max_children = 5000\n/);
    const pids = lab.workerPids('odpool');
    expect(pids.length).toBeGreaterThanOrEqual(2);
    expect(s.details.maxChildren).toBe(5000);
    const pageKb = 4;
    const avgRssKb = pids.reduce((a, p) => a + procStat(p)!.rssPages * pageKb, 0) / pids.length;
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(read('/proc/meminfo'))?.[1]);
    expect(5000 * avgRssKb).toBeGreaterThan(memTotalKb);
  });

  it('slow-requests: slowlog entries with script and stack frames', async () => {
    await lab.induce('slow-requests');
    const slow = read(lab.logs.slow('unixpool'));
    const entry =
      /\n\[\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d\] {2}\[pool unixpool\] pid \d+\nscript_filename = \S+\/www\/sleep\.php\n\[0x[0-9a-f]{16}\] sleep\(\) \S+\/sleep\.php:\d+\n\[0x[0-9a-f]{16}\] wait_for_backend\(\) \S+\/sleep\.php:\d+\n/g;
    expect(slow.match(entry)?.length).toBeGreaterThanOrEqual(2);
    expect(
      lines(
        fpmLog(),
        /WARNING: \[pool unixpool\] child \d+, script '\S+\/sleep\.php' \(request: "GET \/sleep\.php\?s=3"\) executing too slow \(\d+\.\d{6} sec\), logging$/,
      ).length,
    ).toBeGreaterThanOrEqual(2);
    const status = await lab.get('/status');
    expect(status.body).toMatch(/^slow requests: +[1-9]/m);
  });

  it('reset brings back a healthy lab after any state', async () => {
    await lab.induce('socket-permission');
    await lab.reset();
    expect(lab.current).toBeUndefined();
    expect(fileMode(sock()).mode).toBe('0660');
    expect((await lab.get('/health.php')).status).toBe(200);
    expect(read(errLog())).toBe('');
  });
});
