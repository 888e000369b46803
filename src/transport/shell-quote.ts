/**
 * The only way an argument reaches a remote shell. Args are inventory/discovery values (paths,
 * pool names, host:port, numbers, kinds), so a narrow allow-list costs nothing and makes quoting
 * trivially correct: no quote, space, `$`, backtick, `;`, `|`, `&`, `<`, `>`, newline or glob
 * character can pass, so `'arg'` is literal in every POSIX shell.
 */
import { UnsafeArgumentError } from './errors.js';

/**
 * A leading `-` is refused as well: scripts pass args on to tools (`find "$1"`, `ls "$1"`), and a
 * value that parses as an option there is an injection even when the shell sees plain text.
 * Nothing legitimate (absolute path, pool name, address, number, kind) starts with one.
 */
export const SAFE_ARG = /^[A-Za-z0-9_./:@%+=,~][A-Za-z0-9_./:@%+=,~-]{0,4095}$/;

/** Far above any probe's needs; keeps a runaway caller from building megabyte commands. */
export const MAX_ARGS = 256;

export function assertSafeArg(arg: unknown, index = 0): asserts arg is string {
  if (typeof arg !== 'string') {
    throw new UnsafeArgumentError(`argument ${index + 1} is not a string`);
  }
  if (!SAFE_ARG.test(arg)) {
    // JSON.stringify shows control characters and quotes unambiguously; the value is truncated so
    // an oversized argument does not flood the log.
    const shown = JSON.stringify(arg.length > 80 ? `${arg.slice(0, 80)}...` : arg);
    throw new UnsafeArgumentError(
      `argument ${index + 1} ${shown} is refused: arguments must be 1-4096 characters of ` +
        'A-Z a-z 0-9 _ . / : @ % + = , ~ - and must not start with "-"',
    );
  }
}

export function assertSafeArgs(args: readonly unknown[]): asserts args is readonly string[] {
  if (!Array.isArray(args)) throw new UnsafeArgumentError('arguments must be an array');
  if (args.length > MAX_ARGS) {
    throw new UnsafeArgumentError(`too many arguments (${args.length} > ${MAX_ARGS})`);
  }
  args.forEach((arg, i) => {
    assertSafeArg(arg, i);
  });
}

/** Validates, then single-quotes. */
export function quoteArg(arg: string): string {
  assertSafeArg(arg);
  return `'${arg}'`;
}

/** `sh -s -- 'a' 'b'`: the script itself arrives on stdin, so only validated args are in the command. */
export function buildRemoteCommand(args: readonly string[]): string {
  assertSafeArgs(args);
  return ['sh', '-s', '--', ...args.map((a) => `'${a}'`)].join(' ');
}
