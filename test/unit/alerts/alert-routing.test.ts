import { describe, expect, it } from 'vitest';
import {
  alertRoutingOf,
  DEFAULT_HOST_LABELS,
  routeAlert,
  unmappedChannel,
} from '../../../src/policy/alert-routing.js';
import { loadPolicy, parsePolicy } from '../../../src/policy/policy.js';
import { problems, yaml } from '../policy/helpers.js';

const POLICY = yaml(
  'diagnose: [{ effect: allow }]',
  'alerts:',
  '  hostLabels: [fpm_medic_host, instance]',
  '  defaultChannel: C0OPSINC01',
  '  unmappedChannel: C0MONITOR1',
  '  windowMinutes: 45',
  '  gatherSeconds: 5',
  '  diagnosisWindowMinutes: 20',
  '  routes:',
  '    - { name: prod pages, labels: { env: prod, severity: [critical, page] }, channel: C0PAGES001 }',
  '    - { labels: { team: web }, channel: C0WEBTEAM1 }',
  '    - { labels: { env: prod }, channel: C0PROD0001 }',
);

describe('the alerts section of the policy', () => {
  const routing = alertRoutingOf(parsePolicy(POLICY, 'policy.yaml'))!;

  it('compiles its settings, in seconds', () => {
    expect(routing).toMatchObject({
      hostLabels: ['fpm_medic_host', 'instance'],
      defaultChannel: 'C0OPSINC01',
      unmappedChannel: 'C0MONITOR1',
      windowSec: 2700,
      gatherMs: 5000,
      diagnosisWindowSec: 1200,
    });
    expect(routing.routes.map((r) => r.channel)).toEqual(['C0PAGES001', 'C0WEBTEAM1', 'C0PROD0001']);
  });

  it('the first matching route wins; a list of values is "one of"', () => {
    expect(routeAlert(routing, { env: 'prod', severity: 'page', team: 'web' })).toEqual({
      channel: 'C0PAGES001',
      by: 'alerts.routes[0] "prod pages"',
    });
    expect(routeAlert(routing, { env: 'prod', severity: 'warning', team: 'web' }).channel).toBe('C0WEBTEAM1');
    expect(routeAlert(routing, { env: 'prod', severity: 'warning' })).toEqual({
      channel: 'C0PROD0001',
      by: 'alerts.routes[2]',
    });
    expect(routeAlert(routing, { env: 'dev' })).toEqual({
      channel: 'C0OPSINC01',
      by: 'alerts.defaultChannel',
    });
  });

  it("the host's inventory labels fill in what the alert does not say; the alert's win", () => {
    expect(routeAlert(routing, { severity: 'warning' }, { env: 'prod', team: 'data' }).channel).toBe(
      'C0PROD0001',
    );
    expect(routeAlert(routing, { env: 'dev' }, { env: 'prod' }).channel).toBe('C0OPSINC01');
  });

  it('unmapped alerts go to unmappedChannel, else where their labels route', () => {
    expect(unmappedChannel(routing, { env: 'prod' })).toBe('C0MONITOR1');
    const plain = alertRoutingOf(
      parsePolicy(
        yaml(
          'alerts:',
          '  defaultChannel: C0OPSINC01',
          '  routes: [{ labels: { env: prod }, channel: C0PROD0001 }]',
        ),
        'p.yaml',
      ),
    )!;
    expect(unmappedChannel(plain, { env: 'prod' })).toBe('C0PROD0001');
    expect(plain.hostLabels).toEqual([...DEFAULT_HOST_LABELS]);
    expect(plain.windowSec).toBe(1800);
    expect(plain.gatherMs).toBe(10_000);
  });

  it('no alerts section, no policy: no routing', async () => {
    expect(alertRoutingOf(parsePolicy(yaml('diagnose: []'), 'p.yaml'))).toBeUndefined();
    expect(alertRoutingOf(await loadPolicy(undefined))).toBeUndefined();
  });

  it('problems are reported as file:line:col like the rest of the policy', () => {
    expect(
      problems(
        yaml(
          'alerts:',
          '  defaultChannel: "#ops"',
          '  hostLabels: [instance, 9host]',
          '  gatherSeconds: 301',
          '  routes:',
          '    - { labels: {}, channel: C0OPSINC01 }',
          '    - { labels: { env: prod }, chanel: C0OPSINC01 }',
        ),
      ),
    ).toEqual([
      'policy.yaml:2:19: alerts.defaultChannel: expected a Slack channel id such as C0123ABCD, not a #name (the id is at the bottom of the channel details), got "#ops"',
      'policy.yaml:3:26: alerts.hostLabels[1]: expected an alert label name (letters, digits and \'_\', not starting with a digit), got "9host"',
      'policy.yaml:4:18: alerts.gatherSeconds: expected a whole number of seconds 0-300, got 301',
      'policy.yaml:6:17: alerts.routes[0].labels: expected at least one label (e.g. env: prod); unmatched alerts go to defaultChannel, got an empty map',
      'policy.yaml:7:7: alerts.routes[1].channel: missing; expected a Slack channel id such as C0123ABCD, not a #name (the id is at the bottom of the channel details)',
      'policy.yaml:7:32: alerts.routes[1].chanel: unknown key; did you mean "channel"? expected one of: name, labels, channel',
    ]);
    expect(problems(yaml('alerts:', '  routes: []'))).toEqual([
      'policy.yaml:1:1: alerts.defaultChannel: missing; expected a Slack channel id such as C0123ABCD, not a #name (the id is at the bottom of the channel details)',
    ]);
  });
});
