/**
 * Webhook body -> NormalizedAlert[]. Pure. Anything that is not the endpoint's format throws
 * AlertPayloadError listing the bad fields by path ("alerts[3].labels.instance: ...").
 */
import type { z } from 'zod';
import { pathText } from '../util/key-path.js';
import { translateZodIssues } from '../util/zod-issues.js';
import { alertTime } from './alert-time.js';
import { AlertPayloadError } from './errors.js';
import { labelsFingerprint } from './fingerprint.js';
import {
  alertmanagerPayload,
  type GenericAlert,
  genericAlert,
  genericPayload,
  grafanaPayload,
} from './payload-schemas.js';
import type { AlertSource, NormalizedAlert } from './types.js';

const MAX_PROBLEMS = 10;

function problemsOf(error: z.ZodError): string[] {
  // The schemas' own messages say what was expected; a webhook sender has no file to point into.
  const lines = translateZodIssues(error.issues).map(
    ({ path, message }) => `${pathText(path) || '(body)'}: ${message}`,
  );
  const unique = [...new Set(lines)];
  return unique.length > MAX_PROBLEMS
    ? [...unique.slice(0, MAX_PROBLEMS), `…and ${unique.length - MAX_PROBLEMS} more problems`]
    : unique;
}

function check<T>(schema: z.ZodType<T>, data: unknown): T {
  const result = schema.safeParse(data);
  if (!result.success) throw new AlertPayloadError(problemsOf(result.error));
  return result.data;
}

export function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AlertPayloadError([`(body): not JSON (${(err as Error).message})`]);
  }
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function normalizeGeneric(a: GenericAlert): NormalizedAlert {
  const labels: Record<string, string> = { ...(a.labels ?? {}) };
  if (a.title !== undefined && labels['alertname'] === undefined) labels['alertname'] = a.title;
  if (a.severity !== undefined && labels['severity'] === undefined) labels['severity'] = a.severity;
  const annotations: Record<string, string> = a.summary !== undefined ? { summary: a.summary } : {};
  const identity = a.host !== undefined ? { ...labels, fpm_medic_host: a.host } : labels;
  return {
    source: 'generic',
    status: a.status,
    fingerprint: a.fingerprint ?? labelsFingerprint(identity),
    alertname: labels['alertname'] ?? 'alert',
    labels,
    annotations,
    ...optional('host', a.host),
    ...optional('startsAt', alertTime(a.startsAt)),
    ...optional('generatorURL', a.url),
  };
}

/** Parses one webhook body (already JSON-decoded) of the given source. */
export function parseAlertPayload(source: AlertSource, data: unknown): NormalizedAlert[] {
  switch (source) {
    case 'alertmanager': {
      const p = check(alertmanagerPayload, data);
      return p.alerts.map((a) => ({
        source,
        status: a.status,
        fingerprint: a.fingerprint,
        alertname: a.labels['alertname'] ?? 'alert',
        labels: a.labels,
        annotations: a.annotations,
        ...optional('startsAt', alertTime(a.startsAt)),
        ...optional('endsAt', alertTime(a.endsAt)),
        ...optional('generatorURL', a.generatorURL || undefined),
      }));
    }
    case 'grafana': {
      const p = check(grafanaPayload, data);
      return p.alerts.map((a) => ({
        source,
        status: a.status,
        fingerprint: a.fingerprint ?? labelsFingerprint(a.labels),
        alertname: a.labels['alertname'] ?? 'alert',
        labels: a.labels,
        annotations: a.annotations ?? {},
        ...optional('startsAt', alertTime(a.startsAt)),
        ...optional('endsAt', alertTime(a.endsAt)),
        ...optional('generatorURL', a.generatorURL || undefined),
      }));
    }
    case 'generic': {
      const isBatch = data !== null && typeof data === 'object' && !Array.isArray(data) && 'alerts' in data;
      const alerts = isBatch ? check(genericPayload, data).alerts : [check(genericAlert, data)];
      return alerts.map(normalizeGeneric);
    }
  }
}
