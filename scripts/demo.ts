/**
 * `npm run demo`: the whole story on one machine. Installs the Debian packages the lab needs
 * (when missing), starts a real php-fpm + nginx lab and a real sshd on loopback, puts the lab into
 * a failure state for real, then runs the fpm-medic executable against it over SSH, exactly as an
 * engineer would against a production host. Everything is torn down at the end.
 *
 *   npm run demo                      # self-request deadlock (the default)
 *   npm run demo -- worker-oom-killed # a real memcg OOM kill
 *   npm run demo -- pool-exhausted    # any lab state: see test/lab/states.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`\x1b[1m» ${line}\x1b[0m\n`);

say('checking Debian packages (php8.2-fpm, nginx, openssh-server, ...)');
const install = spawnSync('bash', [join(root, 'scripts/ensure-packages.sh')], { stdio: 'inherit' });
if (install.status !== 0) process.exit(install.status ?? 1);

// Imported only now: the lab modules need the packages above.
const { STATE_NAMES, startLab } = await import('../test/lab/lab.js');
const { startSshd } = await import('../test/lab/sshd.js');

const state = (process.argv[2] ?? 'self-request-deadlock') as (typeof STATE_NAMES)[number];
if (!STATE_NAMES.includes(state)) {
  console.error(`unknown state '${state}'; one of: ${STATE_NAMES.join(', ')}`);
  process.exit(64);
}

say('starting sshd on loopback with a generated, pinned host key');
const sshd = await startSshd();
say('starting the lab: php-fpm (unix and TCP pools) behind nginx, configs under /tmp');
const lab = await startLab({ web: 'nginx' });
const work = mkdtempSync(join(tmpdir(), 'fpm-medic-demo-'));
let exitCode = 0;
try {
  const inventory = join(work, 'inventory.yaml');
  writeFileSync(
    inventory,
    [
      'hosts:',
      '  lab-1:',
      `    address: ${sshd.address}`,
      `    ssh: { user: ${sshd.user}, port: ${sshd.port}, privateKeyPath: ${sshd.clientKeyPath}, knownHostsPath: ${sshd.knownHostsPath} }`,
      `    web: { kind: nginx, config: ${lab.webConfigFile} }`,
      '',
    ].join('\n'),
  );
  say(`putting the lab into '${state}' for real`);
  const incidentStart = Date.now() / 1000;
  const induced = await lab.induce(state);
  const cli = join(root, 'bin/fpm-medic.js');
  // The window starts with the incident, as an engineer paged at its start would ask.
  const since = String(incidentStart);
  say('fpm-medic diagnose lab-1   (inventory: address + ssh only; FPM and nginx are discovered on the host)');
  const run = spawnSync(
    process.execPath,
    [cli, 'diagnose', 'lab-1', '--inventory', inventory, '--since', since],
    {
      stdio: 'inherit',
    },
  );
  say(
    `exit code ${run.status} (0 healthy, 1 warning, 2 critical, 3 unknown); the facts behind it: fpm-medic probe lab-1`,
  );
  // The diagnosis ran; its verdict is the demo's output, not a failure of the demo.
  exitCode = run.status !== null && run.status <= 3 ? 0 : 1;
  await induced.end();
} finally {
  say('tearing the lab down');
  await lab.stop();
  await sshd.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
