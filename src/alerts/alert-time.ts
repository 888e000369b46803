/**
 * Alert times as senders write them: RFC 3339 with any fraction, and Go's zero time
 * ("0001-01-01T00:00:00Z") for "not set", which Alertmanager and Grafana send as endsAt of a
 * firing alert.
 */
export function alertTime(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const ms = Date.parse(text);
  if (Number.isNaN(ms) || ms <= 0) return undefined;
  return ms;
}

export function isAlertTime(text: string): boolean {
  return text.startsWith('0001-01-01') || !Number.isNaN(Date.parse(text));
}
