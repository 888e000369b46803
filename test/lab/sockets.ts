import { run } from './proc.js';

export interface ListenQueue {
  /** Connections waiting to be accepted. */
  recvQ: number;
  /** The effective backlog. */
  sendQ: number;
}

/** Accept-queue length of a listening unix socket, from `ss -lx` (FPM's status page shows 0 for unix pools). */
export async function unixListenQueue(path: string): Promise<ListenQueue | undefined> {
  const { stdout } = await run('ss', ['-xlnH']);
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    // Netid State Recv-Q Send-Q Local-Path Inode Peer Inode
    if (f[4] === path) return { recvQ: Number(f[2]), sendQ: Number(f[3]) };
  }
  return undefined;
}

export async function tcpListenQueue(port: number): Promise<ListenQueue | undefined> {
  const { stdout } = await run('ss', ['-tlnH', `sport = :${port}`]);
  const f = stdout.trim().split('\n')[0]?.trim().split(/\s+/);
  if (!f || f.length < 4) return undefined;
  return { recvQ: Number(f[1]), sendQ: Number(f[2]) };
}

export interface TcpConn {
  local: string;
  peer: string;
  pids: number[];
}

/** Established TCP connections with their owning pids (`ss -tnp`). */
export async function establishedTcp(): Promise<TcpConn[]> {
  const { stdout } = await run('ss', ['-tnpH', 'state', 'established']);
  const out: TcpConn[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.trim().split(/\s+/);
    // With a state filter ss drops the State column: Recv-Q Send-Q Local Peer Process
    if (f.length < 4) continue;
    const pids = [
      ...f
        .slice(4)
        .join(' ')
        .matchAll(/pid=(\d+)/g),
    ].map((m) => Number(m[1]));
    out.push({ local: f[2] ?? '', peer: f[3] ?? '', pids });
  }
  return out;
}

/** Which of `pids` hold an established connection to `peer` (ip:port). */
export async function pidsConnectedTo(pids: number[], peer: string): Promise<number[]> {
  const conns = await establishedTcp();
  const want = new Set(pids);
  const hit = new Set<number>();
  for (const c of conns) if (c.peer === peer) for (const p of c.pids) if (want.has(p)) hit.add(p);
  return [...hit];
}
