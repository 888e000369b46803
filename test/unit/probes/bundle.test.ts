import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildBundle, splitBundle } from '../../../src/probes/bundle.js';
import { splitSections } from '../../../src/probes/sections.js';

// Runs a real bundle through /bin/sh, passing the arguments exactly as the transport does.
function runBundle(calls: Parameters<typeof buildBundle>[0]): string {
  const b = buildBundle(calls);
  return execFileSync('sh', ['-s', '--', ...b.args], { input: b.script, encoding: 'utf8' });
}

describe('probe bundles: one channel per round', () => {
  it('gives each probe exactly its own arguments, in order, with spaces intact', () => {
    const out = runBundle([
      { id: 'fpm-status', args: [] },
      { id: 'logs', args: ['4096', 'fpm-error', '/nonexistent/a b.log'] },
      { id: 'logs', args: ['100', 'nginx-error', '/nonexistent/other.log'] },
    ]);
    const parts = splitBundle(out);
    expect(parts.map((p) => [p.id, p.rc])).toEqual([
      ['fpm-status', 0],
      ['logs', 0],
      ['logs', 0],
    ]);
    // fpm-status got no arguments and says so (usage), it did not see the logs' ones.
    expect(splitSections(parts[0]!.output)[0]).toMatchObject({ kind: 'error', attrs: { target: 'args' } });
    // The first low-priority probe says what priority the shell got, then its own output.
    const first = splitSections(parts[1]!.output);
    expect(first).toEqual([
      expect.objectContaining({ name: 'priority', attrs: { nice: '10', io: expect.any(String) } }),
      expect.objectContaining({
        kind: 'error',
        attrs: expect.objectContaining({ path: '/nonexistent/a b.log', kind: 'fpm-error' }),
      }),
    ]);
    expect(splitSections(parts[2]!.output).map((s) => s.attrs.path)).toEqual(['/nonexistent/other.log']);
    expect(parts.every((p) => p.ms !== null && p.ms >= 0)).toBe(true);
  });

  it('a normal-priority probe after a low one is refused: the shell could not raise itself again', () => {
    expect(() =>
      buildBundle([
        { id: 'logs', args: [] },
        { id: 'fpm-status', args: [] },
      ]),
    ).toThrow(/fpm-status runs at normal priority/);
  });

  it('a probe cut off mid-way has no exit code: it is reported as not finished', () => {
    const parts = splitBundle(
      '\n@@probe runtime start=1000\n@@section clock\nnow 1\n\n@@probe-end runtime rc=0 end=1040\n\n@@probe kernel start=1041\n@@section clock\n',
    );
    expect(parts).toEqual([
      { id: 'runtime', rc: 0, ms: 40, output: '@@section clock\nnow 1\n' },
      { id: 'kernel', rc: null, ms: null, output: '@@section clock\n' },
    ]);
  });
});
