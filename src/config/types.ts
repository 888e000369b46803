/**
 * The inventory as the rest of fpm-medic sees it: every host with its settings fully merged
 * (defaults < groups < host), paths expanded, references resolved. Nothing downstream needs to
 * know about defaults, groups or "~".
 */
import type { SelfAddress } from './values.js';

export type { SelfAddress };

export interface ResolvedSsh {
  user: string;
  port: number;
  /** "~/" expanded. Absent: only the agent is used. */
  privateKeyPath?: string;
  /** "~/" expanded. Host keys are always checked against it. */
  knownHostsPath: string;
  /** false: no agent; true: the agent at $SSH_AUTH_SOCK (read at connect time); string: socket path. */
  agent: boolean | string;
  /** Name of the environment variable that holds the key's passphrase (never the passphrase). */
  passphraseEnv?: string;
  connectTimeoutMs: number;
  /** Concurrent channels on the one connection; below OpenSSH's MaxSessions (10). */
  maxChannels: number;
  /** Where to connect through first; null connects directly. */
  jump: ResolvedJump | null;
}

export interface ResolvedJump {
  /** Inventory host name when the jump names a host; null for an inline {address, port, user}. */
  name: string | null;
  address: string;
  /** How to log in to the jump host, including its own jump (chains are allowed, cycles not). */
  ssh: ResolvedSsh;
}

/**
 * How scripts run on the host: false as the SSH user (or fpm-medic's own user for `address: local`),
 * 'sudo' as root through `sudo -n` (Ansible's `become`).
 */
export type Become = 'sudo' | false;

export interface ResolvedHost {
  name: string;
  /** Hostname or IP; "local" when `local` is true. */
  address: string;
  /** address "local": probes run on this machine, without SSH. */
  local: boolean;
  /** null for local hosts. */
  ssh: ResolvedSsh | null;
  /** Hard limit for every command run on this host, SSH or local. */
  commandTimeoutMs: number;
  /**
   * ssh.become, for SSH and local hosts alike (like commandTimeoutMs); never applies to a jump
   * host. The inventory always sets it; absent (a host built by hand) is false.
   */
  become?: Become;
  labels: Readonly<Record<string, string>>;
  selfAddresses: readonly SelfAddress[];
  /** Every field absent is discovered on the host. */
  fpm: {
    config?: string;
    /** The reload command as argv words, each safe as a probe argument. */
    reload?: readonly string[];
    /** The command that starts a stopped FPM (fpm-start), as argv words like reload. */
    start?: readonly string[];
    binary?: string;
    pools?: readonly string[];
  };
  web: {
    kind?: 'nginx' | 'apache';
    config?: string;
    errorLog?: string;
    healthUrl?: string;
    /** apply-config's reload of the web server, as argv words like fpm.reload. */
    reload?: readonly string[];
  };
  /** Groups listing this host, in file order. */
  groups: readonly string[];
}

export interface Inventory {
  /** The file name as given, for messages. */
  file: string;
  /** In file order. Maps, not objects: names such as "constructor" must not meet a prototype. */
  hosts: ReadonlyMap<string, ResolvedHost>;
  groups: ReadonlyMap<string, readonly string[]>;
}

export const SSH_DEFAULTS = {
  port: 22,
  knownHostsPath: '~/.ssh/known_hosts',
  agent: false,
  connectTimeoutMs: 10_000,
  commandTimeoutMs: 30_000,
  maxChannels: 8,
  become: false,
} as const;
