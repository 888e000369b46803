/**
 * The policy's decisions. With no policy file anyone may diagnose and nobody may approve
 * (DESIGN.md). With a file, everything no rule allows is denied, and a matching deny rule beats
 * any allow rule whatever the order of the rules. A user group whose members cannot be listed
 * never grants anything, and fails a deny rule closed.
 */
import { redact } from '../redact/redact.js';
import type { ActionId } from '../runbooks/ids.js';
import { audienceText, Names, orList, ruleText, scopeText } from './describe.js';
import type { GroupMembership } from './membership.js';
import {
  type Actor,
  type HostSelector,
  inChannel,
  isWho,
  type PolicyHost,
  type Rule,
  type RuleRef,
  selects,
  type WhoMatch,
} from './rules.js';
import { type Belonging, belongingOf, type HomeWorkspace } from './workspace.js';

export interface Decision {
  allowed: boolean;
  /** Shown to the person who asked: which rule decided, or what would have allowed it. */
  reason: string;
  /** The rule that decided, for the audit log; absent for defaults. */
  rule?: RuleRef;
}

export interface ApprovalSettings {
  /** The person who asked for the action may not approve it. Default true. */
  requireSecondPerson: boolean;
  /**
   * How long an approval request stays valid, and the oldest report an action may be approved
   * from: an older one asks for a fresh diagnosis first. Default 15.
   */
  approvalTtlMinutes: number;
  /** After an action ran on a host, the same action is refused there for this long. Default 10. */
  cooldownMinutes: number;
  /** Blast radius: at most this many hosts of one group are acted on at once. Default 1. */
  maxHostsAtOnce: number;
}

/** What an `actions.<id>` entry gets for each key it leaves out (docs/policy.md). */
export const DEFAULT_APPROVAL_SETTINGS: ApprovalSettings = {
  requireSecondPerson: true,
  approvalTtlMinutes: 15,
  cooldownMinutes: 10,
  maxHostsAtOnce: 1,
};

export interface ActionPolicy extends ApprovalSettings {
  approve: readonly Rule[];
}

export interface AutoRemediation {
  runbook: string;
  actions: readonly ActionId[];
  select: HostSelector;
  path: string;
}

export interface ApprovalRequest {
  action: ActionId;
  /** Slack user id of the person who asked for the action (the report's button clicker). */
  requestedBy: string;
}

export interface PolicyContents {
  file: string;
  names: ReadonlyMap<string, string>;
  diagnose: readonly Rule[];
  actions: ReadonlyMap<ActionId, ActionPolicy>;
  autoRemediation: readonly AutoRemediation[];
}

const HOW_TO_ENABLE = 'see docs/policy.md';

export class Policy {
  /** The file it came from; undefined when no policy is configured. */
  readonly file: string | undefined;
  private readonly contents: PolicyContents | undefined;
  private readonly names: Names;
  /** The app's own workspace: who open rules admit (undefined: not known, so nobody). */
  private readonly home: HomeWorkspace | undefined;

  constructor(contents: PolicyContents | undefined, home?: HomeWorkspace) {
    this.contents = contents;
    this.file = contents?.file;
    this.names = new Names(contents?.names ?? new Map());
    this.home = home;
  }

  /**
   * No policy file: anyone of the app's own workspace may diagnose (a Slack Connect guest may
   * not), nobody may approve, nothing runs on its own.
   */
  static none(home?: HomeWorkspace): Policy {
    return new Policy(undefined, home);
  }

  get configured(): boolean {
    return this.contents !== undefined;
  }

  async canDiagnose(actor: Actor, host: PolicyHost, membership: GroupMembership): Promise<Decision> {
    if (!this.contents) {
      const b = await belongingOf(actor, this.home);
      if (b.kind === 'ours') {
        return {
          allowed: true,
          reason: 'no access policy is configured (FPM_MEDIC_POLICY): anyone of this workspace may diagnose',
        };
      }
      return {
        allowed: false,
        reason: `with no access policy (FPM_MEDIC_POLICY), diagnose on ${host.name} is open to members of this app's own Slack workspace only; ${outsiderText(b, NO_POLICY_FIX)}`,
      };
    }
    return this.evaluate(this.contents.diagnose, actor, host, membership, 'diagnose');
  }

  async canApprove(
    actor: Actor,
    host: PolicyHost,
    membership: GroupMembership,
    request: ApprovalRequest,
  ): Promise<Decision> {
    const { action } = request;
    if (!this.contents) {
      return {
        allowed: false,
        reason: `nobody may approve ${action}: no access policy is configured (set FPM_MEDIC_POLICY; ${HOW_TO_ENABLE})`,
      };
    }
    const settings = this.contents.actions.get(action);
    if (!settings) {
      return {
        allowed: false,
        reason: `${action} is not enabled by the access policy: it needs actions.${action}.approve rules (${HOW_TO_ENABLE})`,
      };
    }
    if (settings.requireSecondPerson && actor.userId === request.requestedBy) {
      return {
        allowed: false,
        reason: `${action} on ${host.name} needs a second person: someone other than the requester must approve it`,
      };
    }
    return this.evaluate(settings.approve, actor, host, membership, `approving ${action}`);
  }

  /** The approval settings of an action the policy enables; undefined when it enables none. */
  approvalSettings(action: ActionId): ApprovalSettings | undefined {
    const settings = this.contents?.actions.get(action);
    return (
      settings && {
        requireSecondPerson: settings.requireSecondPerson,
        approvalTtlMinutes: settings.approvalTtlMinutes,
        cooldownMinutes: settings.cooldownMinutes,
        maxHostsAtOnce: settings.maxHostsAtOnce,
      }
    );
  }

  /** Actions the runbook may run without approval on this host; none unless opted in. */
  autoRemediation(runbook: string, host: PolicyHost): ActionId[] {
    const actions = new Set<ActionId>();
    for (const entry of this.contents?.autoRemediation ?? []) {
      if (entry.runbook === runbook && selects(entry.select, host)) {
        for (const action of entry.actions) actions.add(action);
      }
    }
    return [...actions];
  }

  private async evaluate(
    rules: readonly Rule[],
    actor: Actor,
    host: PolicyHost,
    membership: GroupMembership,
    what: string,
  ): Promise<Decision> {
    const covering = rules.filter((rule) => selects(rule.select, host));
    const subject = `${what} on ${host.name}`;
    let asked: Promise<Belonging> | undefined;
    const belonging = () => {
      asked ??= belongingOf(actor, this.home);
      return asked;
    };

    for (const rule of covering) {
      if (rule.effect !== 'deny' || !inChannel(rule, actor)) continue;
      const who = await isWho(rule, actor, membership, belonging);
      if (who.matched) return deny(`${subject} is denied to you by ${ruleText(rule)}`, rule);
      if (who.failures.length > 0) {
        // Fail closed: the actor may be a member of the group this rule denies.
        return deny(
          `${subject} is refused: ${this.failureText(who.failures)}, and ${ruleText(rule)} denies its members; try again shortly`,
          rule,
        );
      }
    }

    const allows = covering.filter((rule) => rule.effect === 'allow');
    const failures: { groupId: string; message: string }[] = [];
    let outsider: WhoMatch['outsider'];
    for (const rule of allows) {
      if (!inChannel(rule, actor)) continue;
      const who = await isWho(rule, actor, membership, belonging);
      if (who.matched)
        return { allowed: true, reason: `${subject} is allowed by ${ruleText(rule)}`, rule: ref(rule) };
      failures.push(...who.failures);
      outsider ??= who.outsider;
    }

    if (allows.length === 0) {
      return deny(`no rule of the access policy allows ${subject} (${HOW_TO_ENABLE})`);
    }
    const scopes = new Set(allows.map((rule) => scopeText(rule.select)));
    const scope = scopes.size === 1 ? [...scopes][0] : host.name;
    const audiences = [...new Set(allows.map((rule) => audienceText(rule, this.names)))];
    const limited = `${what} on ${scope} is limited to ${orList(audiences)}`;
    const why = [
      ...(outsider ? [outsiderText(outsider)] : []),
      ...(failures.length > 0 ? [`${this.failureText(failures)}, try again shortly`] : []),
    ];
    return deny(why.length > 0 ? `${limited}; ${why.join('; ')}` : limited);
  }

  private failureText(failures: readonly { groupId: string; message: string }[]): string {
    const groups = [...new Set(failures.map((f) => this.names.group(f.groupId)))];
    return `Slack could not tell whether you are in ${orList(groups)} (${redact(failures[0]?.message ?? 'unknown error')})`;
  }
}

const OPEN_RULES_FIX =
  'rules that name no users or user groups admit members of this workspace only; a rule naming you in users can allow it';
const NO_POLICY_FIX = 'a policy file (FPM_MEDIC_POLICY) can let you in by naming you in users';

/** Why an open rule (or "no policy") did not let this person in, in their words. */
function outsiderText(b: Exclude<Belonging, { kind: 'ours' }>, fix = OPEN_RULES_FIX): string {
  if (b.kind === 'unknown') return redact(b.why);
  const from = b.teamId ? `workspace ${b.teamId}` : 'a workspace Slack did not name';
  return `you are signed in from ${from}, not this app's own (a Slack Connect guest): ${fix}`;
}

function ref(rule: Rule): RuleRef {
  return rule.name === undefined
    ? { path: rule.path, line: rule.line }
    : { path: rule.path, line: rule.line, name: rule.name };
}

function deny(reason: string, rule?: Rule): Decision {
  return rule ? { allowed: false, reason, rule: ref(rule) } : { allowed: false, reason };
}
