/**
 * The socket tables from /proc, where there is no ss (BusyBox, the official php:fpm image): the
 * same SocketListener and SocketConnection facts parseSsListeners / parseSsConnections give, so the
 * analysis has one code path whatever the host had installed (runtime.sh, fm_proc_sockets).
 *
 * Sources (REFERENCE §7; the kernel's tcp4_seq_show / tcp6_seq_show / unix_seq_show):
 * - /proc/net/tcp, tcp6: `sl local rem st tx_queue:rx_queue ... uid timeout inode`; addresses are
 *   hex, each 32-bit word in host (little-endian) order; for a LISTEN row rx_queue is the accept
 *   queue (what ss shows as Recv-Q). The backlog (ss's Send-Q) is not there: sendQ stays unset and
 *   the analysis takes the configured one (analysis/backlog.ts).
 * - /proc/net/unix: `Num RefCount Protocol Flags Type St Inode Path`; Flags 00010000 is a listener;
 *   a connection not yet accepted is its own row, inode 0, state 02, with the listener's path, so
 *   the accept queue is counted from those rows. A peer's inode is not shown.
 * - proc-fd: `PID COMM FD INODE` of each socket an FPM or web server process holds.
 */
import type { SocketConnection, SocketListener } from '../../facts/types.js';

interface Holder {
  pid: number;
  process: string;
}

const TCP_STATES: Record<string, string> = {
  '01': 'ESTAB',
  '02': 'SYN-SENT',
  '03': 'SYN-RECV',
  '04': 'FIN-WAIT-1',
  '05': 'FIN-WAIT-2',
  '06': 'TIME-WAIT',
  '07': 'UNCONN',
  '08': 'CLOSE-WAIT',
  '09': 'LAST-ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

// socket.h SS_*: how unix_seq_show prints a socket's state.
const UNIX_STATES: Record<string, string> = {
  '01': 'UNCONN',
  '02': 'SYN-SENT',
  '03': 'ESTAB',
  '04': 'CLOSING',
};
const UNIX_LISTENING = '00010000';

/**
 * proc-fd lines -> the processes holding each socket inode, highest pid first: ss names a shared
 * socket's holders in that order (it prepends each one found while walking /proc), and a
 * connection is reported for the first (nginx's master and worker share their channel sockets).
 */
export function parseProcFds(body: string): Map<number, Holder[]> {
  const out = new Map<number, Holder[]>();
  for (const line of body.split('\n')) {
    const m = /^(\d+) (\S+) \d+ (\d+)$/.exec(line.trim());
    if (!m) continue;
    const inode = Number(m[3]);
    const holders = out.get(inode) ?? [];
    if (!holders.some((h) => h.pid === Number(m[1]))) holders.push({ pid: Number(m[1]), process: m[2]! });
    out.set(inode, holders);
  }
  for (const holders of out.values()) holders.sort((a, b) => b.pid - a.pid);
  return out;
}

/** A 32-bit word of /proc/net/tcp: hex in host order (x86 and arm64 are little-endian). */
function wordBytes(hex: string): number[] {
  const n = Number.parseInt(hex, 16);
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** RFC 5952 text of 8 groups: the longest run of two or more zero groups becomes "::". */
function ipv6Text(groups: number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** "0100007F:1F90" -> "127.0.0.1:8080"; a tcp6 address -> "[::1]:8080", as ss prints them. */
export function procAddress(text: string): string | undefined {
  const m = /^([0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):([0-9A-Fa-f]{4})$/.exec(text);
  if (!m) return undefined;
  const port = Number.parseInt(m[2]!, 16);
  const hex = m[1]!;
  if (hex.length === 8) return `${wordBytes(hex).join('.')}:${port}`;
  const bytes = [0, 8, 16, 24].flatMap((at) => wordBytes(hex.slice(at, at + 8)));
  // ::ffff:a.b.c.d, a v4-mapped address on a dual-stack socket.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return `[::ffff:${bytes.slice(12).join('.')}]:${port}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  return `[${ipv6Text(groups)}]:${port}`;
}

export interface ProcSockets {
  listeners: SocketListener[];
  connections: SocketConnection[];
}

function tcpRows(body: string, holders: Map<number, Holder[]>, out: ProcSockets): void {
  for (const line of body.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0]!)) continue;
    const local = procAddress(f[1]!);
    const peer = procAddress(f[2]!);
    const state = TCP_STATES[f[3]!.toUpperCase()];
    const queues = /^([0-9A-Fa-f]+):([0-9A-Fa-f]+)$/.exec(f[4]!);
    if (!local || !peer || !state || !queues) continue;
    const tx = Number.parseInt(queues[1]!, 16);
    const rx = Number.parseInt(queues[2]!, 16);
    const held = holders.get(Number(f[9])) ?? [];
    if (state === 'LISTEN') {
      out.listeners.push({ kind: 'tcp', address: local, recvQ: rx, pids: held.map((h) => h.pid) });
      continue;
    }
    const first = held[0];
    if (!first) continue;
    out.connections.push({
      kind: 'tcp',
      state,
      local,
      peer,
      localInode: Number(f[9]),
      recvQ: rx,
      sendQ: tx,
      pid: first.pid,
      process: first.process,
    });
  }
}

function unixRows(body: string, holders: Map<number, Holder[]>, out: ProcSockets): void {
  const queued = new Map<string, number>();
  const listening: { path: string; inode: number }[] = [];
  for (const line of body.split('\n')) {
    const m =
      /^[0-9a-fA-F]+: [0-9A-Fa-f]+ [0-9A-Fa-f]+ ([0-9A-Fa-f]{8}) [0-9A-Fa-f]{4} ([0-9A-Fa-f]{2}) +(\d+)(?: (.*))?$/.exec(
        line.trim(),
      );
    if (!m) continue;
    const [, flags, st, inodeText, path = ''] = m;
    const inode = Number(inodeText);
    if (flags === UNIX_LISTENING) {
      if (path) listening.push({ path, inode });
      continue;
    }
    if (inode === 0) {
      // Connected to a listener, not accepted yet: one in that listener's queue.
      if (st === '02' && path) queued.set(path, (queued.get(path) ?? 0) + 1);
      continue;
    }
    const first = holders.get(inode)?.[0];
    if (!first) continue;
    out.connections.push({
      kind: 'unix',
      state: UNIX_STATES[st!] ?? 'UNKNOWN',
      local: path || '*',
      peer: '*',
      localInode: inode,
      recvQ: 0,
      sendQ: 0,
      pid: first.pid,
      process: first.process,
    });
  }
  for (const l of listening) {
    const pids = (holders.get(l.inode) ?? []).map((h) => h.pid);
    out.listeners.push({ kind: 'unix', address: l.path, recvQ: queued.get(l.path) ?? 0, pids });
  }
}

/** runtime.sh's proc-fd and proc-net sections -> listeners and connections. */
export function parseProcSockets(input: { fds: string; tcp?: string; unix?: string }): ProcSockets {
  const holders = parseProcFds(input.fds);
  const out: ProcSockets = { listeners: [], connections: [] };
  if (input.tcp !== undefined) tcpRows(input.tcp, holders, out);
  if (input.unix !== undefined) unixRows(input.unix, holders, out);
  return out;
}
