/**
 * Monitoring-plugin convention (DESIGN.md "CLI"), plus 64 for bad usage or a bad inventory. The
 * numbers live here, below every layer, because the error-code map names them for each code.
 */
export const EXIT = {
  ok: 0,
  warning: 1,
  critical: 2,
  unknown: 3,
  usage: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
