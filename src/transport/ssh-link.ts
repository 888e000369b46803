/**
 * One authenticated SSH connection (possibly through jump hosts), with the host key checked
 * against known_hosts on every hop, and a lifecycle that never lets a socket error escape.
 *
 * node-ssh does the connect; it removes its own `error` listener once the connection is ready,
 * after which an `error` event on the ssh2 Client would be an uncaught exception. So we attach
 * `error`/`end`/`close` listeners to the Client for its whole life, right after node-ssh creates
 * it, and turn any of them into "lost" for whoever is running on the link.
 */

import { readFile } from 'node:fs/promises';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import {
  AuthError,
  ConnectionLostError,
  ConnectionRefusedError,
  ConnectTimeoutError,
  HostKeyChangedError,
  type HostKeyDetails,
  HostKeyRevokedError,
  HostKeyUnknownError,
  HostUnreachableError,
  SshConfigError,
  SshError,
} from './errors.js';
import { type ParsedKnownHosts, parseKnownHosts, pinnedKeyTypes, verifyHostKey } from './known-hosts.js';
import type { RemoteBackstop } from './remote-command.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_COUNT_MAX,
  DEFAULT_KEEPALIVE_INTERVAL_MS,
  describeTarget,
  expandHome,
  type SshTarget,
} from './ssh-target.js';

export interface SshLink {
  readonly target: SshTarget;
  readonly client: Client;
  readonly alive: boolean;
  /** What the host offers as a remote backstop, learnt from the first run on this connection. */
  backstop: RemoteBackstop;
  /** Called once when the connection (or a hop under it) goes away. Returns an unsubscribe. */
  onLost(listener: (err: ConnectionLostError) => void): () => void;
  close(): void;
}

/** Host key algorithms ssh2 offers by default, in its order (ssh-dss only when pinned). */
const DEFAULT_HOST_KEY_ALGOS: ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Like ssh(1), ask for the key types already pinned for this host first; otherwise a server with
 * both an ed25519 and an RSA key, pinned by its RSA key, would present ed25519 and be refused.
 */
export function hostKeyAlgorithms(pinnedTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const preferred: ServerHostKeyAlgorithm[] = [];
  for (const t of pinnedTypes) {
    const algos: ServerHostKeyAlgorithm[] =
      t === 'ssh-rsa'
        ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']
        : t === 'ssh-dss'
          ? ['ssh-dss']
          : DEFAULT_HOST_KEY_ALGOS.includes(t as ServerHostKeyAlgorithm)
            ? [t as ServerHostKeyAlgorithm]
            : [];
    for (const a of algos) if (!preferred.includes(a)) preferred.push(a);
  }
  return [...preferred, ...DEFAULT_HOST_KEY_ALGOS.filter((a) => !preferred.includes(a))];
}

async function loadKnownHosts(path: string): Promise<ParsedKnownHosts> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (err) {
    // A missing file pins nothing: every host is then "unknown", and that error names the file
    // and the line to put in it, which is the most useful thing to tell the operator.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skipped: [] };
    throw new SshConfigError(`cannot read known_hosts ${path}: ${(err as Error).message}`, { cause: err });
  }
}

async function loadAuth(
  target: SshTarget,
): Promise<Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'>> {
  const auth: Pick<ConnectConfig, 'privateKey' | 'passphrase' | 'agent'> = {};
  if (target.privateKeyPath) {
    const path = expandHome(target.privateKeyPath);
    try {
      auth.privateKey = await readFile(path, 'utf8');
    } catch (err) {
      throw new SshConfigError(
        `cannot read private key ${path} for ${target.host}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (target.passphrase !== undefined) auth.passphrase = target.passphrase;
  }
  if (target.agent) {
    const sock = typeof target.agent === 'string' ? target.agent : process.env['SSH_AUTH_SOCK'];
    if (sock) auth.agent = sock;
  }
  if (!auth.privateKey && !auth.agent) {
    throw new SshConfigError(
      `no credentials for ${target.host}: set ssh.privateKeyPath, or ssh.agent with SSH_AUTH_SOCK set`,
    );
  }
  return auth;
}

function mapConnectError(err: unknown, target: SshTarget, timeoutMs: number): Error {
  const e = err as Error & { code?: string; level?: string };
  const where = describeTarget(target);
  const code = e?.code ?? '';
  const message = e?.message ?? String(err);
  if (code === 'ECONNREFUSED') {
    return new ConnectionRefusedError(
      `${where}: connection refused (is sshd running and listening on port ${target.port ?? 22}?)`,
      { cause: err },
    );
  }
  if (['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(code)) {
    return new HostUnreachableError(`${where}: unreachable (${code}: ${message})`, { cause: err });
  }
  if (
    message === 'Timed out while waiting for handshake' ||
    (code === 'ETIMEDOUT' && message !== 'No response from server')
  ) {
    return new ConnectTimeoutError(
      `${where}: no SSH handshake within ${timeoutMs} ms (host down, firewalled, or not answering)`,
      { cause: err },
    );
  }
  if (e?.level === 'client-authentication') {
    return new AuthError(`${where}: authentication refused for user ${target.user} (${message})`, {
      cause: err,
    });
  }
  if (message === 'Connection lost before handshake' || message === 'No response from server') {
    return new ConnectionLostError(`${where}: the server closed the connection during the handshake`, {
      cause: err,
    });
  }
  if (/privateKey|passphrase|Cannot parse/i.test(message)) {
    return new SshConfigError(`${where}: private key unusable (${message})`, { cause: err });
  }
  return new SshError(`${where}: ${message}`, { cause: err });
}

class Link implements SshLink {
  backstop: RemoteBackstop = 'detect';
  private readonly listeners = new Set<(err: ConnectionLostError) => void>();
  private lostErr: ConnectionLostError | null = null;
  private closing = false;

  constructor(
    readonly target: SshTarget,
    readonly client: Client,
    private readonly hop: SshLink | null,
  ) {
    hop?.onLost((err) => this.markLost(err.message));
  }

  get alive(): boolean {
    return this.lostErr === null;
  }

  onLost(listener: (err: ConnectionLostError) => void): () => void {
    if (this.lostErr) {
      const err = this.lostErr;
      queueMicrotask(() => listener(err));
      return () => {};
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  markLost(reason: string, cause?: unknown): void {
    if (this.lostErr) return;
    const why = this.closing ? 'closed by fpm-medic' : reason;
    this.lostErr = new ConnectionLostError(`connection to ${describeTarget(this.target)} lost: ${why}`, {
      cause,
    });
    for (const l of [...this.listeners]) l(this.lostErr);
    this.listeners.clear();
    // Nothing more can come from a lost connection; make sure its socket (and the hop's) goes.
    this.client.destroy();
    this.hop?.close();
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.client.end();
    // end() waits for the peer; a hung peer must not keep the socket (and the process) alive.
    setTimeout(() => this.markLost('closed by fpm-medic'), 1000).unref();
  }
}

/** Attaches lifelong listeners to a Client before any of its events can fire unhandled. */
function watch(client: Client, onGone: (reason: string, cause?: unknown) => void): void {
  client.on('error', (err: Error) => onGone(err.message, err));
  client.on('end', () => onGone('the server ended the connection'));
  client.on('close', () => onGone('the connection closed'));
}

function forwardOut(hop: SshLink, target: SshTarget, timeoutMs: number): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(
        new ConnectTimeoutError(
          `${describeTarget(target)}: jump host ${hop.target.host} did not open a tunnel within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = hop.onLost((err) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
    hop.client.forwardOut('127.0.0.1', 0, target.address, target.port ?? 22, (err, stream) => {
      unsubscribe();
      if (done) {
        stream?.close();
        return;
      }
      done = true;
      clearTimeout(timer);
      if (err) {
        reject(
          new HostUnreachableError(
            `${describeTarget(target)}: jump host ${hop.target.host} could not reach it (${err.message})`,
            { cause: err },
          ),
        );
        return;
      }
      resolve(stream);
    });
  });
}

/**
 * Connects `target` (through its jump chain), verifying every hop's host key. The whole chain
 * shares one deadline of the target's connectTimeoutMs.
 */
export async function connectLink(target: SshTarget, deadline?: number): Promise<SshLink> {
  const timeoutMs = target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const end = deadline ?? Date.now() + timeoutMs;
  const knownHostsPath = expandHome(target.knownHostsPath);
  const port = target.port ?? 22;
  const [knownHosts, auth] = await Promise.all([loadKnownHosts(knownHostsPath), loadAuth(target)]);
  const lookupAddress = target.hostKeyAlias ?? target.address;

  const hop = target.jump ? await connectLink(target.jump, end) : null;
  let sock: ClientChannel | undefined;
  try {
    if (hop) sock = await forwardOut(hop, target, Math.max(1, end - Date.now()));
  } catch (err) {
    hop?.close();
    throw err;
  }

  // ssh2 reports a refused key only as "Host denied (verification failed)"; the verifier keeps
  // the precise reason so the caller gets the fingerprint and the fix.
  let refusal: Error | null = null;
  const hostVerifier = (key: Buffer): boolean => {
    const verdict = verifyHostKey({ knownHosts, address: lookupAddress, port, key });
    if (verdict.status === 'accepted') return true;
    const details: HostKeyDetails = {
      host: target.host,
      lookupName: verdict.lookupName,
      keyType: verdict.keyType,
      fingerprint: verdict.fingerprint,
      knownHostsPath,
    };
    if (verdict.status === 'unknown') refusal = new HostKeyUnknownError(details, verdict.lineToAdd);
    else if (verdict.status === 'changed') {
      refusal = new HostKeyChangedError(
        details,
        verdict.known.map((e) => `${knownHostsPath}:${e.line}`),
      );
    } else refusal = new HostKeyRevokedError(details, `${knownHostsPath}:${verdict.entry.line}`);
    return false;
  };

  const remaining = Math.max(1, end - Date.now());
  const config: ConnectConfig & { privateKey?: string } = {
    username: target.user,
    port,
    hostVerifier,
    readyTimeout: remaining,
    keepaliveInterval: target.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: target.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
    algorithms: { serverHostKey: hostKeyAlgorithms(pinnedKeyTypes(knownHosts, lookupAddress, port)) },
    ...(auth as { privateKey?: string }),
  };
  if (sock) config.sock = sock;
  else config.host = target.address;

  const ssh = new NodeSSH();
  let gone: { reason: string; cause?: unknown } | null = null;
  let link: Link | null = null;
  const onGone = (reason: string, cause?: unknown): void => {
    if (link) link.markLost(reason, cause);
    else gone ??= { reason, cause };
  };
  // node-ssh creates the Client synchronously when given privateKey (not privateKeyPath), so the
  // listeners are attached before any socket event can fire.
  const connecting = ssh.connect(config);
  let client = ssh.connection;
  if (client) watch(client, onGone);

  let timer: NodeJS.Timeout | undefined;
  const backstop = new Promise<never>((_, reject) => {
    // ssh2's readyTimeout normally fires first; this covers anything it does not (e.g. a stalled
    // agent), because a hung host must never hang the caller.
    timer = setTimeout(() => {
      ssh.connection?.destroy();
      reject(new ConnectTimeoutError(`${describeTarget(target)}: not connected within ${timeoutMs} ms`));
    }, remaining + 500);
  });
  try {
    await Promise.race([connecting, backstop]);
  } catch (err) {
    ssh.connection?.destroy();
    hop?.close();
    throw refusal ?? (err instanceof ConnectTimeoutError ? err : mapConnectError(err, target, timeoutMs));
  } finally {
    clearTimeout(timer);
    // node-ssh's connect promise may still reject later (e.g. on close); it must not go unhandled.
    connecting.catch(() => {});
  }
  if (!client) {
    client = ssh.connection!;
    watch(client, onGone);
  }
  link = new Link(target, client, hop);
  if (gone) link.markLost((gone as { reason: string }).reason);
  return link;
}
