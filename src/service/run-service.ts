import { Redis } from 'ioredis';
import { AuditLog, auditLogPath } from '../audit/index.js';
import { readEnv } from '../config/env.js';
import { loadInventory } from '../config/inventory.js';
import { Metrics } from '../http/metrics.js';
import { healthRoutes } from '../http/routes.js';
import { CachedGroupMembership, loadPolicy, SlackHomeWorkspace } from '../policy/policy.js';
import { createQueues, startDiagnosisWorker, type WorkerTimings } from '../queue/index.js';
import { loadRunbooks, runbookDirsFromEnv } from '../runbooks/index.js';
import { createSlackApp } from '../slack/app.js';
import { ChannelWebClient } from '../slack/channel-client.js';
import { explainStartError } from '../slack/start-error.js';
import { RedisDiscoveryCache } from '../store/discovery-cache.js';
import { ReportStore } from '../store/report-store.js';
import { logger } from '../util/logger.js';
import { type AlertServiceDeps, checkAlertsConfigured, createAlertService } from './alert-service.js';
import { answerAskers, processDiagnosis } from './diagnosis-jobs.js';
import { startRemediation } from './remediation-service.js';

export interface ServiceRoles {
  /** The Slack app and the HTTP endpoints (`fpm-medic serve`). */
  slack: boolean;
  /** BullMQ workers (`fpm-medic worker`, or `serve --worker` for one process). */
  worker: boolean;
}

export interface RunningService {
  port?: number;
  stop(): Promise<void>;
}

const GROUP_MEMBERSHIP_TTL_MS = 5 * 60_000;
const DEFAULT_WINDOW_SEC = 15 * 60;

/**
 * Starts the roles asked for. Everything that can be wrong in the configuration (environment,
 * inventory, runbooks, policy) is checked before anything listens or takes a job.
 */
export interface ServiceOptions {
  /** Shorter stall detection for tests that kill a worker (production keeps the defaults). */
  workerTimings?: Partial<WorkerTimings>;
  /** Faster alert polling and debounce for tests and the bench. */
  alertTuning?: AlertServiceDeps['tuning'];
}

export async function runService(
  roles: ServiceRoles,
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: ServiceOptions = {},
): Promise<RunningService> {
  const e = readEnv(env, { slack: roles.slack });
  const inventory = await loadInventory(e.FPM_MEDIC_INVENTORY!);
  const runbooks = await loadRunbooks({ extraDirs: runbookDirsFromEnv(env as NodeJS.ProcessEnv) });
  const metrics = new Metrics();
  const slack = new ChannelWebClient(e.SLACK_BOT_TOKEN, {
    ...(e.SLACK_API_URL ? { slackApiUrl: e.SLACK_API_URL } : {}),
    onFailure: (method, error) => metrics.slackFailures.inc({ method, error }),
  });
  // The app's own workspace, for rules that name nobody: the bot token's, as Slack says (unless
  // the policy names it). Asked when a rule first needs it (commands are acknowledged before any
  // policy check, so that one round trip costs nobody a timeout); a Slack outage only delays it.
  const home = new SlackHomeWorkspace(async () => {
    const res = await slack.auth.test();
    return [res.team_id, res.enterprise_id];
  });
  const policy = await loadPolicy(e.FPM_MEDIC_POLICY, {
    inventory: { hosts: inventory.hosts.keys(), groups: inventory.groups.keys() },
    runbookIds: runbooks.map((r) => r.id),
    home,
  });
  if (roles.slack) checkAlertsConfigured(e.ALERT_WEBHOOK_TOKEN, policy);
  const redis = new Redis(e.REDIS_URL, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    lazyConnect: false,
  });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis'));
  const store = new ReportStore(redis, e.FPM_MEDIC_QUEUE_PREFIX);
  // Every worker shares what one of them dumped; an approved action drops the host's entry.
  const discoveryCache = new RedisDiscoveryCache(redis, e.FPM_MEDIC_QUEUE_PREFIX);
  const runbookUrl = e.FPM_MEDIC_RUNBOOK_URL
    ? (id: string) => `${e.FPM_MEDIC_RUNBOOK_URL!.replace(/\/$/, '')}/${id}.md`
    : undefined;
  const stops: (() => Promise<unknown>)[] = [];
  const result: RunningService = {
    async stop() {
      // Reverse order: stop taking work first, then let running jobs finish, then disconnect.
      for (const stop of stops.reverse())
        await stop().catch((err) => logger.warn({ err }, 'shutdown step failed'));
    },
  };
  // One writer per process, shared by both roles; closed last, after the work that writes to it.
  const auditPath = auditLogPath(env);
  const audit = new AuditLog(auditPath, {
    onError: (err) => logger.error({ err: err.message, path: auditPath }, 'audit log write failed'),
  });
  stops.push(() => audit.close());
  stops.push(() => redis.quit());
  const membership = new CachedGroupMembership(async (group) => {
    const res = await slack.usergroups.users.list({ usergroup: group });
    return res.users ?? [];
  }, GROUP_MEMBERSHIP_TTL_MS);
  // Approvals are asked for and given in serve; approved actions run on workers.
  const remediation = startRemediation({
    ...{ redisUrl: e.REDIS_URL, redis, prefix: e.FPM_MEDIC_QUEUE_PREFIX, inventory, policy, membership },
    ...{
      audit,
      store,
      slack,
      logger,
      metrics,
      discoveryCache,
      worker: roles.worker,
      concurrency: e.FPM_MEDIC_WORKER_CONCURRENCY,
    },
    ...(options.workerTimings ? { workerTimings: options.workerTimings } : {}),
  });
  stops.push(() => remediation.close());

  if (roles.worker) {
    const deps = {
      inventory,
      runbooks,
      store,
      metrics,
      logger,
      slack,
      audit,
      approvalsEnabled: remediation.enabledActions.length > 0,
      enabledActions: remediation.enabledActions,
      onAlertReport: remediation.onAlertReport,
      discoveryCache,
      ...(runbookUrl ? { runbookUrl } : {}),
    };
    const worker = startDiagnosisWorker({
      connection: e.REDIS_URL,
      prefix: e.FPM_MEDIC_QUEUE_PREFIX,
      concurrency: e.FPM_MEDIC_WORKER_CONCURRENCY,
      process: processDiagnosis(deps),
      onDone: answerAskers(deps),
      onError: (err) => logger.warn({ err: err.message }, 'worker'),
      ...(options.workerTimings ? { timings: options.workerTimings } : {}),
    });
    stops.push(() => worker.close({ graceMs: 25_000 }));
  }

  if (roles.slack) {
    const queue = createQueues({
      connection: e.REDIS_URL,
      prefix: e.FPM_MEDIC_QUEUE_PREFIX,
      onError: (err) => logger.warn({ err: err.message }, 'queue'),
    });
    stops.push(() => queue.close());
    // POST /alerts/*: routes beside /slack/events; the alert worker runs in every serve process.
    const alerts = createAlertService({
      ...{ token: e.ALERT_WEBHOOK_TOKEN, policy, inventory, queue, audit, metrics, logger },
      ...{ redisUrl: e.REDIS_URL, prefix: e.FPM_MEDIC_QUEUE_PREFIX, slackToken: e.SLACK_BOT_TOKEN! },
      ...(e.SLACK_API_URL ? { slackApiUrl: e.SLACK_API_URL } : {}),
      ...(options.alertTuning ? { tuning: options.alertTuning } : {}),
    });
    stops.push(() => alerts.stop());
    const app = createSlackApp({
      botToken: e.SLACK_BOT_TOKEN!,
      ...(e.SLACK_SIGNING_SECRET ? { signingSecret: e.SLACK_SIGNING_SECRET } : {}),
      ...(e.SLACK_APP_TOKEN ? { appToken: e.SLACK_APP_TOKEN } : {}),
      ...(e.SLACK_API_URL ? { apiUrl: e.SLACK_API_URL } : {}),
      port: e.PORT,
      routes: [...healthRoutes({ redis, metrics, queueAvailable: () => queue.available }), ...alerts.routes],
      inventory,
      policy,
      membership,
      remediation,
      queue,
      store,
      metrics,
      logger,
      audit,
      defaultWindowSec: DEFAULT_WINDOW_SEC,
    });
    try {
      await app.start(e.PORT);
    } catch (err) {
      // Nothing started so far may outlive a start that failed: the process would hang on it.
      await app.stop().catch(() => {});
      await result.stop();
      throw explainStartError(err, Boolean(e.SLACK_APP_TOKEN));
    }
    stops.push(() => app.stop());
    result.port = e.PORT;
    logger.info({ port: e.PORT, socketMode: Boolean(e.SLACK_APP_TOKEN) }, 'fpm-medic serve listening');
  }
  return result;
}
