/**
 * The plan and the capacity math over the pools and config files discover-fpm sent for Debian's
 * own www pool (test/fixtures/fpm/discover-sources.txt), with the load and memory of a scenario.
 */
import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/analysis/analyze.js';
import { formatReportText } from '../../../src/cli/format-report.js';
import type { FpmPoolConfig } from '../../../src/facts/types.js';
import { poolCapacity } from '../../../src/fixes/capacity.js';
import { hostFixes } from '../../../src/fixes/index.js';
import { planFixes } from '../../../src/fixes/plan.js';
import { parseWebDiscovery } from '../../../src/probes/parsers/discover-web.js';
import { reportMessage } from '../../../src/slack/blocks/report.js';
import { baseFacts } from '../analysis/helpers.js';
import { WORK as WEB_WORK, webFixture } from '../probes/web/fixtures.js';
import { signalsWith } from '../runbooks/signals-builder.js';
import { allText, assertWithinSlackLimits } from '../slack/helpers.js';
import { busyHost, busyReport, found, memory, WWW, www } from './helpers.js';

describe('capacity (Little’s law)', () => {
  it('"at 14 req/s × 0.9 s you need 13 workers; you have 5; memory allows 41 → 20"', () => {
    const [c] = poolCapacity(busyHost(), signalsWith({ memory }));
    expect(c).toMatchObject({
      pool: 'www',
      ratePerSec: 14,
      rateSource: 'access-log',
      meanSec: 0.9,
      p95Sec: 0.9,
      durationSource: 'access-log',
      needed: 13,
      has: 5,
      memoryAllows: 41,
      recommended: 20,
    });
    expect(c!.text).toBe('www: at 14 req/s × 0.9 s you need 13 workers; you have 5; memory allows 41 → 20');
  });

  it('memory caps the recommendation; a pool that needs less keeps what it has', () => {
    const tight = { budgetKb: Math.ceil((8 * 40 * 1024) / 0.8), oversized: false };
    expect(poolCapacity(busyHost(), signalsWith({ memory: tight }))[0]).toMatchObject({
      memoryAllows: 8,
      recommended: 8,
    });
    const idle = { ...busyHost(), accessLog: [] };
    expect(poolCapacity(idle, signalsWith({ memory }))[0]).toMatchObject({
      needed: -1,
      recommended: 5,
      durationSource: 'none',
    });
  });
});

describe('planFixes', () => {
  it('raises max_children to the capacity recommendation, scales the spares, names the file and line', () => {
    const facts = busyHost();
    const signals = signalsWith({ memory });
    const changes = planFixes({ facts, signals, capacity: poolCapacity(facts, signals) }, [
      { runbook: 'pool-exhausted', fixes: ['max-children'] },
    ]);
    expect(changes.map((c) => [c.directive, c.from, c.to])).toEqual([
      ['pm.max_children', '5', '20'],
      ['pm.start_servers', '2', '4'],
      ['pm.min_spare_servers', '1', '2'],
      ['pm.max_spare_servers', '3', '6'],
    ]);
    expect(changes[0]).toMatchObject({
      file: WWW,
      at: { line: 127, oldText: 'pm.max_children = 5' },
      reload: 'fpm',
    });
    expect(changes[0]!.reasons).toEqual([
      'www: at 14 req/s × 0.9 s you need 13 workers; you have 5; memory allows 41 → 20',
    ]);
  });

  it('several findings wanting the same directive give one change naming them all', () => {
    const facts = busyHost();
    const signals = signalsWith({ memory });
    const { patch, byFinding } = hostFixes(facts, signals, [
      { runbook: 'pool-exhausted', fixes: ['max-children', 'graceful-reload'] },
      { runbook: 'slow-requests', fixes: ['max-children'] },
    ]);
    const max = patch!.changes.filter((c) => c.directive === 'pm.max_children');
    expect(max).toHaveLength(1);
    expect(max[0]!.findings).toEqual(['pool-exhausted', 'slow-requests']);
    // Debian's php-fpm.conf leaves process_control_timeout at 0: added under [global].
    expect(patch!.changes.find((c) => c.directive === 'process_control_timeout')).toMatchObject({
      file: '/etc/php/8.2/fpm/php-fpm.conf',
      from: '',
      to: '10s',
      at: { after: expect.any(Number) },
    });
    expect(byFinding.get('slow-requests')!.changes.map((c) => c.directive)).not.toContain(
      'process_control_timeout',
    );
    expect(patch!.files.map((f) => f.path)).toEqual([WWW, '/etc/php/8.2/fpm/php-fpm.conf']);
  });

  it('listen.backlog up to somaxconn; a pool already at it, or at -1 (somaxconn), is left alone', () => {
    const facts = busyHost([{ ...www, listenBacklog: 511 }]);
    const signals = signalsWith({ memory });
    const changes = planFixes({ facts, signals, capacity: [] }, [
      { runbook: 'listen-backlog-overflow', fixes: ['listen-backlog'] },
    ]);
    expect(changes).toMatchObject([{ directive: 'listen.backlog', from: '', to: '4096', at: { after: 4 } }]);
    const already = busyHost([{ ...www, listenBacklog: -1 }]);
    expect(
      planFixes({ facts: already, signals, capacity: [] }, [{ runbook: 'x', fixes: ['listen-backlog'] }]),
    ).toEqual([]);
  });

  it('without the config files (an older probe, a file it could not read) nothing is guessed', () => {
    const facts = busyHost();
    delete facts.fpm.configFiles;
    const signals = signalsWith({ memory });
    expect(
      planFixes({ facts, signals, capacity: poolCapacity(facts, signals) }, [
        { runbook: 'p', fixes: ['max-children', 'graceful-reload'] },
      ]),
    ).toEqual([]);
  });
});

describe('the patch as people see it', () => {
  const report = busyReport();

  it('the report carries the patch, the finding its share, and the capacity', () => {
    expect(report.patch?.files.map((f) => f.path)).toEqual([WWW]);
    expect(report.findings[0]!.patch?.changes.map((c) => c.directive)).toContain('pm.max_children');
    expect(report.capacity?.[0]?.text).toBe(
      'www: at 14 req/s × 0.9 s you need 13 workers; you have 5; memory allows 41 → 20',
    );
  });

  it('the CLI text shows the diff under the finding and the capacity line', () => {
    const text = formatReportText(report, { color: false });
    expect(text).toContain('fix for good:');
    expect(text).toContain('      -pm.max_children = 5\n      +pm.max_children = 20\n');
    expect(text).toContain('  capacity:\n    www: at 14 req/s × 0.9 s you need 13 workers');
  });

  it('Slack shows it as a code block under the finding, within the limits', () => {
    const m = reportMessage(report, { reportId: 'r1' });
    assertWithinSlackLimits(m);
    expect(allText(m)).toContain('*Fix for good* (4 changes');
    expect(allText(m)).toContain('+pm.max_children = 20');
  });
});

describe('the web server side of the timeout chain (captured Apache config)', () => {
  it('a route that gives up before FPM does gets its timeout= raised in place, on its own line', () => {
    const apache = parseWebDiscovery(webFixture('discover-apache.txt')).servers[0]!;
    const slow = apache.routes.find((r) => r.scope.includes('ProxyPassMatch ^/a/slow/'))!;
    const pool: FpmPoolConfig = {
      ...www,
      listen: { kind: 'unix', path: `${WEB_WORK}/run/www.sock` },
      requestTerminateTimeoutSec: 20,
    };
    const facts = baseFacts({
      fpm: {
        masters: [],
        globals: [],
        pools: [pool],
        php: { maxExecutionTimeSec: 10 },
        configFiles: found.configFiles,
      },
      web: apache,
    });
    const signals = analyze(facts).signals;
    const changes = planFixes({ facts, signals, capacity: [] }, [
      { runbook: 'timeout-chain-misaligned', fixes: ['timeout-chain'] },
    ]);
    const web = changes.filter((c) => c.reload === 'apache');
    expect(web.length).toBeGreaterThan(0);
    const change = web.find((c) => c.scope === slow.scope)!;
    expect(change).toMatchObject({
      directive: 'timeout=',
      from: '2',
      to: String(signals.timeoutChain.suggested.webReadTimeoutSec),
      file: slow.readTimeoutAt!.file,
      at: { line: slow.readTimeoutAt!.line, oldText: slow.readTimeoutAt!.text },
    });
    expect(change.newText).toBe(slow.readTimeoutAt!.text.replace('timeout=2', `timeout=${change.to}`));
  });
});

describe('the timeout chain on Debian’s www pool', () => {
  it('max_execution_time goes into the pool, naming the php.ini line it overrides there only', () => {
    const facts = busyHost();
    const signals = signalsWith({
      timeoutChain: {
        suggested: { maxExecutionTimeSec: 25, requestTerminateTimeoutSec: 28, webReadTimeoutSec: 30 },
      },
    });
    const changes = planFixes({ facts, signals, capacity: [] }, [{ runbook: 't', fixes: ['timeout-chain'] }]);
    const exec = changes.find((c) => c.directive === 'php_admin_value[max_execution_time]');
    expect(exec).toMatchObject({ file: WWW, to: '25', at: { after: 4 } });
    expect(exec!.reasons[0]).toContain(
      '(overrides max_execution_time = 30 at /etc/php/8.2/fpm/php.ini:409 for this pool only)',
    );
    expect(changes.find((c) => c.directive === 'request_terminate_timeout')).toMatchObject({
      from: '',
      to: '28s',
    });
  });
});
