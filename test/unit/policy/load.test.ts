import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  loadPolicy,
  PolicyError,
  PolicyNotFoundError,
  parsePolicy,
  policyPathFrom,
} from '../../../src/policy/policy.js';
import { translateZodIssues } from '../../../src/util/zod-issues.js';
import { FakeMembership, PROD, problems, STAGING, yaml } from './helpers.js';

// Wraps the shared zod translator (calling through) so a test can see that this file kind uses it.
vi.mock('../../../src/util/zod-issues.js', async (real) => {
  const m = await real<typeof import('../../../src/util/zod-issues.js')>();
  return { ...m, translateZodIssues: vi.fn(m.translateZodIssues) };
});

const EXAMPLE = fileURLToPath(new URL('../../../examples/policy.yaml', import.meta.url));

describe('the example policy', () => {
  it('loads, and decides as its comments say', async () => {
    const policy = await loadPolicy(EXAMPLE, {
      inventory: { hosts: ['web-1', 'web-2', 'stage-1'], groups: ['web'] },
      runbookIds: ['fpm-down'],
    });
    expect(policy.file).toBe(EXAMPLE);
    const membership = new FakeMembership({ S0SREONC01: ['U0ALICE001'], S0WEBDEV01: ['U0CONTRAC1'] });
    const alice = { userId: 'U0ALICE001', channelId: 'C0OPSINC01' };
    expect((await policy.canDiagnose(alice, PROD, membership)).reason).toBe(
      'diagnose on web-1 is allowed by rule "prod on-call" (diagnose[0])',
    );
    expect(
      (await policy.canDiagnose({ ...alice, channelId: 'C0RANDOM01' }, { ...PROD, groups: [] }, membership))
        .reason,
    ).toBe('diagnose on env=prod is limited to @sre-oncall in #ops-incidents');
    expect(
      (await policy.canDiagnose({ userId: 'U0CONTRAC1', channelId: 'C0WEBTEAM1' }, PROD, membership)).reason,
    ).toBe('diagnose on web-1 is denied to you by rule "offboarded" (diagnose[3])');
    expect(policy.autoRemediation('fpm-down', STAGING)).toEqual(['fpm-start']);
  });
});

describe('policy problems: file:line:col, key path, expectation, value found', () => {
  it('unknown keys, with the nearest valid key', () => {
    expect(
      problems(yaml('diagnose:', '  - effect: allow', '    chanels: [C0OPSINC01]', 'diagnos: []')),
    ).toEqual([
      'policy.yaml:3:5: diagnose[0].chanels: unknown key; did you mean "channels"? expected one of: effect, name, ' +
        'hosts, groups, labels, channels, users, userGroups',
      'policy.yaml:4:1: diagnos: unknown key; did you mean "diagnose"? expected one of: workspace, names, diagnose, actions, ' +
        'autoRemediation, alerts',
    ]);
  });

  it('unknown action ids', () => {
    expect(problems(yaml('actions:', '  fpm-restart:', '    approve: []'))).toEqual([
      'policy.yaml:2:3: actions.fpm-restart: unknown key; did you mean "fpm-start"? expected one of: fpm-reload, ' +
        'fpm-start, kill-stuck-workers, apply-config',
    ]);
  });

  it('names instead of Slack ids, and ids of the wrong kind', () => {
    expect(
      problems(
        yaml(
          'diagnose:',
          '  - effect: allow',
          '    channels: ["#ops-incidents", U0ALICE001]',
          '    users: ["@alice"]',
          '    userGroups: [s0sreonc01, C0OPSINC01]',
        ),
      ),
    ).toEqual([
      'policy.yaml:3:16: diagnose[0].channels[0]: expected a Slack channel id such as C0123ABCD, not a #name ' +
        '(the id is at the bottom of the channel details), got "#ops-incidents"',
      'policy.yaml:3:34: diagnose[0].channels[1]: expected a Slack channel id such as C0123ABCD, not a #name ' +
        '(the id is at the bottom of the channel details), got "U0ALICE001"',
      'policy.yaml:4:13: diagnose[0].users[0]: expected a Slack user id such as U0123ABCD, not an @name ' +
        '(in the user\'s profile: "Copy member ID"), got "@alice"',
      'policy.yaml:5:18: diagnose[0].userGroups[0]: expected a Slack user group id such as S0123ABCD, not an @handle (from usergroups.list, or the group\'s URL), got "s0sreonc01"',
      'policy.yaml:5:30: diagnose[0].userGroups[1]: expected a Slack user group id such as S0123ABCD, not an @handle (from usergroups.list, or the group\'s URL), got "C0OPSINC01"',
    ]);
  });

  it('bad effects, labels, settings and empty lists', () => {
    expect(
      problems(
        yaml(
          'diagnose:',
          '  - effect: permit',
          '    labels: { env: 1 }',
          '    hosts: []',
          'actions:',
          '  fpm-reload:',
          '    requireSecondPerson: "no"',
          '    approvalTtlMinutes: 0',
          '  fpm-start: {}',
        ),
      ),
    ).toEqual([
      'policy.yaml:2:13: diagnose[0].effect: expected "allow" or "deny", got "permit"',
      "policy.yaml:3:20: diagnose[0].labels.env: expected a label value of letters, digits, '.', '_', ':', '/', '@', " +
        "'+' or '-', or a list of them, got 1",
      'policy.yaml:4:12: diagnose[0].hosts: expected at least one of inventory host names (omit the key to match any), got an empty list',
      'policy.yaml:6:3: actions.fpm-reload.approve: missing; expected a list of rules that say who may approve this action',
      'policy.yaml:7:26: actions.fpm-reload.requireSecondPerson: expected true or false, got "no"',
      'policy.yaml:8:25: actions.fpm-reload.approvalTtlMinutes: expected a whole number of minutes 1-1440, got 0',
      'policy.yaml:9:3: actions.fpm-start.approve: missing; expected a list of rules that say who may approve this action',
    ]);
  });

  it('auto-remediation needs known actions and at least one label', () => {
    expect(
      problems(yaml('autoRemediation:', '  - runbook: Fpm_Down', '    actions: [restart]', '    labels: {}')),
    ).toEqual([
      'policy.yaml:2:14: autoRemediation[0].runbook: expected a runbook id such as "fpm-down", got "Fpm_Down"',
      'policy.yaml:3:15: autoRemediation[0].actions[0]: expected an action id: fpm-reload, fpm-start, ' +
        'kill-stuck-workers, apply-config, got "restart"',
      'policy.yaml:4:13: autoRemediation[0].labels: expected at least one label (e.g. env: staging): ' +
        'auto-remediation is enabled per environment, got an empty map',
    ]);
  });

  it('auto-remediation never applies a config patch: a person approves each diff', () => {
    expect(
      problems(
        yaml(
          'autoRemediation:',
          '  - runbook: max-children-oversized',
          '    actions: [apply-config]',
          '    labels: { env: staging }',
        ),
      ),
    ).toEqual([
      'policy.yaml:3:15: autoRemediation[0].actions[0]: apply-config is never automatic: a person approves each ' +
        'config diff (list it under actions: instead), got "apply-config"',
    ]);
  });

  it('names that are not ids', () => {
    expect(problems(yaml('names:', '  ops-incidents: C0OPSINC01', 'diagnose: []'))).toEqual([
      'policy.yaml:2:3: names.ops-incidents: expected a Slack channel, user or user group id, got "ops-incidents"',
    ]);
  });

  it('hosts, groups and runbooks that do not exist, when the caller knows what exists', () => {
    const text = yaml(
      'diagnose:',
      '  - effect: deny',
      '    hosts: [web-l, web]',
      '    groups: [wbe]',
      'autoRemediation:',
      '  - { runbook: fpm-dwon, actions: [fpm-start], labels: { env: staging } }',
    );
    expect(
      problems(text, {
        inventory: { hosts: ['web-1', 'web-2'], groups: ['web'] },
        runbookIds: ['fpm-down', 'pool-exhausted'],
      }),
    ).toEqual([
      'policy.yaml:3:13: diagnose[0].hosts[0]: unknown host "web-l"; did you mean web-1? known hosts: web-1, web-2',
      'policy.yaml:3:20: diagnose[0].hosts[1]: "web" is a group: list it under groups',
      'policy.yaml:4:14: diagnose[0].groups[0]: unknown group "wbe"; did you mean web? known groups: web',
      'policy.yaml:6:16: autoRemediation[0].runbook: unknown runbook "fpm-dwon"; did you mean fpm-down? known ' +
        'runbooks: fpm-down, pool-exhausted',
    ]);
    expect(() => parsePolicy(text, 'policy.yaml')).not.toThrow();
  });

  it('YAML errors, duplicate keys and an empty file', () => {
    expect(problems(yaml('diagnose:', '  - effect: allow', '    users: [U0ALICE001'))[0]).toMatch(
      /^policy\.yaml:\d+:\d+: YAML syntax error: /,
    );
    expect(problems(yaml('diagnose: []', 'diagnose: []'))).toEqual([
      'policy.yaml:2:1: diagnose: duplicate key (first defined at 1:1); each key may appear only once',
    ]);
    expect(problems('# nothing yet\n')).toEqual([
      'policy.yaml:1:1: the policy is empty; expected a map with diagnose, actions, autoRemediation or alerts ' +
        '(to deny everything on purpose, write "diagnose: []")',
    ]);
    expect(problems('- effect: allow\n')).toEqual([
      'policy.yaml:1:1: expected a map with optional workspace, names, diagnose, actions, autoRemediation, alerts, got a list',
    ]);
  });
});

describe('loading', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fpm-medic-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a path that cannot be read instead of running without a policy', async () => {
    const missing = join(dir, 'nope.yaml');
    await expect(loadPolicy(missing)).rejects.toThrow(PolicyNotFoundError);
    await expect(loadPolicy(missing)).rejects.toThrow(
      `policy file not found: ${missing} (from FPM_MEDIC_POLICY; unset it to run without a policy)`,
    );
    await expect(loadPolicy(dir)).rejects.toThrow(`policy ${dir} is a directory, not a file`);
  });

  it('reports problems with the path as given', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, yaml('diagnose:', '  - effect: maybe'));
    const err = await loadPolicy(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe('POLICY_INVALID');
    expect((err as PolicyError).message).toBe(
      `${file}:2:13: diagnose[0].effect: expected "allow" or "deny", got "maybe"`,
    );
  });

  it('takes the path from FPM_MEDIC_POLICY; empty counts as unset', () => {
    expect(policyPathFrom({ FPM_MEDIC_POLICY: '/etc/fpm-medic/policy.yaml' })).toBe(
      '/etc/fpm-medic/policy.yaml',
    );
    expect(policyPathFrom({ FPM_MEDIC_POLICY: ' ' })).toBeUndefined();
    expect(policyPathFrom({})).toBeUndefined();
  });
});

describe('the shared zod translator', () => {
  it('words policy problems with the file, line, column and key', () => {
    vi.mocked(translateZodIssues).mockClear();
    expect(problems(yaml('diagnose:', '  - effect: permit'))).toEqual([
      'policy.yaml:2:13: diagnose[0].effect: expected "allow" or "deny", got "permit"',
    ]);
    expect(translateZodIssues).toHaveBeenCalled();
  });
});
