/** Everything needed to reach one host over SSH, resolved from the inventory. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface SshTarget {
  /** Inventory name, used in every message. */
  host: string;
  /** What we connect to, and the name looked up in known_hosts (as ssh(1) does with HostName). */
  address: string;
  /** Default 22. */
  port?: number;
  user: string;
  /** `~/` is expanded. At least one of privateKeyPath and agent is needed. */
  privateKeyPath?: string;
  passphrase?: string;
  /** true: use $SSH_AUTH_SOCK; a string: that agent socket. */
  agent?: boolean | string;
  /** `~/` is expanded. Read at every connect so an operator's fix takes effect without a restart. */
  knownHostsPath: string;
  /** Look the key up under this name instead of the address (ssh's HostKeyAlias). */
  hostKeyAlias?: string;
  /** TCP connect + SSH handshake + auth. Default 10 s. */
  connectTimeoutMs?: number;
  /** SSH-level keepalive so a silently dead peer is noticed; 0 disables. Default 15 s. */
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection is declared lost. Default 3. */
  keepaliveCountMax?: number;
  /**
   * Concurrent channels on this connection. Default 8: with the 2 channels kept for killing
   * timed-out runs (KILL_CHANNELS) that is OpenSSH's default MaxSessions of 10. Keep it at
   * MaxSessions - 2 or below.
   */
  maxChannels?: number;
  /**
   * Reach the host through this one (ProxyJump): a direct-tcpip channel on the jump connection
   * carries the target's SSH session. Both hops' host keys are verified, each against its own
   * knownHostsPath.
   */
  jump?: SshTarget;
  /**
   * 'sudo': every script runs as root through `sudo -n` (become.ts), and so does the kill of a
   * timed-out run. Only the target's own setting counts; a jump host only forwards.
   */
  become?: 'sudo';
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_KEEPALIVE_INTERVAL_MS = 15_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
export const DEFAULT_MAX_CHANNELS = 8;

export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

export function describeTarget(t: SshTarget): string {
  const via = t.jump ? ` via ${t.jump.host}` : '';
  const become = t.become ? `, become ${t.become}` : '';
  return `${t.host} (${t.user}@${t.address}:${t.port ?? 22}${via}${become})`;
}
