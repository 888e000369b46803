/**
 * Shared pieces of the action scripts' output protocol (commands/actions/lib/actions.sh): numbers
 * in attributes, process lines, and the @@error sections a script prints when it cannot act.
 */
import type { Section } from '../../../probes/sections.js';

/** A process that survives pid reuse: the pid plus its start time in clock ticks since boot. */
export interface ProcRef {
  pid: number;
  ticks: number;
}

export interface WorkerRef extends ProcRef {
  pool: string;
}

export interface MasterRef extends ProcRef {
  /** The config as the master's title shows it. */
  config: string;
}

export function num(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number(value);
}

export function decimal(value: string | undefined): number | undefined {
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

export function lines(body: string): string[] {
  return body.split('\n').filter((l) => l.trim() !== '');
}

/** "PID TICKS POOL" lines (fa_workers). */
export function parseWorkerLines(body: string): WorkerRef[] {
  const out: WorkerRef[] = [];
  for (const line of lines(body)) {
    const m = /^(\d+) (\d+) (\S+)$/.exec(line.trim());
    if (m) out.push({ pid: Number(m[1]), ticks: Number(m[2]), pool: m[3]! });
  }
  return out;
}

/** "PID TICKS CONFIG" lines (fa_masters). */
export function parseMasterLines(body: string): MasterRef[] {
  const out: MasterRef[] = [];
  for (const line of lines(body)) {
    const m = /^(\d+) (\d+) (.+)$/.exec(line.trim());
    if (m) out.push({ pid: Number(m[1]), ticks: Number(m[2]), config: m[3]! });
  }
  return out;
}

/** The first @@error section's detail, "reason: detail", when the script reported one. */
export function scriptProblem(sections: readonly Section[], names?: readonly string[]): string | undefined {
  const e = sections.find((s) => s.kind === 'error' && (!names || names.includes(s.name)));
  if (!e) return undefined;
  const detail = e.body.trim().split('\n')[0] ?? '';
  return detail || `${e.name}: ${e.attrs['reason'] ?? 'error'}`;
}

/** The output lines a command printed, as the script copied them (defused "@@" lines restored). */
export function outputLines(body: string): string[] {
  return lines(body).map((l) => (l.startsWith(' @@') ? l.slice(1) : l));
}
