import type { HeaderBlock, SectionBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/config/inventory.js';
import type { FpmPoolConfig, FpmStatus } from '../../../src/facts/types.js';
import { helpMessage, usageMessage } from '../../../src/slack/blocks/help.js';
import { hostsMessage } from '../../../src/slack/blocks/hosts.js';
import { diagnosisStartedMessage, errorMessage } from '../../../src/slack/blocks/progress.js';
import { statusMessage } from '../../../src/slack/blocks/status.js';
import { parseSlackCommand } from '../../../src/slack/command.js';
import { HOME, yaml } from '../config/helpers.js';
import { allText, assertWithinSlackLimits, facts, inventory, mrkdwnText } from './helpers.js';

const headerText = (m: { blocks: unknown[] }) => (m.blocks[0] as HeaderBlock).text.text;

describe('help and usage', () => {
  it('help lists every command', () => {
    const m = helpMessage();
    assertWithinSlackLimits(m);
    for (const c of ['diagnose HOST|GROUP [--window 30m]', 'status HOST', 'hosts', 'history HOST', 'help']) {
      expect(allText(m)).toContain(`\`/fpm ${c}\``);
    }
  });

  it('a usage error says what was wrong, then how to write it', () => {
    const cmd = parseSlackCommand('diagnose web-1 web-2', inventory);
    if (cmd.kind !== 'usage-error') throw new Error(cmd.kind);
    const m = usageMessage(cmd.message, { command: '/medic' });
    assertWithinSlackLimits(m);
    expect(allText(m)).toMatch(/^:warning: One host or group at a time/);
    expect(allText(m)).toContain('`/medic status HOST`');
  });
});

describe('progress and errors', () => {
  it('diagnosis started: who asked, what, and that it is queued', () => {
    const m = diagnosisStartedMessage({
      target: 'web',
      hostCount: 2,
      state: 'queued',
      requestedBy: 'U123',
      windowSec: 1800,
    });
    assertWithinSlackLimits(m);
    expect(allText(m)).toContain(
      ':hourglass_flowing_sand: Diagnosing *web* (2 hosts) for <@U123>: queued, waiting for a worker…',
    );
    expect(allText(m)).toContain('The report replaces this message · last 30 min of logs.');
    const running = diagnosisStartedMessage({ target: 'web-1', hostCount: 1, state: 'running' });
    expect(allText(running)).toContain('Diagnosing *web-1*: running');
  });

  it('a requester that is not a Slack user id is shown as text, not a mention', () => {
    const m = diagnosisStartedMessage({
      target: 'web-1',
      hostCount: 1,
      state: 'queued',
      requestedBy: '<!channel>',
    });
    assertWithinSlackLimits(m);
    expect(mrkdwnText(m)).toContain('for &lt;!channel&gt;');
  });

  it.each([
    [
      { kind: 'host-unreachable', host: 'web-1', detail: 'connect ETIMEDOUT 10.0.0.11:22' },
      'Could not reach *web-1*: connect ETIMEDOUT',
    ],
    [{ kind: 'queue-unavailable' }, 'The job queue (Redis) is not answering'],
    [
      { kind: 'not-allowed', what: 'diagnose prod', user: 'U9AB' },
      '<@U9AB>, you are not allowed to diagnose prod',
    ],
    [
      { kind: 'unknown-target', target: 'web-l', suggestions: ['web-1'] },
      'Unknown host or group `web-l`. Did you mean `web-1`?',
    ],
    [{ kind: 'failed', detail: 'worker crashed' }, 'The diagnosis failed: worker crashed'],
  ] as const)('%o', (error, expected) => {
    const m = errorMessage(error);
    assertWithinSlackLimits(m);
    expect(allText(m)).toContain(expected);
    expect(m.blocks.length).toBe(1);
  });

  it('error details from a host cannot inject markup and are kept short', () => {
    const m = errorMessage({
      kind: 'host-unreachable',
      host: 'web-1',
      detail: `<!channel> ${'x'.repeat(5000)}`,
    });
    assertWithinSlackLimits(m);
    expect(mrkdwnText(m)).not.toContain('<!');
    expect(allText(m).length).toBeLessThan(600);
  });
});

describe('hostsMessage', () => {
  it('hosts with labels and groups, and the groups with their members; no addresses', () => {
    const m = hostsMessage(inventory);
    assertWithinSlackLimits(m);
    expect(headerText(m)).toBe('Inventory: 5 hosts, 2 groups');
    const text = allText(m);
    expect(text).toContain('*web-1* · `env=prod role=app` · groups: web, prod');
    expect(text).toContain('*bastion* · _local_');
    expect(text).toContain('*web* (2): web-2, web-1');
    expect(text).not.toContain('10.0.0.11');
  });

  it('a 2000-host inventory stays within limits and says how many are not listed', () => {
    const hosts = Array.from(
      { length: 2000 },
      (_, i) => `  host-${i}: { address: 10.1.${i >> 8}.${i & 255}, labels: { env: prod, dc: dc-${i % 3} } }`,
    );
    const groups = Array.from(
      { length: 100 },
      (_, g) => `  g${g}: [${Array.from({ length: 20 }, (_, i) => `host-${g * 20 + i}`).join(', ')}]`,
    );
    const big = parseInventory(
      yaml('defaults: { ssh: { user: root, agent: true } }', 'hosts:', ...hosts, 'groups:', ...groups),
      'big.yaml',
      { homeDir: HOME },
    );
    const m = hostsMessage(big);
    assertWithinSlackLimits(m);
    expect(allText(m)).toMatch(/…and 19\d\d more hosts/);
    expect(allText(m)).toMatch(/…and \d+ more groups/);
  });
});

function poolConfig(overrides: Partial<FpmPoolConfig> = {}): FpmPoolConfig {
  return {
    name: 'www',
    masterPid: 100,
    listen: { kind: 'unix', path: '/run/php/www.sock' },
    listenBacklog: 511,
    pm: 'dynamic',
    maxChildren: 10,
    statusPath: '/status',
    requestTerminateTimeoutSec: 60,
    requestSlowlogTimeoutSec: 0,
    catchWorkersOutput: false,
    phpAdminValues: {},
    phpValues: {},
    ...overrides,
  };
}

function fpmStatus(overrides: Partial<FpmStatus> = {}): FpmStatus {
  return {
    pool: 'www',
    processManager: 'dynamic',
    startTime: 0,
    startSince: 100,
    acceptedConn: 1000,
    listenQueue: 0,
    maxListenQueue: 0,
    listenQueueLen: 511,
    idleProcesses: 7,
    activeProcesses: 3,
    totalProcesses: 10,
    maxActiveProcesses: 5,
    maxChildrenReached: 0,
    slowRequests: 0,
    processes: [],
    ...overrides,
  };
}

const master = { pid: 100, binary: 'php-fpm8.2', configPath: '/etc/php/8.2/fpm/php-fpm.conf', startedAt: 0 };

describe('statusMessage', () => {
  it('per pool: busy/max, queue and whether the status page answered, worst first', () => {
    const m = statusMessage(
      facts({
        fpm: {
          masters: [master],
          globals: [],
          php: {},
          pools: [
            poolConfig(),
            poolConfig({ name: 'api', listen: { kind: 'tcp', host: '127.0.0.1', port: 9001 } }),
            poolConfig({ name: 'admin', statusPath: undefined, maxChildren: 4 }),
            poolConfig({ name: 'shop', maxChildren: 20 }),
          ],
        },
        status: [
          { pool: 'www', listen: '/run/php/www.sock', ok: true, status: fpmStatus(), ms: 12 },
          {
            pool: 'api',
            listen: '127.0.0.1:9001',
            ok: false,
            reason: 'timeout',
            detail: 'no answer',
            ms: 2000,
          },
          {
            pool: 'shop',
            listen: '/run/php/www.sock',
            ok: true,
            status: fpmStatus({ pool: 'shop', activeProcesses: 20, listenQueue: 37, maxChildrenReached: 3 }),
            ms: 9,
          },
        ],
      }),
    );
    assertWithinSlackLimits(m);
    expect(headerText(m)).toBe(':red_circle: web-1 — 1 FPM master, 4 pools');
    const lines = m.blocks
      .filter((b): b is SectionBlock => b.type === 'section')
      .flatMap((b) => b.text!.text.split('\n'));
    expect(lines).toEqual([
      ':red_circle: *api* · status timed out after 2000 ms: the pool is likely saturated',
      ':red_circle: *shop* · 20/20 busy · queue 37 of 511 · max_children reached 3× · status ok (9 ms)',
      ':white_circle: *admin* · no status page (set pm.status_path) · max_children 4',
      ':large_green_circle: *www* · 3/10 busy · queue 0 of 511 · status ok (12 ms)',
    ]);
    expect(allText(m)).toContain('`/fpm diagnose web-1`');
  });

  it('FPM not running', () => {
    const m = statusMessage(facts());
    assertWithinSlackLimits(m);
    expect(headerText(m)).toBe(':red_circle: web-1 — PHP-FPM is not running');
  });

  it('the process table could not be read: says so instead of "not running"', () => {
    const m = statusMessage(
      facts({
        probes: [{ id: 'runtime', ok: false, ms: 1, bytes: 0 }],
        failures: [
          {
            probe: 'runtime',
            target: 'ps',
            reason: 'timeout',
            detail: 'timed out',
            fix: 'check the host load',
          },
        ],
      }),
    );
    assertWithinSlackLimits(m);
    expect(headerText(m)).toBe(':white_circle: web-1 — could not read the process table');
    expect(allText(m)).toContain(':warning: could not read `ps`: timeout — check the host load');
  });

  it('hundreds of pools stay within limits', () => {
    const pools = Array.from({ length: 400 }, (_, i) => poolConfig({ name: `pool-${i}` }));
    const m = statusMessage(facts({ fpm: { masters: [master], globals: [], php: {}, pools } }));
    assertWithinSlackLimits(m);
    expect(allText(m)).toMatch(/…and 3\d\d more pools/);
  });
});
