import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { waitFor } from '../../lab/wait.js';
import {
  alive,
  dmesg,
  lines,
  nginxTime,
  procStat,
  read,
  sh,
  ssPidsTo,
  ssTcpListen,
  tcpListenOverflows,
} from './helpers.js';

// The states on the TCP pool (tcppool: pm static, 2 children, 127.0.0.1:<port>, listen.backlog 3),
// reached under /tcp/ behind nginx. As in lab.test.ts, every assertion reads the real artefact (log
// file, ss, dmesg, /proc, HTTP status) with a regex written from REFERENCE.md.

const NGINX_PREFIX = String.raw`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d`;

describe('lab behind nginx, states on the TCP pool', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ web: 'nginx' });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const fpmLog = () => lab.logs.fpm;
  const errLog = () => lab.logs.webError;
  const port = () => lab.pools.tcppool.tcp!.port;
  const upstream = () => `upstream: "fastcgi://127\\.0\\.0\\.1:${port()}"`;

  it('routes /tcp/ to tcppool with a short connect timeout (unix routes keep 10s)', async () => {
    expect(lab.pools.tcppool).toMatchObject({ pm: 'static', maxChildren: 2, urlPrefix: '/tcp' });
    const conf = read(lab.webConfigFile);
    expect(conf).toMatch(
      new RegExp(`fastcgi_pass 127\\.0\\.0\\.1:${port()};\\n\\s+fastcgi_connect_timeout 2s;`),
    );
    expect(conf).toMatch(/fastcgi_pass unix:\S+unixpool\.sock;\n\s+fastcgi_connect_timeout 10s;/);
    expect(ssTcpListen(port())).toEqual({ recvQ: 0, sendQ: 3 });
    expect((await lab.get('/tcp/health.php')).status).toBe(200);
    expect(read(lab.logs.access('tcppool'))).toContain('"GET /health.php" 200');
  });

  it('fpm-down stale-socket needs a socket file (socket-permission takes no pool at all)', async () => {
    await expect(lab.induce('fpm-down', { pool: 'tcppool', variant: 'stale-socket' })).rejects.toThrow(
      /needs a unix pool/,
    );
    await lab.reset();
  });

  it('pool-exhausted: both static workers busy, requests queued on the port; static pools never log max_children', async () => {
    const s = await lab.induce('pool-exhausted', { pool: 'tcppool', holdMs: 20_000 });
    expect(s.details).toMatchObject({ pool: 'tcppool', socket: `127.0.0.1:${port()}`, maxChildren: 2 });
    expect(s.details.maxChildrenLine).toBeUndefined();
    const q = await waitFor('ss -tl Recv-Q > 0', () => {
      const l = ssTcpListen(port());
      return l && l.recvQ > 0 ? l : undefined;
    });
    expect(q.sendQ).toBe(3);
    expect(lab.workerPids('tcppool')).toHaveLength(2);
    expect(lines(fpmLog(), /max_children/)).toEqual([]);
    // The status page queues behind the busy workers too.
    const status = await lab.get('/tcp/status', { timeoutMs: 1_500 });
    expect(status.status).toBe(0);
    await s.end();
  });

  it('self-request-deadlock: both tcppool workers wait on the own listener, the inner requests queue on the port', async () => {
    const s = await lab.induce('self-request-deadlock', { pool: 'tcppool', holdMs: 20_000 });
    const own = `127.0.0.1:${lab.ports.http}`;
    const workers = lab.workerPids('tcppool');
    expect(workers).toHaveLength(2);
    expect(s.details.workerPids.sort()).toEqual([...workers].sort());
    expect(workers.every((p) => ssPidsTo(own).includes(p))).toBe(true);
    await waitFor('inner requests queued on the tcppool port', () => (ssTcpListen(port())?.recvQ ?? 0) > 0);
    // The unix pool is not involved: self.php calls /tcp/health.php under its own prefix.
    expect(lab.workerPids('unixpool').some((p) => ssPidsTo(own).includes(p))).toBe(false);
    await s.end();
  });

  it('slow-external-call: tcppool workers blocked on the black-hole API with ~0% CPU', async () => {
    const s = await lab.induce('slow-external-call', { pool: 'tcppool', concurrency: 2, holdMs: 20_000 });
    const api = lab.blackhole.address;
    const blocked = s.details.workerPids;
    expect(blocked).toHaveLength(2);
    expect(blocked.every((p) => lab.workerPids('tcppool').includes(p) && ssPidsTo(api).includes(p))).toBe(
      true,
    );
    const before = blocked.map((p) => procStat(p)!.cpuTicks);
    // A measurement window, not a synchronisation: how much CPU the blocked workers burn in 1 s.
    await delay(1000);
    blocked.forEach((p, i) => {
      const now = procStat(p)!;
      expect(now.state).toBe('S');
      expect(now.cpuTicks - before[i]!).toBeLessThanOrEqual(5);
    });
    await s.end();
  });

  it('request-timeout-kill: FPM terminates the tcppool request, nginx sees the reset, 502', async () => {
    const s = await lab.induce('request-timeout-kill', { pool: 'tcppool' });
    expect(s.details.response.status).toBe(502);
    const pid = s.details.killedPid;
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `WARNING: \\[pool tcppool\\] child ${pid}, script '\\S+/www/sleep\\.php' \\(request: "GET /sleep\\.php\\?s=6"\\) execution timed out \\(\\d+\\.\\d{6} sec\\), terminating$`,
        ),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        fpmLog(),
        new RegExp(`WARNING: \\[pool tcppool\\] child ${pid} exited on signal 15 \\(SIGTERM\\)`),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] .*(recv\\(\\) failed \\(104: Connection reset by peer\\)|upstream prematurely closed connection) while reading response header from upstream, .*request: "GET /tcp/sleep\\.php\\?s=6 HTTP/1\\.1", ${upstream()}`,
        ),
      ),
    ).toHaveLength(1);
    // The unix pool keeps its baseline.
    expect(lab.pools.unixpool.requestTerminateTimeout).toBe('20s');
    expect(lab.pools.tcppool.requestTerminateTimeout).toBe('2s');
  });

  it('worker-oom-killed: the kernel OOM-kills a tcppool worker', async () => {
    const s = await lab.induce('worker-oom-killed', { pool: 'tcppool' });
    const pid = s.details.killedPid;
    expect(dmesg()).toMatch(
      new RegExp(`Memory cgroup out of memory: Killed process ${pid} \\(php-fpm8\\.2\\) total-vm:\\d+kB`),
    );
    expect(
      lines(
        fpmLog(),
        new RegExp(`WARNING: \\[pool tcppool\\] child ${pid} exited on signal 9 \\(SIGKILL\\)`),
      ),
    ).toHaveLength(1);
    expect(
      lines(
        errLog(),
        new RegExp(
          `(recv\\(\\) failed \\(104: Connection reset by peer\\)|upstream prematurely closed connection) while reading response header from upstream, .*"GET /tcp/mem\\.php.*${upstream()}`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
    await s.end();
  });

  it('worker-crashed: a real SIGSEGV in a tcppool worker', async () => {
    const s = await lab.induce('worker-crashed', { pool: 'tcppool' });
    const pid = s.details.crashedPid;
    expect(
      lines(
        fpmLog(),
        new RegExp(
          `WARNING: \\[pool tcppool\\] child ${pid} exited on signal 11 \\(SIGSEGV( - core dumped)?\\)`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.dmesgLine).toMatch(new RegExp(`php-fpm8\\.2\\[${pid}\\]: segfault at [0-9a-f]+ ip `));
    expect(
      lines(
        errLog(),
        new RegExp(
          `(recv\\(\\) failed \\(104: Connection reset by peer\\)|upstream prematurely closed connection) while reading response header from upstream, .*"GET /tcp/segv\\.php.*${upstream()}`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
  });

  it('fpm-down: nothing listens on the port, nginx logs 111 refused at [error], 502', async () => {
    const master = lab.fpmMasterPid;
    const s = await lab.induce('fpm-down', { pool: 'tcppool' });
    expect(alive(master)).toBe(false);
    expect(ssTcpListen(port())).toBeUndefined();
    expect(s.details).toMatchObject({
      pool: 'tcppool',
      socket: `127.0.0.1:${port()}`,
      socketFileExists: false,
    });
    expect(
      lines(
        errLog(),
        new RegExp(
          `${NGINX_PREFIX} \\[error\\] \\d+#\\d+: \\*\\d+ connect\\(\\) failed \\(111: Connection refused\\) while connecting to upstream, .*request: "GET /tcp/health\\.php HTTP/1\\.1", ${upstream()}`,
        ),
      ),
    ).toHaveLength(1);
    expect(s.details.response.status).toBe(502);
  });

  it('listen-backlog-overflow: the full TCP queue drops SYNs, nginx times out connecting after 2 s, 504', async () => {
    const overflowsBefore = tcpListenOverflows();
    const s = await lab.induce('listen-backlog-overflow', { pool: 'tcppool', holdMs: 20_000 });
    // The kernel holds backlog + 1: Recv-Q 3 on a backlog of 2.
    expect(s.details.listenQueue).toEqual({ recvQ: 3, sendQ: 2 });
    expect(ssTcpListen(port())?.sendQ).toBe(2);
    const timeouts = lines(
      errLog(),
      new RegExp(
        `${NGINX_PREFIX} \\[error\\] .*upstream timed out \\(110: Connection timed out\\) while connecting to upstream, .*"GET /tcp/sleep\\.php\\?s=10 HTTP/1\\.1", ${upstream()}`,
      ),
    );
    expect(timeouts.length).toBeGreaterThan(0);
    // Nothing is refused or reset on TCP: the SYN is silently dropped (REFERENCE §4.2).
    expect(lines(errLog(), /\((111|11|104): /)).toEqual([]);
    expect(tcpListenOverflows()).toBeGreaterThan(overflowsBefore);
    const r = await waitFor('a 504 after the connect timeout', async () => {
      const res = await lab.get('/tcp/health.php', { timeoutMs: 10_000 });
      return res.status === 504 ? res : undefined;
    });
    expect(r.ms).toBeGreaterThanOrEqual(1900);
    expect(r.ms).toBeLessThan(5000);
    // The unix pool is unaffected.
    expect((await lab.get('/health.php')).status).toBe(200);
    await s.end();
  });

  it('slow-requests: tcppool slowlog entries and its status page count them', async () => {
    await lab.induce('slow-requests', { pool: 'tcppool' });
    const slow = read(lab.logs.slow('tcppool'));
    expect(
      slow.match(
        /\[pool tcppool\] pid \d+\nscript_filename = \S+\/www\/sleep\.php\n\[0x[0-9a-f]{16}\] sleep\(\)/g,
      )?.length,
    ).toBeGreaterThanOrEqual(2);
    expect(read(lab.logs.slow('unixpool'))).toBe('');
    expect(
      lines(
        fpmLog(),
        /WARNING: \[pool tcppool\] child \d+, script '\S+\/sleep\.php' \(request: "GET \/sleep\.php\?s=3"\) executing too slow/,
      ).length,
    ).toBeGreaterThanOrEqual(2);
    const status = await lab.get('/tcp/status');
    expect(status.body).toMatch(/^pool: +tcppool$/m);
    expect(status.body).toMatch(/^slow requests: +[1-9]/m);
  });

  it('restart-window: a stop+start under /tcp/ traffic, 111 refused clustered around the new start', async () => {
    const s = await lab.induce('restart-window', { pool: 'tcppool' });
    const d = s.details;
    expect(d.newMasterPid).not.toBe(d.oldMasterPid);
    const errs = lines(
      errLog(),
      new RegExp(
        `connect\\(\\) failed \\(111: Connection refused\\) while connecting to upstream, .*${upstream()}`,
      ),
    );
    expect(errs.length).toBeGreaterThanOrEqual(3);
    for (const l of errs) {
      const t = nginxTime(l);
      expect(t).toBeGreaterThanOrEqual(Math.floor(d.stoppedAt.getTime() / 1000) * 1000 - 1000);
      expect(t).toBeLessThanOrEqual(d.startedAt.getTime() + 1000);
    }
    expect(d.failures.length).toBeGreaterThan(0);
    expect(d.failures.every((f) => f.status === 502)).toBe(true);
    expect(sh('ss', ['-tln'])).toContain(`127.0.0.1:${port()}`);
    expect((await lab.get('/tcp/health.php')).status).toBe(200);
  });
});
