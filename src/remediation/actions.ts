/**
 * The action registry: everything about an action in one entry. The Slack buttons and dialogs,
 * the approval flow (what a request must name), the execution (what the procedure is given) and
 * the procedure itself all read it, so adding an action is its script in commands/actions/, its
 * procedure folder in src/remediation/procedures/ and one entry here (docs/remediation.md, "Adding
 * an action"). The ids are a contract (DESIGN.md "Action ids", pinned in src/runbooks/ids.ts,
 * which runbooks and the policy validate against): `satisfies` makes tsc refuse an id without an
 * entry or an entry without an id.
 */
import type { ConfigPatch } from '../fixes/index.js';
import type { HostReport, ReportFinding } from '../report/host-report.js';
import type { StuckWorker } from '../report/named-workers.js';
import type { ActionId } from '../runbooks/ids.js';
import { applyConfig } from './procedures/apply-config/run.js';
import { fpmReload } from './procedures/fpm-reload/run.js';
import { fpmStart } from './procedures/fpm-start/run.js';
import { killStuckWorkers } from './procedures/kill-stuck-workers/run.js';
import type { ProcedureRun } from './procedures/steps/procedure-run.js';
import type { ActionParams, ProcedureResult } from './types.js';

/**
 * What an action is asked for: the whole host (FPM itself), the workers the report named (a
 * finding's `workers`, from its runbook's `workers:` key), or the finding's config patch (its
 * `patch`, from src/fixes). A request for named workers that names none, or for a patch the report
 * did not compute, is refused before anyone is asked to approve it.
 */
export type ActionTarget = 'host' | 'workers' | 'patch';

export interface ActionSpec {
  id: ActionId;
  /** Its script in commands/actions/: every byte the action runs on a host. */
  script: string;
  /** The button and the approval message: "Reload PHP-FPM". */
  label: string;
  /** Requests fail when it runs: a red button and a red confirm. */
  danger: boolean;
  targets: ActionTarget;
  /**
   * The confirm dialog's text for this report: the last thing read before asking for a change to
   * production, so it says what will happen here, with the checks around it.
   */
  confirm: (finding: ReportFinding, report: HostReport) => string;
  /** Runs the action's phases as audited steps; never throws for host-side trouble. */
  procedure: (run: ProcedureRun, params: ActionParams) => Promise<ProcedureResult>;
}

/** Whether a reload is graceful here (process_control_timeout, REFERENCE §8.4). */
function reloadConfirm(_finding: ReportFinding, report: HostReport): string {
  const pct = report.processControlTimeoutSec;
  const how = 'Config test first (no reload if it fails), then a graceful reload and a health check.';
  if (pct === undefined)
    return `${how} process_control_timeout could not be read: in-flight requests may be cut.`;
  if (pct <= 0)
    return `${how} process_control_timeout is 0 here: in-flight requests are cut (502). Set it to e.g. 10s first for a truly graceful reload.`;
  return `${how} Graceful here: workers get up to ${pct}s (process_control_timeout) to finish their requests.`;
}

/** Which workers a kill names, from this report. */
function killConfirm(finding: ReportFinding): string {
  const workers = finding.workers ?? [];
  if (!workers.length)
    return 'This report names no worker that can be checked again: nothing would be killed.';
  const pids = workers.map((w) => w.pid);
  const shown =
    pids.length > 8 ? `${pids.slice(0, 8).join(', ')} and ${pids.length - 8} more` : pids.join(', ');
  return `Kills only worker${pids.length > 1 ? 's' : ''} ${shown}, each only if still the same process on the same request; their requests fail. FPM replaces them.`;
}

/** What apply-config will write and reload here: the diff itself is in the approval message. */
function applyConfigConfirm(finding: ReportFinding): string {
  const changes = finding.patch?.changes ?? [];
  if (changes.length === 0) return 'This report computed no config change: nothing would be written.';
  const files = new Set(changes.map((c) => c.file)).size;
  const reloads = [...new Set(changes.map((c) => RELOAD_WORDS[c.reload]))];
  const restart = changes.some((c) => c.reload === 'fpm-restart')
    ? ' listen.* takes effect at the next FPM restart (not done here).'
    : '';
  return `Writes ${changes.length} change${changes.length === 1 ? '' : 's'} to ${files} file${files === 1 ? '' : 's'} (each backed up next to it, and only if unchanged since this diagnosis), tests the config, then ${reloads.join(' and ')} and checks the pools and the health URL; any failure restores the backups.${restart}`;
}

const RELOAD_WORDS = {
  fpm: 'reloads FPM gracefully',
  'fpm-restart': 'reloads FPM gracefully',
  nginx: 'reloads nginx',
  apache: 'reloads Apache gracefully',
} as const;

export const ACTIONS = {
  'fpm-reload': {
    id: 'fpm-reload',
    script: 'fpm-reload.sh',
    label: 'Reload PHP-FPM',
    danger: false,
    targets: 'host',
    confirm: reloadConfirm,
    procedure: (run) => fpmReload(run),
  },
  'fpm-start': {
    id: 'fpm-start',
    script: 'fpm-start.sh',
    label: 'Start PHP-FPM',
    danger: false,
    targets: 'host',
    confirm: () => 'Starts the FPM service after a config test, then checks its socket and a health request.',
    procedure: (run) => fpmStart(run),
  },
  'kill-stuck-workers': {
    id: 'kill-stuck-workers',
    script: 'kill-stuck-workers.sh',
    label: 'Kill stuck workers',
    danger: true,
    targets: 'workers',
    confirm: killConfirm,
    procedure: (run, params) => killStuckWorkers(run, params.workers ?? []),
  },
  'apply-config': {
    id: 'apply-config',
    script: 'apply-config.sh',
    label: 'Apply config fix',
    danger: false,
    targets: 'patch',
    confirm: applyConfigConfirm,
    procedure: (run, params) => applyConfig(run, params.patch),
  },
} satisfies { [K in ActionId]: ActionSpec & { id: K } } as { readonly [K in ActionId]: ActionSpec };

export function actionSpec(id: ActionId): ActionSpec {
  return ACTIONS[id];
}

/**
 * What the procedure is given for one host of a request: the named workers for a workers action,
 * the approved patch for a patch action.
 */
export function actionParams(
  action: ActionId,
  host: { workers?: readonly StuckWorker[]; patch?: ConfigPatch },
): ActionParams {
  const targets = actionSpec(action).targets;
  if (targets === 'workers') return { action, workers: host.workers ?? [] };
  if (targets === 'patch') return host.patch ? { action, patch: host.patch } : { action };
  return { action };
}
