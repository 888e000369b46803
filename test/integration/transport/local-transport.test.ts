import { afterEach, describe, expect, it } from 'vitest';
import { RunAbortedError, UnsafeArgumentError } from '../../../src/transport/errors.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import { killPidsWithArg, pidsWithArg, uniqueSleep, waitFor } from './helpers.js';

const sleeps: string[] = [];
const sleepArg = (): string => {
  const s = uniqueSleep();
  sleeps.push(s);
  return s;
};

afterEach(() => {
  for (const s of sleeps.splice(0)) killPidsWithArg(s);
});

describe('LocalTransport', () => {
  const t = new LocalTransport('localhost');

  it('streams the script to sh -s with args verbatim; exit code and stderr kept apart', async () => {
    const args = ['/etc/php', 'a=b,c', '~root', '127.0.0.1:9000'];
    const res = await t.runScript(
      'for a in "$@"; do printf "<%s>\\n" "$a"; done; echo oops >&2; exit 4\n',
      args,
      {
        timeoutMs: 10_000,
      },
    );
    expect(res).toMatchObject({
      code: 4,
      stdout: args.map((a) => `<${a}>\n`).join(''),
      stderr: 'oops\n',
      timedOut: false,
      truncated: false,
    });
    expect(res.bytes).toBe(Buffer.byteLength(res.stdout) + 5);
  });

  it('refuses unsafe args before spawning anything', async () => {
    await expect(t.runScript('true\n', ['a;b'], { timeoutMs: 1_000 })).rejects.toBeInstanceOf(
      UnsafeArgumentError,
    );
  });

  it('timeout kills the whole process group, background children included', async () => {
    const s = sleepArg();
    const res = await t.runScript(`echo before; sleep ${s} & sleep ${s}; echo after\n`, [], {
      timeoutMs: 700,
    });
    expect(res).toMatchObject({ timedOut: true, code: null, stdout: 'before\n' });
    expect(res.ms).toBeLessThan(700 + 1_500);
    await waitFor('no sleep left', () => pidsWithArg(s).length === 0, 2_000);
  });

  it('abort kills the group and rejects with RunAbortedError', async () => {
    const s = sleepArg();
    const ac = new AbortController();
    const p = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 60_000, signal: ac.signal });
    await waitFor('sleep started', () => pidsWithArg(s).length > 0, 5_000);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RunAbortedError);
    await waitFor('sleep killed', () => pidsWithArg(s).length === 0, 2_000);
  });

  it('caps stdout and counts every byte', async () => {
    const res = await t.runScript("head -c 200000 /dev/zero | tr '\\0' y\n", [], {
      timeoutMs: 10_000,
      maxOutputBytes: 10,
    });
    expect(res).toMatchObject({ code: 0, stdout: 'y'.repeat(10), truncated: true, bytes: 200_000 });
  });

  it('a script that ignores stdin does not break the run (EPIPE is not an error)', async () => {
    const big = `exit 0\n${'# filler\n'.repeat(200_000)}`;
    const res = await t.runScript(big, [], { timeoutMs: 10_000 });
    expect(res.code).toBe(0);
  });
});
