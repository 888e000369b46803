import { describe, expect, it } from 'vitest';
import { formatFactsText } from '../../../src/cli/format-facts.js';
import { formatReportText } from '../../../src/cli/format-report.js';
import type { ResolvedHost } from '../../../src/config/types.js';
import { diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import { redactDeep } from '../../../src/redact/redact.js';
import { loadRunbooks } from '../../../src/runbooks/index.js';
import { reportMessage } from '../../../src/slack/blocks/report.js';
import { sudoersLine } from '../../../src/transport/become.js';
import { BecomeError } from '../../../src/transport/errors.js';
import type { RunResult, Transport } from '../../../src/transport/transport.js';

/** A host whose sudo refuses, as the transports report it: every run rejects with BecomeError. */
class RefusingSudo implements Transport {
  readonly host = 'web-1';
  runs = 0;
  async runScript(): Promise<RunResult> {
    this.runs++;
    throw new BecomeError({
      host: 'web-1',
      user: 'deploy',
      reason: 'password-required',
      said: 'sudo: a password is required',
      sudoersLine: sudoersLine('deploy'),
    });
  }
  async close(): Promise<void> {}
}

const host: ResolvedHost = {
  name: 'web-1',
  address: '10.0.0.11',
  local: false,
  ssh: null,
  commandTimeoutMs: 30_000,
  become: 'sudo',
  labels: {},
  selfAddresses: [],
  fpm: {},
  web: {},
  groups: [],
};

describe('a sudo that will not start the root shell', () => {
  it('makes the host unknown with one failure whose fix is the sudoers line; no finding, never healthy', async () => {
    const transport = new RefusingSudo();
    const { report } = await diagnoseHost(host, await loadRunbooks(), { windowSec: 900, transport });
    expect(report.verdict).toBe('unknown');
    expect(report.findings).toEqual([]);
    expect(report.failures).toEqual([
      {
        probe: 'become',
        target: 'web-1',
        reason: 'permission',
        detail: expect.stringContaining('sudo said: sudo: a password is required'),
        fix: expect.stringContaining('add to sudoers on web-1: deploy ALL=(root) NOPASSWD: /bin/sh'),
      },
    ]);
    expect(report.probes.every((p) => !p.ok)).toBe(true);
    // What is shown is redacted first: the sudoers line (its NOPASSWD tag) survives that.
    expect(redactDeep(report)).toEqual(report);
    const text = formatReportText(report, { color: false });
    expect(text).toMatch(/^web-1: UNKNOWN — /);
    expect(text).toContain('fix: add to sudoers on web-1: deploy ALL=(root) NOPASSWD: /bin/sh');
    // Slack shows the line too (fixes are cut at 120 characters there: the line comes first).
    const slack = JSON.stringify(reportMessage(report, { reportId: 'r-1' }));
    expect(slack).toContain('add to sudoers on web-1: deploy ALL=(root) NOPASSWD: /bin/sh');
    expect(slack).not.toMatch(/No problem found/);
  });

  it('fpm-medic probe says sudo refused, with the fix, and claims nothing about the host', async () => {
    const { collected } = await diagnoseHost(host, [], { windowSec: 900, transport: new RefusingSudo() });
    expect(collected.unreachable).toBe(true);
    const text = formatFactsText(collected.facts);
    expect(text).toContain('  SUDO REFUSED: host web-1: ssh.become: sudo as deploy');
    expect(text).toContain('  fix: add to sudoers on web-1: deploy ALL=(root) NOPASSWD: /bin/sh');
    expect(text).not.toContain('no master');
  });
});
