import { afterAll, beforeAll, describe, it } from 'vitest';
import { APACHE_STATES, APACHE_TCP_STATES } from './apache-states.js';
import { type DiagnosisHarness, startDiagnosisHarness } from './lab-diagnosis-harness.js';

/**
 * The lab behind Apache (mod_proxy_fcgi), diagnosed over SSH as root with an address-only
 * inventory (the table and its expectations: apache-states.ts).
 */
describe('diagnose the real lab behind Apache (discovery only)', () => {
  let h: DiagnosisHarness;
  beforeAll(async () => {
    h = await startDiagnosisHarness('apache');
  });
  afterAll(async () => {
    await h?.stop();
  });

  for (const state of APACHE_STATES) it(state.name, () => state.check(h));

  describe('on the TCP pool (/tcp/ → proxy:fcgi://127.0.0.1:port)', () => {
    for (const state of APACHE_TCP_STATES) it(state.name, () => state.check(h));
  });
});
