/**
 * Log timestamps come in the host's local time without a zone (FPM, nginx, Apache) or in seconds
 * since boot (dmesg). These helpers turn them into epoch seconds using the host clock facts.
 */

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

/** Month index (0-11) from an English abbreviation, or undefined. */
export function monthIndex(abbrev: string): number | undefined {
  return MONTHS[abbrev];
}

/**
 * Wall-clock fields read in the host's local time -> epoch seconds.
 * `utcOffsetMin` is the host's offset (date +%z), e.g. +60 for +0100.
 */
export function localToEpoch(
  year: number,
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  utcOffsetMin: number,
): number {
  return Date.UTC(year, month0, day, hour, minute, second) / 1000 - utcOffsetMin * 60;
}

/** "+0100" / "-0530" -> minutes. */
export function parseUtcOffset(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** dmesg "[  123.456789]" seconds since boot -> epoch seconds, given the host's now and uptime. */
export function bootSecondsToEpoch(sinceBoot: number, clock: { now: number; uptimeSec: number }): number {
  return clock.now - clock.uptimeSec + sinceBoot;
}
