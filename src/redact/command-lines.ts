/**
 * Passwords on command lines, as `ps -ww` (the runtime probe), cron, systemd units and shell
 * scripts show them: `mysql -pX`, `redis-cli -a X`, `sshpass -p X`, `curl -u user:pw`,
 * `lftp -u user,pw`, `smbclient -U user%pw`, `ldapsearch -w X`, `openssl -passin pass:X`,
 * `htpasswd -b file user pw`, `aws configure set aws_secret_access_key X`.
 *
 * Options mean different things to different tools (`-p` is a password to mysql and sshpass, a
 * port to ssh and redis-cli), so each tool's options are read by its own rules; the option and the
 * user stay, the secret goes. Options named for a secret (`--password X`, `--token=X`) are the
 * assignments' and directives' job and are read for every tool.
 *
 * Linear time: a tool's arguments are read once, word by word, up to the end of its command; the
 * search for the next tool goes on from there.
 */
import { secretKind } from './keys.js';
import { isHarmless, REDACTED } from './values.js';

/** How an option carries its secret. */
type Form =
  /** The whole value: `-a X`, `-pX`. */
  | 'value'
  /** After the user: `user:pw` (curl), `user,pw` (lftp), `user%pw` (Samba). */
  | 'after-user'
  /** OpenSSL's pass phrase argument: `pass:X`; `env:`, `file:`, `fd:` and `stdin` name no secret. */
  | 'openssl-pass';

interface Option {
  form: Form;
  /** The value may be the next word (`-a X`), not only glued to the option (`-pX`). */
  separate: boolean;
  /** For 'after-user': what ends the user. */
  userEnd?: string;
}

interface Tool {
  /** Short options (one letter) and long options (without the dashes) that carry a secret. */
  secrets: Readonly<Record<string, Option>>;
  /** Short options that take a value which is not a secret, so it is not read as an operand. */
  valued?: string;
  /** Where a secret is an operand: its index among the operands, given the short flags seen. */
  secretOperands?: (operands: readonly string[], flags: string) => number[];
  /** The first operand is another command (sshpass ssh ...): its options are not this tool's. */
  wraps?: boolean;
  /** Long options after a single dash (`openssl -passin pass:X`). */
  singleDash?: boolean;
}

const value = (separate: boolean): Option => ({ form: 'value', separate });
const afterUser = (userEnd: string): Option => ({ form: 'after-user', separate: true, userEnd });
const CURL_USER = afterUser(':');
const opensslPass: Option = { form: 'openssl-pass', separate: true };
const OPERAND: Option = { form: 'value', separate: false };

// mysql's -p takes its value glued only: in `mysql -p shop` the password is prompted for.
const MYSQL: Tool = { secrets: { p: value(false) }, valued: 'uhPSDeB' };
const REDIS_CLI: Tool = { secrets: { a: value(true), pass: value(true) }, valued: 'hpnu' };
const MONGO: Tool = { secrets: { p: value(true) }, valued: 'uh' };
const LDAP: Tool = { secrets: { w: value(true) }, valued: 'DHbhpsfoyYUXR' };
const SMB: Tool = { secrets: { U: afterUser('%'), user: afterUser('%') }, valued: 'WIpOsl' };

/** `COMMAND set NAME VALUE`: the value, when the name is a secret's. */
function setOperands(operands: readonly string[], command: string): number[] {
  const at = operands.indexOf(command);
  if (at < 0 || operands[at + 1] !== 'set' || operands.length < at + 4) return [];
  return secretKind(operands[at + 2] ?? '') === 'always' ? [at + 3] : [];
}

const TOOLS: ReadonlyMap<string, Tool> = new Map<string, Tool>([
  ...[
    'mysql',
    'mysqldump',
    'mysqladmin',
    'mysqlcheck',
    'mysqlimport',
    'mysqlshow',
    'mysqlpump',
    'mysqlslap',
    'mysqlbinlog',
    'mariadb',
    'mariadb-dump',
    'mariadb-admin',
    'mariadb-check',
    'mariadb-import',
    'mariadb-show',
    'mariadb-slap',
    'mariadb-binlog',
    'mydumper',
    'myloader',
  ].map((n): [string, Tool] => [n, MYSQL]),
  ...['redis-cli', 'valkey-cli', 'keydb-cli', 'redis-benchmark'].map((n): [string, Tool] => [n, REDIS_CLI]),
  ...[
    'mongo',
    'mongosh',
    'mongodump',
    'mongorestore',
    'mongoexport',
    'mongoimport',
    'mongostat',
    'mongotop',
  ].map((n): [string, Tool] => [n, MONGO]),
  ...[
    'ldapsearch',
    'ldapmodify',
    'ldapadd',
    'ldapdelete',
    'ldapwhoami',
    'ldapcompare',
    'ldapmodrdn',
    'ldapexop',
    'ldappasswd',
  ].map((n): [string, Tool] => [
    n,
    n === 'ldappasswd' ? { ...LDAP, secrets: { ...LDAP.secrets, s: value(true), a: value(true) } } : LDAP,
  ]),
  ...['smbclient', 'rpcclient', 'smbget', 'smbcacls', 'net'].map((n): [string, Tool] => [n, SMB]),
  ['sshpass', { secrets: { p: value(true) }, valued: 'fdP', wraps: true }],
  [
    'curl',
    {
      secrets: {
        u: CURL_USER,
        user: CURL_USER,
        U: CURL_USER,
        'proxy-user': CURL_USER,
        'oauth2-bearer': value(true),
        pass: value(true),
      },
      valued: 'HdXoAeTxrbcFmwCKy',
    },
  ],
  ['lftp', { secrets: { u: afterUser(','), user: afterUser(',') }, valued: 'pef' }],
  [
    'openssl',
    {
      secrets: { passin: opensslPass, passout: opensslPass, pass: opensslPass, k: value(true) },
      singleDash: true,
    },
  ],
  // `-p` is a password to `docker login` only (a port to `docker run`).
  ...[
    'docker login',
    'podman login',
    'nerdctl login',
    'buildah login',
    'skopeo login',
    'helm registry login',
  ].map((n): [string, Tool] => [n, { secrets: { p: value(true) }, valued: 'u' }]),
  [
    'htpasswd',
    {
      secrets: {},
      valued: 'Cr',
      // Batch mode: `htpasswd -b FILE USER PASSWORD`, `htpasswd -nb USER PASSWORD`.
      secretOperands: (operands, flags) => {
        if (!flags.includes('b')) return [];
        const at = flags.includes('n') ? 1 : 2;
        return operands.length > at ? [at] : [];
      },
    },
  ],
  // `aws configure set aws_secret_access_key X`, `npm config set _authToken X`.
  ['aws', { secrets: {}, secretOperands: (o) => setOperands(o, 'configure') }],
  ...['npm', 'yarn', 'pnpm'].map((n): [string, Tool] => [
    n,
    { secrets: {}, secretOperands: (o) => setOperands(o, 'config') },
  ]),
  // `rabbitmqctl add_user NAME PASSWORD`, `rabbitmqctl change_password NAME PASSWORD`.
  [
    'rabbitmqctl',
    {
      secrets: {},
      secretOperands: (o) => ((o[0] === 'add_user' || o[0] === 'change_password') && o.length > 2 ? [2] : []),
    },
  ],
]);

// A tool's name as a command word, with or without its directory: `mysql`, `/usr/bin/mysqldump`.
const TOOL_RE = new RegExp(
  `(?<![\\w./-])(?:[\\w.-]*/)*(${[...TOOLS.keys()]
    .map((n) => n.replace(/[.-]/g, '\\$&').replace(/ /g, '[ \\t]+'))
    .join('|')})(?=[ \\t])`,
  'g',
);
// The first words of the tools' names: a command word that starts another tool's command.
const TOOL_WORDS = new Set([...TOOLS.keys()].map((n) => n.split(' ')[0] ?? n));
// Words that end a command: what follows is another command.
const SEPARATORS = new Set([';', '|', '||', '&&', '&']);
const LINE_END = new Set(['\n', '\r', '\0']);

interface Word {
  start: number;
  end: number;
}

/** The word at `from` (after blanks), with shell quotes kept inside it; undefined at a line's end. */
function nextWord(text: string, from: number): Word | undefined {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  if (i >= text.length || LINE_END.has(text[i] ?? '')) return undefined;
  const start = i;
  let quote = '';
  for (; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (LINE_END.has(ch)) break;
    if (quote) {
      if (ch === quote) quote = '';
      else if (ch === '\\' && quote === '"') i++;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === ' ' || ch === '\t') break;
  }
  return { start, end: Math.min(i, text.length) };
}

interface Mask {
  start: number;
  end: number;
}

/** The secret part of a value, from `start` to `end`: inside its quotes, after the user if so. */
function secretPart(text: string, start: number, end: number, option: Option): Mask | undefined {
  let s = start;
  let e = end;
  const q = text[s];
  if ((q === "'" || q === '"') && e - s >= 2 && text[e - 1] === q) {
    s++;
    e--;
  } else if (q === "'" || q === '"') s++;
  if (option.form === 'after-user') {
    const sep = text.slice(s, e).indexOf(option.userEnd ?? ':');
    if (sep < 0) return undefined;
    s += sep + 1;
  } else if (option.form === 'openssl-pass') {
    if (!text.startsWith('pass:', s)) return undefined;
    s += 'pass:'.length;
  }
  if (s >= e || isHarmless(text.slice(s, e))) return undefined;
  return { start: s, end: e };
}

/** Reads the arguments of one tool from `from`; returns the secrets and where its command ends. */
function readArguments(text: string, from: number, tool: Tool): { masks: Mask[]; next: number } {
  const masks: Mask[] = [];
  const operands: string[] = [];
  const operandWords: Word[] = [];
  let flags = '';
  let optionsDone = false;
  let pending: Option | undefined;
  let at = from;
  for (let word = nextWord(text, at); word; word = nextWord(text, at)) {
    const w = text.slice(word.start, word.end);
    if (SEPARATORS.has(w)) break;
    // Another tool's command (`... | mysql -pX`, a tool named in the arguments): read by its rules.
    if (!pending && TOOL_WORDS.has(w.slice(w.lastIndexOf('/') + 1))) return { masks, next: word.start };
    at = word.end;
    if (pending && !w.startsWith('-')) {
      const m = secretPart(text, word.start, word.end, pending);
      if (m) masks.push(m);
      pending = undefined;
      continue;
    }
    pending = undefined;
    if (!optionsDone && w === '--') {
      optionsDone = true;
      continue;
    }
    const dashes = w.startsWith('--') ? 2 : tool.singleDash ? 1 : 0;
    if (!optionsDone && dashes > 0 && w.length > dashes) {
      const eq = w.indexOf('=');
      const option = tool.secrets[eq < 0 ? w.slice(dashes) : w.slice(dashes, eq)];
      if (!option) continue;
      if (eq < 0) pending = option;
      else {
        const m = secretPart(text, word.start + eq + 1, word.end, option);
        if (m) masks.push(m);
      }
      continue;
    }
    if (!optionsDone && w.startsWith('-') && w.length > 1) {
      // A cluster of short options: `-nbB`, `-uroot`, `-pS3cr3t`; the first one taking a value
      // takes the rest of the word, or the next word.
      for (let i = 1; i < w.length; i++) {
        const letter = w[i] ?? '';
        const option = tool.secrets[letter];
        const glued = i + 1 < w.length;
        if (option) {
          if (glued) {
            const m = secretPart(text, word.start + i + 1, word.end, option);
            if (m) masks.push(m);
          } else if (option.separate) pending = option;
          break;
        }
        if (tool.valued?.includes(letter)) {
          if (!glued) at = nextWord(text, at)?.end ?? at;
          break;
        }
        flags += letter;
      }
      continue;
    }
    if (tool.wraps) return { masks, next: word.start };
    operands.push(w);
    operandWords.push(word);
  }
  for (const i of tool.secretOperands?.(operands, flags) ?? []) {
    const word = operandWords[i];
    const m = word && secretPart(text, word.start, word.end, OPERAND);
    if (m) masks.push(m);
  }
  return { masks, next: at };
}

export function redactCommandLines(text: string): string {
  const re = new RegExp(TOOL_RE.source, 'g');
  const out: string[] = [];
  let copied = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const tool = TOOLS.get((m[1] ?? '').replace(/[ \t]+/g, ' '));
    if (!tool) continue;
    const { masks, next } = readArguments(text, m.index + m[0].length, tool);
    for (const s of masks.sort((a, b) => a.start - b.start)) {
      if (s.start < copied) continue;
      out.push(text.slice(copied, s.start), REDACTED);
      copied = s.end;
    }
    re.lastIndex = Math.max(next, m.index + m[0].length);
  }
  if (copied === 0) return text;
  out.push(text.slice(copied));
  return out.join('');
}
