import { createHmac } from 'node:crypto';

/**
 * Requests as Slack sends them to /slack/events: form-encoded, signed with the signing secret
 * (v0 HMAC-SHA256 over "v0:<timestamp>:<body>"), with real payload shapes.
 */
export function signedHeaders(
  body: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

export function slashCommandBody(p: {
  text: string;
  userId?: string;
  channelId?: string;
  responseUrl?: string;
  /** The user's workspace (default T1, the fake Slack's auth.test team: the app's own). */
  teamId?: string;
}): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: p.teamId ?? 'T1',
    team_domain: 'acme',
    channel_id: p.channelId ?? 'C0OPS00001',
    channel_name: 'ops',
    user_id: p.userId ?? 'U0ALICE001',
    user_name: 'alice',
    command: '/fpm',
    text: p.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: p.responseUrl ?? 'https://hooks.slack.invalid/commands/T1/1/x',
    trigger_id: '1.2.3',
  }).toString();
}

export function blockActionBody(p: {
  actionId: string;
  value: string;
  userId?: string;
  channelId?: string;
  messageTs?: string;
  /**
   * The clicker's own workspace (default T1, the app's). A Slack Connect guest clicks in our
   * workspace's channel: `team` stays ours, `user.team_id` is theirs.
   */
  teamId?: string;
}): string {
  const payload = {
    type: 'block_actions',
    team: { id: 'T1', domain: 'acme' },
    user: { id: p.userId ?? 'U0ALICE001', username: 'alice', team_id: p.teamId ?? 'T1' },
    api_app_id: 'A1',
    token: 'deprecated-verification-token',
    container: {
      type: 'message',
      message_ts: p.messageTs ?? '1700000001.000100',
      channel_id: p.channelId ?? 'C0OPS00001',
      is_ephemeral: false,
    },
    trigger_id: '1.2.4',
    channel: { id: p.channelId ?? 'C0OPS00001', name: 'ops' },
    message: { ts: p.messageTs ?? '1700000001.000100', type: 'message', text: 'report' },
    response_url: 'https://hooks.slack.invalid/actions/T1/1/x',
    actions: [
      { action_id: p.actionId, block_id: 'b1', value: p.value, type: 'button', action_ts: '1700000002.1' },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
