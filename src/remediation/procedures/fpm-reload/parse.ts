/** fpm-reload.sh `state`: the master, every master and its workers, and FPM's log since the reload. */
import type { Section } from '../../../probes/sections.js';
import {
  type MasterRef,
  num,
  outputLines,
  parseMasterLines,
  parseWorkerLines,
  type WorkerRef,
} from '../steps/parse-common.js';

export interface MasterState {
  /** The pid the reload was sent to: still an FPM master? */
  master: { pid: number; alive: boolean; ticks?: number };
  masters: MasterRef[];
  /** Workers per master pid. */
  workers: Record<number, WorkerRef[]>;
  log: { readable: boolean; lines: string[] };
}

export function parseMasterState(sections: readonly Section[]): MasterState | undefined {
  const m = sections.find((x) => x.kind === 'section' && x.name === 'master');
  if (!m) return undefined;
  const state: MasterState = {
    master: { pid: num(m.attrs['pid']) ?? 0, alive: m.attrs['alive'] === '1' },
    masters: [],
    workers: {},
    log: { readable: false, lines: [] },
  };
  const ticks = num(m.attrs['ticks']);
  if (ticks !== undefined) state.master.ticks = ticks;
  for (const s of sections) {
    if (s.kind !== 'section') continue;
    if (s.name === 'masters') state.masters = parseMasterLines(s.body);
    if (s.name === 'workers') {
      const pid = num(s.attrs['master']);
      if (pid !== undefined) state.workers[pid] = parseWorkerLines(s.body);
    }
    if (s.name === 'log') state.log = { readable: s.attrs['readable'] === '1', lines: outputLines(s.body) };
  }
  return state;
}
