import type { SocketConnection, SocketListener } from '../../facts/types.js';

export interface SsUser {
  process: string;
  pid: number;
  fd: number;
}

const USER = /\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=(\d+)\)/g;

/** users:(("php-fpm8.2",pid=15297,fd=4),("nginx",pid=1,fd=9)) -> the processes holding the socket. */
export function parseSsUsers(text: string): SsUser[] {
  const out: SsUser[] = [];
  for (const m of text.matchAll(USER)) out.push({ process: m[1]!, pid: Number(m[2]), fd: Number(m[3]) });
  return out;
}

const STATES = new Set([
  'LISTEN',
  'ESTAB',
  'SYN-SENT',
  'SYN-RECV',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'TIME-WAIT',
  'UNCONN',
  'CLOSE-WAIT',
  'LAST-ACK',
  'CLOSING',
  'CLOSED',
  'UNKNOWN',
]);

interface Row {
  kind: 'unix' | 'tcp';
  state: string;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  localInode?: number;
  peerInode?: number;
  users: SsUser[];
}

/**
 * One ss -H line. The Netid column is there when several socket types were asked for (ss -x
 * prints u_str) and absent for ss -t alone, so it is recognised rather than assumed. Unix rows
 * carry "path inode" on each side, the peer usually "* inode".
 */
function parseRow(line: string, hint?: 'unix' | 'tcp'): Row | undefined {
  const usersAt = line.indexOf('users:(');
  const users = usersAt >= 0 ? parseSsUsers(line.slice(usersAt)) : [];
  const tokens = (usersAt >= 0 ? line.slice(0, usersAt) : line).trim().split(/\s+/);
  let kind = hint;
  if (tokens[0] && !STATES.has(tokens[0])) {
    const netid = tokens.shift()!;
    if (netid.startsWith('u_')) kind = 'unix';
    else if (netid === 'tcp') kind = 'tcp';
    else return undefined;
  }
  const [state, rq, sq, ...rest] = tokens;
  if (!state || !STATES.has(state) || !/^\d+$/.test(rq ?? '') || !/^\d+$/.test(sq ?? '')) return undefined;
  kind ??= rest.length >= 4 ? 'unix' : 'tcp';
  const row: Row = { kind, state, recvQ: Number(rq), sendQ: Number(sq), local: '', peer: '', users };
  if (kind === 'unix') {
    // The path may hold spaces: the inode is the last number before the peer's "* inode".
    if (rest.length < 4) return undefined;
    const peerInode = rest[rest.length - 1]!;
    const peer = rest[rest.length - 2]!;
    const localInode = rest[rest.length - 3]!;
    row.local = rest.slice(0, rest.length - 3).join(' ');
    row.peer = peer;
    if (/^\d+$/.test(localInode)) row.localInode = Number(localInode);
    if (/^\d+$/.test(peerInode)) row.peerInode = Number(peerInode);
  } else {
    if (rest.length < 2) return undefined;
    row.local = rest[0]!;
    row.peer = rest[1]!;
  }
  return row;
}

/** ss -Hl[x|t]np: Recv-Q = connections waiting for accept(), Send-Q = the effective backlog. */
export function parseSsListeners(body: string, kind?: 'unix' | 'tcp'): SocketListener[] {
  const out: SocketListener[] = [];
  for (const line of body.split('\n')) {
    const row = parseRow(line, kind);
    if (row?.state !== 'LISTEN') continue;
    out.push({
      kind: row.kind,
      address: row.local,
      recvQ: row.recvQ,
      sendQ: row.sendQ,
      pids: [...new Set(row.users.map((u) => u.pid))],
    });
  }
  return out;
}

/**
 * ss -H[x|t]np connections. A socket shared by several processes (a master and its workers)
 * is reported once, for the first process ss names.
 */
export function parseSsConnections(body: string, kind?: 'unix' | 'tcp'): SocketConnection[] {
  const out: SocketConnection[] = [];
  for (const line of body.split('\n')) {
    const row = parseRow(line, kind);
    if (!row || row.state === 'LISTEN') continue;
    const first = row.users[0];
    const conn: SocketConnection = {
      kind: row.kind,
      state: row.state,
      local: row.local,
      peer: row.peer,
      recvQ: row.recvQ,
      sendQ: row.sendQ,
      pid: first?.pid ?? 0,
      process: first?.process ?? '',
    };
    if (row.localInode !== undefined) conn.localInode = row.localInode;
    if (row.peerInode !== undefined) conn.peerInode = row.peerInode;
    out.push(conn);
  }
  return out;
}

/** "127.0.0.1:80" / "[::1]:80" / "*:80" -> host and port. */
export function splitHostPort(address: string): { host: string; port: number } | undefined {
  const m = /^\[?([^\]]*?)\]?:(\d+|\*)$/.exec(address);
  if (!m || m[2] === '*') return undefined;
  return { host: m[1]!, port: Number(m[2]) };
}
