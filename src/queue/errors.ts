import { FpmMedicError } from '../util/errors.js';

/**
 * Redis could not take the command right now (down, restarting, out of memory, read-only). The
 * caller tells the user to try again; nothing was accepted, so nothing is half-queued.
 */
export class QueueUnavailableError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('QUEUE_UNAVAILABLE', message, options);
  }
}

export class InvalidDiagnosisRequestError extends FpmMedicError {
  constructor(message: string) {
    super('QUEUE_BAD_REQUEST', message);
  }
}

/**
 * Thrown by a job processor when running the same job again may succeed (a dropped connection to
 * infrastructure, not a host that answers badly: that is a report). Only these are retried.
 */
export class TransientError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TRANSIENT', message, options);
  }
}

// Socket-level failures of the machine running the job, where a later attempt (maybe on another
// worker) may well get through.
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

export function isTransientError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CODES.has(code);
}
