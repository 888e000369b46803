/**
 * The acting phases: fpm-reload.sh `reload` (with the state taken right before it) and
 * fpm-start.sh `start`. Both print "@@section reload|start method= rc= ms= [unit=]" and the
 * command's output.
 */
import type { Section } from '../../../probes/sections.js';
import { num, outputLines, parseWorkerLines, scriptProblem, type WorkerRef } from './parse-common.js';

export interface CommandRun {
  method: 'command' | 'systemd' | 'signal' | 'binary';
  unit?: string;
  /** The command's exit code; 124 = cut off at its limit. */
  rc: number;
  ms: number;
  output: string[];
}

export interface BeforeReload {
  masterPid: number;
  masterTicks: number;
  /** Bytes in FPM's error log before the reload: the verification reads what comes after. */
  logSize: number;
  workers: WorkerRef[];
}

const METHODS = new Set(['command', 'systemd', 'signal', 'binary']);

export function parseCommandRun(
  sections: readonly Section[],
  name: 'reload' | 'start',
): CommandRun | undefined {
  const s = sections.find((x) => x.kind === 'section' && x.name === name);
  const method = s?.attrs['method'];
  if (!s || !method || !METHODS.has(method)) return undefined;
  const run: CommandRun = {
    method: method as CommandRun['method'],
    rc: num(s.attrs['rc']) ?? 1,
    ms: num(s.attrs['ms']) ?? 0,
    output: outputLines(s.body),
  };
  if (s.attrs['unit']) run.unit = s.attrs['unit'];
  return run;
}

export interface ReloadRun {
  before?: BeforeReload;
  run?: CommandRun;
  /** The script refused (the pid is no FPM master) or printed nothing. */
  problem?: string;
}

export function parseReloadRun(sections: readonly Section[]): ReloadRun {
  const out: ReloadRun = {};
  const b = sections.find((x) => x.kind === 'section' && x.name === 'before');
  if (b) {
    out.before = {
      masterPid: num(b.attrs['master']) ?? 0,
      masterTicks: num(b.attrs['ticks']) ?? 0,
      logSize: num(b.attrs['log-size']) ?? 0,
      workers: parseWorkerLines(b.body),
    };
  }
  const run = parseCommandRun(sections, 'reload');
  if (run) out.run = run;
  if (!run) out.problem = scriptProblem(sections) ?? 'the reload step printed nothing';
  return out;
}
