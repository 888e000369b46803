import type { HostClock } from '../../facts/types.js';
import { parseUtcOffset } from './time.js';

/**
 * The clock section of runtime.sh / kernel.sh: "now EPOCH", "offset +HHMM", "uptime SECONDS IDLE".
 * Undefined when the epoch is missing: every log time depends on it, so guessing is worse.
 */
export function parseClock(body: string): HostClock | undefined {
  const fields = new Map<string, string>();
  for (const line of body.split('\n')) {
    const m = /^(now|offset|uptime)\s+(\S+)/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!);
  }
  const now = Number(fields.get('now'));
  if (!fields.has('now') || !Number.isFinite(now)) return undefined;
  const uptime = Number(fields.get('uptime'));
  return {
    now,
    uptimeSec: Number.isFinite(uptime) ? uptime : 0,
    utcOffsetMin: parseUtcOffset(fields.get('offset') ?? '+0000'),
  };
}
