import { describe, expect, it } from 'vitest';
import { analyzePools } from '../../../src/analysis/pools.js';
import { poolWorkers, waitsInAccept } from '../../../src/analysis/workers.js';
import type { FpmPoolConfig, HostFacts } from '../../../src/facts/types.js';
import { parseRuntime } from '../../../src/probes/parsers/runtime.js';
import { baseFacts, fixture, master, pool, worker } from './helpers.js';

/**
 * runtime.sh captured on the real lab in the clients-gave-up state (test/lab/states.ts): every
 * worker of the pool inside a 30 s sleep.php whose client left after 4 s, 10+ abandoned connections
 * in the accept queue, the status page unanswered. nginx closed its upstream connections (TCP:
 * the workers hold CLOSE-WAIT; unix: peer inode 0); Apache kept them. Other labs' masters on the
 * same machine sit idle in accept(). The ps section keeps only FPM and web server rows.
 */
const CAPTURES = [
  { name: 'nginx-tcppool', master: 16013, listen: 'tcp:127.0.0.1:45415', state: 'CLOSE-WAIT' },
  { name: 'apache-tcppool', master: 26501, listen: 'tcp:127.0.0.1:43911', state: 'ESTAB' },
  {
    name: 'nginx-unixpool',
    master: 21741,
    listen: '/tmp/fpm-medic-lab-zSoVwA/run/unixpool.sock',
    state: 'ESTAB',
  },
  {
    name: 'apache-unixpool',
    master: 30473,
    listen: '/tmp/fpm-medic-lab-xLVaE3/run/unixpool.sock',
    state: 'ESTAB',
  },
] as const;

function labPool(listen: string, masterPid: number): FpmPoolConfig {
  if (listen.startsWith('tcp:')) {
    const [host, port] = listen.slice(4).split(':');
    return pool('tcppool', {
      masterPid,
      listen: { kind: 'tcp', host: host!, port: Number(port) },
      pm: 'static',
      maxChildren: 2,
      listenBacklog: 64,
    });
  }
  return pool('unixpool', {
    masterPid,
    listen: { kind: 'unix', path: listen },
    maxChildren: 3,
    listenBacklog: 64,
  });
}

function captured(name: string, masterPid: number, p: FpmPoolConfig): HostFacts {
  const runtime = parseRuntime(fixture(`lab/clients-gave-up/${name}.runtime.txt`));
  const m = runtime.processes.find((x) => x.pid === masterPid)!;
  return baseFacts({
    fpm: { masters: [{ ...master(masterPid, m.startedAt) }], globals: [], pools: [p], php: {} },
    // The status page queued behind the busy workers and timed out.
    status: [{ pool: p.name, ok: false, reason: 'timeout', detail: 'timed out', ms: 2000 }],
    processes: runtime.processes,
    listeners: runtime.listeners,
    connections: runtime.connections,
  });
}

describe('workers whose clients gave up (captured on the real lab)', () => {
  for (const c of CAPTURES) {
    it(`${c.name}: every worker still inside its request is busy; the pool is exhausted`, () => {
      const p = labPool(c.listen, c.master);
      const facts = captured(c.name, c.master, p);
      const held = facts.connections.filter(
        (x) => facts.processes.some((w) => w.pid === x.pid && w.ppid === c.master) && x.state === c.state,
      );
      expect(held.length).toBe(p.maxChildren);
      const { source, workers } = poolWorkers(facts, p);
      expect(source).toBe('ps');
      expect(workers.map((w) => w.busy)).toEqual(Array(p.maxChildren).fill(true));
      const signal = analyzePools(facts).value[0]!;
      expect(signal).toMatchObject({ busy: p.maxChildren, exhausted: true });
      expect(signal.queued).toBeGreaterThanOrEqual(10);
    });
  }

  it('the idle workers of the other masters in the same captures sleep in accept() and are idle', () => {
    let checked = 0;
    for (const c of CAPTURES) {
      const runtime = parseRuntime(fixture(`lab/clients-gave-up/${c.name}.runtime.txt`));
      const others = runtime.processes.filter(
        (w) =>
          w.role === 'fpm-worker' && w.ppid !== c.master && w.wchan !== undefined && waitsInAccept(w.wchan),
      );
      expect(others.length, c.name).toBeGreaterThan(0);
      for (const w of others) {
        // ss lists a worker on the listener it inherited; one whose listener was not shown is skipped.
        const listen = runtime.listeners.find((l) => l.pids.includes(w.pid));
        if (!listen) continue;
        checked++;
        const p =
          listen.kind === 'tcp'
            ? labPool(`tcp:${listen.address}`, w.ppid)
            : { ...labPool(listen.address, w.ppid), name: w.pool! };
        const facts = baseFacts({
          fpm: { masters: [master(w.ppid)], globals: [], pools: [{ ...p, name: w.pool! }], php: {} },
          processes: runtime.processes,
          listeners: runtime.listeners,
          connections: runtime.connections,
        });
        const found = poolWorkers(facts, { ...p, name: w.pool! }).workers.find((x) => x.pid === w.pid);
        expect(found?.busy, `${c.name} ${w.pid} ${w.wchan}`).toBe(false);
      }
    }
    expect(checked).toBeGreaterThan(4);
  });
});

describe('waitsInAccept', () => {
  it('accept() on TCP and unix sockets, as ps and /proc/PID/wchan print them', () => {
    for (const w of [
      'inet_csk_accept',
      'skb_wait_for_more_packets',
      '__skb_wait_for_more_packets',
      'unix_accept',
    ])
      expect(waitsInAccept(w), w).toBe(true);
    for (const w of [
      'do_syscall_64',
      'hrtimer_nanosleep',
      'poll_schedule_timeout.constprop.',
      'do_epoll_wait',
    ])
      expect(waitsInAccept(w), w).toBe(false);
  });

  it('a sleeping worker with no wait channel to read and no connection is idle (nothing says otherwise)', () => {
    const p = pool('www');
    const w = worker(101, 'www');
    delete w.wchan;
    expect(
      poolWorkers(
        baseFacts({ fpm: { masters: [master()], globals: [], pools: [p], php: {} }, processes: [w] }),
        p,
      ).workers[0]!.busy,
    ).toBe(false);
  });
});
