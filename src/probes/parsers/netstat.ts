/**
 * The kernel's listen-queue limit and counters, as runtime.sh reads them:
 * /proc/sys/net/core/somaxconn and /proc/net/netstat.
 */
import type { KernelInfo } from '../../facts/types.js';

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
