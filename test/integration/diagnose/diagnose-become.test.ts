import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLabUser } from '../../lab/users.js';
import { APACHE_STATES, APACHE_TCP_STATES } from './apache-states.js';
import { type DiagnosisHarness, type LabStateCase, startDiagnosisHarness } from './lab-diagnosis-harness.js';
import { NGINX_STATES } from './nginx-states.js';

/**
 * Least privilege, ssh.become: sudo: the lab diagnosed over SSH as a user that is not root, with
 * the documented NOPASSWD sudoers line for /bin/sh (test/lab/users.ts), must give exactly the
 * diagnoses root gets on every lab state: the same tables of states and expectations as
 * diagnose-nginx.test.ts and diagnose-apache.test.ts, run through sudo. (About two minutes on the
 * 2-core CI machine, like those two files together.)
 */
const USER = 'fpm-medic-become';

function asBecomeUser(web: 'nginx' | 'apache', states: Record<string, readonly LabStateCase[]>) {
  describe(`diagnose the lab behind ${web} as ${USER} with become: sudo`, () => {
    let h: DiagnosisHarness;
    beforeAll(async () => {
      await ensureLabUser(USER, { sudo: true });
      h = await startDiagnosisHarness(web, { user: USER, become: 'sudo' });
    });
    afterAll(async () => {
      await h?.stop();
    });

    it('logs in as the non-root user and runs the probes as root', async () => {
      const res = await h.transport.runScript('echo "$(id -u) $SUDO_USER"\n', [], { timeoutMs: 10_000 });
      expect(res.stdout).toBe(`0 ${USER}\n`);
      expect(h.sshd.log()).toMatch(new RegExp(`Accepted publickey for ${USER} `));
    });

    for (const [section, cases] of Object.entries(states)) {
      describe(section, () => {
        for (const state of cases) it(state.name, () => state.check(h));
      });
    }
  });
}

asBecomeUser('nginx', { 'every state': NGINX_STATES });
asBecomeUser('apache', { 'every state': APACHE_STATES, 'on the TCP pool': APACHE_TCP_STATES });
