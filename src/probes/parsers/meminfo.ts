import type { MemoryInfo } from '../../facts/types.js';

/** /proc/meminfo: "Name:   12345 kB" lines -> name -> kB. */
function fields(body: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of body.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

/** undefined when MemTotal is missing (not a meminfo at all). */
export function parseMeminfo(body: string, cgroupLimitKb?: number): MemoryInfo | undefined {
  const f = fields(body);
  const total = f.get('MemTotal');
  if (total === undefined) return undefined;
  // MemAvailable exists since 3.14; before that free + page cache is the usual estimate.
  const available =
    f.get('MemAvailable') ?? (f.get('MemFree') ?? 0) + (f.get('Cached') ?? 0) + (f.get('Buffers') ?? 0);
  const info: MemoryInfo = { memTotalKb: total, memAvailableKb: available };
  if (f.has('SwapTotal')) info.swapTotalKb = f.get('SwapTotal')!;
  if (f.has('SwapFree')) info.swapFreeKb = f.get('SwapFree')!;
  if (cgroupLimitKb !== undefined) info.cgroupLimitKb = cgroupLimitKb;
  return info;
}

export interface CgroupMemory {
  /** undefined = no limit ("max" in v2, the page-rounded LONG_MAX in v1). */
  limitKb?: number;
  usageKb?: number;
}

// v1 prints "no limit" as LONG_MAX rounded down to a page: anything this large is unlimited.
const UNLIMITED_BYTES = 2 ** 60;

/** The cgroup-memory section of runtime.sh: "limit BYTES|max", "usage BYTES". */
export function parseCgroupMemory(body: string): CgroupMemory {
  const out: CgroupMemory = {};
  for (const line of body.split('\n')) {
    const m = /^(limit|usage)\s+(\S+)/.exec(line.trim());
    if (!m) continue;
    const bytes = Number(m[2]);
    if (!Number.isFinite(bytes) || (m[1] === 'limit' && bytes >= UNLIMITED_BYTES)) continue;
    if (m[1] === 'limit') out.limitKb = Math.floor(bytes / 1024);
    else out.usageKb = Math.floor(bytes / 1024);
  }
  return out;
}
