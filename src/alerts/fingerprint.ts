import { createHash } from 'node:crypto';

/** Sender fingerprints (Alertmanager's and Grafana's are 16 hex digits) and generic ones. */
export const FINGERPRINT_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * An alert's identity when the sender gives none: its labels, sorted, hashed. Two alerts with the
 * same labels are the same alert, as in Alertmanager (its fingerprint is a hash of the label set).
 */
export function labelsFingerprint(labels: Readonly<Record<string, string>>): string {
  const hash = createHash('sha256');
  for (const key of Object.keys(labels).sort()) {
    hash.update(key);
    hash.update('\u0000');
    hash.update(labels[key] ?? '');
    hash.update('\u0001');
  }
  return hash.digest('hex').slice(0, 16);
}
