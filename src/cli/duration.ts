import { FpmMedicError } from '../util/errors.js';

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
