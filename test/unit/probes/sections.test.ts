import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitSections } from '../../../src/probes/sections.js';

const common = readFileSync(new URL('../../../commands/probes/lib/common.sh', import.meta.url), 'utf8');

// Runs the real helper functions through /bin/sh so the protocol is tested end to end.
function sh(body: string): string {
  return execFileSync('sh', ['-s'], { input: `${common}\n${body}`, encoding: 'utf8' });
}

describe('probe section protocol', () => {
  it('splits sections and decodes attribute values written by fm_val', () => {
    const out = sh(`
      fm_section ps "path=$(fm_val '/tmp/a b=c%d')"
      printf 'line1\\nline2'
      fm_error fpm-status timeout "status did not answer within 2s" pool=www
    `);
    const sections = splitSections(out);
    expect(sections).toEqual([
      { kind: 'section', name: 'ps', attrs: { path: '/tmp/a b=c%d' }, body: 'line1\nline2' },
      {
        kind: 'error',
        name: 'fpm-status',
        attrs: { reason: 'timeout', pool: 'www' },
        body: 'status did not answer within 2s',
      },
    ]);
  });

  it('reports a missing file as not-found rather than an empty section', () => {
    const out = sh(`FM_NAME=fpm-log; fm_tail /nonexistent/php-fpm.log 1000`);
    const [s] = splitSections(out);
    expect(s).toMatchObject({ kind: 'error', name: 'fpm-log', attrs: { reason: 'not-found' } });
  });

  it('ignores text before the first marker', () => {
    expect(splitSections('motd noise\n@@section a\nx\n')).toEqual([
      { kind: 'section', name: 'a', attrs: {}, body: 'x' },
    ]);
  });
});
