import { describe, expect, it } from 'vitest';
import {
  CachedGroupMembership,
  FixedHomeWorkspace,
  loadPolicy,
  parsePolicy,
} from '../../../src/policy/policy.js';
import { FakeMembership, host, PROD, STAGING, yaml } from './helpers.js';

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const OPS = 'C0OPSINC01';
const RANDOM = 'C0RANDOM01';
const SRE = 'S0SREONC01';
const members = () => new FakeMembership({ [SRE]: [ALICE] });
/** The app's own workspace; the people of these tests belong to it unless a test says otherwise. */
const HOME = 'T0HOME0001';
const home = new FixedHomeWorkspace([HOME]);
const policy = (...lines: string[]) => parsePolicy(yaml(...lines), 'policy.yaml', { home });

describe('no policy file', () => {
  it('lets anyone diagnose any host', async () => {
    const none = await loadPolicy(undefined, { home });
    expect(none.configured).toBe(false);
    expect(await none.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, PROD, members())).toEqual(
      {
        allowed: true,
        reason: 'no access policy is configured (FPM_MEDIC_POLICY): anyone of this workspace may diagnose',
      },
    );
  });

  it('lets nobody approve, and says how to enable approvals', async () => {
    const none = await loadPolicy(undefined, { home });
    const decision = await none.canApprove({ userId: ALICE, channelId: OPS, teamId: HOME }, PROD, members(), {
      action: 'fpm-reload',
      requestedBy: BOB,
    });
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toBe(
      'nobody may approve fpm-reload: no access policy is configured (set FPM_MEDIC_POLICY; see docs/policy.md)',
    );
    expect(none.approvalSettings('fpm-reload')).toBeUndefined();
    expect(none.autoRemediation('fpm-down', PROD)).toEqual([]);
  });
});

describe('diagnose rules', () => {
  it('denies by default once a file exists', async () => {
    const decision = await policy('diagnose: []').canDiagnose(
      { userId: ALICE, channelId: OPS, teamId: HOME },
      PROD,
      members(),
    );
    expect(decision).toEqual({
      allowed: false,
      reason: 'no rule of the access policy allows diagnose on web-1 (see docs/policy.md)',
    });
    const actionsOnly = policy('actions:', '  fpm-reload:', '    approve: [{ effect: allow }]');
    expect(
      (await actionsOnly.canDiagnose({ userId: ALICE, channelId: OPS, teamId: HOME }, PROD, members()))
        .allowed,
    ).toBe(false);
  });

  it('matches channels: allowed in the listed channel, and the reason says where else to ask', async () => {
    const p = policy('diagnose:', '  - effect: allow', `    channels: [${OPS}]`);
    expect(await p.canDiagnose({ userId: BOB, channelId: OPS, teamId: HOME }, PROD, members())).toEqual({
      allowed: true,
      reason: 'diagnose on web-1 is allowed by rule diagnose[0]',
      rule: { path: 'diagnose[0]', line: 2 },
    });
    expect(await p.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, PROD, members())).toEqual({
      allowed: false,
      reason: `diagnose on every host is limited to anyone of this workspace in channel ${OPS}`,
    });
  });

  it('matches users', async () => {
    const p = policy('diagnose:', '  - effect: allow', `    users: [${ALICE}]`);
    expect(
      (await p.canDiagnose({ userId: ALICE, channelId: RANDOM, teamId: HOME }, PROD, members())).allowed,
    ).toBe(true);
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, PROD, members())).reason,
    ).toBe(`diagnose on every host is limited to user ${ALICE}`);
  });

  it('matches user groups through the membership lookup, only when users did not match', async () => {
    const p = policy('diagnose:', '  - effect: allow', `    users: [${BOB}]`, `    userGroups: [${SRE}]`);
    const lookups = members();
    expect(
      (await p.canDiagnose({ userId: ALICE, channelId: RANDOM, teamId: HOME }, PROD, lookups)).allowed,
    ).toBe(true);
    expect(lookups.lookups).toEqual([SRE]);
    const bobLookups = members();
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, PROD, bobLookups)).allowed,
    ).toBe(true);
    expect(bobLookups.lookups).toEqual([]);
    expect(
      (await p.canDiagnose({ userId: 'U0CAROL001', channelId: RANDOM, teamId: HOME }, PROD, members()))
        .allowed,
    ).toBe(false);
  });

  it('needs the channel and the person when a rule names both', async () => {
    const p = policy('diagnose:', '  - effect: allow', `    channels: [${OPS}]`, `    userGroups: [${SRE}]`);
    expect(
      (await p.canDiagnose({ userId: ALICE, channelId: OPS, teamId: HOME }, PROD, members())).allowed,
    ).toBe(true);
    expect(
      (await p.canDiagnose({ userId: ALICE, channelId: RANDOM, teamId: HOME }, PROD, members())).allowed,
    ).toBe(false);
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: OPS, teamId: HOME }, PROD, members())).allowed,
    ).toBe(false);
  });

  it('matches host labels, one value or a list, and says what the limit is in the named terms', async () => {
    const p = policy(
      'names:',
      `  ${OPS}: ops-incidents`,
      `  ${SRE}: "@sre-oncall"`,
      'diagnose:',
      '  - effect: allow',
      '    labels: { env: prod }',
      `    channels: [${OPS}]`,
      `    userGroups: [${SRE}]`,
      '  - effect: allow',
      '    labels: { env: [staging, dev] }',
    );
    const bobHere = { userId: BOB, channelId: RANDOM, teamId: HOME };
    expect((await p.canDiagnose(bobHere, STAGING, members())).allowed).toBe(true);
    expect((await p.canDiagnose(bobHere, host('dev-1', { env: 'dev' }), members())).allowed).toBe(true);
    expect(await p.canDiagnose(bobHere, PROD, members())).toEqual({
      allowed: false,
      reason: 'diagnose on env=prod is limited to @sre-oncall in #ops-incidents',
    });
    expect((await p.canDiagnose(bobHere, host('box', {}), members())).reason).toBe(
      'no rule of the access policy allows diagnose on box (see docs/policy.md)',
    );
  });

  it('matches inventory host and group names', async () => {
    const p = policy('diagnose:', '  - effect: allow', '    hosts: [db-1]', '    groups: [web]');
    const anyone = { userId: BOB, channelId: RANDOM, teamId: HOME };
    expect((await p.canDiagnose(anyone, PROD, members())).allowed).toBe(true);
    expect((await p.canDiagnose(anyone, host('db-1'), members())).allowed).toBe(true);
    expect((await p.canDiagnose(anyone, host('cache-1', {}, ['cache']), members())).allowed).toBe(false);
  });

  it('lets a matching deny rule win over any allow rule, before or after it', async () => {
    for (const order of [
      ['allow', 'deny'],
      ['deny', 'allow'],
    ]) {
      const rule = (effect: string | undefined) =>
        effect === 'deny'
          ? ['  - effect: deny', '    name: offboarded', `    users: [${BOB}]`]
          : ['  - effect: allow', '    labels: { env: prod }'];
      const p = policy('diagnose:', ...rule(order[0]), ...rule(order[1]));
      const decision = await p.canDiagnose({ userId: BOB, channelId: OPS, teamId: HOME }, PROD, members());
      expect(decision.allowed).toBe(false);
      expect(decision.reason).toMatch(
        /^diagnose on web-1 is denied to you by rule "offboarded" \(diagnose\[\d\]\)$/,
      );
      expect(
        (await p.canDiagnose({ userId: ALICE, channelId: OPS, teamId: HOME }, PROD, members())).allowed,
      ).toBe(true);
    }
  });

  it('applies a deny rule only where it matches: its hosts and channels', async () => {
    const p = policy(
      'diagnose:',
      '  - effect: allow',
      '  - effect: deny',
      '    labels: { env: prod }',
      `    channels: [${RANDOM}]`,
    );
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, PROD, members())).allowed,
    ).toBe(false);
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: OPS, teamId: HOME }, PROD, members())).allowed,
    ).toBe(true);
    expect(
      (await p.canDiagnose({ userId: BOB, channelId: RANDOM, teamId: HOME }, STAGING, members())).allowed,
    ).toBe(true);
  });

  it('fails closed when a deny rule names a group whose members cannot be listed', async () => {
    const p = policy('diagnose:', '  - effect: allow', '  - effect: deny', `    userGroups: [${SRE}]`);
    const broken = new FakeMembership({}, { [SRE]: 'ratelimited' });
    const decision = await p.canDiagnose({ userId: BOB, channelId: OPS, teamId: HOME }, PROD, broken);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toBe(
      `diagnose on web-1 is refused: Slack could not tell whether you are in user group ${SRE} (ratelimited), ` +
        'and rule diagnose[1] denies its members; try again shortly',
    );
  });

  it('does not grant through a group whose members cannot be listed, and says why', async () => {
    const p = policy('diagnose:', '  - effect: allow', `    userGroups: [${SRE}]`);
    const membership = new CachedGroupMembership(async () => {
      throw new Error('missing_scope');
    }, 60_000);
    expect(await p.canDiagnose({ userId: ALICE, channelId: OPS, teamId: HOME }, PROD, membership)).toEqual({
      allowed: false,
      reason:
        `diagnose on every host is limited to user group ${SRE}; Slack could not tell whether you are in ` +
        `user group ${SRE} (missing_scope), try again shortly`,
    });
  });
});

describe('approval rules', () => {
  const approvals = policy(
    'actions:',
    '  fpm-reload:',
    '    approve:',
    '      - effect: allow',
    '        labels: { env: prod }',
    `        userGroups: [${SRE}]`,
    '  kill-stuck-workers:',
    '    requireSecondPerson: false',
    '    approvalTtlMinutes: 5',
    '    cooldownMinutes: 0',
    '    maxHostsAtOnce: 3',
    '    approve: [{ effect: allow, users: [U0ALICE001] }]',
  );

  it('allows an approver the rules name, who is not the requester', async () => {
    const decision = await approvals.canApprove(
      { userId: ALICE, channelId: OPS, teamId: HOME },
      PROD,
      members(),
      {
        action: 'fpm-reload',
        requestedBy: BOB,
      },
    );
    expect(decision).toEqual({
      allowed: true,
      reason: 'approving fpm-reload on web-1 is allowed by rule actions.fpm-reload.approve[0]',
      rule: { path: 'actions.fpm-reload.approve[0]', line: 4 },
    });
  });

  it('refuses the requester when a second person is required (the default)', async () => {
    const decision = await approvals.canApprove(
      { userId: ALICE, channelId: OPS, teamId: HOME },
      PROD,
      members(),
      {
        action: 'fpm-reload',
        requestedBy: ALICE,
      },
    );
    expect(decision).toEqual({
      allowed: false,
      reason: 'fpm-reload on web-1 needs a second person: someone other than the requester must approve it',
    });
    expect(approvals.approvalSettings('fpm-reload')).toEqual({
      requireSecondPerson: true,
      approvalTtlMinutes: 15,
      cooldownMinutes: 10,
      maxHostsAtOnce: 1,
    });
  });

  it('lets the requester approve when the action does not require a second person', async () => {
    const decision = await approvals.canApprove(
      { userId: ALICE, channelId: OPS, teamId: HOME },
      PROD,
      members(),
      {
        action: 'kill-stuck-workers',
        requestedBy: ALICE,
      },
    );
    expect(decision.allowed).toBe(true);
    expect(approvals.approvalSettings('kill-stuck-workers')).toEqual({
      requireSecondPerson: false,
      approvalTtlMinutes: 5,
      cooldownMinutes: 0,
      maxHostsAtOnce: 3,
    });
  });

  it('refuses people and hosts the rules do not name, and actions the policy does not enable', async () => {
    const bob = { userId: BOB, channelId: OPS, teamId: HOME };
    const reload = { action: 'fpm-reload' as const, requestedBy: 'U0CAROL001' };
    expect((await approvals.canApprove(bob, PROD, members(), reload)).reason).toBe(
      `approving fpm-reload on env=prod is limited to user group ${SRE}`,
    );
    expect(
      (
        await approvals.canApprove(
          { userId: ALICE, channelId: OPS, teamId: HOME },
          STAGING,
          members(),
          reload,
        )
      ).allowed,
    ).toBe(false);
    expect(
      await approvals.canApprove(bob, PROD, members(), { action: 'fpm-start', requestedBy: 'U0CAROL001' }),
    ).toEqual({
      allowed: false,
      reason:
        'fpm-start is not enabled by the access policy: it needs actions.fpm-start.approve rules (see docs/policy.md)',
    });
  });
});

describe('auto-remediation', () => {
  it('is off unless listed, and then only for that runbook on hosts with those labels', () => {
    const p = policy(
      'autoRemediation:',
      '  - runbook: fpm-down',
      '    actions: [fpm-start]',
      '    labels: { env: staging }',
      '  - runbook: pool-exhausted',
      '    actions: [kill-stuck-workers, fpm-reload]',
      '    labels: { env: staging, tier: web }',
    );
    expect(p.autoRemediation('fpm-down', STAGING)).toEqual(['fpm-start']);
    expect(p.autoRemediation('fpm-down', PROD)).toEqual([]);
    expect(p.autoRemediation('worker-oom-killed', STAGING)).toEqual([]);
    expect(p.autoRemediation('pool-exhausted', STAGING)).toEqual([]);
    expect(p.autoRemediation('pool-exhausted', host('s', { env: 'staging', tier: 'web' }))).toEqual([
      'kill-stuck-workers',
      'fpm-reload',
    ]);
    expect(policy('diagnose: []').autoRemediation('fpm-down', STAGING)).toEqual([]);
  });
});
