/**
 * The inventory file's shape (DESIGN.md "Inventory"). Every message is written as "expected ..."
 * because the reporter (issues.ts) appends ", got <value>" and the file position; the messages are
 * what an operator reads, so they say what to write, not what zod checked.
 */
import { z } from 'zod';
import { UNKNOWN_KEY } from '../util/zod-issues.js';
import {
  commandWords,
  ENV_NAME_RE,
  isHealthUrl,
  isHostAddress,
  LABEL_KEY_RE,
  LABEL_VALUE_RE,
  LOCAL_PATH_RE,
  NAME_EXPECTED,
  NAME_RE,
  PROGRAM_NAME_RE,
  parseSelfAddress,
  REMOTE_PATH_RE,
  USER_RE,
} from './values.js';

/**
 * A strict object whose unknown keys are reported one by one at the key itself (z.strictObject
 * reports them together on the parent), carrying the valid keys for the suggestion.
 */
export function strict<T extends z.core.$ZodLooseShape>(shape: T, expected: string) {
  return z.object(shape, { error: `expected ${expected}` }).catchall(
    z.custom<unknown>(() => false, {
      error: 'unknown key',
      params: { kind: UNKNOWN_KEY, known: Object.keys(shape) },
    }),
  );
}

function text(expected: string, ok: (value: string) => boolean) {
  const error = `expected ${expected}`;
  return z.string({ error }).refine(ok, { error });
}

function intBetween(min: number, max: number, what = `an integer ${min}-${max}`) {
  const error = `expected ${what}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const byRegex = (re: RegExp) => (value: string) => re.test(value);

export const nameSchema = text(NAME_EXPECTED, byRegex(NAME_RE));

const ADDRESS_EXPECTED = 'a hostname, an IPv4/IPv6 address or "local"';
export const addressSchema = text(ADDRESS_EXPECTED, isHostAddress);

const LOCAL_PATH_EXPECTED = 'an absolute path or one starting with "~/", without spaces or shell characters';
const localPath = text(LOCAL_PATH_EXPECTED, byRegex(LOCAL_PATH_RE));

const REMOTE_PATH_EXPECTED =
  'an absolute path on the host (starting with "/"), without spaces or shell characters';
const remotePath = text(REMOTE_PATH_EXPECTED, byRegex(REMOTE_PATH_RE));

const portSchema = intBetween(1, 65535);
const userSchema = text('a login name (letters, digits, ".", "_", "-"; max 32)', byRegex(USER_RE));

const AGENT_EXPECTED = 'true, false, or the absolute or "~/" path of an ssh-agent socket';
const agentSchema = z.union(
  [z.boolean({ error: `expected ${AGENT_EXPECTED}` }), text(AGENT_EXPECTED, byRegex(LOCAL_PATH_RE))],
  { error: `expected ${AGENT_EXPECTED}` },
);

const jumpObjectSchema = strict(
  {
    address: text('a hostname or an IPv4/IPv6 address', (v) => v !== 'local' && isHostAddress(v)),
    port: portSchema.optional(),
    user: userSchema.optional(),
  },
  'a map with address and optional port, user',
);

const JUMP_EXPECTED =
  'the name of another inventory host, a map {address, port, user}, or false to connect directly';
const jumpSchema = z.union(
  [
    z.literal(false, { error: `expected ${JUMP_EXPECTED}` }),
    text(JUMP_EXPECTED, byRegex(NAME_RE)),
    jumpObjectSchema,
  ],
  { error: `expected ${JUMP_EXPECTED}` },
);

const BECOME_EXPECTED =
  '"sudo" (run each script as root through `sudo -n`) or false (run as the SSH user, the default)';
const becomeSchema = z.union(
  [
    z.literal('sudo', { error: `expected ${BECOME_EXPECTED}` }),
    z.literal(false, { error: `expected ${BECOME_EXPECTED}` }),
  ],
  { error: `expected ${BECOME_EXPECTED}` },
);

export const sshSchema = strict(
  {
    user: userSchema.optional(),
    port: portSchema.optional(),
    privateKeyPath: localPath.optional(),
    knownHostsPath: localPath.optional(),
    agent: agentSchema.optional(),
    passphraseEnv: text(
      'the name of an environment variable holding the key passphrase (e.g. FPM_MEDIC_KEY_PASSPHRASE), ' +
        'not the passphrase itself',
      byRegex(ENV_NAME_RE),
    ).optional(),
    connectTimeoutMs: intBetween(100, 300_000, 'an integer number of milliseconds 100-300000').optional(),
    commandTimeoutMs: intBetween(100, 3_600_000, 'an integer number of milliseconds 100-3600000').optional(),
    // OpenSSH's default MaxSessions is 10; one is left free for a person who logs in by hand.
    maxChannels: intBetween(1, 9).optional(),
    jump: jumpSchema.optional(),
    become: becomeSchema.optional(),
  },
  'a map of SSH settings',
);

const labelsSchema = z.record(
  text("a label name of letters, digits, '.', '_', '/' or '-' (max 63)", byRegex(LABEL_KEY_RE)),
  text(
    "a label value of 1-63 letters, digits, '.', '_', ':', '/', '@', '+' or '-' (quote numbers: \"1\")",
    byRegex(LABEL_VALUE_RE),
  ),
  { error: 'expected a map of label name -> value' },
);

const SELF_ADDRESS_EXPECTED =
  'an IP address, or host:port (e.g. 203.0.113.10, [2001:db8::1]:443, www.example.com:443)';
const selfAddressesSchema = z.array(
  text(SELF_ADDRESS_EXPECTED, (v) => parseSelfAddress(v) !== undefined),
  { error: 'expected a list of IP addresses or host:port' },
);

/** fpm.reload / fpm.start: a command as words, run as given on the host (never through a shell). */
function commandSchema(example: string) {
  const expected =
    `a command as plain words (e.g. "${example}") or a list of words; ` +
    'quotes, $, ;, |, &, redirections and globs are not allowed';
  return z.union(
    [
      text(expected, (v) => commandWords(v) !== undefined),
      z
        .array(z.string({ error: `expected ${expected}` }), { error: `expected ${expected}` })
        .refine((v) => commandWords(v) !== undefined, { error: `expected ${expected}` }),
    ],
    { error: `expected ${expected}` },
  );
}
const reloadSchema = commandSchema('systemctl reload php8.2-fpm');
const startSchema = commandSchema('systemctl start php8.2-fpm');
const webReloadSchema = commandSchema('systemctl reload nginx');

const fpmSchema = strict(
  {
    config: remotePath.optional(),
    reload: reloadSchema.optional(),
    start: startSchema.optional(),
    binary: text(
      'an absolute path on the host or a program name (e.g. php-fpm8.2)',
      (v) => REMOTE_PATH_RE.test(v) || PROGRAM_NAME_RE.test(v),
    ).optional(),
    pools: z
      .array(nameSchema, { error: 'expected a list of pool names' })
      .min(1, { error: 'expected at least one pool name (omit pools to diagnose every pool)' })
      .optional(),
  },
  'a map of FPM settings',
);

const webSchema = strict(
  {
    kind: z.enum(['nginx', 'apache'], { error: 'expected "nginx" or "apache"' }).optional(),
    config: remotePath.optional(),
    errorLog: remotePath.optional(),
    healthUrl: text(
      'an http:// or https:// URL without credentials, query string or spaces (e.g. http://127.0.0.1/health.php)',
      isHealthUrl,
    ).optional(),
    reload: webReloadSchema.optional(),
  },
  'a map of web server settings',
);

export const hostSchema = strict(
  {
    address: addressSchema,
    ssh: sshSchema.optional(),
    labels: labelsSchema.optional(),
    selfAddresses: selfAddressesSchema.optional(),
    fpm: fpmSchema.optional(),
    web: webSchema.optional(),
  },
  'a map of host settings with at least an address',
);

const membersSchema = z.array(nameSchema, { error: 'expected a list of host names' }).min(1, {
  error: 'expected at least one host name',
});

const groupObjectSchema = strict(
  { hosts: membersSchema, ssh: sshSchema.optional(), labels: labelsSchema.optional() },
  'a map with hosts and optional ssh, labels',
);

const GROUP_EXPECTED = 'a list of host names, or a map {hosts, ssh, labels}';
export const groupSchema = z.union([membersSchema, groupObjectSchema], {
  error: `expected ${GROUP_EXPECTED}`,
});

export const inventorySchema = strict(
  {
    defaults: strict(
      { ssh: sshSchema.optional(), labels: labelsSchema.optional() },
      'a map with optional ssh, labels',
    ).optional(),
    hosts: z.record(nameSchema, hostSchema, { error: 'expected a map of host name -> host settings' }),
    groups: z
      .record(nameSchema, groupSchema, { error: 'expected a map of group name -> list of host names' })
      .optional(),
  },
  'a map with hosts and optional defaults, groups',
);

/** Drops the catch-all index signature the unknown-key check adds, so known keys keep their types. */
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

export type SshSettings = Known<z.infer<typeof sshSchema>>;
export type JumpSetting = NonNullable<SshSettings['jump']>;
export type Labels = z.infer<typeof labelsSchema>;
export type HostSettings = z.infer<typeof hostSchema>;
export type GroupSettings = z.infer<typeof groupSchema>;
export type InventoryFile = z.infer<typeof inventorySchema>;
