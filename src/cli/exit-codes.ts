/** Monitoring-plugin convention (DESIGN.md "CLI"), plus 64 for bad usage or a bad inventory. */
export const EXIT = {
  ok: 0,
  warning: 1,
  critical: 2,
  unknown: 3,
  usage: 64,
} as const;
