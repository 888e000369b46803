import type { ReportVerdict } from '../../report/host-report.js';
import type { Severity } from '../../runbooks/index.js';

export const VERDICT_EMOJI: Record<ReportVerdict, string> = {
  critical: ':red_circle:',
  unknown: ':white_circle:',
  warning: ':large_yellow_circle:',
  healthy: ':large_green_circle:',
};

export const SEVERITY_EMOJI: Record<Severity, string> = {
  critical: ':red_circle:',
  warning: ':large_yellow_circle:',
  info: ':large_blue_circle:',
};

/**
 * Worst first. "unknown" ranks above warning: a host we could not look at may be the one that is
 * down, and a warning is by definition not an outage.
 */
export const VERDICT_ORDER: Record<ReportVerdict, number> = {
  critical: 0,
  unknown: 1,
  warning: 2,
  healthy: 3,
};
