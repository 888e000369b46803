import { FpmMedicError } from '../util/errors.js';

/**
 * A webhook body that is not JSON, or not the format of its endpoint: answered 400 with every
 * problem as `path: what was expected`, and nothing else happens (nothing counted or queued).
 */
export class AlertPayloadError extends FpmMedicError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('ALERT_PAYLOAD_INVALID', `invalid alert payload: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The body is larger than the webhook accepts: answered 413, read no further. */
export class AlertBodyTooLargeError extends FpmMedicError {
  readonly limit: number;
  constructor(limit: number) {
    super('ALERT_BODY_TOO_LARGE', `alert payload larger than ${limit} bytes`);
    this.limit = limit;
  }
}

/**
 * Alerts are enabled (ALERT_WEBHOOK_TOKEN) but the configuration cannot route them: `serve`
 * refuses to start rather than accept alerts it cannot post anywhere.
 */
export class AlertConfigError extends FpmMedicError {
  constructor(message: string) {
    super('ALERT_CONFIG_INVALID', message);
  }
}
