import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyChangedError, HostKeyUnknownError } from '../../../src/transport/errors.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { keygen, type SshdLab, startSshd } from '../../lab/sshd.js';
import { labTarget, loginCount, waitFor } from './helpers.js';

let jump: SshdLab;
let target: SshdLab;
const opened: SshTransport[] = [];
const transport = (t: SshTransport): SshTransport => {
  opened.push(t);
  return t;
};

beforeAll(async () => {
  // DEBUG1 makes sshd log each direct-tcpip request, which proves the tunnel was used.
  [jump, target] = await Promise.all([startSshd({ extraConfig: ['LogLevel DEBUG1'] }), startSshd()]);
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await Promise.all([jump?.stop(), target?.stop()]);
});

describe('SshTransport through a jump host (two real sshds)', () => {
  it('reaches the target through the jump, checking both host keys', async () => {
    const t = transport(
      new SshTransport(labTarget(target, { host: 'web-behind', jump: labTarget(jump, { host: 'bastion' }) })),
    );
    const jumpLogins = loginCount(jump);
    const targetLogins = loginCount(target);
    const res = await t.runScript('echo "via:$1"\n', ['ok'], { timeoutMs: 10_000 });
    expect(res.stdout).toBe('via:ok\n');
    expect(loginCount(jump) - jumpLogins).toBe(1);
    expect(loginCount(target) - targetLogins).toBe(1);
    const tunnel = new RegExp(`direct_tcpip: originator .* target 127\\.0\\.0\\.1 port ${target.port}\\b`);
    // sshd's stderr reaches us asynchronously; poll instead of assuming it already arrived.
    await waitFor('jump sshd logged the tunnel', () => tunnel.test(jump.log()), 5_000);
    // Reused: a second run opens no new connection on either hop.
    await t.runScript('true\n', [], { timeoutMs: 10_000 });
    expect(loginCount(jump) - jumpLogins).toBe(1);
    expect(loginCount(target) - targetLogins).toBe(1);
  });

  it('refuses an unknown jump host key, naming the jump host', async () => {
    const empty = join(jump.dir, 'known_hosts.empty');
    await writeFile(empty, '');
    const t = transport(
      new SshTransport(
        labTarget(target, {
          host: 'web-behind',
          jump: labTarget(jump, { host: 'bastion', knownHostsPath: empty }),
        }),
      ),
    );
    const err = await t.runScript('true\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    expect((err as HostKeyUnknownError).details.host).toBe('bastion');
    expect((err as HostKeyUnknownError).lineToAdd).toBe(`[127.0.0.1]:${jump.port} ${jump.hostPublicKey}`);
  });

  it('refuses a changed target key behind a trusted jump', async () => {
    const otherPub = await keygen(join(target.dir, 'impostor'));
    const wrong = join(target.dir, 'known_hosts.wrong');
    await writeFile(wrong, `[127.0.0.1]:${target.port} ${otherPub}\n`);
    const before = loginCount(target);
    const t = transport(
      new SshTransport(
        labTarget(target, {
          host: 'web-behind',
          knownHostsPath: wrong,
          jump: labTarget(jump, { host: 'bastion' }),
        }),
      ),
    );
    const err = await t.runScript('true\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    expect((err as HostKeyChangedError).details.host).toBe('web-behind');
    expect(loginCount(target)).toBe(before);
  });
});
