/**
 * Open rules (no users, no user groups) admit the app's own workspace only: a Slack Connect guest
 * clicking in one of our channels is not "anyone". Actors come from payloads shaped like Slack's.
 */
import { describe, expect, it } from 'vitest';
import {
  FixedHomeWorkspace,
  loadPolicy,
  parsePolicy,
  SlackHomeWorkspace,
  WorkspaceUnknownError,
} from '../../../src/policy/policy.js';
import { commandActor, interactionActor } from '../../../src/slack/actor.js';
import { FakeMembership, PROD, yaml } from './helpers.js';

const HOME = 'T0HOME0001';
const GUEST_TEAM = 'T0GUEST001';
const OPS = 'C0OPSINC01';
const SRE = 'S0SREONC01';
const home = new FixedHomeWorkspace([HOME]);
const members = () => new FakeMembership({ [SRE]: ['U0ALICE001'] });

/** A block_actions payload in our shared channel: `team` is ours, the clicker's `user.team_id` is theirs. */
function click(userId: string, userTeam: string | undefined) {
  return {
    type: 'block_actions',
    team: { id: HOME, domain: 'acme' },
    user: { id: userId, username: 'x', ...(userTeam ? { team_id: userTeam } : {}) },
    api_app_id: 'A1',
    container: { type: 'message', message_ts: '1700000001.000100', channel_id: OPS, is_ephemeral: false },
    channel: { id: OPS, name: 'ops-incidents' },
    actions: [{ action_id: 'fpm-raw-evidence', type: 'button', value: '{}' }],
  };
}

/** A slash command's form fields. */
const command = (userId: string, team: string) => ({
  token: 'x',
  team_id: team,
  team_domain: 'acme',
  channel_id: OPS,
  channel_name: 'ops-incidents',
  user_id: userId,
  user_name: 'x',
  command: '/fpm',
  text: 'diagnose web-1',
  api_app_id: 'A1',
});

const guest = interactionActor(click('U0GUEST001', GUEST_TEAM));
const ours = interactionActor(click('U0BOB00001', HOME));

describe('who a Slack payload names', () => {
  it("takes the clicker's own workspace, not the payload's team, and nothing when Slack does not say", () => {
    expect(guest).toEqual({ userId: 'U0GUEST001', channelId: OPS, teamId: GUEST_TEAM });
    expect(interactionActor(click('U0X0000001', undefined))).toEqual({
      userId: 'U0X0000001',
      channelId: OPS,
    });
    expect(commandActor(command('U0GUEST001', GUEST_TEAM))).toEqual({
      userId: 'U0GUEST001',
      channelId: OPS,
      teamId: GUEST_TEAM,
    });
  });
});

describe('open rules and Slack Connect guests', () => {
  const open = parsePolicy(
    yaml(
      'diagnose:',
      '  - effect: allow',
      `    channels: [${OPS}]`,
      '  - effect: allow',
      '    users: [U0GUEST002]',
    ),
    'policy.yaml',
    { home },
  );

  it('an open allow rule lets in our people, not a guest from another workspace, and says why', async () => {
    expect((await open.canDiagnose(ours, PROD, members())).allowed).toBe(true);
    const d = await open.canDiagnose(guest, PROD, members());
    expect(d.allowed).toBe(false);
    expect(d.reason).toBe(
      `diagnose on every host is limited to anyone of this workspace in channel ${OPS} or user U0GUEST002; ` +
        `you are signed in from workspace ${GUEST_TEAM}, not this app's own (a Slack Connect guest): rules that ` +
        'name no users or user groups admit members of this workspace only; a rule naming you in users can allow it',
    );
    // Slack did not say which workspace: not taken for ours.
    expect(
      (await open.canDiagnose(interactionActor(click('U0X0000001', undefined)), PROD, members())).allowed,
    ).toBe(false);
  });

  it('a rule naming a guest in users still lets that guest in', async () => {
    const named = interactionActor(click('U0GUEST002', GUEST_TEAM));
    expect(await open.canDiagnose(named, PROD, members())).toMatchObject({
      allowed: true,
      rule: { path: 'diagnose[1]' },
    });
  });

  it('an open deny rule denies guests too', async () => {
    const p = parsePolicy(
      yaml('diagnose:', '  - { effect: allow, users: [U0GUEST001] }', '  - { effect: deny, name: freeze }'),
      'policy.yaml',
      { home },
    );
    expect((await p.canDiagnose(guest, PROD, members())).reason).toMatch(/is denied to you by rule "freeze"/);
  });

  it('approving follows the same rule: an open approve rule does not admit a guest', async () => {
    const p = parsePolicy(
      yaml('actions:', '  fpm-reload:', '    approve: [{ effect: allow }]'),
      'policy.yaml',
      { home },
    );
    const ask = { action: 'fpm-reload' as const, requestedBy: 'U0ALICE001' };
    expect((await p.canApprove(ours, PROD, members(), ask)).allowed).toBe(true);
    expect((await p.canApprove(guest, PROD, members(), ask)).allowed).toBe(false);
  });

  it('a slash command from a workspace of our Enterprise Grid org counts as ours by its enterprise_id', async () => {
    const grid = parsePolicy(yaml('workspace: [E0ORG00001]', 'diagnose: [{ effect: allow }]'), 'policy.yaml');
    const sibling = commandActor({ ...command('U0GRID0002', 'T0SIBLING1'), enterprise_id: 'E0ORG00001' });
    expect(sibling).toMatchObject({ teamId: 'T0SIBLING1', enterpriseId: 'E0ORG00001' });
    expect((await grid.canDiagnose(sibling, PROD, members())).allowed).toBe(true);
    const other = commandActor({ ...command('U0GUEST003', 'T0PARTNER1'), enterprise_id: 'E0PARTNER1' });
    expect((await grid.canDiagnose(other, PROD, members())).allowed).toBe(false);
  });

  it("the policy's workspace key names the app's own, for Enterprise Grid an org id too", async () => {
    const p = parsePolicy(
      yaml(`workspace: [${HOME}, E0ORG00001]`, 'diagnose: [{ effect: allow }]'),
      'policy.yaml',
      // What Slack would say is not asked: the file decides.
      { home: new FixedHomeWorkspace(['T0OTHER001']) },
    );
    expect((await p.canDiagnose(ours, PROD, members())).allowed).toBe(true);
    expect(
      (await p.canDiagnose(interactionActor(click('U0GRID0001', 'E0ORG00001')), PROD, members())).allowed,
    ).toBe(true);
    expect((await p.canDiagnose(guest, PROD, members())).allowed).toBe(false);
    expect(() => parsePolicy(yaml('workspace: acme', 'diagnose: []'), 'policy.yaml')).toThrow(
      /workspace: expected a Slack workspace id such as T0123ABCD/,
    );
  });

  it('with no workspace known at all, an open rule admits nobody and says how to fix it', async () => {
    const p = parsePolicy(yaml('diagnose: [{ effect: allow }]'), 'policy.yaml');
    expect((await p.canDiagnose(ours, PROD, members())).reason).toBe(
      "diagnose on every host is limited to anyone of this workspace; this app's own Slack workspace is not " +
        'known (set workspace: in the policy, docs/policy.md)',
    );
  });
});

describe('no policy file: anyone of our workspace may diagnose', () => {
  it('lets our people in and refuses a guest', async () => {
    const none = await loadPolicy(undefined, { home });
    expect((await none.canDiagnose(ours, PROD, members())).allowed).toBe(true);
    expect((await none.canDiagnose(guest, PROD, members())).reason).toBe(
      "with no access policy (FPM_MEDIC_POLICY), diagnose on web-1 is open to members of this app's own Slack " +
        `workspace only; you are signed in from workspace ${GUEST_TEAM}, not this app's own (a Slack Connect guest): ` +
        'a policy file (FPM_MEDIC_POLICY) can let you in by naming you in users',
    );
  });

  it("asks Slack which workspace is the app's once, shares the answer, and fails closed while Slack cannot say", async () => {
    let calls = 0;
    let answer: () => Promise<(string | undefined)[]> = async () => {
      throw new Error('An API error occurred: ratelimited');
    };
    let clock = 0;
    const slackHome = new SlackHomeWorkspace(
      () => {
        calls++;
        return answer();
      },
      () => clock,
      30_000,
    );
    const none = await loadPolicy(undefined, { home: slackHome });
    const refused = await none.canDiagnose(ours, PROD, members());
    expect(refused.allowed).toBe(false);
    expect(refused.reason).toMatch(
      /could not learn which Slack workspace this app is installed in: An API error occurred: ratelimited; try again shortly$/,
    );
    await expect(slackHome.teams()).rejects.toBeInstanceOf(WorkspaceUnknownError);
    expect(calls).toBe(1); // within the retry pause: not asked again

    clock += 30_000;
    answer = async () => [HOME, undefined];
    const [a, b] = await Promise.all([
      none.canDiagnose(ours, PROD, members()),
      none.canDiagnose(guest, PROD, members()),
    ]);
    expect([a.allowed, b.allowed]).toEqual([true, false]);
    expect(calls).toBe(2);
    await none.canDiagnose(ours, PROD, members());
    expect(calls).toBe(2);
  });
});
