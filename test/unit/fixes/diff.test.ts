/**
 * The plan as unified diffs with no context: hunks in file order, additions after one line in one
 * hunk, new line numbers shifted by what earlier hunks added, so GNU patch applies them as they are.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileDiff, planDiffs } from '../../../src/fixes/diff.js';
import type { ConfigChange } from '../../../src/fixes/plan.js';

function change(
  over: Partial<ConfigChange> & Pick<ConfigChange, 'directive' | 'to' | 'at' | 'newText'>,
): ConfigChange {
  return {
    file: '/etc/php/8.2/fpm/pool.d/www.conf',
    scope: 'www',
    from: '',
    reasons: ['why'],
    findings: ['x'],
    reload: 'fpm',
    ...over,
  };
}

const changes: ConfigChange[] = [
  change({
    directive: 'pm.max_children',
    from: '5',
    to: '20',
    at: { line: 6, oldText: 'pm.max_children = 5' },
    newText: 'pm.max_children = 20',
  }),
  change({
    directive: 'request_terminate_timeout',
    to: '55s',
    at: { after: 1 },
    newText: 'request_terminate_timeout = 55s',
  }),
  change({
    directive: 'php_admin_value[max_execution_time]',
    to: '50',
    at: { after: 1 },
    newText: 'php_admin_value[max_execution_time] = 50',
  }),
  change({
    directive: 'pm.max_spare_servers',
    from: '3',
    to: '6',
    at: { line: 8, oldText: 'pm.max_spare_servers = 3' },
    newText: 'pm.max_spare_servers = 6',
  }),
];

describe('fileDiff', () => {
  it('orders the hunks by line, joins additions after one line, shifts the new numbers', () => {
    const diff = fileDiff('/etc/php/8.2/fpm/pool.d/www.conf', changes);
    const hunks = diff.slice(diff.indexOf('--- '));
    expect(hunks).toBe(
      [
        '--- /etc/php/8.2/fpm/pool.d/www.conf',
        '+++ /etc/php/8.2/fpm/pool.d/www.conf',
        '@@ -1,0 +2,2 @@',
        '+request_terminate_timeout = 55s',
        '+php_admin_value[max_execution_time] = 50',
        '@@ -6 +8 @@',
        '-pm.max_children = 5',
        '+pm.max_children = 20',
        '@@ -8 +10 @@',
        '-pm.max_spare_servers = 3',
        '+pm.max_spare_servers = 6',
        '',
      ].join('\n'),
    );
    // The reasons come first, where patch skips text.
    expect(diff.split('\n')[0]).toBe('# www request_terminate_timeout: why');
  });

  it('GNU patch applies it to the file it was computed from', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-diff-'));
    const file = join(dir, 'www.conf');
    writeFileSync(
      file,
      [
        '[www]',
        'user = www-data',
        'listen = /run/php/php8.2-fpm.sock',
        'pm = dynamic',
        ';',
        'pm.max_children = 5',
        'pm.start_servers = 2',
        'pm.max_spare_servers = 3',
        '',
      ].join('\n'),
    );
    const [p] = planDiffs(changes.map((c) => ({ ...c, file })));
    execFileSync('patch', ['-d', '/', '-p0', '--batch'], { input: p!.diff, encoding: 'utf8' });
    expect(readFileSync(file, 'utf8').split('\n')).toEqual([
      '[www]',
      'request_terminate_timeout = 55s',
      'php_admin_value[max_execution_time] = 50',
      'user = www-data',
      'listen = /run/php/php8.2-fpm.sock',
      'pm = dynamic',
      ';',
      'pm.max_children = 20',
      'pm.start_servers = 2',
      'pm.max_spare_servers = 6',
      '',
    ]);
  });

  it('an addition at the top of a file', () => {
    const d = fileDiff('/etc/php.ini', [
      change({
        file: '/etc/php.ini',
        directive: 'max_execution_time',
        to: '50',
        at: { after: 0 },
        newText: 'max_execution_time = 50',
      }),
    ]);
    expect(d).toContain('@@ -0,0 +1 @@\n+max_execution_time = 50\n');
  });

  it('one diff per file', () => {
    const other = change({
      file: '/etc/php/8.2/fpm/php-fpm.conf',
      scope: 'global',
      directive: 'process_control_timeout',
      to: '10s',
      at: { after: 2 },
      newText: 'process_control_timeout = 10s',
    });
    expect(planDiffs([...changes, other]).map((p) => p.path)).toEqual([
      '/etc/php/8.2/fpm/pool.d/www.conf',
      '/etc/php/8.2/fpm/php-fpm.conf',
    ]);
  });
});
