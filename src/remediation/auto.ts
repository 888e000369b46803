/**
 * Auto-remediation for alert-triggered diagnoses (DESIGN.md rule 3): off unless the policy's
 * `autoRemediation` lists the runbook, the action and the host's environment. It goes through the
 * same path as a click — request, approval (by the policy entry instead of a person), cooldown,
 * blast radius, audit — so the only thing it skips is the wait for a human.
 */

import type { Inventory } from '../config/inventory.js';
import type { Policy } from '../policy/access-policy.js';
import type { HostReport } from '../report/host-report.js';
import type { ActionId } from '../runbooks/ids.js';
import type { Approvals, ApproveOutcome } from './approvals.js';
import type { ActionRequest } from './request.js';

export interface AutoRemediationDeps {
  inventory: Inventory;
  policy: Policy;
  approvals: Approvals;
  /** Posts the request in the thread before it is approved, as a click would. */
  post: (request: ActionRequest) => Promise<void>;
}

export interface AlertReportContext {
  reportId: string;
  report: HostReport;
  channelId: string;
  threadTs: string;
}

export const AUTO_ACTOR = 'auto';

/** Returns what was done per action, for logs and tests; nothing when the policy opts nothing in. */
export async function autoRemediate(
  ctx: AlertReportContext,
  deps: AutoRemediationDeps,
): Promise<
  {
    action: ActionId;
    runbook: string;
    outcome: ApproveOutcome | { kind: 'exists' | 'refused'; reason?: string };
  }[]
> {
  const host = deps.inventory.hosts.get(ctx.report.host);
  if (!host) return [];
  const done: Awaited<ReturnType<typeof autoRemediate>> = [];
  // Root cause or symptom: the opt-in names the runbook, and FPM down needs starting whatever
  // brought it down (an OOM kill of the master explains fpm-down, and still leaves it down).
  for (const finding of ctx.report.findings) {
    const allowed = deps.policy.autoRemediation(finding.runbook, host);
    for (const action of finding.actions.filter((a) => allowed.includes(a))) {
      const { workers } = finding;
      const actor = { userId: AUTO_ACTOR, channelId: ctx.channelId };
      const asked = await deps.approvals.ask(
        {
          actor,
          source: 'alert',
          action,
          runbook: finding.runbook,
          target: host.name,
          hosts: [
            {
              host: host.name,
              reportId: ctx.reportId,
              reportAt: Date.parse(ctx.report.collectedAt),
              ...(workers?.length ? { workers } : {}),
            },
          ],
          threadTs: ctx.threadTs,
        },
        { rule: `autoRemediation: ${finding.runbook} -> ${action}` },
      );
      if (asked.kind !== 'created') {
        done.push({ action, runbook: finding.runbook, outcome: asked });
        continue;
      }
      await deps.post(asked.request);
      const outcome = await deps.approvals.approve(asked.request.id, actor, {
        rule: `autoRemediation: ${finding.runbook} -> ${action}`,
      });
      done.push({ action, runbook: finding.runbook, outcome });
    }
  }
  return done;
}
