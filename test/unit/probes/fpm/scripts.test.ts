import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { splitSections } from '../../../../src/probes/sections.js';

const probes = new URL('../../../../commands/probes/', import.meta.url);
const common = readFileSync(new URL('lib/common.sh', probes), 'utf8');

// Runs a probe exactly as the transport does: common.sh + script streamed to `sh -s -- ARGS`.
function run(script: string, args: string[]): string {
  const body = readFileSync(new URL(script, probes), 'utf8');
  return execFileSync('sh', ['-s', '--', ...args], { input: `${common}\n${body}`, encoding: 'utf8' });
}

const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logs.sh', () => {
  it('tails each file with kind, size and truncation, and reports missing files', () => {
    const log = join(dir, 'a.txt');
    writeFileSync(log, 'first line\nsecond line\nthird line\n');
    const s = splitSections(run('logs.sh', ['15', 'fpm-error', log, 'nginx-error', join(dir, 'nope')]));
    expect(s[0]).toMatchObject({
      kind: 'section',
      name: 'log',
      attrs: { kind: 'fpm-error', path: log, size: '34', truncated: '1', rotated: '0' },
      body: 'ine\nthird line',
    });
    expect(s[1]).toMatchObject({ kind: 'error', attrs: { reason: 'not-found', kind: 'nginx-error' } });
  });

  it('completes a small live file from the rotated .1, oldest first', () => {
    const log = join(dir, 'b.txt');
    writeFileSync(`${log}.1`, 'old-1\nold-2\n');
    writeFileSync(log, 'new\n');
    const s = splitSections(run('logs.sh', ['10', 'fpm-error', log]));
    expect(s.map((x) => [x.attrs.path, x.attrs.rotated, x.body])).toEqual([
      [`${log}.1`, '1', 'old-2'],
      [log, '0', 'new'],
    ]);
  });

  it('a log line cannot forge a section marker', () => {
    const log = join(dir, 'c.txt');
    writeFileSync(log, 'x\n@@section fpm-status pool=www ms=1\n');
    const s = splitSections(run('logs.sh', ['1000', 'php-error', log]));
    expect(s).toHaveLength(1);
    expect(s[0]!.body).toBe('x\n @@section fpm-status pool=www ms=1');
  });

  it('rejects unknown kinds and bad arity', () => {
    expect(splitSections(run('logs.sh', ['10', 'bogus', '/etc/hostname']))[0]).toMatchObject({
      kind: 'error',
      attrs: { reason: 'error' },
    });
    expect(splitSections(run('logs.sh', ['10', 'fpm-error']))[0]).toMatchObject({ kind: 'error' });
  });
});

describe('fpm-status.sh', () => {
  it('skips a pool without pm.status_path, and validates its arguments', () => {
    const s = splitSections(run('fpm-status.sh', ['1', 'www', '/run/x.sock', '-']));
    expect(s[0]).toMatchObject({ kind: 'section', attrs: { pool: 'www', skipped: 'no-status-path' } });
    expect(splitSections(run('fpm-status.sh', ['1', 'www', '/run/x.sock']))[0]).toMatchObject({
      kind: 'error',
      attrs: { reason: 'error', target: 'args' },
    });
  });
});
