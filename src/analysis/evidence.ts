/** Formatting shared by the analyzers' evidence lines, so reports stay short and checkable. */
import { redactedExcerpt } from '../redact/redact.js';
import type { Evidence } from './signals.js';

/** Per analyzer: more lines than this and a report stops being read. */
export const MAX_EVIDENCE = 8;

/** Keeps the first lines and says how many were left out, so nothing disappears silently. */
export function capEvidence(lines: Evidence[], max = MAX_EVIDENCE): Evidence[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, max - 1);
  const rest = lines.length - kept.length;
  const source = lines[max - 1]!.source;
  return [...kept, { source, text: `… and ${rest} more line${rest === 1 ? '' : 's'} like these` }];
}

/**
 * Host-local HH:MM:SS: the FPM and web server logs are written in local time, so this is what an
 * engineer greps for.
 */
export function clockTime(epoch: number, utcOffsetMin: number): string {
  return new Date((Math.floor(epoch) + utcOffsetMin * 60) * 1000).toISOString().slice(11, 19);
}

/** One line of at most `max` characters, redacted before it is cut (a cut can hide a secret). */
export function shorten(text: string, max = 160): string {
  return redactedExcerpt(text, max);
}

/** "×37 since 03:41:12" for repeats, "at 03:41:12" for one. */
export function occurrences(times: number[], utcOffsetMin: number): string {
  if (times.length === 0) return '';
  const first = Math.min(...times);
  if (times.length === 1) return `at ${clockTime(first, utcOffsetMin)}`;
  return `×${times.length} since ${clockTime(first, utcOffsetMin)}`;
}

export function seconds(n: number): string {
  return n >= 10 || Number.isInteger(n) ? `${Math.round(n)}s` : `${n.toFixed(1)}s`;
}

export function megabytes(kb: number): string {
  return `${(kb / 1024).toFixed(kb >= 10 * 1024 ? 0 : 1)} MB`;
}

/**
 * An evidence line without a leading "source: " its analyzer may have written, so renderers that
 * show the source themselves do not print it twice ("nginx: nginx: connect() ...").
 */
export function evidenceBody(e: Pick<Evidence, 'source' | 'text'>): string {
  const prefix = `${e.source}: `;
  return e.text.startsWith(prefix) ? e.text.slice(prefix.length) : e.text;
}
