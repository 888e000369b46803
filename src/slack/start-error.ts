import { FpmMedicError } from '../util/errors.js';

/** Slack's answers to a token it will not take (api.slack.com/methods/apps.connections.open). */
const TOKEN_REFUSALS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'team_disabled',
  'user_removed_from_team',
]);

/** `fpm-medic serve` could not start because Slack refused a token: a configuration error. */
export class SlackAuthError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SLACK_AUTH_FAILED', message, options);
  }
}

/**
 * The error app.start() threw, told in terms of the variable to fix when Slack refused the token;
 * anything else (a port in use, Slack unreachable) is returned as it is.
 */
export function explainStartError(err: unknown, socketMode: boolean): unknown {
  const code = (err as { data?: { error?: unknown } })?.data?.error;
  if (typeof code !== 'string' || !TOKEN_REFUSALS.has(code)) return err;
  const message = socketMode
    ? `Slack refused SLACK_APP_TOKEN (${code}): Socket Mode needs an app-level token (xapp-...) with the connections:write scope, from api.slack.com/apps -> your app -> Basic Information -> App-Level Tokens, and Socket Mode turned on for the app`
    : `Slack refused SLACK_BOT_TOKEN (${code}): use the bot token (xoxb-...) from api.slack.com/apps -> your app -> OAuth & Permissions, after installing the app to the workspace`;
  return new SlackAuthError(message, { cause: err });
}
