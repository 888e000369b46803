import { describe, expect, it } from 'vitest';
import { reportVerdict } from '../../../src/report/host-report.js';
import type { Finding } from '../../../src/runbooks/index.js';
import { webCapture } from '../analysis/helpers.js';

/** webCapture(): the real nginx/Apache error logs of test/fixtures/web, with resets (502/503) in the window. */
function configFinding(severity: Finding['severity']): Finding {
  return {
    runbook: 'timeout-chain-misaligned',
    severity,
    rootCause: true,
    symptoms: [],
    explainedBy: [],
    title: 't',
    summary: 's',
    evidence: [],
    actions: [],
    fix: 'f',
    confidence: 0.7,
    missingProbes: [],
  };
}

const COMPLETE = { complete: true };

describe('the verdict follows the users', () => {
  it('a config finding while the web server logs 502/503s is critical', () => {
    const facts = webCapture();
    expect(facts.webErrors.some((e) => e.kind === 'reset')).toBe(true);
    expect(reportVerdict([configFinding('warning')], facts, COMPLETE, false)).toBe('critical');
  });

  it('the same finding with no gateway error in the window stays a warning', () => {
    const facts = { ...webCapture(), webErrors: [] };
    expect(reportVerdict([configFinding('warning')], facts, COMPLETE, false)).toBe('warning');
  });

  it('errors from before the window do not count', () => {
    const facts = webCapture();
    const later = { ...facts, window: { ...facts.window, since: facts.clock.now + 1 } };
    expect(reportVerdict([configFinding('warning')], later, COMPLETE, false)).toBe('warning');
  });

  it('info findings alone leave the judgement to the healthy/unknown rule', () => {
    expect(reportVerdict([configFinding('info')], webCapture(), COMPLETE, false)).not.toBe('critical');
  });
});
