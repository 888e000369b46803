import { FpmMedicError } from './errors.js';

export class BadDurationError extends FpmMedicError {
  constructor(text: string) {
    super('BAD_DURATION', `invalid duration '${text}': use a number with s, m, h or d, e.g. 90s, 15m, 1h`);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "15m" -> 900. A bare number means minutes (the window flag's unit). */
export function parseDurationSec(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(text.trim());
  if (!m) throw new BadDurationError(text);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 'm']!;
  if (!(seconds > 0) || seconds > 7 * 86400) throw new BadDurationError(text);
  return seconds;
}

export class BadSinceError extends FpmMedicError {
  constructor(text: string) {
    super(
      'BAD_DURATION',
      `invalid --since '${text}': use an ISO 8601 time (2026-11-20T03:41:00Z) or epoch seconds`,
    );
  }
}

/** `--since`: an absolute window start, as epoch seconds. */
export function parseSince(text: string, now = Date.now() / 1000): number {
  const t = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : Date.parse(text) / 1000;
  if (!Number.isFinite(t) || t > now + 60 || t < now - 7 * 86400) throw new BadSinceError(text);
  return t;
}
