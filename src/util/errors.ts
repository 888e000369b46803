import type { ErrorCode } from './error-codes.js';

/**
 * Every error fpm-medic raises on purpose has a class and a stable code, so callers (CLI exit
 * codes, Slack messages, HTTP answers) can react to the kind without matching message text. The
 * codes and what each means to the CLI and HTTP are listed once, in error-codes.ts.
 */
export class FpmMedicError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function isFpmMedicError(err: unknown): err is FpmMedicError {
  return err instanceof FpmMedicError;
}
