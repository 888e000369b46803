/**
 * The remediation side of a running service: the approval flow (both roles: the Slack app asks and
 * approves, a worker auto-remediates alert reports) and, on workers, the remediate queue's
 * consumer that runs approved requests.
 */

import type { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/index.js';
import type { Inventory } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import type { Policy } from '../policy/access-policy.js';
import type { GroupMembership } from '../policy/membership.js';
import type { DiscoveryCache } from '../probes/discovery-cache.js';
import type { WorkerTimings } from '../queue/index.js';
import { Approvals } from '../remediation/approvals.js';
import { type AlertReportContext, autoRemediate } from '../remediation/auto.js';
import { type ExecuteDeps, executeRequest } from '../remediation/execute.js';
import { ActionGuards } from '../remediation/guards.js';
import { runProcedure } from '../remediation/procedures/index.js';
import { createRemediationQueue, startRemediationWorker } from '../remediation/queue.js';
import { FINAL_STATES } from '../remediation/request.js';
import { RequestStore } from '../remediation/request-store.js';
import { ACTION_IDS, type ActionId } from '../runbooks/ids.js';
import { slackRequestNotifier } from '../slack/remediation-handlers.js';
import type { ReportStore } from '../store/report-store.js';
import { createTransport } from '../transport/factory.js';
import type { Logger } from '../util/logger.js';

export interface RemediationServiceDeps {
  redisUrl: string;
  redis: Redis;
  prefix: string;
  inventory: Inventory;
  policy: Policy;
  membership: GroupMembership;
  audit: AuditLog;
  store: ReportStore;
  slack: WebClient;
  logger: Logger;
  metrics: Metrics;
  /** Dropped for a host once an action ran there: its next diagnosis dumps afresh. */
  discoveryCache?: DiscoveryCache;
  worker: boolean;
  concurrency?: number;
  workerTimings?: Partial<WorkerTimings>;
}

export interface RemediationService {
  approvals: Approvals;
  requests: RequestStore;
  /** Actions the policy lets someone approve: their buttons say so. */
  enabledActions: ActionId[];
  /** For the diagnosis worker: what an alert-triggered report may fix on its own. */
  onAlertReport: (ctx: AlertReportContext) => Promise<void>;
  close(): Promise<void>;
}

export function startRemediation(deps: RemediationServiceDeps): RemediationService {
  const requests = new RequestStore(deps.redis, deps.prefix);
  const guards = new ActionGuards(deps.redis, deps.prefix);
  const queue = createRemediationQueue({
    connection: deps.redisUrl,
    prefix: deps.prefix,
    onError: (err) => deps.logger.warn({ err: err.message }, 'remediate queue'),
  });
  const approvals = new Approvals({
    inventory: deps.inventory,
    policy: deps.policy,
    membership: deps.membership,
    requests,
    guards,
    audit: deps.audit,
    enqueue: (id) => queue.enqueue(id),
  });
  const notify = slackRequestNotifier(deps.slack, requests);

  let worker: { close(): Promise<void> } | undefined;
  if (deps.worker) {
    const executeDeps: ExecuteDeps = {
      inventory: deps.inventory,
      policy: deps.policy,
      requests,
      guards,
      audit: deps.audit,
      runProcedure,
      transportFor: (host) => createTransport(host),
      addHistory: (entry) => deps.store.addHistory(entry),
      ...(deps.discoveryCache ? { discoveryCache: deps.discoveryCache } : {}),
      notify: async (request) => {
        if (FINAL_STATES.has(request.state))
          deps.metrics.actions.inc({ action: request.action, state: request.state });
        await notify(request).catch((err) => deps.logger.warn({ err }, 'could not post an action update'));
      },
    };
    worker = startRemediationWorker({
      connection: deps.redisUrl,
      prefix: deps.prefix,
      concurrency: deps.concurrency ?? 4,
      process: (id, signal) => executeRequest(id, executeDeps, { signal }),
      onAbandoned: (id) => executeRequest(id, executeDeps),
      onError: (err) => deps.logger.warn({ err: err.message }, 'remediate worker'),
      ...(deps.workerTimings ? { timings: deps.workerTimings } : {}),
    });
  }

  return {
    approvals,
    requests,
    enabledActions: ACTION_IDS.filter((a) => deps.policy.approvalSettings(a) !== undefined),
    async onAlertReport(ctx) {
      const done = await autoRemediate(ctx, {
        inventory: deps.inventory,
        policy: deps.policy,
        approvals,
        post: notify,
      });
      if (done.length) deps.logger.info({ host: ctx.report.host, done }, 'auto-remediation');
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
