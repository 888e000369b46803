/**
 * The kernel's listen-queue limit and counters, as runtime.sh reads them:
 * /proc/sys/net/core/somaxconn and /proc/net/netstat.
 */
import type { CgroupOomCounter, KernelInfo } from '../../facts/types.js';

export function parseSomaxconn(body: string): number | undefined {
  const m = /^\s*(\d+)\s*$/m.exec(body);
  return m ? Number(m[1]) : undefined;
}

/**
 * /proc/net/netstat holds pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: 1 2 ...".
 * Returns every counter of the given group by name.
 */
export function parseNetstat(body: string, group = 'TcpExt'): Map<string, number> {
  const out = new Map<string, number>();
  const lines = body.split('\n').filter((l) => l.startsWith(`${group}:`));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/).slice(1);
    const values = lines[i + 1]!.split(/\s+/).slice(1);
    // A header followed by another header means a line went missing: stop rather than misalign.
    if (values.length > 0 && !/^-?\d+$/.test(values[0]!)) break;
    names.forEach((name, j) => {
      const v = values[j];
      if (name && v !== undefined && /^-?\d+$/.test(v)) out.set(name, Number(v));
    });
  }
  return out;
}

/** memory.events (v2: "oom N", "oom_kill N") or memory.oom_control (v1: "under_oom 0", "oom_kill N"). */
export function parseCgroupOom(
  body: string,
  attrs: { pid?: string; path?: string; version?: string },
): CgroupOomCounter | undefined {
  const f = new Map<string, number>();
  for (const line of body.split('\n')) {
    const m = /^(\w+)\s+(\d+)\s*$/.exec(line.trim());
    if (m) f.set(m[1]!, Number(m[2]));
  }
  // v1 before Linux 4.13 has no oom_kill line: nothing to count then.
  if (!f.has('oom_kill')) return undefined;
  const counter: CgroupOomCounter = {
    pid: Number(attrs.pid ?? 0),
    path: attrs.path ?? '',
    version: attrs.version === '1' ? 1 : 2,
    oomKills: f.get('oom_kill')!,
  };
  if (f.has('oom')) counter.ooms = f.get('oom')!;
  if (f.has('under_oom')) counter.underOom = f.get('under_oom') === 1;
  return counter;
}

export function parseKernelInfo(parts: { somaxconn?: string; netstat?: string }): KernelInfo {
  const info: KernelInfo = {};
  if (parts.somaxconn !== undefined) {
    const v = parseSomaxconn(parts.somaxconn);
    if (v !== undefined) info.somaxconn = v;
  }
  if (parts.netstat !== undefined) {
    const c = parseNetstat(parts.netstat);
    if (c.has('ListenOverflows')) info.tcpListenOverflows = c.get('ListenOverflows')!;
    if (c.has('ListenDrops')) info.tcpListenDrops = c.get('ListenDrops')!;
  }
  return info;
}
