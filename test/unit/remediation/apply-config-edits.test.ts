import { describe, expect, it } from 'vitest';
import { planDiffs } from '../../../src/fixes/diff.js';
import type { ConfigChange, ConfigPatch } from '../../../src/fixes/index.js';
import { editArg, encodeText, planWrites } from '../../../src/remediation/procedures/apply-config/edits.js';
import { SAFE_ARG } from '../../../src/transport/shell-quote.js';

const SHA = 'a'.repeat(64);

function patchOf(changes: ConfigChange[]): ConfigPatch {
  return { changes, files: planDiffs(changes, () => SHA) };
}

const maxChildren: ConfigChange = {
  file: '/etc/php/8.2/fpm/pool.d/www.conf',
  directive: 'pm.max_children',
  scope: 'www',
  from: '50',
  to: '12',
  at: { line: 113, oldText: 'pm.max_children = 50' },
  newText: 'pm.max_children = 12',
  reasons: ['floor(budget 1024 MB × 80% / p95 worker RSS 64 MB) = 12 workers for the host'],
  findings: ['max-children-oversized'],
  reload: 'fpm',
};

const nginxRead: ConfigChange = {
  file: '/etc/nginx/sites-enabled/default',
  directive: 'fastcgi_read_timeout',
  scope: 'location ~ \\.php$',
  from: '',
  to: '30s',
  at: { after: 57 },
  newText: '\t\tfastcgi_read_timeout 30s;',
  reasons: ['the chain'],
  findings: ['timeout-chain-misaligned'],
  reload: 'nginx',
};

describe('apply-config writes only what a fix computed', () => {
  it('a report patch becomes edits, one file each, and the reloads it needs in order', () => {
    const plan = planWrites(patchOf([nginxRead, maxChildren]));
    expect(plan).toMatchObject({ ok: true, reloads: ['fpm', 'nginx'] });
    if (!plan.ok) return;
    expect(plan.files.map((f) => [f.path, f.edits])).toEqual([
      ['/etc/nginx/sites-enabled/default', ['a:57:%09%09fastcgi_read_timeout%2030s%3b']],
      ['/etc/php/8.2/fpm/pool.d/www.conf', ['r:113:pm.max_children%20%3d%2050:pm.max_children%20%3d%2012']],
    ]);
    for (const f of plan.files) for (const e of f.edits) expect(e).toMatch(SAFE_ARG);
  });

  it('every byte outside a small set is %XX, UTF-8 and the separators included', () => {
    expect(encodeText('a:b%c ü;$(x)')).toBe('a%3ab%25c%20%c3%bc%3b%24%28x%29');
    expect(editArg({ ...maxChildren, at: { after: 0 } })).toBe('a:0:pm.max_children%20%3d%2012');
  });

  it('a line that is not what the fix writes is refused: a tampered request writes nothing', () => {
    const evil = { ...maxChildren, newText: 'pm.max_children = 12\ninclude=/tmp/x.conf' };
    expect(planWrites(patchOf([evil]))).toEqual({
      ok: false,
      problem: 'www pm.max_children in /etc/php/8.2/fpm/pool.d/www.conf: not a line a config fix writes',
    });
    const other = { ...maxChildren, directive: 'user', newText: 'user = root', to: 'root' };
    expect(planWrites(patchOf([other])).ok).toBe(false);
    const web = { ...nginxRead, newText: '\t\tfastcgi_pass 127.0.0.1:9;' };
    expect(planWrites(patchOf([web])).ok).toBe(false);
  });

  it('a diff that is not the diff of its changes, or a file without its fingerprint, is refused', () => {
    const shown = patchOf([maxChildren]);
    shown.files[0]!.diff = shown.files[0]!.diff.replace('= 12', '= 13');
    expect(planWrites(shown)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('not the diff of its changes'),
    });
    const unhashed: ConfigPatch = { changes: [maxChildren], files: planDiffs([maxChildren]) };
    expect(planWrites(unhashed)).toMatchObject({
      ok: false,
      problem: expect.stringContaining('no fingerprint'),
    });
    expect(planWrites(undefined)).toEqual({ ok: false, problem: 'the request carries no config patch' });
  });
});
