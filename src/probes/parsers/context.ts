import type { HostClock } from '../../facts/types.js';

/** What every time-aware parser needs: the host's clock and the start of the window. */
export interface ParseContext {
  clock: HostClock;
  /** Epoch seconds; events before this are dropped. */
  since: number;
}
