/**
 * The three webhook formats, as zod schemas. Unknown keys are ignored (senders add fields over
 * time); what fpm-medic reads is checked, with messages that say what was expected.
 */
import { z } from 'zod';
import { isAlertTime } from './alert-time.js';
import { FINGERPRINT_RE } from './fingerprint.js';

const MAX_LABELS = 100;
const MAX_KEY = 256;
const MAX_VALUE = 4096;
/** One delivery carries at most this many alerts (the body size limit bounds it too). */
export const MAX_ALERTS_PER_DELIVERY = 10_000;

const labelMap = (what: string) =>
  z
    .record(
      z
        .string()
        .min(1, { error: 'expected a non-empty name' })
        .max(MAX_KEY, { error: `expected at most ${MAX_KEY} characters` }),
      z.string({ error: `expected a string ${what} value` }).max(MAX_VALUE, {
        error: `expected at most ${MAX_VALUE} characters`,
      }),
      { error: `expected a map of ${what} name -> string` },
    )
    .refine((m) => Object.keys(m).length <= MAX_LABELS, { error: `expected at most ${MAX_LABELS} ${what}s` });

const status = z.enum(['firing', 'resolved'], { error: 'expected "firing" or "resolved"' });
const time = z
  .string({ error: 'expected an RFC 3339 time' })
  .refine(isAlertTime, { error: 'expected an RFC 3339 time such as 2026-11-21T03:41:00Z' });
const fingerprint = z
  .string({ error: 'expected a string' })
  .regex(FINGERPRINT_RE, { error: "expected 1-128 letters, digits, '.', '_', ':' or '-'" });
const url = z.string({ error: 'expected a URL string' }).max(MAX_VALUE);
const alertList = <T extends z.ZodType>(alert: T) =>
  z
    .array(alert, { error: 'expected a list of alerts' })
    .max(MAX_ALERTS_PER_DELIVERY, { error: `expected at most ${MAX_ALERTS_PER_DELIVERY} alerts` });

/** Alertmanager's webhook payload, version 4 (prometheus/alertmanager notify/webhook). */
export const alertmanagerPayload = z.object(
  {
    version: z.literal('4', { error: 'expected "4" (the Alertmanager webhook payload version)' }),
    groupKey: z.string({ error: 'expected a string' }),
    truncatedAlerts: z.int({ error: 'expected a whole number' }).min(0).optional(),
    status,
    receiver: z.string({ error: 'expected a string' }),
    groupLabels: labelMap('label'),
    commonLabels: labelMap('label'),
    commonAnnotations: labelMap('annotation'),
    externalURL: url,
    alerts: alertList(
      z.object(
        {
          status,
          labels: labelMap('label'),
          annotations: labelMap('annotation'),
          startsAt: time,
          endsAt: time,
          generatorURL: url,
          fingerprint,
        },
        { error: 'expected an alert object' },
      ),
    ),
  },
  { error: 'expected an Alertmanager webhook payload (a JSON object)' },
);

/** Grafana unified alerting's webhook contact point payload (version "1"). */
export const grafanaPayload = z.object(
  {
    receiver: z.string({ error: 'expected a string' }),
    status,
    orgId: z.number({ error: 'expected a number' }).optional(),
    version: z.string({ error: 'expected a string' }).optional(),
    groupKey: z.string({ error: 'expected a string' }).optional(),
    groupLabels: labelMap('label').optional(),
    commonLabels: labelMap('label').optional(),
    commonAnnotations: labelMap('annotation').optional(),
    externalURL: url.optional(),
    truncatedAlerts: z.int({ error: 'expected a whole number' }).min(0).optional(),
    title: z.string({ error: 'expected a string' }).optional(),
    alerts: alertList(
      z.object(
        {
          status,
          labels: labelMap('label'),
          annotations: labelMap('annotation').optional(),
          startsAt: time.optional(),
          endsAt: time.optional(),
          generatorURL: url.optional(),
          fingerprint: fingerprint.optional(),
          silenceURL: url.optional(),
          dashboardURL: url.optional(),
          panelURL: url.optional(),
        },
        { error: 'expected an alert object' },
      ),
    ),
  },
  { error: 'expected a Grafana webhook payload (a JSON object)' },
);

/** fpm-medic's own form (docs/alerts.md): for scripts, cron checks and other monitors. */
export const genericAlert = z
  .object(
    {
      status: status.default('firing'),
      host: z.string({ error: 'expected an inventory host name or address' }).min(1).max(253).optional(),
      labels: labelMap('label').optional(),
      title: z.string({ error: 'expected a string' }).min(1).max(200).optional(),
      summary: z.string({ error: 'expected a string' }).max(MAX_VALUE).optional(),
      severity: z.string({ error: 'expected a string' }).min(1).max(64).optional(),
      fingerprint: fingerprint.optional(),
      startsAt: time.optional(),
      url: url.optional(),
    },
    { error: 'expected an alert object' },
  )
  .refine((a) => a.host !== undefined || (a.labels !== undefined && Object.keys(a.labels).length > 0), {
    error: 'expected host, or labels that name the host',
  })
  .refine((a) => a.title !== undefined || a.labels?.['alertname'] !== undefined, {
    error: 'expected a title (or labels.alertname)',
  });

export const genericPayload = z.object(
  { alerts: alertList(genericAlert).min(1, { error: 'expected at least one alert' }) },
  { error: 'expected {"alerts": [...]} or one alert object' },
);

export type AlertmanagerPayload = z.infer<typeof alertmanagerPayload>;
export type GrafanaPayload = z.infer<typeof grafanaPayload>;
export type GenericAlert = z.infer<typeof genericAlert>;
