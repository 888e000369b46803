/**
 * From a resolved inventory host to what the SSH transport connects with. The passphrase is read
 * from the environment here, at connect time, so it never sits in the Inventory object (which is
 * logged, serialised into jobs and shown in reports).
 */
import type { ResolvedHost, ResolvedSsh } from '../config/types.js';
import { SshPassphraseUnsetError } from './errors.js';
import type { SshTarget } from './ssh-target.js';

export function sshTargetOf(
  host: ResolvedHost,
  env: Readonly<Record<string, string | undefined>> = process.env,
): SshTarget | null {
  if (host.local || !host.ssh) return null;
  const t = target(host.name, host.address, host.ssh, env);
  if (host.become) t.become = host.become;
  return t;
}

function target(
  name: string,
  address: string,
  ssh: ResolvedSsh,
  env: Readonly<Record<string, string | undefined>>,
): SshTarget {
  const t: SshTarget = {
    host: name,
    address,
    port: ssh.port,
    user: ssh.user,
    knownHostsPath: ssh.knownHostsPath,
    agent: ssh.agent,
    connectTimeoutMs: ssh.connectTimeoutMs,
    maxChannels: ssh.maxChannels,
  };
  if (ssh.privateKeyPath) t.privateKeyPath = ssh.privateKeyPath;
  if (ssh.passphraseEnv) {
    const passphrase = env[ssh.passphraseEnv];
    if (passphrase === undefined || passphrase === '') {
      throw new SshPassphraseUnsetError(name, ssh.passphraseEnv);
    }
    t.passphrase = passphrase;
  }
  if (ssh.jump) {
    // An inline jump has no inventory name; its address is what an operator recognises.
    t.jump = target(ssh.jump.name ?? ssh.jump.address, ssh.jump.address, ssh.jump.ssh, env);
  }
  return t;
}
