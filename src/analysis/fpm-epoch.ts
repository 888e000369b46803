/**
 * Which FPM the evidence belongs to. Logs and the kernel remember earlier masters: a worker the
 * OOM killer took before the running master started, or before FPM was last stopped cleanly, did
 * not cause what is wrong now. That evidence is history: shown as such, never a cause.
 */
import type { FpmLogEvent, HostFacts } from '../facts/types.js';

/** ps rounds a start time to the second, and FPM logs its first lines in the second it starts. */
const START_SLACK_SEC = 2;

export interface CleanStop {
  /** When FPM logged "exiting, bye-bye!". */
  at: number;
  /** What asked for it, from the line before: "Terminating ..." (SIGTERM/SIGINT) or "Finishing ..." (SIGQUIT). */
  signal: string;
  text: string;
}

export interface FpmEpoch {
  /** Evidence older than this is history; undefined: nothing tells (all of the window counts). */
  since?: number;
  /** No master runs and FPM's log ends with a clean shutdown. */
  cleanStop?: CleanStop;
}

function stopSignal(terminating: FpmLogEvent | undefined): string {
  if (!terminating) return '';
  if (/^Finishing/.test(terminating.text.replace(/^.*?NOTICE: /, ''))) return 'SIGQUIT';
  return 'SIGTERM or SIGINT';
}

/** A clean shutdown is the last thing FPM logged: nothing started after its "exiting, bye-bye!". */
export function lastCleanStop(facts: HostFacts): CleanStop | undefined {
  const log = facts.fpmLog;
  let exit = -1;
  for (let i = log.length - 1; i >= 0; i--) {
    const e = log[i]!;
    if (e.kind === 'exiting') {
      exit = i;
      break;
    }
    if (e.kind === 'ready' || e.kind === 'child-started' || e.kind === 'reloading') return undefined;
  }
  if (exit < 0) return undefined;
  const exiting = log[exit]!;
  let terminating: FpmLogEvent | undefined;
  for (let i = exit - 1; i >= 0 && log[i]!.time >= exiting.time - 60; i--) {
    if (log[i]!.kind === 'terminating') {
      terminating = log[i];
      break;
    }
  }
  return { at: exiting.time, signal: stopSignal(terminating), text: terminating?.text ?? exiting.text };
}

export function fpmEpoch(facts: HostFacts): FpmEpoch {
  const masters = facts.fpm.masters;
  if (masters.length > 0) {
    return { since: Math.min(...masters.map((m) => m.startedAt)) - START_SLACK_SEC };
  }
  const cleanStop = lastCleanStop(facts);
  return cleanStop ? { since: cleanStop.at + 1, cleanStop } : {};
}

/** Before the running master started, or before FPM was last stopped cleanly. */
export function isHistory(epoch: FpmEpoch, time: number): boolean {
  return epoch.since !== undefined && time < epoch.since;
}
