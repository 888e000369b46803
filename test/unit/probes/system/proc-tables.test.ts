/**
 * The runtime probe under BusyBox alone (no procps ps, no ss: test/lab/toolsets.ts) reads the
 * process and socket tables from /proc. Captured on the real lab at the same moment as with the full
 * tool set (test/fixtures/capture/toolsets.ts), both must give the same facts: the parsers' output
 * is the one input the analysis has, whatever the host had installed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SocketConnection } from '../../../../src/facts/types.js';
import { parseRuntime, type RuntimeFacts } from '../../../../src/probes/parsers/runtime.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/toolsets/${name}`, import.meta.url), 'utf8');
const capture = JSON.parse(fixture('capture.json')) as {
  'clients-gave-up-tcp': { workerPids: number[]; socket: string };
  'pool-exhausted-unix': { socket: string };
};

// A private PID namespace: every FPM and web server process is the lab's.
const labPids = (f: RuntimeFacts) => new Set(f.processes.filter((p) => p.role !== 'other').map((p) => p.pid));

const connKey = (c: SocketConnection) =>
  `${c.kind} ${c.pid} ${c.state} ${c.local}${c.kind === 'tcp' ? ` ${c.peer}` : ''}`;

describe.each(['clients-gave-up-tcp', 'pool-exhausted-unix'] as const)(
  '%s: /proc gives what ps and ss give',
  (name) => {
    const full = parseRuntime(fixture(`${name}.full.txt`));
    const proc = parseRuntime(fixture(`${name}.busybox.txt`));
    const socket = capture[name].socket;

    it('says where each table came from', () => {
      expect(full.sources).toEqual({ processes: 'ps', sockets: 'ss' });
      expect(proc.sources).toEqual({ processes: 'proc', sockets: 'proc' });
      expect(proc.failures).toEqual([]);
    });

    it('the same FPM and web server processes, with their roles, pools, users, states and ages', () => {
      const pick = (f: RuntimeFacts) =>
        f.processes
          .filter((p) => labPids(full).has(p.pid))
          .map((p) => ({
            pid: p.pid,
            ppid: p.ppid,
            user: p.user,
            role: p.role,
            pool: p.pool,
            state: p.stat[0],
            args: p.args,
          }))
          .sort((a, b) => a.pid - b.pid);
      expect(pick(full).length).toBeGreaterThan(4);
      expect(pick(proc)).toEqual(pick(full));
      for (const p of proc.processes.filter((x) => labPids(full).has(x.pid))) {
        const twin = full.processes.find((x) => x.pid === p.pid)!;
        expect(Math.abs(p.elapsedSec - twin.elapsedSec)).toBeLessThanOrEqual(1);
        expect(Math.abs(p.rssKb - twin.rssKb)).toBeLessThan(2048);
        // procps strips the leading underscores of a wait channel; /proc/PID/wchan keeps them.
        expect(p.wchan?.replace(/^_+/, '')).toBe(twin.wchan?.replace(/^_+/, ''));
      }
    });

    it("the pool's listener: its accept queue and the processes that hold it", () => {
      const of = (f: RuntimeFacts) => f.listeners.find((l) => l.address === socket);
      expect(of(full)?.recvQ).toBeGreaterThan(0);
      expect(of(proc)).toMatchObject({ kind: of(full)!.kind, recvQ: of(full)!.recvQ });
      expect(new Set(of(proc)!.pids)).toEqual(new Set(of(full)!.pids));
      // /proc does not show a backlog: the analysis takes the configured one.
      expect(of(proc)!.sendQ).toBeUndefined();
    });

    it('every TCP listener of the machine, IPv4 and IPv6, at the address ss prints', () => {
      const tcp = (f: RuntimeFacts) =>
        f.listeners
          .filter((l) => l.kind === 'tcp')
          .map((l) => l.address)
          .sort();
      expect(tcp(full).some((a) => a.startsWith('['))).toBe(true);
      expect(tcp(proc)).toEqual(tcp(full));
    });

    it("every lab worker's and the web server's connections, in the same states", () => {
      const pids = labPids(full);
      const keys = (f: RuntimeFacts) =>
        f.connections
          .filter((c) => pids.has(c.pid))
          .map(connKey)
          .sort();
      expect(keys(full).length).toBeGreaterThan(0);
      expect(keys(proc)).toEqual(keys(full));
    });
  },
);

describe('clients that gave up, from /proc', () => {
  const proc = parseRuntime(fixture('clients-gave-up-tcp.busybox.txt'));
  it('each worker holds its accepted connection in CLOSE-WAIT, with its inode', () => {
    for (const pid of capture['clients-gave-up-tcp'].workerPids) {
      const held = proc.connections.filter(
        (c) => c.pid === pid && c.local === capture['clients-gave-up-tcp'].socket,
      );
      expect(held.map((c) => c.state)).toEqual(['CLOSE-WAIT']);
      expect(held[0]!.localInode).toBeGreaterThan(0);
    }
  });
});
