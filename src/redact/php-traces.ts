/**
 * Arguments in PHP stack traces. Uncaught exceptions print every frame's arguments (PHP < 8.2
 * hides none, 8.2 only those marked #[SensitiveParameter], and not in user code):
 *
 *   #0 /var/www/app/Db.php(12): PDO->__construct('mysql:host=db...', 'shop', 'S3cr3t!', Array)
 *   #1 /var/www/app/Db.php(30): App\Db->open('mysql:host=db...', 'shop', 'S3cr3t!')
 *   #2 [internal function]: ldap_bind(Object(LDAP\Connection), 'cn=admin,dc=ex...', 'Ld4p!')
 *
 * Strings are quoted with ' and not escaped (a quote inside one is printed as is), cut at
 * zend.exception_string_param_max_len (15 by default) with "..." inside the quotes. What is
 * masked: the credential arguments of the functions that take one (by position), every string
 * argument of a function named for a secret (`Redis->auth`, `setPassword`), and in any frame the
 * password that follows a PDO DSN and its user (a wrapper's `open($dsn, $user, $password)`), and
 * that same string wherever else the trace passes it. The host, user and DSN stay: they say which
 * connection failed.
 *
 * Linear time: each frame's arguments are read once, forward, and the search goes on after them;
 * a string not closed on its line runs to the line's end (a truncated log), and is skipped whole.
 */
import { secretKind } from './keys.js';
import { isHarmless, REDACTED } from './values.js';

// Which arguments (0-based) hold a credential, by lower-case function or Class->method name.
const CREDENTIAL_ARGS: ReadonlyMap<string, readonly number[]> = new Map<string, readonly number[]>([
  ['pdo->__construct', [2]],
  ['mysqli_connect', [2]],
  ['mysqli->__construct', [2]],
  ['mysqli->connect', [2]],
  ['mysqli->real_connect', [2]],
  ['mysqli_real_connect', [3]],
  ['mysqli->change_user', [1]],
  ['mysqli_change_user', [2]],
  ['mysql_connect', [2]],
  ['mysql_pconnect', [2]],
  ['ldap_bind', [2]],
  ['ldap_bind_ext', [2]],
  ['ldap_sasl_bind', [2]],
  ['ldap_exop_passwd', [2, 3]],
  ['memcached->setsaslauthdata', [1]],
  ['ftp_login', [2]],
  ['ssh2_auth_password', [2]],
  ['ssh2_auth_pubkey_file', [4]],
  ['imap_open', [2]],
  ['oci_connect', [1]],
  ['oci_pconnect', [1]],
  ['oci_new_connect', [1]],
  ['password_hash', [0]],
  ['password_verify', [0]],
  ['crypt', [0]],
  ['hash_hmac', [2]],
  ['hash_pbkdf2', [1]],
  ['openssl_encrypt', [2]],
  ['openssl_decrypt', [2]],
  ['openssl_pkey_get_private', [1]],
  ['openssl_pkcs12_read', [2]],
  ['sodium_crypto_secretbox', [2]],
  ['sodium_crypto_secretbox_open', [2]],
  ['odbc_connect', [2]],
  ['odbc_pconnect', [2]],
  ['ibase_connect', [2]],
  ['mssql_connect', [2]],
  // RedisCluster(name, seeds, timeout, read_timeout, persistent, auth); php-amqplib's
  // connections (host, port, user, password); Laravel's Encrypter(key); firebase/php-jwt.
  ['rediscluster->__construct', [5]],
  ['amqpstreamconnection->__construct', [3]],
  ['amqpsslconnection->__construct', [3]],
  ['amqpsocketconnection->__construct', [3]],
  ['encrypter->__construct', [0]],
  ['jwt->encode', [1]],
]);
// Methods known by their name alone, on an object whose class a call in source does not say
// (`$redis->auth('pw')`): phpseclib's SSH2/SFTP->login, PHPMailer's SMTP->authenticate, phpredis.
const METHOD_ARGS: ReadonlyMap<string, readonly number[]> = new Map<string, readonly number[]>([
  ['auth', [0]],
  ['real_connect', [2]],
  ['change_user', [1]],
  ['setsaslauthdata', [1]],
  ['login', [1]],
  ['authenticate', [1]],
]);
// PDO's drivers: a string argument starting so is a DSN, and two arguments on is its password.
const DSN_RE = /^(?:mysql|pgsql|sqlite|sqlsrv|oci|odbc|dblib|firebird|ibm|informix|cubrid):/;

// A frame's callee after its "#N path(line): " or "#N [internal function]: " prefix (or after
// "#N  " alone, PHP 7's debug_print_backtrace), or a credential call anywhere else: in a log, in
// PHP source a probe printed, in `php -r '...'` on a command line (`new PDO(`, `$redis->auth(`).
const CALL_RE =
  /(#\d{1,5} +(?:[^\s()]+\(\d+\): |\[internal function\]: )?)?(new[ \t]+)?(?<![\w\\>:{}$])((?:(?:\$[A-Za-z_]\w*|[A-Za-z_\\][\w\\{}]*)(?:->|::))*[A-Za-z_{\\][\w{}\\]*)[ \t]*\(/g;
const LINE_END = new Set(['\n', '\r', '\0']);

interface Argument {
  /** The inside of a quoted string argument; undefined for Array, Object(X), NULL, numbers. */
  string?: { start: number; end: number };
}

/** Reads the arguments from `from` (after the "("): each one, and where the reading ended. */
function readArguments(text: string, from: number): { args: Argument[]; end: number } {
  const args: Argument[] = [];
  let i = skipBlanks(text, from);
  while (i < text.length && !LINE_END.has(text[i] ?? '')) {
    if (text[i] === ')') return { args, end: i + 1 };
    const quote = text[i];
    if (quote === "'" || quote === '"') {
      const close = closingQuote(text, i + 1, quote);
      args.push({ string: { start: i + 1, end: close } });
      i = close + 1;
    } else {
      // Array, NULL, 42, true, Object(App\User), Resource id #5, $host
      while (i < text.length && !/[,()\n\r\0]/.test(text[i] ?? '')) i++;
      if (text[i] === '(') {
        i++;
        while (i < text.length && !/[()\n\r\0]/.test(text[i] ?? '')) i++;
        if (text[i] !== ')') return { args, end: i };
        i++;
      }
      args.push({});
    }
    i = skipBlanks(text, i);
    if (text[i] === ',') i = skipBlanks(text, i + 1);
    else if (text[i] !== ')') return { args, end: i };
  }
  return { args, end: i };
}

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

/**
 * The quote that closes a string argument: the next one before "," or ")" (PHP's traces do not
 * escape quotes inside strings), else the line's end.
 */
function closingQuote(text: string, from: number, quote: string): number {
  let i = from;
  for (; i < text.length && !LINE_END.has(text[i] ?? ''); i++) {
    if (text[i] !== quote) continue;
    const next = text[skipBlanks(text, i + 1)];
    if (next === ',' || next === ')') return i;
  }
  return i;
}

/** Which arguments of a call to `callee` are secret; `inFrame`: the call is a trace's frame. */
function secretArguments(callee: string, args: readonly Argument[], inFrame: boolean): Set<number> {
  const lower = callee.toLowerCase().replace(/::/g, '->').replace(/^\\/, '');
  const at = lower.lastIndexOf('->');
  const method = lower.slice(at + 2);
  // The receiver's class without its namespace (`\\PDO`), or the function.
  const receiver = at < 0 ? '' : lower.slice(0, at).split(/->|\\/).pop();
  const known = CREDENTIAL_ARGS.get(at < 0 ? lower : `${receiver}->${method}`);
  const byMethod = at < 0 ? undefined : METHOD_ARGS.get(method);
  const secret = new Set<number>(known ?? byMethod ?? []);
  if (secret.size > 0 || !inFrame) return secret;
  if (secretKind(method.replace(/[{}]/g, '')) === 'always') for (const i of args.keys()) secret.add(i);
  return secret;
}

interface Call {
  args: Argument[];
  secret: Set<number>;
}

/** Every frame and known credential call in `text`, with its arguments read once. */
function readCalls(text: string): Call[] {
  const re = new RegExp(CALL_RE.source, 'g');
  const calls: Call[] = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const inFrame = m[1] !== undefined;
    const callee = m[2] === undefined ? (m[3] ?? '') : `${m[3] ?? ''}->__construct`;
    const callEnd = m.index + m[0].length;
    // Only a frame or a known credential call is read: any other "word(" costs nothing more.
    if (!inFrame && secretArguments(callee, [], false).size === 0) continue;
    const { args, end } = readArguments(text, callEnd);
    const secret = secretArguments(callee, args, inFrame);
    if (inFrame) addPasswordsAfterDsn(text, args, secret);
    calls.push({ args, secret });
    // The arguments were read once; the search goes on after them.
    re.lastIndex = Math.max(end, callEnd);
  }
  return calls;
}

export function redactTraceArguments(text: string): string {
  if (!text.includes('(')) return text;
  const calls = readCalls(text);
  // A password passes down the frames of its trace (`App\Cache->connect('cache-1', 6379, 'pw')`
  // calls `Redis->auth('pw')`): once one frame says it is secret, it is masked in every frame.
  const secrets = new Set<string>();
  for (const { args, secret } of calls) {
    for (const i of secret) {
      const s = args[i]?.string;
      const value = s && text.slice(s.start, s.end);
      if (value && value !== '...' && !isHarmless(value)) secrets.add(value);
    }
  }
  if (secrets.size === 0) return text;
  const out: string[] = [];
  let copied = 0;
  for (const { args } of calls) {
    for (const arg of args) {
      const s = arg.string;
      if (!s || s.start < copied || !secrets.has(text.slice(s.start, s.end))) continue;
      out.push(text.slice(copied, s.start), REDACTED);
      copied = s.end;
    }
  }
  out.push(text.slice(copied));
  return out.join('');
}

/** `open('mysql:host=db...', 'shop', 'S3cr3t')`: the argument two after a DSN is its password. */
function addPasswordsAfterDsn(text: string, args: readonly Argument[], secret: Set<number>): void {
  for (const [i, arg] of args.entries()) {
    const s = arg.string;
    if (s && DSN_RE.test(text.slice(s.start, Math.min(s.end, s.start + 16)))) secret.add(i + 2);
  }
}
