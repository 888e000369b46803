import type { HostClock } from '../../facts/types.js';

/** What every time-aware parser needs: the host's clock and the start of the window. */
export interface ParseContext {
  clock: HostClock;
  /** Epoch seconds; events before this are dropped. */
  since: number;
}

/**
 * The window start for logs stamped to the second (FPM, nginx, slow and access logs): an event in
 * the window's first second is written with the second it began in, so it must not be dropped.
 * Sub-second sources (dmesg, Apache) compare with `since` itself.
 */
export function sinceSecond(ctx: ParseContext): number {
  return Math.floor(ctx.since);
}
