/**
 * OpenSSH known_hosts, parsed and checked the way ssh(1) does, with one difference on purpose:
 * an unknown host is refused (never trust-on-first-use) and the refusal carries the line to add.
 * Pure: no I/O, so it is tested on files produced by real ssh-keygen.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface KnownHostsEntry {
  /** 1-based line number, for messages that point the operator at the file. */
  line: number;
  marker: 'revoked' | null;
  /** Plain patterns (may contain `*`, `?`, `!negation`, `[host]:port`), or null for a hashed entry. */
  patterns: string[] | null;
  /** `|1|salt|hash` entries: HMAC-SHA1 of the lookup name keyed with the salt. */
  hashed: { salt: Buffer; hash: Buffer } | null;
  keyType: string;
  key: Buffer;
}

export interface KnownHostsIssue {
  line: number;
  reason: string;
}

export interface ParsedKnownHosts {
  entries: KnownHostsEntry[];
  /** Lines ssh(1) would also ignore; surfaced so a typo does not silently un-pin a host. */
  skipped: KnownHostsIssue[];
}

export function parseKnownHosts(text: string): ParsedKnownHosts {
  const entries: KnownHostsEntry[] = [];
  const skipped: KnownHostsIssue[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    let marker: KnownHostsEntry['marker'] = null;
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') {
        marker = 'revoked';
      } else if (m === '@cert-authority') {
        // Host certificates are not supported by ssh2's host verification; a CA line can never
        // vouch for a plain key, so ignoring it cannot accept anything it should not.
        skipped.push({ line: lineNo, reason: '@cert-authority entries are not supported (ignored)' });
        return;
      } else {
        skipped.push({ line: lineNo, reason: `unknown marker ${m}` });
        return;
      }
    }
    const [hostField, keyType, keyB64] = fields;
    if (!hostField || !keyType || !keyB64) {
      skipped.push({ line: lineNo, reason: 'expected: hosts keytype base64-key [comment]' });
      return;
    }
    const key = decodeBase64Strict(keyB64);
    if (!key || readKeyType(key) !== keyType) {
      skipped.push({ line: lineNo, reason: `key is not valid base64 for type ${keyType}` });
      return;
    }
    if (hostField.startsWith('|')) {
      const hashed = parseHashedHost(hostField);
      if (!hashed) {
        skipped.push({ line: lineNo, reason: 'malformed hashed host (expected |1|salt|hash)' });
        return;
      }
      entries.push({ line: lineNo, marker, patterns: null, hashed, keyType, key });
      return;
    }
    entries.push({ line: lineNo, marker, patterns: hostField.split(','), hashed: null, keyType, key });
  });
  return { entries, skipped };
}

function parseHashedHost(field: string): KnownHostsEntry['hashed'] {
  const parts = field.split('|');
  // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return null;
  const salt = decodeBase64Strict(parts[2] ?? '');
  const hash = decodeBase64Strict(parts[3] ?? '');
  if (!salt || !hash || salt.length !== 20 || hash.length !== 20) return null;
  return { salt, hash };
}

function decodeBase64Strict(s: string): Buffer | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s)) return null;
  const buf = Buffer.from(s, 'base64');
  return buf.length > 0 ? buf : null;
}

/** The key type embedded in an SSH public key blob (first length-prefixed string). */
export function readKeyType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || 4 + len > blob.length) return null;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:<base64 without padding>`, byte-for-byte what `ssh-keygen -l` prints. */
export function fingerprintSha256(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The name ssh(1) looks up: the bare address on port 22, `[address]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

/**
 * ssh(1)'s match_hostname: a host matches when some non-negated pattern matches and no negated
 * one does.
 */
function matchesPatterns(patterns: readonly string[], name: string): boolean {
  let positive = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (globToRegExp(p.slice(1)).test(name)) return false;
    } else if (globToRegExp(p).test(name)) {
      positive = true;
    }
  }
  return positive;
}

function matchesHashed(hashed: NonNullable<KnownHostsEntry['hashed']>, name: string): boolean {
  const mac = createHmac('sha1', hashed.salt).update(name).digest();
  return timingSafeEqual(mac, hashed.hash);
}

export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hashed) return matchesHashed(entry.hashed, name);
  return entry.patterns !== null && matchesPatterns(entry.patterns, name);
}

export type HostKeyVerdict =
  | { status: 'accepted'; entry: KnownHostsEntry }
  | { status: 'unknown'; lookupName: string; keyType: string; fingerprint: string; lineToAdd: string }
  | {
      status: 'changed';
      lookupName: string;
      keyType: string;
      fingerprint: string;
      /** The pinned entries for this host, none of which holds the presented key. */
      known: KnownHostsEntry[];
    }
  | { status: 'revoked'; lookupName: string; keyType: string; fingerprint: string; entry: KnownHostsEntry };

export interface VerifyHostKeyInput {
  knownHosts: ParsedKnownHosts;
  address: string;
  port: number;
  /** Raw SSH public key blob, as ssh2's hostVerifier passes it. */
  key: Buffer;
}

/**
 * Any pinned key for the host that is not the presented one makes it "changed", even of another
 * type: SshTransport asks the server for the pinned types first, so a server that answers with a
 * different type no longer has the pinned key, and that deserves the loud message.
 */
export function verifyHostKey({ knownHosts, address, port, key }: VerifyHostKeyInput): HostKeyVerdict {
  const lookupName = knownHostsName(address, port);
  const keyType = readKeyType(key) ?? 'unknown-key-type';
  const fingerprint = fingerprintSha256(key);
  const forHost = knownHosts.entries.filter((e) => entryMatchesHost(e, lookupName));
  // Stricter than ssh(1), which only honours @revoked lines whose patterns match the host: a key
  // revoked for any host is not one we want to trust for another.
  const revoked = knownHosts.entries.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { status: 'revoked', lookupName, keyType, fingerprint, entry: revoked };
  const pinned = forHost.filter((e) => e.marker === null);
  const match = pinned.find((e) => e.key.equals(key));
  if (match) return { status: 'accepted', entry: match };
  if (pinned.length > 0) return { status: 'changed', lookupName, keyType, fingerprint, known: pinned };
  return {
    status: 'unknown',
    lookupName,
    keyType,
    fingerprint,
    lineToAdd: `${lookupName} ${keyType} ${key.toString('base64')}`,
  };
}

/** Key types pinned for the host, in file order: offered first so the server presents one of them. */
export function pinnedKeyTypes(knownHosts: ParsedKnownHosts, address: string, port: number): string[] {
  const name = knownHostsName(address, port);
  const types: string[] = [];
  for (const e of knownHosts.entries) {
    if (e.marker === null && entryMatchesHost(e, name) && !types.includes(e.keyType)) types.push(e.keyType);
  }
  return types;
}
