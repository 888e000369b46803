/**
 * Pairs FPM/kernel events (a worker died) with the web server error that request produced
 * (the worker-death signature: a reset or premature close, REFERENCE §4.3).
 */
import type { HostFacts, WebErrorEvent, WebErrorKind } from '../facts/types.js';
import { localHosts } from './address.js';
import { poolOfUpstream } from './web-log.js';

/**
 * FPM and nginx log whole seconds (truncated), Apache microseconds, the kernel its own clock: two
 * lines about the same death can be a second or two apart.
 */
export const MATCH_TOLERANCE_SEC = 2;

export const DEATH_KINDS: ReadonlySet<WebErrorKind> = new Set(['reset', 'premature-close']);

export interface Death {
  time: number;
  /** The pool the worker belonged to; a web error naming another pool is not its signature. */
  pool?: string;
}

/**
 * For each death, the nearest unused web error of `kinds` within the tolerance, one web error per
 * death at most. Returns the index of the web error for each death (or -1).
 */
export function matchDeaths(
  facts: HostFacts,
  deaths: readonly Death[],
  webErrors: readonly WebErrorEvent[],
  kinds: ReadonlySet<WebErrorKind> = DEATH_KINDS,
  toleranceSec = MATCH_TOLERANCE_SEC,
): number[] {
  const isLocal = localHosts(facts);
  const poolOf = webErrors.map((e) => poolOfUpstream(facts, e.upstream, isLocal)?.name);
  const used = new Set<number>();
  // Earliest deaths first, so a burst pairs in order rather than all grabbing one line.
  const order = deaths.map((_, i) => i).sort((a, b) => deaths[a]!.time - deaths[b]!.time);
  const result = deaths.map(() => -1);
  for (const i of order) {
    const d = deaths[i]!;
    let best = -1;
    let bestDt = Number.POSITIVE_INFINITY;
    webErrors.forEach((e, j) => {
      if (used.has(j) || !kinds.has(e.kind)) return;
      const dt = Math.abs(Math.floor(e.time) - Math.floor(d.time));
      if (dt > toleranceSec || dt >= bestDt) return;
      const pool = poolOf[j];
      if (d.pool !== undefined && pool !== undefined && pool !== d.pool) return;
      best = j;
      bestDt = dt;
    });
    if (best >= 0) {
      used.add(best);
      result[i] = best;
    }
  }
  return result;
}
