import { isGatewayError } from '../analysis/web-errors.js';
import { fpmWebErrors } from '../analysis/web-log.js';
import type { HostFacts } from '../facts/types.js';
import type { Finding } from '../runbooks/index.js';

/**
 * The verdict follows the users: while the web server answers 502/503/504 for FPM in the window, a
 * report that found anything at all is critical, whichever finding explains the errors (a config
 * risk that turned into failures is no longer "a risk"). A config finding with no such error stays
 * what its runbook says. A report with no finding is not judged here.
 */
export function usersFailingWith(findings: readonly Pick<Finding, 'severity'>[], facts: HostFacts): boolean {
  if (!findings.some((f) => f.severity !== 'info')) return false;
  return fpmWebErrors(facts).some(isGatewayError);
}
