import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';

export function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export function lines(file: string, re: RegExp): string[] {
  return read(file)
    .split('\n')
    .filter((l) => re.test(l));
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
}

/** `ss -xln` row for a unix listener: Recv-Q = queued connections, Send-Q = backlog. */
export function ssUnixListen(path: string): { recvQ: number; sendQ: number } | undefined {
  for (const row of sh('ss', ['-xln']).split('\n')) {
    const f = row.trim().split(/\s+/);
    if (f[0] === 'u_str' && f[1] === 'LISTEN' && f[4] === path)
      return { recvQ: Number(f[2]), sendQ: Number(f[3]) };
  }
  return undefined;
}

/** pids holding an ESTAB TCP connection to `peer`, from `ss -tnp`. */
export function ssPidsTo(peer: string): number[] {
  const pids = new Set<number>();
  for (const row of sh('ss', ['-tnp']).split('\n')) {
    const f = row.trim().split(/\s+/);
    if (f[0] !== 'ESTAB' || f[4] !== peer) continue;
    for (const m of row.matchAll(/pid=(\d+)/g)) pids.add(Number(m[1]));
  }
  return [...pids];
}

export function cmdline(pid: number): string {
  return read(`/proc/${pid}/cmdline`).replace(/\0+$/, '').replaceAll('\0', ' ');
}

export function procStat(pid: number): { state: string; cpuTicks: number; rssPages: number } | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (!text) return undefined;
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0] ?? '', cpuTicks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  const st = procStat(pid);
  return st !== undefined && st.state !== 'Z';
}

export function fileMode(path: string): { mode: string; uid: number; gid: number } {
  const st = statSync(path);
  return { mode: (st.mode & 0o777).toString(8).padStart(4, '0'), uid: st.uid, gid: st.gid };
}

export function dmesg(): string {
  return sh('dmesg', []);
}

/** nginx error-log timestamp (local time, `2026/11/20 21:48:42`) as epoch ms. */
export function nginxTime(line: string): number {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d) /.exec(line);
  if (!m) return Number.NaN;
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
}

/** `ss -tln` row for a TCP listener on 127.0.0.1:port: Recv-Q = queued connections, Send-Q = backlog. */
export function ssTcpListen(port: number): { recvQ: number; sendQ: number } | undefined {
  for (const row of sh('ss', ['-tln']).split('\n')) {
    const f = row.trim().split(/\s+/);
    if (f[0] === 'LISTEN' && f[3] === `127.0.0.1:${port}`)
      return { recvQ: Number(f[1]), sendQ: Number(f[2]) };
  }
  return undefined;
}

/** TcpExt ListenOverflows from /proc/net/netstat (a full TCP accept queue dropping a SYN or an ACK). */
export function tcpListenOverflows(): number {
  const rows = read('/proc/net/netstat')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const names = rows[0]?.split(/\s+/) ?? [];
  const values = rows[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('ListenOverflows')]);
}
