/**
 * POST /alerts/alertmanager, /alerts/grafana, /alerts/generic: served by the Slack app's HTTP
 * server (Bolt customRoutes) beside /slack/events.
 *   404  alerts are not configured (no ALERT_WEBHOOK_TOKEN): never open without a token
 *   401  no bearer token, or a wrong one
 *   413  body over the limit;  400  not JSON or not the endpoint's format (every bad field named)
 *   503  Redis cannot take the alerts now (the sender retries: nothing is lost)
 *   202  every alert counted; triage, Slack and SSH happen after the answer
 * A refused request changes nothing: nothing is counted, queued or posted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from '../http/metrics.js';
import type { Route } from '../http/routes.js';
import { redact } from '../redact/redact.js';
import { ERROR_CODES } from '../util/error-codes.js';
import type { Logger } from '../util/logger.js';
import { bearerMatches } from './bearer.js';
import { AlertBodyTooLargeError, AlertPayloadError } from './errors.js';
import type { IntakeSummary } from './intake.js';
import { parseAlertPayload, parseJsonBody } from './parse-payload.js';
import { readBody } from './read-body.js';
import { ALERT_SOURCES, type AlertSource, type NormalizedAlert } from './types.js';

/** Alertmanager's default max_alerts is unlimited: a big group of verbose alerts fits well within. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface WebhookDeps {
  /** Undefined: alerts are not configured, every endpoint answers 404 saying so. */
  token: string | undefined;
  ingest?: (source: AlertSource, alerts: NormalizedAlert[]) => Promise<IntakeSummary>;
  metrics: Metrics;
  logger: Logger;
  bodyLimit?: number;
}

function json(res: ServerResponse, status: number, body: Record<string, unknown>, extra = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extra });
  res.end(`${JSON.stringify(body)}\n`);
}

export function alertRoutes(deps: WebhookDeps): Route[] {
  const limit = deps.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const handler = (source: AlertSource) => async (req: IncomingMessage, res: ServerResponse) => {
    const outcome = (o: string) => deps.metrics.alertRequests.inc({ source, outcome: o });
    if (deps.token === undefined || !deps.ingest) {
      outcome('not-configured');
      req.resume();
      return json(res, 404, {
        error: 'alerts are not configured on this fpm-medic: set ALERT_WEBHOOK_TOKEN (docs/alerts.md)',
      });
    }
    if (!bearerMatches(req.headers.authorization, deps.token)) {
      outcome('unauthorized');
      req.resume();
      return json(
        res,
        401,
        { error: 'missing or wrong bearer token (Authorization: Bearer $ALERT_WEBHOOK_TOKEN)' },
        { 'www-authenticate': 'Bearer realm="fpm-medic alerts"' },
      );
    }
    let alerts: NormalizedAlert[];
    try {
      alerts = parseAlertPayload(source, parseJsonBody(await readBody(req, limit)));
    } catch (err) {
      if (err instanceof AlertBodyTooLargeError) {
        outcome('too-large');
        // Close rather than drain a body we refuse to read.
        res.setHeader('connection', 'close');
        return json(res, ERROR_CODES.ALERT_BODY_TOO_LARGE.http, { error: err.message });
      }
      if (err instanceof AlertPayloadError) {
        outcome('invalid');
        return json(res, ERROR_CODES.ALERT_PAYLOAD_INVALID.http, {
          error: 'invalid alert payload',
          problems: err.problems.map((p) => redact(p)),
        });
      }
      outcome('error');
      deps.logger.warn({ err, source }, 'alert webhook: could not read the request');
      return json(res, 400, { error: 'could not read the request body' });
    }
    try {
      const summary = await deps.ingest(source, alerts);
      outcome('accepted');
      return json(res, 202, { accepted: summary.alerts, ...summary });
    } catch (err) {
      outcome('unavailable');
      deps.logger.warn(
        { err, source, alerts: alerts.length },
        'alert webhook: Redis could not take the alerts',
      );
      return json(res, 503, { error: 'the alert state is unavailable (Redis); retry shortly' });
    }
  };
  return ALERT_SOURCES.map((source) => ({
    path: `/alerts/${source}`,
    method: 'POST',
    handler: handler(source),
  }));
}
