/**
 * The FPM slowlog (REFERENCE §3.1): per entry a blank line, then
 *   [21-Nov-2026 03:37:28]  [pool dyn] pid 117        <- TWO spaces (the time buffer ends in one)
 *   script_filename = /srv/www/sleep.php
 *   [0x00007f0df0213100] sleep() /srv/www/sleep.php:2  <- innermost frame first
 *   +++ dump failed                                    <- when ptrace could not read the stack
 * Times are local without a zone, like the error log.
 */
import type { SlowLogEntry } from '../../facts/types.js';
import { type ParseContext, sinceSecond } from './context.js';
import { localToEpoch, monthIndex } from './time.js';

const HEADER = /^\[(\d{1,2})-(\w{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})\] +\[pool ([^\]]+)\] pid (\d+)\s*$/;
const FRAME = /^\[0x[0-9a-fA-F]+\] (\S+) (.+):(\d+)$/;

export function parseSlowLog(text: string, ctx: ParseContext): SlowLogEntry[] {
  const entries: SlowLogEntry[] = [];
  let current: SlowLogEntry | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const h = HEADER.exec(line);
    if (h) {
      const month = monthIndex(h[2]!);
      if (month === undefined) continue;
      const time = localToEpoch(
        Number(h[3]),
        month,
        Number(h[1]),
        Number(h[4]),
        Number(h[5]),
        Number(h[6]),
        ctx.clock.utcOffsetMin,
      );
      current = { time, pool: h[7]!, pid: Number(h[8]), script: '', frames: [] };
      if (time >= sinceSecond(ctx)) entries.push(current);
      continue;
    }
    // Lines before the first header belong to an entry `tail -c` cut in half.
    if (!current) continue;
    if (line.startsWith('script_filename = ')) {
      current.script = line.slice('script_filename = '.length);
      continue;
    }
    if (line.startsWith('+++ dump failed')) {
      current.dumpFailed = true;
      continue;
    }
    const f = FRAME.exec(line);
    if (f) current.frames.push({ fn: f[1]!.replace(/\(\)$/, ''), file: f[2]!, line: Number(f[3]) });
  }
  return entries;
}
