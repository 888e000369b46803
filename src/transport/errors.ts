/**
 * Transport failures, one class per kind so the CLI, Slack and the report can say what went wrong
 * (and what to do) without matching message text. Codes are stable: they appear in JSON reports.
 */
import { FpmMedicError } from '../util/errors.js';

/** The inventory names an environment variable for the key's passphrase that is not set. */
export class SshPassphraseUnsetError extends FpmMedicError {
  constructor(host: string, variable: string) {
    super(
      'SSH_PASSPHRASE_UNSET',
      `host ${host}: ssh.passphraseEnv names ${variable}, which is not set in fpm-medic's environment`,
    );
  }
}

/** An argument failed SAFE_ARG; nothing was sent to the host. */
export class UnsafeArgumentError extends FpmMedicError {
  constructor(message: string) {
    super('UNSAFE_ARGUMENT', message);
  }
}

export interface HostKeyDetails {
  /** Inventory name of the host. */
  host: string;
  /** Name looked up in known_hosts: `addr` on port 22, `[addr]:port` otherwise. */
  lookupName: string;
  keyType: string;
  /** `SHA256:...` as ssh-keygen -l prints it. */
  fingerprint: string;
  knownHostsPath: string;
}

/** No known_hosts entry for this host: we refuse rather than trust on first use. */
export class HostKeyUnknownError extends FpmMedicError {
  readonly details: HostKeyDetails;
  /** The exact line to append to known_hosts once the fingerprint was checked out of band. */
  readonly lineToAdd: string;
  constructor(details: HostKeyDetails, lineToAdd: string) {
    super(
      'HOST_KEY_UNKNOWN',
      `host key of ${details.host} (${details.lookupName}) is not in ${details.knownHostsPath}: ` +
        `${details.keyType} ${details.fingerprint}. Verify this fingerprint on the host ` +
        `(ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then add this line to ${details.knownHostsPath}: ${lineToAdd}`,
    );
    this.details = details;
    this.lineToAdd = lineToAdd;
  }
}

/** known_hosts pins other key(s) for this host: possible man-in-the-middle or a reinstalled host. */
export class HostKeyChangedError extends FpmMedicError {
  readonly details: HostKeyDetails;
  /** `file:line` of the pinned entries that did not match. */
  readonly knownAt: string[];
  constructor(details: HostKeyDetails, knownAt: string[]) {
    super(
      'HOST_KEY_CHANGED',
      `HOST KEY CHANGED for ${details.host} (${details.lookupName}): it presented ${details.keyType} ` +
        `${details.fingerprint}, which does not match the key(s) pinned at ${knownAt.join(', ')}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled. Confirm the new key ' +
        `out of band, then replace the old entry (ssh-keygen -R '${details.lookupName}' -f ${details.knownHostsPath}).`,
    );
    this.details = details;
    this.knownAt = knownAt;
  }
}

/** The presented key is marked @revoked in known_hosts. */
export class HostKeyRevokedError extends FpmMedicError {
  readonly details: HostKeyDetails;
  constructor(details: HostKeyDetails, revokedAt: string) {
    super(
      'HOST_KEY_REVOKED',
      `host key of ${details.host} (${details.lookupName}) ${details.keyType} ${details.fingerprint} ` +
        `is revoked (${revokedAt})`,
    );
    this.details = details;
  }
}

/** TCP or the SSH handshake did not complete within connectTimeoutMs (host down, firewalled, hung). */
export class ConnectTimeoutError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECT_TIMEOUT', message, options);
  }
}

/** Nothing listens on the SSH port (RST). */
export class ConnectionRefusedError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_REFUSED', message, options);
  }
}

/** No route, or the name does not resolve. */
export class HostUnreachableError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('HOST_UNREACHABLE', message, options);
  }
}

/** The connection dropped while a command was running; the command's outcome is unknown. */
export class ConnectionLostError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONNECTION_LOST', message, options);
  }
}

/** The server refused every authentication method we offered. */
export class AuthError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('AUTH_FAILED', message, options);
  }
}

/** Our own SSH settings are unusable (key file unreadable, no key and no agent). */
export class SshConfigError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SSH_CONFIG_INVALID', message, options);
  }
}

/** The server refused to open a session channel (e.g. MaxSessions) or the exec request. */
export class ChannelError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CHANNEL_FAILED', message, options);
  }
}

/** The caller aborted the run (its process group was killed as on timeout). */
export class RunAbortedError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUN_ABORTED', message, options);
  }
}

/** An SSH failure that fits none of the kinds above; the cause carries ssh2's error. */
export class SshError extends FpmMedicError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SSH_FAILED', message, options);
  }
}

/** Why `ssh.become: sudo` could not start the root shell (BecomeError.reason; stable, in reports). */
export type BecomeFailure = 'password-required' | 'not-allowed' | 'tty-required' | 'sudo-missing' | 'failed';

export interface BecomeDetails {
  /** Inventory name of the host. */
  host: string;
  /** The login user that ran sudo (or fpm-medic's own user for `address: local`). */
  user: string;
  reason: BecomeFailure;
  /** What sudo printed, on one line. */
  said: string;
  /** The exact line to add to the host's sudoers (`visudo -f /etc/sudoers.d/fpm-medic`). */
  sudoersLine: string;
}

const BECOME_WHY: Record<BecomeFailure, string> = {
  'password-required': 'sudo wants a password (fpm-medic never types one: it runs sudo -n)',
  'not-allowed': 'sudo refuses',
  'tty-required': 'sudo insists on a terminal (Defaults requiretty) and fpm-medic never asks for one',
  'sudo-missing': 'sudo is not installed',
  failed: 'sudo failed',
};

/**
 * `ssh.become: sudo` and sudo did not start the root shell: nothing ran on the host. The fix is
 * always the same grant, so the message carries it.
 */
export class BecomeError extends FpmMedicError {
  readonly details: BecomeDetails;
  /** What to do, for the report's `fix`. */
  readonly fix: string;
  constructor(details: BecomeDetails) {
    const install = details.reason === 'sudo-missing' ? 'install sudo (apt-get install sudo), then ' : '';
    const tty = details.reason === 'tty-required' ? ` and Defaults:${details.user} !requiretty` : '';
    const fix =
      `${install}add to sudoers on ${details.host}: ${details.sudoersLine}${tty} ` +
      '(visudo -f /etc/sudoers.d/fpm-medic; it grants root: sh as root can do anything), ' +
      'or set ssh.become: false for a partial report';
    super(
      'BECOME_FAILED',
      `host ${details.host}: ssh.become: sudo as ${details.user}: ${BECOME_WHY[details.reason]}; ` +
        `sudo said: ${details.said}; the sudoers line to add: ${details.sudoersLine}`,
    );
    this.details = details;
    this.fix = fix;
  }
}
