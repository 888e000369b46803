import { describe, expect, it } from 'vitest';
import { formatReportText } from '../../../src/cli/format-report.js';
import type { ProbeFailure } from '../../../src/facts/types.js';
import { buildHostReport } from '../../../src/report/host-report.js';
import { runbookCoverage, signalsRead } from '../../../src/runbooks/coverage.js';
import { compileRunbooks } from '../../../src/runbooks/loader.js';
import type { Finding } from '../../../src/runbooks/types.js';
import { reportMessage } from '../../../src/slack/blocks/report.js';
import { nonrootFailures } from '../probes/nonroot/fixtures.js';
import { minimalFrontMatter, runbookText, shippedRunbooks } from '../runbooks/helpers.js';
import { allText, facts } from '../slack/helpers.js';

const REPORT_ID = 'r-0123456789abcdef';

function finding(runbook: string, severity: Finding['severity']): Finding {
  return {
    runbook,
    severity,
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: `${runbook} title`,
    summary: `${runbook} summary`,
    evidence: [],
    actions: [],
    fix: 'do the fix',
    confidence: 1,
    missingProbes: [],
  };
}

const notYetWritten: ProbeFailure = {
  probe: 'logs',
  target: '/var/log/php8.2-fpm/www.slow.log',
  reason: 'not-found',
  detail: 'no such file: /var/log/php8.2-fpm/www.slow.log',
  fix: 'check the path',
};

describe('verdict and coverage of a host examined as a non-root user (failures captured on the lab)', () => {
  it('no finding with evidence hidden is unknown, and says which runbooks could not be checked and why', async () => {
    const runbooks = await shippedRunbooks();
    const r = buildHostReport({
      facts: facts({ failures: nonrootFailures() }),
      findings: [],
      unreachable: false,
      durationMs: 5,
      runbooks,
    });
    expect(r.verdict).toBe('unknown');
    expect(r.coverage?.complete).toBe(false);
    const blind = new Map(r.coverage!.blind.map((b) => [b.runbook, b.because]));
    expect(blind.get('worker-oom-killed')).toContain(
      'kernel: dmesg not readable as fpm-medic-plain (kernel.dmesg_restrict=1): dmesg: read kernel buffer failed: Operation not permitted',
    );
    // Pools unknown (the config test was refused) and worker sockets unnamed: exhaustion cannot be ruled out.
    expect(blind.get('pool-exhausted')?.some((b) => b.startsWith('fpm-status: pool status not read'))).toBe(
      true,
    );
    expect(blind.get('self-request-deadlock')?.some((b) => b.startsWith('runtime: ss -p cannot name'))).toBe(
      true,
    );
    // Every shipped runbook is accounted for, exactly once.
    expect([...r.coverage!.checked, ...blind.keys()].sort()).toEqual(runbooks.map((rb) => rb.id).sort());
  });

  it('only what hid the evidence a runbook decides on blinds it', async () => {
    const runbooks = await shippedRunbooks();
    const dmesg = nonrootFailures().filter((f) => f.probe === 'kernel' && f.target === 'dmesg');
    const c = runbookCoverage(runbooks, { failures: dmesg, probes: [] }, []);
    expect(c.complete).toBe(false);
    // max-children-oversized reads only memory: still judged without the kernel log.
    expect(c.blind.map((b) => b.runbook)).toEqual(['worker-oom-killed']);
    expect(c.checked).toContain('max-children-oversized');
    expect(c.checked).toContain('pool-exhausted');
  });

  it('a fully examined healthy host is healthy; a log not written yet hides nothing', async () => {
    const runbooks = await shippedRunbooks();
    for (const failures of [[], [notYetWritten]]) {
      const r = buildHostReport({
        facts: facts({ failures }),
        findings: [],
        unreachable: false,
        durationMs: 5,
        runbooks,
      });
      expect(r.verdict).toBe('healthy');
      expect(r.coverage).toEqual({ complete: true, checked: runbooks.map((rb) => rb.id), blind: [] });
    }
  });

  it('a finding keeps its severity on a partial look; matched runbooks are neither blind nor ruled out', async () => {
    const runbooks = await shippedRunbooks();
    const r = buildHostReport({
      facts: facts({ failures: nonrootFailures() }),
      findings: [finding('pool-exhausted', 'critical')],
      unreachable: false,
      durationMs: 5,
      runbooks,
    });
    expect(r.verdict).toBe('critical');
    expect(r.coverage!.blind.map((b) => b.runbook)).not.toContain('pool-exhausted');
    expect(r.coverage!.checked).not.toContain('pool-exhausted');
  });

  it("works on an operator's own runbook: what it reads decides what blinds it", () => {
    const [own] = compileRunbooks([
      {
        file: 'ram-tight.md',
        text: runbookText(
          minimalFrontMatter('ram-tight', { when: 'when: memory.availableKb < 100000 && "oom" != web.kind' }),
        ),
      },
    ]);
    expect(signalsRead(own!.when.source).sort()).toEqual(['memory', 'web']);
    const meminfo: ProbeFailure = {
      probe: 'runtime',
      target: '/proc/meminfo',
      reason: 'permission',
      detail: 'cannot read /proc/meminfo',
      fix: 'x',
    };
    const dmesg = nonrootFailures().filter((f) => f.target === 'dmesg');
    expect(runbookCoverage([own!], { failures: dmesg, probes: [] }, []).checked).toEqual(['ram-tight']);
    expect(runbookCoverage([own!], { failures: [meminfo], probes: [] }, []).blind).toEqual([
      { runbook: 'ram-tight', because: ['runtime: cannot read /proc/meminfo'] },
    ]);
  });

  it('a needed probe that did not run blinds the runbook whatever it reads', () => {
    const [own] = compileRunbooks([
      {
        file: 'needs-logs.md',
        text: runbookText([
          ...minimalFrontMatter('needs-logs', { when: 'when: memory.availableKb < 1' }),
          'needs: [logs]',
        ]),
      },
    ]);
    const timedOut: ProbeFailure = {
      probe: 'logs',
      target: 'logs',
      reason: 'timeout',
      detail: 'no answer within 15000 ms',
      fix: 'x',
    };
    const c = runbookCoverage([own!], { failures: [timedOut], probes: [{ id: 'logs', ok: false }] }, []);
    expect(c).toEqual({
      complete: false,
      checked: [],
      blind: [{ runbook: 'needs-logs', because: ['logs: no answer within 15000 ms'] }],
    });
  });

  it('the CLI text and the Slack report say what could not be checked', async () => {
    const runbooks = await shippedRunbooks();
    const r = buildHostReport({
      facts: facts({ failures: nonrootFailures() }),
      findings: [],
      unreachable: false,
      durationMs: 5,
      runbooks,
    });
    const text = formatReportText(r, { color: false });
    expect(text).toContain('web-1: UNKNOWN');
    expect(text).toMatch(/could not check \d+ of 13 runbooks: .*worker-oom-killed/);
    expect(text).toContain(
      '    because kernel: dmesg not readable as fpm-medic-plain (kernel.dmesg_restrict=1)',
    );
    const slack = allText(reportMessage(r, { reportId: REPORT_ID }));
    expect(slack).toMatch(/could not check: .*worker-oom-killed/);
  });
});
