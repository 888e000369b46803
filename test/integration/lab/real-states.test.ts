import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Lab, startLab } from '../../lab/lab.js';
import { dmesg, lines, sh } from './helpers.js';

// The states of issue 11 (clients-gave-up, fpm-stopped-after-oom), behind nginx and Apache: every
// assertion reads the real artefact (ss, dmesg, the logs), as lab.test.ts does.

/** ss rows (TCP or unix) of the connections `pid` holds. */
function connectionsOf(pid: number, kind: 'tcp' | 'unix'): string[] {
  return sh('ss', [kind === 'tcp' ? '-Htnp' : '-Hxnp'])
    .split('\n')
    .filter((l) => new RegExp(`pid=${pid},`).test(l));
}

describe.each(['nginx', 'apache'] as const)('lab behind %s: issue 11 states', (web) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab({ web });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  describe.each(['tcppool', 'unixpool'] as const)('clients-gave-up (%s)', (pool) => {
    it('every worker holds the connection of a request whose client left; abandoned ones queue', async () => {
      const s = await lab.induce('clients-gave-up', { pool });
      expect(s.details.responses.every((r) => r.status === 0 && /timeout/.test(r.error ?? ''))).toBe(true);
      expect(s.details.listenQueue.recvQ).toBeGreaterThanOrEqual(10);
      expect(s.details.workerPids.length).toBe(s.details.maxChildren);
      for (const pid of s.details.workerPids) {
        const held = connectionsOf(pid, pool === 'tcppool' ? 'tcp' : 'unix').filter((l) =>
          l.includes(pool === 'tcppool' ? s.details.socket : `${s.details.socket} `),
        );
        expect(held.length, `worker ${pid}`).toBe(1);
        // nginx closed its end when the client left: the worker's side waits in CLOSE-WAIT (TCP) or
        // has no peer left (unix, peer inode 0); Apache keeps its end open.
        if (web === 'nginx') expect(held[0]).toMatch(pool === 'tcppool' ? /^CLOSE-WAIT/ : /\* 0\s/);
        else expect(held[0]).toMatch(/ESTAB/);
      }
      await s.end();
    }, 90_000);
  });

  describe.each(['earlier-master', 'same-master'] as const)('fpm-stopped-after-oom (%s)', (variant) => {
    it('a kernel OOM kill, then a clean stop on SIGTERM; the web server then fails to connect', async () => {
      const s = await lab.induce('fpm-stopped-after-oom', { variant });
      expect(dmesg()).toContain(s.details.dmesgLine);
      if (variant === 'earlier-master') expect(s.details.stoppedMasterPid).not.toBe(s.details.oomMasterPid);
      else expect(s.details.stoppedMasterPid).toBe(s.details.oomMasterPid);
      const log = lines(lab.logs.fpm, /NOTICE: (Terminating \.\.\.|exiting, bye-bye!)$/);
      expect(log.slice(-2).map((l) => l.replace(/^\[[^\]]+\] NOTICE: /, ''))).toEqual([
        'Terminating ...',
        'exiting, bye-bye!',
      ]);
      expect(
        lines(lab.logs.fpm, new RegExp(`child ${s.details.killedPid} exited on signal 9 \\(SIGKILL\\)`)),
      ).toHaveLength(1);
      expect(lab.fpmMasterPid).toBeUndefined();
      expect(s.details.response.status).toBe(web === 'nginx' ? 502 : 503);
      expect(s.details.webLine).not.toBe('');
      await s.end();
    }, 90_000);
  });
});
