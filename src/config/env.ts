import { z } from 'zod';
import { FpmMedicError } from '../util/errors.js';
import { pathText } from '../util/key-path.js';
import { translateZodIssues } from '../util/zod-issues.js';

/**
 * The service's environment (DESIGN.md "Services"), validated once at start-up: a missing secret or
 * a malformed URL stops `serve`/`worker` with the variable's name, never at the first request.
 */
export class EnvError extends FpmMedicError {
  constructor(message: string) {
    super('ENV_INVALID', message);
  }
}

const url = z.string().url();

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xox[bp]-/, 'a bot token starting with xoxb-')
    .optional(),
  SLACK_SIGNING_SECRET: z.string().min(8).optional(),
  SLACK_APP_TOKEN: z
    .string()
    .regex(/^xapp-/, 'an app-level token starting with xapp-')
    .optional(),
  SLACK_API_URL: url.optional(),
  FPM_MEDIC_INVENTORY: z.string().min(1).optional(),
  FPM_MEDIC_POLICY: z.string().min(1).optional(),
  FPM_MEDIC_RUNBOOK_DIRS: z.string().optional(),
  FPM_MEDIC_RUNBOOK_URL: url.optional(),
  FPM_MEDIC_QUEUE_PREFIX: z
    .string()
    .regex(/^\{[A-Za-z0-9_.-]+\}$/, 'a Redis Cluster hash tag such as {fpm-medic}')
    .default('{fpm-medic}'),
  FPM_MEDIC_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  ALERT_WEBHOOK_TOKEN: z.string().min(16).optional(),
  FPM_MEDIC_AUDIT_LOG: z.string().min(1).optional(),
});

export type ServiceEnv = z.infer<typeof schema>;

export function readEnv(
  env: Readonly<Record<string, string | undefined>>,
  need: { slack?: boolean } = {},
): ServiceEnv {
  // An empty variable (FOO= in an env file) means unset, not "".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    // Each variable is a top-level key, so its path is its name.
    const lines = translateZodIssues(parsed.error.issues).map((i) => `${pathText(i.path)}: ${i.message}`);
    throw new EnvError(`invalid environment:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  if (need.slack) {
    const missing = ['SLACK_BOT_TOKEN', ...(e.SLACK_APP_TOKEN ? [] : ['SLACK_SIGNING_SECRET'])].filter(
      (k) => e[k as keyof ServiceEnv] === undefined,
    );
    if (missing.length) {
      throw new EnvError(
        `missing ${missing.join(' and ')}: the Slack app needs a bot token, and a signing secret unless SLACK_APP_TOKEN selects Socket Mode`,
      );
    }
  }
  if (!e.FPM_MEDIC_INVENTORY)
    throw new EnvError('missing FPM_MEDIC_INVENTORY: the path of the inventory file');
  return e;
}

/** Every variable the service reads (the schema's keys), for checks of env files and compose. */
export const SERVICE_ENV_NAMES: readonly string[] = Object.keys(schema.shape);
