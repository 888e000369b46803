/**
 * Slack ids as the policy names them. Ids, not names: a channel or user group can be renamed by
 * anyone with the right, which would silently change who may act; its id never changes.
 */
export const CHANNEL_ID_RE = /^[CGD][A-Z0-9]{4,20}$/;
export const USER_ID_RE = /^[UW][A-Z0-9]{4,20}$/;
export const USER_GROUP_ID_RE = /^S[A-Z0-9]{4,20}$/;
/** A workspace (team) id, or an Enterprise Grid org's. */
export const TEAM_ID_RE = /^[TE][A-Z0-9]{4,20}$/;

export const CHANNEL_ID_EXPECTED =
  'a Slack channel id such as C0123ABCD, not a #name (the id is at the bottom of the channel details)';
export const USER_ID_EXPECTED =
  'a Slack user id such as U0123ABCD, not an @name (in the user\'s profile: "Copy member ID")';
export const USER_GROUP_ID_EXPECTED =
  "a Slack user group id such as S0123ABCD, not an @handle (from usergroups.list, or the group's URL)";

export const TEAM_ID_EXPECTED =
  'a Slack workspace id such as T0123ABCD (or an Enterprise Grid org id, E…), from auth.test or the workspace settings';

export function isSlackId(value: string): boolean {
  return CHANNEL_ID_RE.test(value) || USER_ID_RE.test(value) || USER_GROUP_ID_RE.test(value);
}
