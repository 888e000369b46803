import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UnsafeArgumentError } from '../../../src/transport/errors.js';
import {
  assertSafeArgs,
  buildRemoteCommand,
  MAX_ARGS,
  quoteArg,
  SAFE_ARG,
} from '../../../src/transport/shell-quote.js';

const accepted = [
  '/etc/php/8.2/fpm/php-fpm.conf',
  'www',
  '127.0.0.1:9000',
  '[::1]:9000'.replace(/[[\]]/g, ''), // IPv6 host:port without brackets
  'unix:/run/php/php8.2-fpm.sock',
  '900',
  'nginx',
  'user@host',
  'a=b,c+d~e%f',
  'x'.repeat(4096),
];

const refused = [
  '',
  '-rf',
  '--help',
  'a b',
  "it's",
  'a"b',
  '$(id)',
  '`id`',
  'a;id',
  'a|id',
  'a&id',
  'a>b',
  'a\nb',
  'a\tb',
  '*',
  'a?',
  '[x]',
  '{a,b}',
  '\\x',
  'é',
  'a\u0000b',
  'x'.repeat(4097),
];

describe('SAFE_ARG', () => {
  it.each(accepted)('accepts %j', (arg) => {
    expect(SAFE_ARG.test(arg)).toBe(true);
    expect(() => quoteArg(arg)).not.toThrow();
  });

  it.each(refused)('refuses %j with UnsafeArgumentError', (arg) => {
    expect(() => quoteArg(arg)).toThrow(UnsafeArgumentError);
    expect(() => buildRemoteCommand(['ok', arg])).toThrow(/argument 2/);
  });

  it('carries the stable code', () => {
    try {
      quoteArg('$(id)');
      expect.unreachable();
    } catch (err) {
      expect((err as UnsafeArgumentError).code).toBe('UNSAFE_ARGUMENT');
    }
  });

  it('refuses non-strings and too many args', () => {
    expect(() => assertSafeArgs([1 as unknown as string])).toThrow(UnsafeArgumentError);
    expect(() => assertSafeArgs(Array.from({ length: MAX_ARGS + 1 }, () => 'a'))).toThrow(/too many/);
  });
});

describe('buildRemoteCommand', () => {
  it('single-quotes every argument after sh -s --', () => {
    expect(buildRemoteCommand([])).toBe('sh -s --');
    expect(buildRemoteCommand(['/etc/php', 'www', '127.0.0.1:9000'])).toBe(
      "sh -s -- '/etc/php' 'www' '127.0.0.1:9000'",
    );
  });

  it('a real sh receives exactly the arguments given', () => {
    const args = ['/var/log/php fpm.log'.replace(' ', '_'), 'a=b,c', '~root', '%s', 'x:1'];
    // The script prints each positional parameter on its own line, delimited, so any word
    // splitting, tilde or glob expansion would show.
    const out = execFileSync('sh', ['-c', buildRemoteCommand(args)], {
      input: 'for a in "$@"; do printf "<%s>\\n" "$a"; done\n',
      encoding: 'utf8',
    });
    expect(out).toBe(args.map((a) => `<${a}>\n`).join(''));
  });
});
