/**
 * Run as an unprivileged user (setpriv) by local-become.test.ts: fpm-medic's LocalTransport with
 * `become: sudo`, as on a host where fpm-medic itself is not root. Prints one JSON line.
 *
 * argv: run | timeout SLEEP_ARG
 */
import { BecomeError } from '../../../src/transport/errors.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';

const [mode, sleepArg] = process.argv.slice(2);
const t = new LocalTransport('this-box', undefined, { become: 'sudo' });
const script =
  mode === 'timeout'
    ? `echo started; sleep ${sleepArg} & sleep ${sleepArg}\n`
    : 'echo "uid=$(id -u) login=$SUDO_USER"; printf "<%s>" "$@"; echo oops >&2; exit 3\n';
try {
  const res = await t.runScript(script, ['a:1', '/etc/php'], {
    timeoutMs: mode === 'timeout' ? 1_500 : 10_000,
  });
  process.stdout.write(`${JSON.stringify({ ok: true, res, uid: process.getuid?.() })}\n`);
} catch (err) {
  const e = err as Error;
  process.stdout.write(
    `${JSON.stringify({
      ok: false,
      name: e.name,
      message: e.message,
      ...(err instanceof BecomeError ? { code: err.code, details: err.details, fix: err.fix } : {}),
    })}\n`,
  );
}
