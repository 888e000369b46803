/**
 * The alert side of `fpm-medic serve`: the webhook routes and, when alerts are configured, the
 * Redis state and the worker that posts threads and queues triages. Built by run-service.
 */
import type { Redis } from 'ioredis';
import { alertsBase } from '../alerts/alert-keys.js';
import { AlertState, type AlertStateTimings } from '../alerts/alert-state.js';
import { AlertConfigError } from '../alerts/errors.js';
import { buildHostIndex } from '../alerts/host-mapping.js';
import { ingestAlerts } from '../alerts/intake.js';
import { alertRoutes } from '../alerts/webhook-routes.js';
import type { AuditLog } from '../audit/index.js';
import type { Inventory } from '../config/inventory.js';
import type { Metrics } from '../http/metrics.js';
import type { Route } from '../http/routes.js';
import { type AlertRouting, alertRoutingOf } from '../policy/alert-routing.js';
import type { Policy } from '../policy/policy.js';
import { producerClient } from '../queue/connection.js';
import type { DiagnosisQueues } from '../queue/index.js';
import { ChannelWebClient } from '../slack/channel-client.js';
import type { Logger } from '../util/logger.js';
import { type AlertWorker, startAlertWorker } from './alert-worker.js';

export interface AlertServiceDeps {
  /** ALERT_WEBHOOK_TOKEN; undefined leaves the endpoints answering "not configured". */
  token: string | undefined;
  policy: Policy;
  inventory: Inventory;
  redisUrl: string;
  prefix: string;
  slackToken: string;
  slackApiUrl?: string;
  queue: DiagnosisQueues;
  audit: AuditLog;
  metrics: Metrics;
  logger: Logger;
  /** Tests and the bench: faster polling, shorter debounce. */
  tuning?: Partial<AlertStateTimings> & { pollMs?: number };
}

export interface AlertService {
  routes: Route[];
  /** Whether alerts are accepted (a token and a policy alerts section). */
  enabled: boolean;
  stop(): Promise<void>;
}

const DAY_SEC = 24 * 3600;

/** Resolves once the client is ready, or rejects after `ms` (the caller answers 503). */
function connected(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready (${redis.status})`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * Start-up check: a token without a policy `alerts` section would accept alerts it cannot post
 * anywhere, so `serve` refuses to start (before anything listens) and says what to add.
 */
export function checkAlertsConfigured(token: string | undefined, policy: Policy): AlertRouting | undefined {
  if (token === undefined) return undefined;
  const routing = alertRoutingOf(policy);
  if (routing) return routing;
  throw new AlertConfigError(
    policy.file
      ? `ALERT_WEBHOOK_TOKEN is set but the policy ${policy.file} has no alerts section: add alerts.defaultChannel (docs/alerts.md), or unset the token`
      : 'ALERT_WEBHOOK_TOKEN is set but there is no policy file (FPM_MEDIC_POLICY) with an alerts section saying where alerts go (docs/alerts.md)',
  );
}

export function createAlertService(deps: AlertServiceDeps): AlertService {
  const base = { metrics: deps.metrics, logger: deps.logger };
  const routing = checkAlertsConfigured(deps.token, deps.policy);
  if (deps.token === undefined || !routing) {
    return { routes: alertRoutes({ ...base, token: undefined }), enabled: false, stop: async () => {} };
  }
  const { pollMs, ...tuning } = deps.tuning ?? {};
  const timings: AlertStateTimings = {
    windowSec: routing.windowSec,
    gatherMs: routing.gatherMs,
    // Slack allows about one message per second per channel: a storm's counts refresh every 5 s.
    debounceMs: 5_000,
    retainSec: Math.max(2 * routing.windowSec, DAY_SEC),
    leaseMs: 60_000,
    gatherMarginMs: 250,
    ...tuning,
  };
  // Fails fast while Redis is away: the webhook answers 503 and the sender retries.
  const redis = producerClient(deps.redisUrl, 2_000);
  redis.on('error', (err) => deps.logger.debug({ err: err.message }, 'alert state redis'));
  const state = new AlertState(redis, alertsBase(deps.prefix), timings);
  const index = buildHostIndex(deps.inventory);
  // Few, quick retries: a work item stuck in Slack's back-off would outlive its lease.
  // A lane per channel: one storm's pacing and 429s hold only its own channel. Few, quick retries
  // (a 429's wait uses one too): a work item stuck in back-off would outlive its lease.
  const slack = new ChannelWebClient(deps.slackToken, {
    ...(deps.slackApiUrl ? { slackApiUrl: deps.slackApiUrl } : {}),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    onFailure: (method, error) => deps.metrics.slackFailures.inc({ method, error }),
  });
  const worker: AlertWorker = startAlertWorker({
    state,
    routing,
    inventory: deps.inventory,
    slack,
    queue: deps.queue,
    audit: deps.audit,
    metrics: deps.metrics,
    logger: deps.logger,
    ready: new Promise<void>((resolve) =>
      redis.status === 'ready' ? resolve() : redis.once('ready', resolve),
    ),
    ...(pollMs !== undefined ? { pollMs } : {}),
  });
  const routes = alertRoutes({
    ...base,
    token: deps.token,
    ingest: async (source, alerts) => {
      // Just started, or reconnecting: a short wait beats a 503 the sender must retry.
      await connected(redis, 2_000);
      return ingestAlerts(source, alerts, {
        state,
        routing,
        index,
        inventory: deps.inventory,
        metrics: deps.metrics,
      });
    },
  });
  return {
    routes,
    enabled: true,
    async stop() {
      await worker.stop();
      redis.disconnect();
    },
  };
}
