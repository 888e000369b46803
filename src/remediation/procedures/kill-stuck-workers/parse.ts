/** kill-stuck-workers.sh `kill`: what happened to each named worker. */
import type { Section } from '../../../probes/sections.js';
import { decimal, num } from '../steps/parse-common.js';

export type SkipReason = 'gone' | 'not-a-worker' | 'restarted' | 'moved-on' | 'survived' | 'error';

export type WorkerOutcome =
  | { pid: number; result: 'killed'; signal: 'TERM' | 'KILL'; ms: number }
  | {
      pid: number;
      result: 'skipped';
      reason: SkipReason;
      /** restarted / moved-on: when the process now there started (epoch seconds). */
      started?: number;
      /** not-a-worker: its parent and title now. */
      ppid?: number;
      title?: string;
      detail?: string;
    };

const REASONS = new Set<SkipReason>(['gone', 'not-a-worker', 'restarted', 'moved-on', 'survived', 'error']);

export function parseKill(sections: readonly Section[]): WorkerOutcome[] {
  const out: WorkerOutcome[] = [];
  for (const s of sections) {
    if (s.kind !== 'section' || s.name !== 'worker') continue;
    const pid = num(s.attrs['pid']);
    if (pid === undefined) continue;
    if (s.attrs['result'] === 'killed') {
      out.push({
        pid,
        result: 'killed',
        signal: s.attrs['signal'] === 'KILL' ? 'KILL' : 'TERM',
        ms: num(s.attrs['ms']) ?? 0,
      });
      continue;
    }
    const reason = s.attrs['reason'] as SkipReason;
    const skipped: WorkerOutcome = {
      pid,
      result: 'skipped',
      reason: REASONS.has(reason) ? reason : 'error',
    };
    const started = decimal(s.attrs['started']);
    if (started !== undefined) skipped.started = started;
    const ppid = num(s.attrs['ppid']);
    if (ppid !== undefined) skipped.ppid = ppid;
    if (s.attrs['title'] !== undefined) skipped.title = s.attrs['title'];
    if (s.attrs['detail'] !== undefined) skipped.detail = s.attrs['detail'];
    out.push(skipped);
  }
  return out;
}
