/**
 * Validators for inventory values that later become probe arguments, Slack text or connection
 * parameters. Every accepted character set is a subset of the transport's SAFE_ARG allow-list
 * (src/transport/shell-quote.ts), so a value the inventory accepts is never refused at run time,
 * and nothing accepted can start with "-" (it would read as an option to the tools scripts call).
 */
import { isIP } from 'node:net';

/** Host, group and pool names: shown in Slack and passed as arguments, so kept tame. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const NAME_EXPECTED =
  "a name of 1-63 letters, digits, '.', '_' or '-' starting with a letter or digit";

/** OpenSSH/useradd-compatible login names; no leading '-' so ssh2 never sees an option. */
export const USER_RE = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;

export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const LABEL_KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;
export const LABEL_VALUE_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,62}$/;

// Path characters: the SAFE_ARG set minus '~' (only allowed as the leading "~/"), '%' and '='.
const PATH_CHARS = 'A-Za-z0-9_./:@+,-';
/** Paths on the machine running fpm-medic (keys, known_hosts, agent socket): "~/" is its home. */
export const LOCAL_PATH_RE = new RegExp(`^(?:/|~/)[${PATH_CHARS}]+$`);
/**
 * Paths on the diagnosed host. "~/" is refused: it would mean the SSH user's home there but the
 * bot's home here, and probe arguments are quoted, so no shell would expand it anyway.
 */
export const REMOTE_PATH_RE = new RegExp(`^/[${PATH_CHARS}]+$`);

/** One word of a command line (fpm.reload): what SAFE_ARG accepts, minus a leading '-'. */
export const COMMAND_WORD_RE = /^[A-Za-z0-9_./:@%+=,][A-Za-z0-9_./:@%+=,-]{0,255}$/;
/** A bare program name looked up in PATH on the host (fpm.binary), as an alternative to a path. */
export const PROGRAM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

const HOST_LABEL_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = value.split('.');
  if (!labels.every((l) => HOST_LABEL_RE.test(l))) return false;
  // "10.0.0.300" matches the label syntax; an all-numeric last label means a mistyped IPv4.
  return !/^[0-9]+$/.test(labels[labels.length - 1] ?? '');
}

export function isIpAddress(value: string): boolean {
  // Zone ids ("fe80::1%eth0") are accepted by isIP; the charset keeps them argument-safe.
  return isIP(value) !== 0 && /^[A-Za-z0-9.:%]+$/.test(value);
}

/** address: a hostname, an IPv4/IPv6 address, or "local" (probes run here, without SSH). */
export function isHostAddress(value: string): boolean {
  return value === 'local' || isIpAddress(value) || isHostname(value);
}

export interface SelfAddress {
  host: string;
  /** Absent: any port on that address counts as this site. */
  port?: number;
}

function parsePort(text: string): number | undefined {
  if (!/^[0-9]{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * selfAddresses entries: "203.0.113.10", "203.0.113.10:443", "[2001:db8::1]:443",
 * "www.example.com:443". A bare hostname is refused: matching it against sockets would need a
 * DNS lookup at diagnosis time, whose answer may differ from what the workers resolved.
 */
export function parseSelfAddress(value: string): SelfAddress | undefined {
  if (isIpAddress(value)) return { host: value };
  const bracketed = /^\[([^\]]+)\]:([0-9]+)$/.exec(value);
  if (bracketed) {
    const [, host = '', portText = ''] = bracketed;
    const port = parsePort(portText);
    return isIP(host) === 6 && isIpAddress(host) && port ? { host, port } : undefined;
  }
  const colon = value.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = value.slice(0, colon);
  const port = parsePort(value.slice(colon + 1));
  if (!port || host.includes(':')) return undefined;
  return isIpAddress(host) || isHostname(host) ? { host, port } : undefined;
}

/**
 * web.healthUrl: fetched on the host after a reload. Credentials in the URL are refused (they
 * would be shown in Slack and the audit log), and so is anything SAFE_ARG would refuse, such as
 * '?', '&' and IPv6 brackets.
 */
export function isHealthUrl(value: string): boolean {
  if (!/^https?:\/\/[A-Za-z0-9_./:@%+=,~-]+$/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.username === '' && url.password === '' && url.hostname !== '';
}

/** fpm.reload: a command given as one string of words or a list of words, never shell syntax. */
export function commandWords(value: string | readonly string[]): string[] | undefined {
  const words = typeof value === 'string' ? value.trim().split(/[ ]+/) : [...value];
  if (words.length === 0 || words.length > 32) return undefined;
  return words.every((w) => COMMAND_WORD_RE.test(w)) ? words : undefined;
}
