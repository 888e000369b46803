/**
 * Where each directive a fix changes is set, from discover-fpm.sh's config-file sections captured
 * from real php-fpm8.2 masters and Debian's own /etc/php/8.2/fpm config
 * (test/fixtures/fpm/discover-sources.txt, test/fixtures/capture/fpm.sh).
 */
import { describe, expect, it } from 'vitest';
import { fpmDirective, iniDirective } from '../../../src/fixes/locate.js';
import { parseFpmDiscovery } from '../../../src/probes/parsers/discover-fpm.js';
import { fixtureSections } from '../probes/fpm/fixtures.js';

const A = '/tmp/fpm-medic-fpm-capture/a';
const found = parseFpmDiscovery(fixtureSections('discover-sources.txt'));
const files = found.configFiles;
const lab = found.masters.find((m) => m.configPath === `${A}/php-fpm.conf`)!.pid;

describe('the config files discover-fpm sends', () => {
  it("each master's config, the files its include= names (Debian's pool.d/*.conf), php.ini; with what identifies their content", () => {
    const debian = files.filter((f) => f.masterPid === 0).map((f) => `${f.role} ${f.path}`);
    expect(debian).toEqual([
      'fpm /etc/php/8.2/fpm/php-fpm.conf',
      'fpm /etc/php/8.2/fpm/pool.d/www.conf',
      'php-ini /etc/php/8.2/fpm/php.ini',
    ]);
    for (const f of files) {
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(f.size).toBeGreaterThan(0);
      expect(f.mtime).toBeGreaterThan(1_600_000_000);
    }
  });

  it('only the lines a fix may touch leave the host, numbered as in the file', () => {
    const www = files.find((f) => f.path === '/etc/php/8.2/fpm/pool.d/www.conf')!;
    expect(www.lines.map((l) => l.text)).toEqual([
      '[www]',
      'pm = dynamic',
      'pm.max_children = 5',
      'pm.start_servers = 2',
      'pm.min_spare_servers = 1',
      'pm.max_spare_servers = 3',
    ]);
    expect(www.lines.every((l) => l.line > 0)).toBe(true);
  });
});

describe('fpmDirective / iniDirective', () => {
  it('a pool directive set in an included file: that file, its line, its value', () => {
    expect(fpmDirective(files, 0, 'www', 'pm.max_children')).toEqual({
      set: true,
      file: '/etc/php/8.2/fpm/pool.d/www.conf',
      line: 127,
      text: 'pm.max_children = 5',
      value: '5',
    });
  });

  it('a pool directive left at its default: not set, added under the pool header', () => {
    expect(fpmDirective(files, 0, 'www', 'request_terminate_timeout')).toEqual({
      set: false,
      file: '/etc/php/8.2/fpm/pool.d/www.conf',
      after: 4,
    });
  });

  it('pools of one file are told apart by their [section]', () => {
    const loc = (pool: string) => fpmDirective(files, lab, pool, 'pm.max_children');
    expect(loc('dyn')).toMatchObject({ set: true, line: 14, value: '3' });
    expect(loc('busy')).toMatchObject({ set: true, line: 69, value: '24' });
    expect(fpmDirective(files, lab, 'tcp', 'listen.backlog')).toMatchObject({
      set: true,
      line: 47,
      value: '3',
    });
    expect(fpmDirective(files, lab, 'dyn', 'php_value[max_execution_time]')).toMatchObject({
      set: true,
      value: '1',
    });
  });

  it('a global directive: set under [global], or added there', () => {
    expect(fpmDirective(files, lab, 'global', 'process_control_timeout')).toMatchObject({
      set: true,
      line: 7,
      value: '5s',
    });
    const debian = fpmDirective(files, 0, 'global', 'process_control_timeout');
    expect(debian).toMatchObject({ set: false, file: '/etc/php/8.2/fpm/php-fpm.conf' });
    const header = files
      .find((f) => f.path === '/etc/php/8.2/fpm/php-fpm.conf')!
      .lines.find((l) => l.text === '[global]')!;
    expect(debian).toMatchObject({ after: header.line });
  });

  it('a pool of no file sent: unknown, never guessed', () => {
    expect(fpmDirective(files, 0, 'nosuchpool', 'pm.max_children')).toBeUndefined();
    expect(fpmDirective(files, 4242, 'www', 'pm.max_children')).toBeUndefined();
  });

  it('php.ini: the line of the file PHP reads last that sets it', () => {
    expect(iniDirective(files, 0, 'max_execution_time')).toEqual({
      set: true,
      file: '/etc/php/8.2/fpm/php.ini',
      line: 409,
      text: 'max_execution_time = 30',
      value: '30',
    });
  });

  it('the last setting in a pool wins, across the files FPM reads in order', () => {
    const twice = [
      {
        masterPid: 1,
        role: 'fpm' as const,
        path: '/a.conf',
        size: 1,
        mtime: 1,
        lines: [
          { line: 1, text: '[www]' },
          { line: 2, text: 'pm.max_children = 5' },
        ],
      },
      {
        masterPid: 1,
        role: 'fpm' as const,
        path: '/b.conf',
        size: 1,
        mtime: 1,
        lines: [
          { line: 3, text: '[www]' },
          { line: 9, text: 'pm.max_children=7' },
        ],
      },
    ];
    expect(fpmDirective(twice, 1, 'www', 'pm.max_children')).toMatchObject({
      file: '/b.conf',
      line: 9,
      value: '7',
    });
  });
});
