import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  buildKillCommand,
  buildWrappedCommand,
  PGID_MARKER,
  PgidMarkerParser,
  REMOTE_BACKSTOP_GRACE_S,
} from '../../../src/transport/remote-command.js';

describe('buildWrappedCommand', () => {
  it('reports the pgid first, runs the quoted command under a backstop timeout when available', () => {
    const cmd = buildWrappedCommand(['www', '/etc/php'], 2500);
    const gnu = `echo "${PGID_MARKER}$$:gnu" >&2; exec timeout -s KILL ${3 + REMOTE_BACKSTOP_GRACE_S} sh -s -- 'www' '/etc/php'`;
    const none = `echo "${PGID_MARKER}$$:none" >&2; exec sh -s -- 'www' '/etc/php'`;
    expect(cmd).toBe(`if timeout --version >/dev/null 2>&1; then ${gnu}; fi; ${none}`);
    // Once a connection knows the answer, later channels do not ask again.
    expect(buildWrappedCommand(['www', '/etc/php'], 2500, 'gnu')).toBe(gnu);
    expect(buildWrappedCommand(['www', '/etc/php'], 2500, 'none')).toBe(none);
  });

  it('refuses unsafe args like buildRemoteCommand', () => {
    expect(() => buildWrappedCommand(['$(id)'], 1000)).toThrow(/refused/);
  });

  it('runs under a real sh: script on stdin, args intact, marker on stderr', () => {
    const res = execFileSync('sh', ['-c', `{ ${buildWrappedCommand(['a:1', 'b'], 5000)}; } 2>&1`], {
      input: 'echo "args=$*"\n',
      encoding: 'utf8',
    });
    expect(res).toMatch(new RegExp(`^${PGID_MARKER}\\d+:gnu\\nargs=a:1 b\\n$`));
  });
});

describe('buildKillCommand', () => {
  it('kills the group, never group 0 or 1', () => {
    expect(buildKillCommand(4242)).toBe(
      'kill -s KILL -- -4242 2>/dev/null || kill -s KILL 4242 2>/dev/null; exit 0',
    );
    expect(() => buildKillCommand(1)).toThrow();
    expect(() => buildKillCommand(0)).toThrow();
    expect(() => buildKillCommand(Number.NaN)).toThrow();
  });
});

describe('PgidMarkerParser', () => {
  it('extracts the pgid and strips only the marker line, across chunk boundaries', () => {
    const p = new PgidMarkerParser();
    const out: Buffer[] = [];
    out.push(p.push(Buffer.from('bashrc noise\nfpm-medic-')));
    expect(p.pgid).toBeNull();
    out.push(p.push(Buffer.from('pgid:123')));
    out.push(p.push(Buffer.from('4\nscript error\n')));
    out.push(p.push(Buffer.from('more\n')));
    expect(p.pgid).toBe(1234);
    expect(Buffer.concat(out).toString()).toBe('bashrc noise\nscript error\nmore\n');
  });

  it('gives stderr back untouched when no marker arrives', () => {
    const p = new PgidMarkerParser();
    expect(p.push(Buffer.from('partial'))).toHaveLength(0);
    expect(p.flush().toString()).toBe('partial');
    expect(p.pgid).toBeNull();
  });

  it('does not take a marker in the middle of a line', () => {
    const p = new PgidMarkerParser();
    p.push(Buffer.from(`x${PGID_MARKER}99\n`));
    expect(p.pgid).toBeNull();
  });
});
