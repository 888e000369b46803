/**
 * The arguments kill-stuck-workers.sh checks each worker against, right before the signal. Values
 * come from the diagnosis's report (pids, start times, pool names, ss addresses), never from chat,
 * and are still validated here: a worker that cannot be passed safely is not killed.
 */

import type { StuckWorker } from '../../../report/named-workers.js';
import { SAFE_ARG } from '../../../transport/shell-quote.js';

/** A socket by its inode: unix:INODE, or inode:INODE for a TCP one read from /proc. */
const INODE = /^(unix|inode):\d+$/;
const TCP = /^tcp:([^,\s]+),([^,\s]+)$/;

/** ss prints IPv6 endpoints in brackets, which no argument may hold: the script decodes these. */
export function encodeConn(conn: string): string {
  return conn.replaceAll('[', '%5B').replaceAll(']', '%5D');
}

export type KillArgs = { ok: true; args: string[] } | { ok: false; why: string };

export function killArgs(w: StuckWorker): KillArgs {
  if (!Number.isInteger(w.pid) || w.pid < 2) return { ok: false, why: `pid ${w.pid} is not a process id` };
  if (!Number.isInteger(w.masterPid) || w.masterPid < 2) {
    return { ok: false, why: `master ${w.masterPid} is not a process id` };
  }
  if (!Number.isFinite(w.startedAt) || w.startedAt <= 0) return { ok: false, why: 'no start time to check' };
  if (!INODE.test(w.conn) && !TCP.test(w.conn)) {
    return {
      ok: false,
      why: `its request cannot be identified ("${w.conn}" is neither unix:INODE, inode:INODE nor tcp:LOCAL,PEER)`,
    };
  }
  const args = [
    String(w.pid),
    String(w.masterPid),
    String(Math.round(w.startedAt)),
    w.pool,
    encodeConn(w.conn),
  ];
  if (!args.every((a) => SAFE_ARG.test(a))) {
    return { ok: false, why: `its pool name or connection cannot be passed safely (${w.pool}, ${w.conn})` };
  }
  return { ok: true, args };
}
