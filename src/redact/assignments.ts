/**
 * Secrets given a name: `password = x`, `DB_PASSWORD=x`, `"secret": "x"`, `'DB_PASSWORD', 'x'`
 * (wp-config's define), `env[API_KEY] = x`, `?token=x&sig=y`, `--password=x`, and the directive
 * forms `SetEnv DB_PASS x`, `fastcgi_param APP_SECRET x;`, `requirepass x`, `--token x`.
 *
 * Linear time: every pattern is anchored by a lookbehind to the start of its name, so a run of
 * name characters is tried once, not once per character; values are scanned forward only, and a
 * value's end is remembered for the names found inside it when it is not masked (value-ends.ts).
 */
import { isAuthHeader, optionSecretKind, type SecretKind, secretKind } from './keys.js';
import { ValueEnds } from './value-ends.js';
import { type Span, secretSpan, type ValueRules } from './value-span.js';
import { REDACTED } from './values.js';

// name, closing quote of a quoted name, separator. `,` only counts after a quoted name.
const ASSIGNMENT = /(?<![\w.-])([A-Za-z_-][\w.-]*(?:\[[^\]\s]{1,64}\])?)(\\?["']?)[ \t]*(=>|=|:|,)[ \t]*/g;

// Directives that take a name and a value, separated by spaces.
const DIRECTIVE =
  /(?<![\w.-])(?:SetEnv|fastcgi_param|uwsgi_param|scgi_param|grpc_set_header|proxy_set_header|add_header|php_value|php_admin_value|(?:Request)?Header[ \t]+(?:set|add|append)|set(?=[ \t]+\$))[ \t]+(\$?[A-Za-z_][\w.-]*)[ \t]+|(?<![\w.-])(requirepass|masterauth)[ \t]+|(?<![\w-])--([A-Za-z][\w-]*)[ \t]+(?=[^\s-])/gi;

// What may stand before a name on a line whose value runs to the end: `export X=`, `- X=`, and
// the prefix of `php-fpm -tt`'s dump ("[21-Nov-2026 03:41:18] NOTICE: \tenv[X] = a b").
const LINE_PREFIX_RE =
  /(?:^|[\n\r\0])(?:\[[^\]\n]{1,32}\] [A-Z]{4,7}: )?[ \t]*(?:(?:export|declare[ \t]+-x|setenv)[ \t]+|-[ \t]+)?$/;
const LOOKBACK = 64;
// `php -i` prints "name => local value => master value": both values are the secret.
const NEXT_VALUE_RE = /["'`]?[ \t]*=>[ \t]*/y;

type Visit = (
  match: RegExpExecArray,
  ends: ValueEnds,
) => { spans?: readonly Span[]; span?: Span; next: number };

/** Runs `pattern` over `text`, masking the spans `visit` returns. */
function rewrite(text: string, pattern: RegExp, visit: Visit): string {
  const re = new RegExp(pattern.source, pattern.flags);
  const ends = new ValueEnds(text);
  const out: string[] = [];
  let copied = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const { span, spans = span ? [span] : [], next } = visit(m, ends);
    for (const s of spans) {
      out.push(text.slice(copied, s.start), REDACTED);
      copied = s.end;
    }
    re.lastIndex = Math.max(next, m.index + 1);
  }
  if (copied === 0) return text;
  out.push(text.slice(copied));
  return out.join('');
}

export function redactAssignments(text: string): string {
  return rewrite(text, ASSIGNMENT, (m, ends) => {
    const [whole, name = '', quote = '', separator = ''] = m;
    const valueStart = m.index + whole.length;
    const kind = secretKind(name);
    if (
      kind === undefined ||
      isPathSegment(text, m.index) ||
      !separates(separator, quote, whole, text, m.index)
    ) {
      return { next: valueStart };
    }
    const rules: ValueRules = {
      kind,
      authScheme: isAuthHeader(name),
      // A random token has no spaces; only a password may, and runs to the end of the line.
      wholeLine: kind === 'always' && separator !== ',' && separator !== '=>' && isLineStart(text, m.index),
      variables: separator === '=>' || name.includes('['),
    };
    const spans: Span[] = [];
    for (let at = valueStart; ; ) {
      const span = secretSpan(ends, at, rules);
      if (!span) break;
      spans.push(span);
      if (separator !== '=>') break;
      const arrow = new RegExp(NEXT_VALUE_RE.source, 'y');
      arrow.lastIndex = span.end;
      if (!arrow.exec(text)) break;
      at = arrow.lastIndex;
    }
    return { spans, next: spans[spans.length - 1]?.end ?? valueStart };
  });
}

export function redactDirectives(text: string): string {
  return rewrite(text, DIRECTIVE, (m, ends) => {
    const [whole, name, bareDirective, option] = m;
    const valueStart = m.index + whole.length;
    const key = name ?? bareDirective ?? `--${option}`;
    // A long option takes a value only when its name is a secret's; `--verbose file` is not one.
    const kind: SecretKind | undefined =
      option === undefined ? secretKind(key.replace(/^\$/, '')) : optionSecretKind(option);
    if (kind === undefined) return { next: valueStart };
    const span = secretSpan(ends, valueStart, {
      kind,
      authScheme: isAuthHeader(key),
      wholeLine: false,
      variables: option === undefined,
    });
    return { span, next: span?.end ?? valueStart };
  });
}

/**
 * `,` separates only after a quoted name (`define('DB_PASSWORD', 'x')`). A bare `:` glued to both
 * sides mid-line is more often a name:value pair of something else (`zone=api_token:10m`) than
 * a secret, so it needs a quoted name, a space after it, or the start of a line.
 */
function separates(
  separator: string,
  quote: string,
  whole: string,
  text: string,
  nameStart: number,
): boolean {
  if (separator === ',') return quote !== '';
  if (separator !== ':' || quote !== '') return true;
  return /:[ \t]$/.test(whole) || isLineStart(text, nameStart);
}

/** `/var/www/TokenController.php:88`, `/token:refresh`: a path, not a name with a value. */
function isPathSegment(text: string, nameStart: number): boolean {
  const before = text[nameStart - 1];
  return before === '/' || before === '\\';
}

function isLineStart(text: string, nameStart: number): boolean {
  let i = nameStart;
  if (text[i - 1] === '"' || text[i - 1] === "'") i--;
  const from = Math.max(0, i - LOOKBACK);
  const prefix = text.slice(from, i);
  if (from > 0 && !/[\n\r\0]/.test(prefix)) return false;
  return LINE_PREFIX_RE.test(from === 0 ? `\n${prefix}` : prefix);
}

// PHP's print_r (`[password] => x`, the value to the end of its line) and var_dump
// (`["password"]=>`, then `string(7) "x"` on the next line), as apps log arrays and objects.
const DUMP =
  /(?<![\w.-])\[("?)([A-Za-z_][\w.-]*)\1\][ \t]*=>(?:[ \t]*\r?\n[ \t]*string\(\d{1,9}\) (?="))?[ \t]*/g;

export function redactDumps(text: string): string {
  if (!text.includes('=>')) return text;
  return rewrite(text, DUMP, (m, ends) => {
    const [whole, quote = '', name = ''] = m;
    const valueStart = m.index + whole.length;
    const kind = secretKind(name);
    if (kind === undefined) return { next: valueStart };
    const span = secretSpan(ends, valueStart, {
      kind,
      authScheme: isAuthHeader(name),
      wholeLine: kind === 'always' && quote === '',
      variables: false,
    });
    return { span, next: span?.end ?? valueStart };
  });
}
