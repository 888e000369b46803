import { describe, expect, it } from 'vitest';
import { parseFpmDiscovery } from '../../../../src/probes/parsers/discover-fpm.js';
import {
  parseFpmConfigDump,
  parseFpmDuration,
  parseListen,
} from '../../../../src/probes/parsers/fpm-config.js';
import { fixture, fixtureSections } from './fixtures.js';

const A = '/tmp/fpm-medic-fpm-capture/a';

describe('parseFpmDiscovery on discover-fpm.sh output (two running masters, two extra configs)', () => {
  const d = parseFpmDiscovery(fixtureSections('discover.txt'));

  it('lists both masters from the process table with binary, version and start time', () => {
    expect(d.masters.map((m) => m.configPath)).toEqual([
      `${A}/php-fpm.conf`,
      '/tmp/fpm-medic-fpm-capture/c/php-fpm.conf',
    ]);
    for (const m of d.masters) {
      expect(m).toMatchObject({ binary: 'php-fpm8.2', version: '8.2.35' });
      expect(m.pid).toBeGreaterThan(0);
      expect(m.startedAt).toBeGreaterThan(1_700_000_000);
    }
  });

  it('reads the global section, with time units converted to seconds', () => {
    const g = d.globals.find((x) => x.configPath === `${A}/php-fpm.conf`)!;
    expect(g).toMatchObject({
      masterPid: d.masters[0]!.pid,
      errorLog: `${A}/fpm-error.txt`,
      logLevel: 'notice',
      processControlTimeoutSec: 5,
      emergencyRestartThreshold: 3,
      emergencyRestartIntervalSec: 60,
      processMax: 0,
    });
  });

  it('reads every pool: listen forms, pm settings, timeouts, logs and php values', () => {
    const pools = Object.fromEntries(
      d.pools.filter((p) => p.masterPid === d.masters[0]!.pid).map((p) => [p.name, p]),
    );
    expect(Object.keys(pools).sort()).toEqual(['busy', 'crash', 'dyn', 'od', 'tcp']);
    expect(pools.dyn).toMatchObject({
      listen: { kind: 'unix', path: `${A}/dyn.sock` },
      listenBacklog: -1,
      user: 'www-data',
      pm: 'dynamic',
      maxChildren: 3,
      startServers: 1,
      minSpareServers: 1,
      maxSpareServers: 2,
      maxRequests: 0,
      statusPath: '/status',
      pingPath: '/ping',
      requestTerminateTimeoutSec: 6,
      requestSlowlogTimeoutSec: 1,
      slowlog: `${A}/dyn-slow.txt`,
      accessLog: `${A}/dyn-access.txt`,
      accessFormat: '%R - %u %t "%m %r%Q%q" %s %f %{milli}d %{kilo}M %C%% pid=%p pool=%n len=%l',
      catchWorkersOutput: true,
      phpAdminValues: { memory_limit: '32M' },
      phpValues: { max_execution_time: '1' },
    });
    expect(pools.dyn!.statusListen).toBeUndefined();
    expect(pools.tcp).toMatchObject({
      listen: { kind: 'tcp', host: '127.0.0.1', port: 19110 },
      listenBacklog: 3,
      pm: 'static',
      maxChildren: 2,
      requestTerminateTimeoutSec: 0,
      catchWorkersOutput: false,
    });
    // access.log without access.format: the dump shows the default FPM filled in.
    expect(pools.tcp!.accessFormat).toBe('%R - %u %t "%m %r" %s');
    expect(pools.tcp!.startServers).toBeUndefined();
    expect(pools.od).toMatchObject({ pm: 'ondemand', maxChildren: 2, listenMode: '0660' });
  });

  it('parses the log_level = debug dump of the second master (pid/function prefixes)', () => {
    const c = d.globals.find((x) => x.configPath.endsWith('/c/php-fpm.conf'))!;
    expect(c).toMatchObject({ logLevel: 'debug', processMax: 2 });
    const capped = d.pools.find((p) => p.name === 'capped')!;
    expect(capped).toMatchObject({ pm: 'dynamic', maxChildren: 5, listen: { kind: 'unix' } });
  });

  it('tests inventory configs with no master: Debian default passes, a typo fails with the reason', () => {
    expect(d.idleConfigs.map((c) => c.configPath)).toEqual([
      '/etc/php/8.2/fpm/php-fpm.conf',
      '/tmp/fpm-medic-fpm-capture/bad.conf',
    ]);
    const www = d.pools.find((p) => p.masterPid === 0 && p.name === 'www')!;
    expect(www).toMatchObject({
      listen: { kind: 'unix', path: '/run/php/php8.2-fpm.sock' },
      pm: 'dynamic',
      maxChildren: 5,
    });
    expect(d.configErrors).toEqual([
      {
        masterPid: 0,
        configPath: '/tmp/fpm-medic-fpm-capture/bad.conf',
        errors: [
          "[/tmp/fpm-medic-fpm-capture/bad.conf:7] unknown entry 'pm.max_childrn'",
          "failed to load configuration file '/tmp/fpm-medic-fpm-capture/bad.conf'",
          'FPM initialization failed',
        ],
      },
    ]);
  });

  it('takes php.ini values from php-fpm -i', () => {
    expect(d.php).toEqual({
      loadedFile: '/etc/php/8.2/fpm/php.ini',
      maxExecutionTimeSec: 30,
      memoryLimit: '128M',
      defaultSocketTimeoutSec: 60,
    });
  });
});

describe('discover-fpm.sh edge cases', () => {
  it('no master running: no masters (fpm-down evidence), configs still tested', () => {
    const sections = fixtureSections('discover-none.txt');
    expect(sections[0]).toMatchObject({ name: 'fpm-masters', attrs: { count: '0' } });
    const d = parseFpmDiscovery(sections);
    expect(d.masters).toEqual([]);
    expect(d.pools.map((p) => p.name)).toContain('dyn');
    expect(d.failures).toEqual([]);
  });

  it('not root: permission failures, and a config test refused the error log is one of them, not a broken config', () => {
    const d = parseFpmDiscovery(fixtureSections('discover-nobody.txt'));
    expect(d.failures.map((f) => [f.target, f.reason])).toEqual([
      ['pid 116', 'permission'],
      ['/tmp/fpm-medic-fpm-capture/a/php-fpm.conf', 'permission'],
      ['pid 131', 'permission'],
      ['/tmp/fpm-medic-fpm-capture/c/php-fpm.conf', 'permission'],
    ]);
    expect(d.failures[0]!.detail).toMatch(/cannot read \/proc\/\d+\/exe as nobody/);
    expect(d.failures[1]!.detail).toMatch(/failed to open error_log .*Permission denied \(13\)/);
    expect(d.failures[1]!.fix).toContain('ssh.become: sudo');
    expect(d.masters.length).toBe(2);
    // The config is not broken: a reload's config test as root would pass.
    expect(d.configErrors).toEqual([]);
    expect(d.pools).toEqual([]);
  });
});

describe('parseFpmConfigDump helpers', () => {
  it('parses every listen form FPM accepts', () => {
    expect(parseListen('/run/php/php8.2-fpm.sock')).toEqual({
      kind: 'unix',
      path: '/run/php/php8.2-fpm.sock',
    });
    expect(parseListen('127.0.0.1:9000')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 9000 });
    expect(parseListen('9000')).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 9000 });
    expect(parseListen('[::1]:9000')).toEqual({ kind: 'tcp', host: '::1', port: 9000 });
    expect(parseListen('*:9000')).toEqual({ kind: 'tcp', host: '0.0.0.0', port: 9000 });
  });

  it('converts the -tt time units', () => {
    expect(parseFpmDuration('8s')).toBe(8);
    expect(parseFpmDuration('2m')).toBe(120);
    expect(parseFpmDuration('1h')).toBe(3600);
    expect(parseFpmDuration('10')).toBe(10);
    expect(parseFpmDuration('undefined')).toBeUndefined();
  });

  it('reports ok only when the test said so', () => {
    const body = fixtureSections('discover.txt').find((s) => s.name === 'fpm-config')!.body;
    expect(parseFpmConfigDump(body, { masterPid: 1, configPath: 'x', rc: 0 }).ok).toBe(true);
    expect(parseFpmConfigDump(body, { masterPid: 1, configPath: 'x', rc: 78 }).ok).toBe(false);
    expect(fixture('discover.txt')).toContain('test is successful');
  });
});
