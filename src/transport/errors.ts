/**
 * Transport failures, one class per kind so the CLI, Slack and the report can say what went wrong
 * (and what to do) without matching message text. Codes are stable: they appear in JSON reports.
 */
import { FpmMedicError } from '../util/errors.js';

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
