/**
 * Every error fpm-medic raises on purpose has a class and a stable code, so callers (CLI exit
 * codes, Slack messages, HTTP answers) can react to the kind without matching message text.
 */
export class FpmMedicError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export function isFpmMedicError(err: unknown): err is FpmMedicError {
  return err instanceof FpmMedicError;
}
