import { destination, pino } from 'pino';
import { redact, redactDeep } from '../redact/redact.js';

/**
 * Structured JSON logs on stderr (stdout belongs to reports). Level from FPM_MEDIC_LOG_LEVEL; the
 * CLI defaults to warn so a person at a terminal sees the report, not the chatter. Every logged
 * object and message passes the redactor first: errors quote SSH output, configs and URLs.
 */
export const logger = pino(
  {
    name: 'fpm-medic',
    level: process.env.FPM_MEDIC_LOG_LEVEL ?? 'warn',
    base: { pid: process.pid },
    formatters: {
      log: (obj) => redactDeep(obj),
    },
    hooks: {
      logMethod(args, method) {
        method.apply(
          this,
          args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>,
        );
      },
    },
  },
  destination(2),
);

export type Logger = typeof logger;
