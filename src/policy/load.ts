/**
 * Loading FPM_MEDIC_POLICY: YAML -> schema -> cross-references -> compiled rules. Problems are
 * reported all at once with file:line:col, the same way as the inventory's.
 */
import { readFile, stat } from 'node:fs/promises';
import type { KeyPath } from '../config/issues.js';
import { pathText } from '../config/issues.js';
import { parseYaml, valuePosition, type YamlSource } from '../config/yaml-source.js';
import { fromZodIssues } from '../config/zod-issues.js';
import type { ActionId } from '../runbooks/ids.js';
import {
  type ActionPolicy,
  type AutoRemediation,
  DEFAULT_APPROVAL_SETTINGS,
  Policy,
} from './access-policy.js';
import { attachAlertRouting, compileAlertRouting } from './alert-routing.js';
import { PolicyError, PolicyNotFoundError } from './errors.js';
import { checkPolicyReferences, type PolicyReferences } from './references.js';
import { compileRule, compileSelector, type Rule } from './rules.js';
import { type PolicyFile, policySchema, type RuleSettings } from './schema.js';
import { FixedHomeWorkspace, type HomeWorkspace } from './workspace.js';

export const POLICY_ENV = 'FPM_MEDIC_POLICY';

// A policy for a large organisation is a few kilobytes; anything this big is the wrong file.
const MAX_BYTES = 1024 * 1024;

export type ParsePolicyOptions = PolicyReferences & {
  /**
   * The app's own workspace, asked of Slack (auth.test), for open rules and for "no policy file";
   * the file's `workspace` key wins. Without either, open rules let nobody in.
   */
  home?: HomeWorkspace;
};

/** `fileName` is only used in messages and Policy.file. */
export function parsePolicy(text: string, fileName: string, options: ParsePolicyOptions = {}): Policy {
  const parsed = parseYaml(text);
  if (!parsed.ok) throw new PolicyError(fileName, parsed.issues);
  const { source, data } = parsed;
  if (data === null || data === undefined) {
    throw new PolicyError(fileName, [
      {
        line: 1,
        col: 1,
        path: [],
        message:
          'the policy is empty; expected a map with diagnose, actions, autoRemediation or alerts ' +
          '(to deny everything on purpose, write "diagnose: []")',
      },
    ]);
  }
  const result = policySchema.safeParse(data);
  const issues = [
    ...parsed.issues,
    ...(result.success ? [] : fromZodIssues(source, data, result.error.issues)),
    ...checkPolicyReferences(source, data, options),
  ];
  if (!result.success || issues.length > 0) throw new PolicyError(fileName, issues);
  return compile(fileName, result.data, source, options.home);
}

/** No path: no policy (anyone may diagnose, nobody may approve). A path that cannot be read is an error. */
export async function loadPolicy(
  path: string | undefined,
  options: ParsePolicyOptions = {},
): Promise<Policy> {
  if (path === undefined) return Policy.none(options.home);
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new PolicyNotFoundError(path, `policy ${path} is a directory, not a file`);
    if (info.size > MAX_BYTES) {
      throw new PolicyNotFoundError(path, `policy ${path} is ${info.size} bytes; the limit is ${MAX_BYTES}`, {
        code: 'POLICY_INVALID',
      });
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    throw new PolicyNotFoundError(path, readFailure(path, err), { cause: err });
  }
  return parsePolicy(text, path, options);
}

function readFailure(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return `policy file not found: ${path} (from ${POLICY_ENV}; unset it to run without a policy)`;
  if (code === 'EACCES' || code === 'EPERM') return `cannot read policy ${path}: permission denied`;
  return `cannot read policy ${path}: ${(err as Error).message}`;
}

/** The policy path from the environment; an empty variable counts as unset. */
export function policyPathFrom(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const value = env[POLICY_ENV];
  return value !== undefined && value.trim() !== '' ? value : undefined;
}

function compile(file: string, data: PolicyFile, source: YamlSource, home?: HomeWorkspace): Policy {
  const rulesAt = (settings: readonly RuleSettings[], base: KeyPath): Rule[] =>
    settings.map((rule, i) => {
      const path = [...base, i];
      return compileRule(rule, { path: pathText(path), line: valuePosition(source, path).line });
    });

  const actions = new Map<ActionId, ActionPolicy>();
  for (const [id, settings] of Object.entries(data.actions ?? {}) as [
    ActionId,
    NonNullable<PolicyFile['actions']>[ActionId],
  ][]) {
    if (!settings) continue;
    actions.set(id, {
      requireSecondPerson: settings.requireSecondPerson ?? DEFAULT_APPROVAL_SETTINGS.requireSecondPerson,
      approvalTtlMinutes: settings.approvalTtlMinutes ?? DEFAULT_APPROVAL_SETTINGS.approvalTtlMinutes,
      cooldownMinutes: settings.cooldownMinutes ?? DEFAULT_APPROVAL_SETTINGS.cooldownMinutes,
      maxHostsAtOnce: settings.maxHostsAtOnce ?? DEFAULT_APPROVAL_SETTINGS.maxHostsAtOnce,
      approve: rulesAt(settings.approve, ['actions', id, 'approve']),
    });
  }

  const autoRemediation: AutoRemediation[] = (data.autoRemediation ?? []).map((entry, i) => ({
    runbook: entry.runbook,
    actions: [...new Set(entry.actions)],
    select: compileSelector(entry),
    path: pathText(['autoRemediation', i]),
  }));

  const names = new Map(
    Object.entries(data.names ?? {}).map(([id, name]) => [id, name.replace(/^[#@]/, '')]),
  );

  const workspace = data.workspace === undefined ? undefined : [data.workspace].flat();
  const policy = new Policy(
    {
      file,
      names,
      diagnose: rulesAt(data.diagnose ?? [], ['diagnose']),
      actions,
      autoRemediation,
    },
    workspace ? new FixedHomeWorkspace(workspace) : home,
  );
  // The alerts section (alert-routing.ts): read with alertRoutingOf(policy).
  return data.alerts ? attachAlertRouting(policy, compileAlertRouting(data.alerts)) : policy;
}
