import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RunAbortedError } from '../../../src/transport/errors.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { labTarget, loginCount, pidsWithArg, sleepTracker, waitFor } from './helpers.js';

let lab: SshdLab;
const opened: SshTransport[] = [];
const sleeps = sleepTracker();
const transport = (t: SshTransport): SshTransport => {
  opened.push(t);
  return t;
};

beforeAll(async () => {
  lab = await startSshd();
});

afterEach(() => {
  sleeps.killAll();
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await lab?.stop();
});

describe('SshTransport runs (real sshd)', () => {
  it('a hung command times out and its whole process group is killed on the host', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const s = sleeps.next();
    const started = Date.now();
    // A background child too: killing only the shell would leave it behind.
    const res = await t.runScript(`echo before; sleep ${s} & sleep ${s}; echo after\n`, [], {
      timeoutMs: 1_500,
    });
    expect(res.timedOut).toBe(true);
    expect(res.code).toBeNull();
    expect(res.stdout).toBe('before\n');
    expect(res.ms).toBeLessThan(1_500 + 3_000);
    // The remote backstop (coreutils timeout) would only fire at 2 s + 5 s; gone well before that
    // means the client-side group kill did it.
    await waitFor('no remote sleep left', () => pidsWithArg(s).length === 0, 2_000);
    expect(Date.now() - started).toBeLessThan(6_000);
    // The connection is still usable afterwards.
    expect((await t.runScript('echo alive\n', [], { timeoutMs: 10_000 })).stdout).toBe('alive\n');
  });

  it('8 runs timing out at once (default maxChannels) are all killed within MaxSessions=10', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const s = sleeps.next();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.runScript(`sleep ${s}\n`, [], { timeoutMs: 1_500 })),
    );
    for (const r of results) {
      expect(r.timedOut).toBe(true);
      expect(r.stderr).toBe(''); // no "[fpm-medic] could not kill ..." note
    }
    await waitFor('all remote sleeps killed', () => pidsWithArg(s).length === 0, 2_000);
  });

  it('abort kills the remote group and rejects with RunAbortedError', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const s = sleeps.next();
    const ac = new AbortController();
    const p = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 60_000, signal: ac.signal });
    await waitFor('remote sleep started', () => pidsWithArg(s).length > 0, 10_000);
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(RunAbortedError);
    await waitFor('remote sleep killed', () => pidsWithArg(s).length === 0, 2_000);
  });

  it('caps captured stdout but counts every byte', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const res = await t.runScript("head -c 300000 /dev/zero | tr '\\0' x\n", [], {
      timeoutMs: 20_000,
      maxOutputBytes: 1_000,
    });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('x'.repeat(1_000));
    expect(res.truncated).toBe(true);
    expect(res.bytes).toBe(300_000);
  });

  it('concurrent callers share one connection, reused across runs', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const before = loginCount(lab);
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => t.runScript('echo "$1"\n', [`n${i}`], { timeoutMs: 10_000 })),
    );
    expect(results.map((r) => r.stdout)).toEqual(['n0\n', 'n1\n', 'n2\n', 'n3\n', 'n4\n']);
    await t.runScript('true\n', [], { timeoutMs: 10_000 });
    expect(loginCount(lab) - before).toBe(1);
  });

  it('20 concurrent runs with maxChannels 4 all succeed, never more than 4 at once', async () => {
    const t = transport(new SshTransport(labTarget(lab, { maxChannels: 4 })));
    const dir = await mkdtemp(join(tmpdir(), 'fpm-medic-chan-'));
    try {
      // Each run registers itself in dir, waits (up to 2 s) for 4 registrations so that a busy
      // machine cannot hide the concurrency, counts them, then leaves: the count is a lower bound
      // on how many ran at the same moment on the host, and more than 4 means the cap leaked.
      const script = [
        'touch "$1/$$"; i=0',
        'while [ "$(ls "$1" | wc -l)" -lt 4 ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done',
        'n=$(ls "$1" | wc -l); sleep 0.1; rm -f "$1/$$"; echo $n',
        '',
      ].join('\n');
      let maxLocal = 0;
      const runs = Array.from({ length: 20 }, () =>
        t.runScript(script, [dir], { timeoutMs: 60_000 }).then((r) => {
          maxLocal = Math.max(maxLocal, t.activeChannels);
          return r;
        }),
      );
      const results = await Promise.all(runs);
      expect(results.every((r) => r.code === 0)).toBe(true);
      const counts = results.map((r) => Number(r.stdout.trim()));
      expect(Math.max(...counts), `counts seen: ${counts.join(',')}`).toBe(4);
      expect(maxLocal).toBeLessThanOrEqual(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a run whose deadline passes while queued for a channel times out without running', async () => {
    const t = transport(new SshTransport(labTarget(lab, { maxChannels: 1 })));
    const s = sleeps.next();
    const first = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 3_000 });
    await waitFor('first run started', () => pidsWithArg(s).length > 0, 10_000);
    const queued = await t.runScript('echo should-not-run\n', [], { timeoutMs: 300 });
    expect(queued).toMatchObject({ timedOut: true, code: null, stdout: '' });
    expect((await first).timedOut).toBe(true);
  });
});
