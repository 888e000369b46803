/**
 * Who acts, as Slack's payload says: the user, the channel, and the workspace the user belongs to.
 * The workspace is the user's own, never the channel's: in a Slack Connect channel a guest from
 * another organisation clicks the same buttons as our people, and an open policy rule must tell
 * them apart (src/policy/workspace.ts). Where Slack does not say, the team is left out, and such an
 * actor is never taken for one of ours.
 */
import type { Actor } from '../policy/rules.js';

/**
 * A slash command (`/fpm ...`): `team_id` (and on Enterprise Grid `enterprise_id`) say where the
 * user who typed it is signed in: their own workspace.
 */
export function commandActor(c: {
  user_id: string;
  channel_id: string;
  team_id?: string;
  enterprise_id?: string;
}): Actor {
  const enterprise = teamOf(c.enterprise_id).teamId;
  return {
    userId: c.user_id,
    channelId: c.channel_id,
    ...teamOf(c.team_id),
    ...(enterprise ? { enterpriseId: enterprise } : {}),
  };
}

/**
 * A button click (block_actions): `user.team_id` is the clicker's own workspace (an Enterprise
 * Grid org's id, E…, for org-wide installs). `team.id` is not used: it names where the interaction
 * happened, which for a guest in a shared channel can be ours.
 */
export function interactionActor(body: unknown): Actor {
  const b = body as {
    user: { id: string; team_id?: string };
    channel?: { id?: string };
    container?: { channel_id?: string };
  };
  return {
    userId: b.user.id,
    channelId: b.channel?.id ?? b.container?.channel_id ?? '',
    ...teamOf(b.user.team_id),
  };
}

function teamOf(team: unknown): { teamId?: string } {
  return typeof team === 'string' && team !== '' ? { teamId: team } : {};
}
