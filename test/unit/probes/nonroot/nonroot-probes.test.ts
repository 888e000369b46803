import { describe, expect, it } from 'vitest';
import { parseFpmDiscovery } from '../../../../src/probes/parsers/discover-fpm.js';
import { parseWebDiscovery } from '../../../../src/probes/parsers/discover-web.js';
import { parseFpmStatusSections } from '../../../../src/probes/parsers/fpm-status.js';
import { parseKernelProbe } from '../../../../src/probes/parsers/kernel.js';
import { parseLogSections } from '../../../../src/probes/parsers/logs.js';
import { parseRuntime } from '../../../../src/probes/parsers/runtime.js';
import { planGaps } from '../../../../src/probes/plan.js';
import { restrictFpm } from '../../../../src/probes/restrict.js';
import { fixtureSections } from '../fpm/fixtures.js';
import { nonrootFailures, nonrootSections } from './fixtures.js';

const SUDOERS = '"fpm-medic-plain ALL=(root) NOPASSWD: /bin/sh"';

describe('probes as a non-root SSH user without sudo (captured on the lab)', () => {
  const runtime = parseRuntime(nonrootSections('runtime'));

  it('runtime: the listen queues are exact without ss -p, the worker connections are a typed gap', () => {
    expect(runtime.user).toBe('fpm-medic-plain');
    // ss -l shows every lab on the machine (one network namespace): this capture's is the one
    // whose master discovery saw.
    const labDir = parseFpmDiscovery(nonrootSections('discover-fpm')).masters[0]!.configPath.replace(
      /\/etc\/php-fpm\.conf$/,
      '',
    );
    const unixpool = runtime.listeners.find((l) => l.address === `${labDir}/run/unixpool.sock`);
    expect(unixpool?.recvQ).toBeGreaterThan(0);
    const gap = runtime.failures.find((f) => f.target === 'ss-conn');
    expect(gap).toMatchObject({ probe: 'runtime', reason: 'permission' });
    expect(gap!.detail).toMatch(
      /ss -p cannot name the sockets of \d+ PHP-FPM processes of other users as fpm-medic-plain/,
    );
    expect(gap!.fix).toContain(`ssh.become: sudo in the inventory, with the sudoers line ${SUDOERS}`);
    expect(gap!.fix).toContain('ssh.user: root');
  });

  it('kernel: dmesg under kernel.dmesg_restrict=1 is a permission failure naming the sysctl, not "no OOM kill"', () => {
    const kernel = parseKernelProbe(nonrootSections('kernel'), { clock: runtime.clock!, since: 0 });
    expect(kernel.oomKills).toEqual([]);
    const dmesg = kernel.failures.find((f) => f.target === 'dmesg');
    expect(dmesg).toMatchObject({ probe: 'kernel', reason: 'permission' });
    expect(dmesg!.detail).toContain('dmesg not readable as fpm-medic-plain (kernel.dmesg_restrict=1)');
    expect(dmesg!.fix).toContain('set sysctl kernel.dmesg_restrict=0');
    expect(dmesg!.fix).toContain(SUDOERS);
    // No journal on the lab: group adm would not help, so it is not offered.
    expect(dmesg!.fix).not.toContain('adm');
  });

  it('logs: a 0640 root:adm log names group adm as the least privilege', () => {
    const logs = parseLogSections(nonrootSections('logs'), { clock: runtime.clock!, since: 0 }, []);
    expect(logs.fpmLog).toEqual([]);
    expect(logs.failures).toHaveLength(3);
    for (const f of logs.failures) {
      expect(f).toMatchObject({ probe: 'logs', reason: 'permission' });
      expect(f.detail).toMatch(/cannot read .* as fpm-medic-plain \(mode 640 root:adm\)/);
      expect(f.fix).toMatch(
        /^add fpm-medic-plain to group adm \(usermod -aG adm fpm-medic-plain\); or set ssh\.become: sudo/,
      );
    }
  });

  it("fpm-status: a 0660 www-data socket names the socket's group; a TCP pool still answers", () => {
    const { results, failures } = parseFpmStatusSections(nonrootSections('fpm-status'));
    expect(results.find((r) => r.pool === 'tcppool')?.ok).toBe(true);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ probe: 'fpm-status', target: 'unixpool', reason: 'permission' });
    expect(failures[0]!.detail).toContain('socket mode 660 www-data:www-data');
    expect(failures[0]!.fix).toContain(
      'add fpm-medic-plain to group www-data (usermod -aG www-data fpm-medic-plain)',
    );
    expect(failures[0]!.fix).toContain(SUDOERS);
  });

  it('discover-fpm: the config test refused to this user leaves the pools unknown, as a failure', () => {
    const fpm = parseFpmDiscovery(nonrootSections('discover-fpm'));
    expect(fpm.masters).toHaveLength(1);
    expect(fpm.pools).toEqual([]);
    expect(fpm.configErrors).toEqual([]);
    expect(fpm.failures.find((f) => f.target === fpm.masters[0]!.configPath)).toMatchObject({
      reason: 'permission',
      detail: expect.stringContaining('Permission denied (13)'),
    });
  });

  it('plan: a master whose pools are unknown is a status and a logs failure, never a silent skip', () => {
    const fpm = parseFpmDiscovery(nonrootSections('discover-fpm'));
    const web = parseWebDiscovery(nonrootSections('discover-web'));
    const master = fpm.masters[0]!;
    const gaps = planGaps({
      masters: fpm.masters,
      pools: fpm.pools,
      fpmFailures: fpm.failures,
      webFailures: web.failures,
    });
    expect(gaps.map((g) => [g.probe, g.target, g.reason])).toEqual([
      ['fpm-status', `pools of master ${master.pid}`, 'permission'],
      ['logs', `FPM logs of master ${master.pid}`, 'permission'],
      ['logs', 'web server error log', 'permission'],
    ]);
    expect(gaps[0]!.detail).toContain(
      `pool status not read: the pools of master ${master.pid} are unknown because ${master.configPath} could not be read: the config test (php-fpm -tt)`,
    );
    expect(gaps[0]!.fix).toBe(fpm.failures.find((f) => f.target === master.configPath)!.fix);
    expect(gaps[2]!.detail).toContain('nginx.pid" failed (13: Permission denied)');
    expect(gaps[2]!.fix).toContain('web.errorLog');
    // The inventory naming the web server's log closes that gap; pools found (as root, captured
    // by capture/fpm.sh) close the others.
    const found = parseFpmDiscovery(fixtureSections('discover.txt')).pools.map((p) => ({
      ...p,
      masterPid: master.pid,
    }));
    expect(
      planGaps({
        masters: fpm.masters,
        pools: found,
        fpmFailures: fpm.failures,
        webFailures: web.failures,
        webErrorLog: '/var/log/nginx/error.log',
      }),
    ).toEqual([]);
  });

  it("plan: each master's gap carries its own cause, never another master's", () => {
    // Captured as nobody by capture/fpm.sh: two masters, both refused.
    const d = parseFpmDiscovery(fixtureSections('discover-nobody.txt'));
    const aboutFirst = d.failures.filter((f) => f.target === 'pid 116' || f.target.includes('/a/'));
    const gaps = planGaps({ masters: d.masters, pools: [], fpmFailures: aboutFirst, webFailures: [] });
    expect(gaps.map((g) => [g.target, g.reason])).toEqual([
      ['pools of master 116', 'permission'],
      ['FPM logs of master 116', 'permission'],
      ['pools of master 131', 'error'],
      ['FPM logs of master 131', 'error'],
    ]);
    expect(gaps[2]!.detail).toBe(
      'pool status not read: the pools of master 131 are unknown because the config test of /tmp/fpm-medic-fpm-capture/c/php-fpm.conf listed no pool',
    );
    expect(gaps[2]!.fix).toBe(
      'run the config test by hand: php-fpm -tt -y /tmp/fpm-medic-fpm-capture/c/php-fpm.conf',
    );
  });

  it('a host pinned to one master (fpm.config) keeps only the failures about that master', () => {
    const d = parseFpmDiscovery(fixtureSections('discover-nobody.txt'));
    const pinned = restrictFpm(d, '/tmp/fpm-medic-fpm-capture/a/php-fpm.conf');
    expect(pinned.masters.map((m) => m.pid)).toEqual([116]);
    expect(pinned.failures.map((f) => f.target)).toEqual([
      'pid 116',
      '/tmp/fpm-medic-fpm-capture/a/php-fpm.conf',
    ]);
  });

  it('every failure carries a fix that names the SSH user', () => {
    const failures = nonrootFailures().filter((f) => f.reason === 'permission');
    expect(failures.length).toBeGreaterThanOrEqual(6);
    for (const f of failures) expect(f.fix).toContain(SUDOERS);
  });
});
