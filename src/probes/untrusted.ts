import type { ProcessInfo } from '../facts/types.js';

/**
 * Processes discovery ignored (a title claiming to be a master, run by another user or from a
 * binary another user can write: docs/security.md) and their children are nobody's FPM or web
 * server: their role becomes 'other', so they are never counted as masters, workers of a pool,
 * web listeners or memory used by FPM.
 */
export function distrustProcesses(
  processes: readonly ProcessInfo[],
  ignored: ReadonlySet<number>,
): ProcessInfo[] {
  if (ignored.size === 0) return [...processes];
  return processes.map((p) => {
    if (!ignored.has(p.pid) && !ignored.has(p.ppid)) return p;
    const { pool: _pool, ...rest } = p;
    return { ...rest, role: 'other' };
  });
}
