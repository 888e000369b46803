/**
 * A restart where a reload was due: the socket disappears between the old master's exit and the new
 * one's start, and every request in that gap fails with ENOENT or "connection refused". A reload
 * keeps the listening sockets (§8.4) and the master's pid and start time, so only a real restart
 * moves startedAt.
 */

import type { HostFacts } from '../facts/types.js';
import { capEvidence, clockTime, occurrences } from './evidence.js';
import { inWindow } from './scope.js';
import type { AnalyzerResult, Evidence } from './signals.js';
import { fpmWebErrors, webErrorMessage } from './web-log.js';

export const DEFAULT_RESTART_WINDOW_SEC = 60;

/**
 * The stop→start gap of a restart ends at the new master's start: errors logged in it come just
 * before startedAt (which ps also rounds to the second).
 */
export const RESTART_GAP_SEC = 10;

const RESTART_KINDS = new Set(['connect-refused', 'connect-enoent']);

export interface RestartOptions {
  restartWindowSec?: number;
}

export function analyzeRestart(facts: HostFacts, opts: RestartOptions = {}): AnalyzerResult<'restart'> {
  const windowSec = opts.restartWindowSec ?? DEFAULT_RESTART_WINDOW_SEC;
  const startedAt = Math.max(...facts.fpm.masters.map((m) => m.startedAt));
  if (!Number.isFinite(startedAt)) {
    return {
      key: 'restart',
      value: { errorsAfterStart: 0, errorsBeforeStart: 0, masterStartedInWindow: false },
      evidence: [],
    };
  }
  const errors = fpmWebErrors(facts).filter((e) => RESTART_KINDS.has(e.kind));
  const after = errors.filter(
    (e) => e.time >= startedAt - RESTART_GAP_SEC && e.time <= startedAt + windowSec,
  );
  const before = errors.filter((e) => e.time < startedAt - RESTART_GAP_SEC);
  const masterStartedInWindow = inWindow(facts, startedAt);
  const off = facts.clock.utcOffsetMin;
  const newest = facts.fpm.masters.find((m) => m.startedAt === startedAt)!;
  const evidence: Evidence[] = [];
  if (masterStartedInWindow) {
    evidence.push({
      source: 'ps',
      text: `ps: FPM master ${newest.pid} (${newest.binary}) started at ${clockTime(startedAt, off)}`,
      time: startedAt,
    });
  }
  const grouped = (label: string, list: typeof errors) => {
    const byText = new Map<string, number[]>();
    for (const e of list) byText.set(webErrorMessage(e), [...(byText.get(webErrorMessage(e)) ?? []), e.time]);
    for (const [text, times] of byText) {
      evidence.push({
        source: list[0]!.server,
        text: `${label}: ${text} ${occurrences(times, off)}`,
        time: Math.min(...times),
      });
    }
  };
  if (after.length > 0) grouped('around the start', after);
  if (before.length > 0) grouped('before the start', before);
  return {
    key: 'restart',
    value: { errorsAfterStart: after.length, errorsBeforeStart: before.length, masterStartedInWindow },
    evidence: capEvidence(evidence),
  };
}
