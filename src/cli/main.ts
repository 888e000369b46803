import { Command, CommanderError, Option } from 'commander';
import { redact } from '../redact/redact.js';
import { exitCodeOf } from '../util/error-codes.js';
import { isFpmMedicError } from '../util/errors.js';
import { auditCommand } from './commands/audit.js';
import { diagnoseCommand } from './commands/diagnose.js';
import { probeCommand } from './commands/probe.js';
import { serveCommand } from './commands/serve.js';
import { EXIT } from './exit-codes.js';

/**
 * `fpm-medic` entry point. Usage errors and bad inventories exit 64 with one clear line; anything
 * unexpected exits 3 (unknown), as a monitoring plugin would. Which of our errors is which is
 * src/util/error-codes.ts's to say.
 */

/** A command run against an inventory host or group, with the options every such command takes. */
function targetCommand(program: Command, name: string): Command {
  return program
    .command(name)
    .argument('<target>', 'inventory host or group name')
    .option('-i, --inventory <path>', 'inventory file (default: $FPM_MEDIC_INVENTORY)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-w, --window <duration>', 'how far back logs are read (90s, 15m, 1h)', '15m')
    .option('--since <time>', 'read logs from this moment on instead (ISO 8601 or epoch seconds)');
}

export function buildProgram(): Command {
  const program = new Command('fpm-medic')
    .description('Diagnose PHP-FPM 502/503/504 incidents: probes over SSH, correlated evidence, runbooks.')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');

  targetCommand(program, 'diagnose')
    .description('find why a host (or every host of a group) answers 502/503/504: root cause, evidence, fix')
    .option('--patch', 'print only the config fix as unified diffs, for `patch -p0` (nothing when none)')
    .option(
      '--no-cache',
      "dump each host's config afresh (php-fpm -tt, -i, nginx -T) instead of reusing the last dump while the host says nothing it read changed",
    )
    .action(async (target: string, opts) => {
      process.exitCode = await diagnoseCommand(target, opts);
    });

  targetCommand(program, 'probe')
    .description('run the probes on a host or group and print the facts they yield')
    .option('--raw', "with --format json: include each probe's raw output (redacted, for bug reports)")
    .action(async (target: string, opts) => {
      process.exitCode = await probeCommand(target, opts);
    });

  program
    .command('audit')
    .description(
      'show the audit log: every command, diagnosis, refusal and action, who asked and the outcome',
    )
    .option('--host <host>', 'only records about this host (or aimed at this group)')
    .option(
      '--since <time>',
      'only records since then: a duration back (90s, 15m, 1h, 7d) or an ISO 8601 time',
    )
    .option('--file <path>', 'the audit log (default: $FPM_MEDIC_AUDIT_LOG, else ./fpm-medic-audit.jsonl)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (opts) => {
      process.exitCode = await auditCommand(opts);
    });

  program
    .command('serve')
    .description('the Slack app, alert webhooks and /healthz, /readyz, /metrics (env: see .env.example)')
    .option('--worker', 'also run the diagnosis workers in this process')
    .action(async (opts: { worker?: boolean }) => {
      process.exitCode = await serveCommand({ slack: true, worker: Boolean(opts.worker) });
    });

  program
    .command('worker')
    .description('run diagnosis workers against the queue (run as many as the fleet needs)')
    .action(async () => {
      process.exitCode = await serveCommand({ slack: false, worker: true });
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other commander error is bad usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isFpmMedicError(err)) {
      // Our own errors say what to fix; the code alone decides the exit. Usage errors describe the
      // operator's own input and are shown as they are; anything else may quote a host, so redacted.
      const exit = exitCodeOf(err.code);
      process.stderr.write(`fpm-medic: ${exit === EXIT.usage ? err.message : redact(err.message)}\n`);
      return exit;
    }
    process.stderr.write(`fpm-medic: ${redact(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.unknown;
  }
}
