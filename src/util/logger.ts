import { destination, pino } from 'pino';

/**
 * Structured JSON logs on stderr (stdout belongs to reports). Level from FPM_MEDIC_LOG_LEVEL;
 * the CLI defaults to warn so a person at a terminal sees the report, not the chatter.
 */
export const logger = pino(
  {
    name: 'fpm-medic',
    level: process.env.FPM_MEDIC_LOG_LEVEL ?? 'warn',
    base: { pid: process.pid },
    // Anything that looks like a credential in a logged object is masked; free text is redacted
    // by the redactor before it reaches a log call.
    redact: {
      paths: ['*.password', '*.passphrase', '*.token', '*.secret', '*.privateKey', 'headers.authorization'],
      censor: '[redacted]',
    },
  },
  destination(2),
);

export type Logger = typeof logger;
