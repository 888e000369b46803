import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectionLostError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  RunAbortedError,
  UnsafeArgumentError,
} from '../../../src/transport/errors.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { labTarget, pidsWithArg, sleepTracker, waitFor } from './helpers.js';

let lab: SshdLab;
const opened: SshTransport[] = [];
const sleeps = sleepTracker();
const transport = (t: SshTransport): SshTransport => {
  opened.push(t);
  return t;
};

async function listen(onConnection: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return { server, port: addr.port };
}

beforeAll(async () => {
  lab = await startSshd();
});

afterEach(async () => {
  sleeps.killAll();
  await lab.startDaemon(); // a test may have stopped it
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await lab?.stop();
});

describe('SshTransport failures (real sshd)', () => {
  it('a closed port is refused fast with ConnectionRefusedError', async () => {
    const { server, port } = await listen(() => {});
    await new Promise<void>((r) => server.close(() => r())); // now nothing listens there
    const t = transport(new SshTransport(labTarget(lab, { port, connectTimeoutMs: 10_000 })));
    const started = Date.now();
    const err = await t.runScript('true\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionRefusedError);
    expect((err as ConnectionRefusedError).code).toBe('CONNECTION_REFUSED');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a listener that accepts but never speaks SSH times out at connectTimeoutMs', async () => {
    const sockets: Socket[] = [];
    const { server, port } = await listen((s) => sockets.push(s));
    try {
      const t = transport(new SshTransport(labTarget(lab, { port, connectTimeoutMs: 1_500 })));
      const started = Date.now();
      const err = await t.runScript('true\n', [], { timeoutMs: 60_000 }).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ConnectTimeoutError);
      expect((err as Error).message).toMatch(/1500 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(4_000);
      expect(sockets.length).toBe(1); // it did get a TCP connection
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('unsafe args are refused even when the host is unreachable (nothing is attempted)', async () => {
    const t = transport(new SshTransport(labTarget(lab, { port: 1 })));
    await expect(t.runScript('true\n', ['$(id)'], { timeoutMs: 1_000 })).rejects.toBeInstanceOf(
      UnsafeArgumentError,
    );
  });

  it('a connection killed mid-command rejects with ConnectionLostError; the next run reconnects', async () => {
    const t = transport(new SshTransport(labTarget(lab, { keepaliveIntervalMs: 0 })));
    const s = sleeps.next();
    const p = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 4_000 });
    await waitFor('remote sleep started', () => pidsWithArg(s).length > 0, 10_000);
    const started = Date.now();
    await lab.killSessions();
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionLostError);
    expect((err as ConnectionLostError).code).toBe('CONNECTION_LOST');
    expect(Date.now() - started).toBeLessThan(3_000); // not the run's own timeout

    const res = await t.runScript('echo back\n', [], { timeoutMs: 10_000 });
    expect(res.stdout).toBe('back\n');

    // Nobody is left to kill the orphaned sleep from the client side; the remote backstop
    // (timeout -s KILL at 4 s + 5 s) must.
    await waitFor('orphaned sleep killed by the remote backstop', () => pidsWithArg(s).length === 0, 15_000);
  });

  it('sshd stopped mid-command: lost, then refused while down, then works once it is back', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const s = sleeps.next();
    const p = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 30_000 });
    await waitFor('remote sleep started', () => pidsWithArg(s).length > 0, 10_000);
    await lab.stopDaemon();
    await expect(p).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(t.runScript('true\n', [], { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      ConnectionRefusedError,
    );
    await lab.startDaemon();
    expect((await t.runScript('echo up\n', [], { timeoutMs: 10_000 })).stdout).toBe('up\n');
  });

  it('close() kills in-flight runs on the host, then reconnects on the next call', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const s = sleeps.next();
    const p = t.runScript(`sleep ${s}\n`, [], { timeoutMs: 30_000 });
    await waitFor('remote sleep started', () => pidsWithArg(s).length > 0, 10_000);
    await t.close();
    await expect(p).rejects.toBeInstanceOf(RunAbortedError);
    // Killed by close() itself: the backstop would only fire at 35 s.
    await waitFor('remote sleep killed', () => pidsWithArg(s).length === 0, 2_000);
    expect((await t.runScript('echo again\n', [], { timeoutMs: 10_000 })).stdout).toBe('again\n');
  });
});
