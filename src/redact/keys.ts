/**
 * Which names hold secrets. Names are split into words (snake, kebab, dots, brackets, camelCase)
 * so "pass" in `DB_PASS` counts but "pass" in `fastcgi_pass` or `passenger_root` does not: whole
 * words, not substrings, except for a few words that only ever mean a secret.
 */

/** `always`: any value is masked. `entropy`: only a value that looks random (a generic `key`). */
export type SecretKind = 'always' | 'entropy';

// Found inside compound words too ("dbpassword", "clientsecret", "apitoken").
const SECRET_INFIXES = ['password', 'passwd', 'passphrase', 'secret', 'credential', 'apikey', 'privatekey'];
const SECRET_SUFFIXES = ['token', 'pass'];
// "-pass" suffixes that are not passwords.
const NOT_PASS = new Set(['bypass', 'compass', 'overpass', 'surpass', 'underpass']);
const SECRET_WORDS = new Set([
  'pwd',
  'pw',
  'auth',
  'authorization',
  'salt',
  'sig',
  'signature',
  'cookie',
  'masterauth',
  'requirepass',
  'jwt',
]);
// A "key" after one of these is always a secret; any other key only when its value looks random.
const KEY_QUALIFIERS = new Set([
  'api',
  'access',
  'app',
  'auth',
  'client',
  'encryption',
  'enc',
  'hmac',
  'master',
  'private',
  'secret',
  'session',
  'signing',
  'license',
  'crypt',
  'nonce',
]);
// A last word that makes the name describe a secret rather than hold one: `password_min_length`,
// `DB_PASSWORD_FILE` (Docker's convention: a path to the secret), `passphraseEnv` (an env var name).
const METADATA_WORDS = new Set([
  'length',
  'len',
  'min',
  'max',
  'ttl',
  'timeout',
  'expiry',
  'expires',
  'expire',
  'lifetime',
  'file',
  'path',
  'dir',
  'type',
  'policy',
  'enabled',
  'enable',
  'required',
  'count',
  'size',
  'age',
  'mode',
  'algo',
  'algorithm',
  'days',
  'name',
  'field',
  'param',
  'header',
  'env',
  'id',
  'ids',
  'url',
  'uri',
  'endpoint',
  'prompt',
  'reset',
  'httponly',
  'secure',
  'samesite',
  'domain',
]);
// nginx/Apache directives that pass requests on (`fastcgi_pass`, `ProxyPass`), shell's working
// directories, and sudoers' NOPASSWD tag (the fix for ssh.become names it), which merely contain
// a secret word.
const NOT_SECRET_RE = /^(?:proxy|fastcgi|uwsgi|scgi|grpc|memcached)_?pass|^(?:old)?pwd$|^nopasswd$/;
// Source files in stack traces and slow logs: `PasswordController.php:88` is a line number.
// Session and login cookies, as access logs print them ($http_cookie, %{Cookie}i): the cookie is
// the login. Names, not words: `session.save_path` and `SESSION_DRIVER` are settings.
const SESSION_COOKIE_RE =
  /^(?:PHPSESSID|JSESSIONID|ASP\.NET_SessionId|connect\.sid|sessionid|session_?id|sid|[\w.-]*_session|remember_\w+|wordpress_(?:logged_in_|sec_)?[0-9a-f]{32}|S?SESS[0-9a-f]{32}|PrestaShop-[0-9a-f]{32}|MOODLESESSION\w*|CAKEPHP|SimpleSAML(?:AuthToken)?)$/i;
const FILE_EXTENSION_RE =
  /\.(?:php|phtml|inc|js|mjs|ts|py|rb|go|java|sh|conf|ini|log|json|ya?ml|xml|html?|twig|tpl|txt|sock|pem|crt)$/i;

/** Lower-case words of a name: `DB_PASSWORD`, `dbPassword`, `env[API_KEY]`, `X-Api-Key`. */
export function nameWords(name: string): string[] {
  const words: string[] = [];
  for (const part of name.split(/[^A-Za-z0-9]+/)) {
    for (const word of part.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? []) {
      words.push(word.toLowerCase());
    }
  }
  return words;
}

// Logs repeat the same few names thousands of times; judging a name splits it into words.
const KIND_CACHE = new Map<string, SecretKind | null>();
const KIND_CACHE_MAX = 4096;

export function secretKind(name: string): SecretKind | undefined {
  const cached = KIND_CACHE.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const kind = judgeName(name);
  if (KIND_CACHE.size >= KIND_CACHE_MAX) KIND_CACHE.clear();
  KIND_CACHE.set(name, kind ?? null);
  return kind;
}

function judgeName(name: string): SecretKind | undefined {
  const bare = name.replace(/^-+/, '');
  if (SESSION_COOKIE_RE.test(bare)) return 'always';
  const lower = bare.toLowerCase();
  if (NOT_SECRET_RE.test(lower) || FILE_EXTENSION_RE.test(bare)) return undefined;
  const words = nameWords(bare);
  const last = words[words.length - 1];
  if (last === undefined || (words.length > 1 && METADATA_WORDS.has(last))) return undefined;
  for (const [i, word] of words.entries()) {
    if (SECRET_WORDS.has(word)) return 'always';
    if (SECRET_INFIXES.some((infix) => word.includes(infix))) return 'always';
    if (SECRET_SUFFIXES.some((suffix) => word.endsWith(suffix)) && !NOT_PASS.has(word)) return 'always';
    if (word === 'key' || word === 'keys') {
      const before = words[i - 1];
      return before !== undefined && KEY_QUALIFIERS.has(before) ? 'always' : 'entropy';
    }
  }
  return undefined;
}

/**
 * A long option followed by a word takes a secret only when its last word names one: `--api-token
 * X`, `--db-password X`, `--secret-key X`; `--no-auth-warning PING` is a flag before an operand.
 */
export function optionSecretKind(option: string): SecretKind | undefined {
  const words = nameWords(option);
  const last = words[words.length - 1] ?? '';
  if (secretKind(last) === 'always') return 'always';
  return (last === 'key' || last === 'keys') && secretKind(words.slice(-2).join('_')) === 'always'
    ? 'always'
    : undefined;
}

/** Headers whose value starts with an auth scheme worth keeping: `Authorization: Bearer [redacted]`. */
export function isAuthHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'authorization' || lower === 'proxy-authorization' || lower === 'http_authorization';
}
