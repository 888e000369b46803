/**
 * fpm-medic's SSH transport to a lab sshd, pinned to that sshd's host key and logged in with the
 * lab's client key: how every integration test reaches a lab host as production is reached.
 */
import { SshTransport } from '../../src/transport/ssh-transport.js';
import type { SshdLab } from './sshd.js';

export interface LabLogin {
  /** The inventory name the transport reports (default `lab-1`). */
  host?: string;
  /** Who logs in (default the sshd's own user, root). */
  user?: string;
  become?: 'sudo';
}

export function transportTo(sshd: SshdLab, login: LabLogin = {}): SshTransport {
  return new SshTransport({
    host: login.host ?? 'lab-1',
    address: sshd.address,
    port: sshd.port,
    user: login.user ?? sshd.user,
    privateKeyPath: sshd.clientKeyPath,
    knownHostsPath: sshd.knownHostsPath,
    connectTimeoutMs: 5_000,
    ...(login.become ? { become: login.become } : {}),
  });
}
