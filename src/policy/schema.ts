/**
 * The policy file's shape (docs/policy.md). As in the inventory schema, every message reads
 * "expected ..." because the reporter (src/config/zod-issues.ts) appends ", got <value>" and the
 * position, and unknown keys are reported one by one with the nearest valid key.
 */
import { z } from 'zod';
import { strict } from '../config/inventory-schema.js';
import { LABEL_KEY_RE, LABEL_VALUE_RE, NAME_EXPECTED, NAME_RE } from '../config/values.js';
import { ACTION_IDS, MANUAL_ONLY_ACTIONS } from '../runbooks/ids.js';
import { RUNBOOK_ID } from '../runbooks/schema.js';
import {
  CHANNEL_ID_EXPECTED,
  CHANNEL_ID_RE,
  isSlackId,
  TEAM_ID_EXPECTED,
  TEAM_ID_RE,
  USER_GROUP_ID_EXPECTED,
  USER_GROUP_ID_RE,
  USER_ID_EXPECTED,
  USER_ID_RE,
} from './slack-ids.js';

function text(expected: string, re: RegExp) {
  const error = `expected ${expected}`;
  return z.string({ error }).regex(re, { error });
}

function list<T extends z.ZodType>(item: T, expected: string) {
  return z.array(item, { error: `expected a list of ${expected}` }).min(1, {
    error: `expected at least one of ${expected} (omit the key to match any)`,
  });
}

const hostName = text(NAME_EXPECTED, NAME_RE);
const LABEL_VALUE_EXPECTED = "a label value of letters, digits, '.', '_', ':', '/', '@', '+' or '-'";
const labelValue = text(LABEL_VALUE_EXPECTED, LABEL_VALUE_RE);

/** `env: prod` or `env: [prod, staging]`: every label named must have one of the values listed. */
const labelSelector = z.record(
  text("a label name of letters, digits, '.', '_', '/' or '-'", LABEL_KEY_RE),
  z.union([labelValue, list(labelValue, 'label values')], {
    error: `expected ${LABEL_VALUE_EXPECTED}, or a list of them`,
  }),
  { error: 'expected a map of label name -> value (or list of values)' },
);

const RULE_KEYS = 'effect and optional name, hosts, groups, labels, channels, users, userGroups';
export const ruleSchema = strict(
  {
    effect: z.enum(['allow', 'deny'], { error: 'expected "allow" or "deny"' }),
    name: text(
      'a short rule name of letters, digits, spaces, ".", "_" or "-"',
      /^[A-Za-z0-9][\w .-]{0,62}$/,
    ).optional(),
    hosts: list(hostName, 'inventory host names').optional(),
    groups: list(hostName, 'inventory group names').optional(),
    labels: labelSelector.optional(),
    channels: list(text(CHANNEL_ID_EXPECTED, CHANNEL_ID_RE), 'Slack channel ids').optional(),
    users: list(text(USER_ID_EXPECTED, USER_ID_RE), 'Slack user ids').optional(),
    userGroups: list(text(USER_GROUP_ID_EXPECTED, USER_GROUP_ID_RE), 'Slack user group ids').optional(),
  },
  `a rule: a map with ${RULE_KEYS}`,
);

const rules = (what: string) => z.array(ruleSchema, { error: `expected a list of rules that ${what}` });

const actionSchema = strict(
  {
    requireSecondPerson: z.boolean({ error: 'expected true or false' }).optional(),
    approvalTtlMinutes: z
      .int({ error: 'expected a whole number of minutes 1-1440' })
      .min(1, { error: 'expected a whole number of minutes 1-1440' })
      .max(1440, { error: 'expected a whole number of minutes 1-1440' })
      .optional(),
    cooldownMinutes: z
      .int({ error: 'expected a whole number of minutes 0-1440' })
      .min(0, { error: 'expected a whole number of minutes 0-1440' })
      .max(1440, { error: 'expected a whole number of minutes 0-1440' })
      .optional(),
    maxHostsAtOnce: z
      .int({ error: 'expected a whole number of hosts 1-100' })
      .min(1, { error: 'expected a whole number of hosts 1-100' })
      .max(100, { error: 'expected a whole number of hosts 1-100' })
      .optional(),
    approve: rules('say who may approve this action'),
  },
  'a map with approve and optional requireSecondPerson, approvalTtlMinutes, cooldownMinutes, maxHostsAtOnce',
);

const actionsSchema = strict(
  Object.fromEntries(ACTION_IDS.map((id) => [id, actionSchema.optional()])) as Record<
    (typeof ACTION_IDS)[number],
    z.ZodOptional<typeof actionSchema>
  >,
  `a map of action id -> approval settings (actions: ${ACTION_IDS.join(', ')})`,
);

const ACTION_EXPECTED = `an action id: ${ACTION_IDS.join(', ')}`;
const autoRemediationSchema = strict(
  {
    runbook: text('a runbook id such as "fpm-down"', RUNBOOK_ID),
    actions: list(
      z
        .enum(ACTION_IDS, { error: `expected ${ACTION_EXPECTED}` })
        .refine((a) => !MANUAL_ONLY_ACTIONS.includes(a), {
          error: (issue) =>
            `${String(issue.input)} is never automatic: a person approves each config diff (list it under actions: instead)`,
        }),
      'action ids',
    ),
    // Required: auto-remediation is opted into per environment (DESIGN.md rule 3), never fleet-wide.
    labels: labelSelector.refine((v) => Object.keys(v).length > 0, {
      error: 'expected at least one label (e.g. env: staging): auto-remediation is enabled per environment',
    }),
    hosts: list(hostName, 'inventory host names').optional(),
    groups: list(hostName, 'inventory group names').optional(),
  },
  'a map with runbook, actions, labels and optional hosts, groups',
);

const namesSchema = z.record(
  z.string().refine(isSlackId, { error: 'expected a Slack channel, user or user group id' }),
  text('a display name such as ops-incidents (letters, digits, ".", "_", "-")', /^[#@]?[\w.-]{1,80}$/),
  { error: 'expected a map of Slack id -> the name to show in messages' },
);

// alerts: where alert-triggered triage is posted, and how alerts find their host (docs/alerts.md).
const PROM_LABEL_EXPECTED = "an alert label name (letters, digits and '_', not starting with a digit)";
const PROM_LABEL_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const channelId = text(CHANNEL_ID_EXPECTED, CHANNEL_ID_RE);
function minutesOrSeconds(min: number, max: number, unit: string) {
  const error = `expected a whole number of ${unit} ${min}-${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error }).optional();
}

const alertRouteSchema = strict(
  {
    name: text(
      'a short route name of letters, digits, spaces, ".", "_" or "-"',
      /^[A-Za-z0-9][\w .-]{0,62}$/,
    ).optional(),
    labels: labelSelector.refine((v) => Object.keys(v).length > 0, {
      error: 'expected at least one label (e.g. env: prod); unmatched alerts go to defaultChannel',
    }),
    channel: channelId,
  },
  'a route: a map with labels, channel and optional name',
);

export const alertsSchema = strict(
  {
    defaultChannel: channelId,
    unmappedChannel: channelId.optional(),
    hostLabels: list(text(PROM_LABEL_EXPECTED, PROM_LABEL_RE), 'alert label names').optional(),
    routes: z.array(alertRouteSchema, { error: 'expected a list of {labels, channel}' }).optional(),
    windowMinutes: minutesOrSeconds(1, 1440, 'minutes'),
    gatherSeconds: minutesOrSeconds(0, 300, 'seconds'),
    diagnosisWindowMinutes: minutesOrSeconds(1, 1440, 'minutes'),
  },
  'a map with defaultChannel and optional unmappedChannel, hostLabels, routes, windowMinutes, gatherSeconds, diagnosisWindowMinutes',
);

const teamId = text(TEAM_ID_EXPECTED, TEAM_ID_RE);

export const policySchema = strict(
  {
    // The app's own workspace(s): who open rules let in (src/policy/workspace.ts).
    workspace: z
      .union([teamId, list(teamId, 'Slack workspace ids')], {
        error: `expected ${TEAM_ID_EXPECTED}, or a list of them`,
      })
      .optional(),
    names: namesSchema.optional(),
    diagnose: rules('say who may diagnose which hosts').optional(),
    actions: actionsSchema.optional(),
    autoRemediation: z
      .array(autoRemediationSchema, { error: 'expected a list of {runbook, actions, labels}' })
      .optional(),
    alerts: alertsSchema.optional(),
  },
  'a map with optional workspace, names, diagnose, actions, autoRemediation, alerts',
);

/** Drops the catch-all index signature the unknown-key check adds, so known keys keep their types. */
type Known<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

export type RuleSettings = Known<z.infer<typeof ruleSchema>>;
export type ActionSettingsFile = Known<z.infer<typeof actionSchema>>;
export type AutoRemediationSettings = Known<z.infer<typeof autoRemediationSchema>>;
export type PolicyFile = Known<z.infer<typeof policySchema>>;
export type AlertsSettings = Known<z.infer<typeof alertsSchema>>;
export type AlertRouteSettings = Known<z.infer<typeof alertRouteSchema>>;
export type LabelSelector = z.infer<typeof labelSelector>;
