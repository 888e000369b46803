import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLabUser } from '../../lab/users.js';
import { APACHE_STATES } from './apache-states.js';
import { type DiagnosisHarness, type LabStateCase, startDiagnosisHarness } from './lab-diagnosis-harness.js';
import { NGINX_STATES } from './nginx-states.js';

/**
 * Least privilege, ssh.become: sudo: the lab diagnosed over SSH as a user that is not root, with
 * the documented NOPASSWD sudoers line for /bin/sh (test/lab/users.ts), must give exactly the
 * diagnoses root gets: the same tables of states and expectations as diagnose-nginx.test.ts and
 * diagnose-apache.test.ts, run through sudo.
 *
 * CI time: every nginx state, and for Apache the states whose evidence needs root most (the process
 * table's /proc/PID/exe, the sockets' owners, FPM's, the slow log's and Apache's logs, the status
 * page), so the file stays near the nginx file's own duration.
 */
const USER = 'fpm-medic-become';

const APACHE_SUBSET = [
  'healthy',
  'fpm-down',
  'socket-permission',
  'pool-exhausted',
  'self-request-deadlock',
  'request-timeout-kill',
];
const apacheSubset = (states: readonly LabStateCase[]) =>
  states.filter((s) => APACHE_SUBSET.some((name) => s.name.startsWith(`${name}:`)));

function runAsBecomeUser(web: 'nginx' | 'apache', states: readonly LabStateCase[]) {
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

    for (const state of states) it(state.name, () => state.check(h));
  });
}

runAsBecomeUser('nginx', NGINX_STATES);
runAsBecomeUser('apache', apacheSubset(APACHE_STATES));

it('the Apache subset names states that exist', () => {
  expect(apacheSubset(APACHE_STATES)).toHaveLength(APACHE_SUBSET.length);
});
