import { EXIT, type ExitCode } from './exit-codes.js';

/**
 * Every code fpm-medic raises, once: what the CLI exits with when it ends a command, and the HTTP
 * status an endpoint answers it with. Adding a code here is the only way to raise it (FpmMedicError
 * takes an ErrorCode), so no caller can meet a code it has no answer for.
 *
 * usage (64): the operator's input or configuration is wrong and rerunning will not help;
 * unknown (3): the host or the machine failed, or something we did not foresee.
 */
interface CodeMeaning {
  readonly exit: ExitCode;
  /** Only for codes an HTTP endpoint answers (src/alerts/webhook-routes.ts). */
  readonly http?: number;
}

export const ERROR_CODES = {
  // Inventory (src/config)
  INVENTORY_INVALID: { exit: EXIT.usage },
  INVENTORY_NOT_FOUND: { exit: EXIT.usage },
  INVENTORY_NOT_SET: { exit: EXIT.usage },
  UNKNOWN_HOST: { exit: EXIT.usage },
  SSH_PASSPHRASE_UNSET: { exit: EXIT.unknown },
  ENV_INVALID: { exit: EXIT.usage },
  // CLI arguments
  BAD_DURATION: { exit: EXIT.usage },
  // Policy (src/policy)
  POLICY_INVALID: { exit: EXIT.usage },
  POLICY_NOT_FOUND: { exit: EXIT.usage },
  GROUP_MEMBERSHIP_UNAVAILABLE: { exit: EXIT.unknown },
  WORKSPACE_UNKNOWN: { exit: EXIT.unknown },
  // Runbooks (src/runbooks)
  RUNBOOK_INVALID: { exit: EXIT.usage },
  RUNBOOK_EVALUATION_FAILED: { exit: EXIT.unknown },
  // Slack
  SLACK_AUTH_FAILED: { exit: EXIT.usage },
  // Alert webhooks (src/alerts)
  ALERT_PAYLOAD_INVALID: { exit: EXIT.unknown, http: 400 },
  ALERT_BODY_TOO_LARGE: { exit: EXIT.unknown, http: 413 },
  ALERT_CONFIG_INVALID: { exit: EXIT.unknown },
  // Queue (src/queue)
  QUEUE_UNAVAILABLE: { exit: EXIT.unknown },
  QUEUE_BAD_REQUEST: { exit: EXIT.unknown },
  TRANSIENT: { exit: EXIT.unknown },
  // Transport (src/transport): the host could not be examined, so the verdict is unknown.
  UNSAFE_ARGUMENT: { exit: EXIT.unknown },
  HOST_KEY_UNKNOWN: { exit: EXIT.unknown },
  HOST_KEY_CHANGED: { exit: EXIT.unknown },
  HOST_KEY_REVOKED: { exit: EXIT.unknown },
  CONNECT_TIMEOUT: { exit: EXIT.unknown },
  CONNECTION_REFUSED: { exit: EXIT.unknown },
  HOST_UNREACHABLE: { exit: EXIT.unknown },
  CONNECTION_LOST: { exit: EXIT.unknown },
  AUTH_FAILED: { exit: EXIT.unknown },
  SSH_CONFIG_INVALID: { exit: EXIT.unknown },
  CHANNEL_FAILED: { exit: EXIT.unknown },
  RUN_ABORTED: { exit: EXIT.unknown },
  SSH_FAILED: { exit: EXIT.unknown },
  BECOME_FAILED: { exit: EXIT.unknown },
} as const satisfies Record<string, CodeMeaning>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function exitCodeOf(code: ErrorCode): ExitCode {
  return ERROR_CODES[code].exit;
}

/** The status an endpoint answers this code with; undefined where no endpoint answers it. */
export function httpStatusOf(code: ErrorCode): number | undefined {
  const meaning: CodeMeaning = ERROR_CODES[code];
  return meaning.http;
}
