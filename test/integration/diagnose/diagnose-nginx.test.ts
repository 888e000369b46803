import { afterAll, beforeAll, describe, it } from 'vitest';
import { type DiagnosisHarness, startDiagnosisHarness } from './lab-diagnosis-harness.js';
import { NGINX_STATES } from './nginx-states.js';

/**
 * Every lab state, put into place for real, diagnosed over SSH as root with an address-only
 * inventory: the root cause must be named with its evidence, and nothing else may be claimed as a
 * root cause (the table and its expectations: nginx-states.ts).
 */
describe('diagnose the real lab behind nginx (discovery only)', () => {
  let h: DiagnosisHarness;
  beforeAll(async () => {
    h = await startDiagnosisHarness('nginx');
  });
  afterAll(async () => {
    await h?.stop();
  });

  for (const state of NGINX_STATES) it(state.name, () => state.check(h));
});
