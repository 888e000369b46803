import { evidenceBody } from '../analysis/evidence.js';
import type { HostReport, ReportFinding } from '../report/host-report.js';

/**
 * `fpm-medic diagnose --format text`: what a person reads at 3 a.m. Verdict first, then each root
 * cause with the evidence that proves it, the fix and the actions; symptoms are named under the
 * root cause that explains them rather than repeated.
 */
export interface TextStyle {
  color: boolean;
}

// Plain SGR codes rather than util.styleText: since Node 22.13 it decides on its own whether
// stdout is a terminal, and the caller has already decided that (TTY and no NO_COLOR).
const SGR = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, magenta: 35, cyan: 36 } as const;
type Style = keyof typeof SGR | (keyof typeof SGR)[];

function paint(style: TextStyle, format: Style, text: string): string {
  if (!style.color) return text;
  const codes = (Array.isArray(format) ? format : [format]).map((f) => SGR[f]).join(';');
  return `\u001b[${codes}m${text}\u001b[0m`;
}

const VERDICT_STYLE: Record<HostReport['verdict'], Style> = {
  critical: ['bold', 'red'],
  warning: ['bold', 'yellow'],
  healthy: ['bold', 'green'],
  unknown: ['bold', 'magenta'],
};

function finding(f: ReportFinding, host: string, style: TextStyle, runbookDir: string): string[] {
  const sev = paint(
    style,
    f.severity === 'critical' ? 'red' : f.severity === 'warning' ? 'yellow' : 'cyan',
    f.severity,
  );
  const lines = [
    `  ${paint(style, 'bold', f.title)}  [${f.runbook}, ${sev}, confidence ${Math.round(f.confidence * 100)}%]`,
    `    ${f.summary}`,
  ];
  if (f.symptoms.length) lines.push(`    explains: ${f.symptoms.join(', ')}`);
  for (const e of f.evidence) lines.push(`    ${paint(style, 'dim', `[${e.source}]`)} ${evidenceBody(e)}`);
  if (f.missingProbes.length)
    lines.push(`    ${paint(style, 'yellow', `incomplete: could not run ${f.missingProbes.join(', ')}`)}`);
  lines.push(`    ${paint(style, 'bold', 'fix:')} ${f.fix}`);
  if (f.actions.length) lines.push(`    actions: ${f.actions.join(', ')}`);
  if (f.patch) {
    lines.push(
      `    ${paint(style, 'bold', 'fix for good:')} (every fix, on the host: patch -d / -p0 < the output of fpm-medic diagnose ${host} --patch)`,
    );
    for (const file of f.patch.files)
      lines.push(
        ...file.diff
          .trimEnd()
          .split('\n')
          .map((l) => `      ${l}`),
      );
  }
  lines.push(`    runbook: ${runbookDir}/${f.runbook}.md`);
  return lines;
}

/** Little's law per pool, when a finding is about capacity or a patch changes max_children. */
function capacityLines(r: HostReport): string[] {
  const relevant = r.patch?.changes.some((c) => c.directive === 'pm.max_children');
  if (!r.capacity?.length || !relevant) return [];
  return ['  capacity:', ...r.capacity.map((c) => `    ${c.text}`)];
}

export function formatReportText(r: HostReport, style: TextStyle, runbookDir = 'runbooks'): string {
  const out: string[] = [];
  const roots = r.findings.filter((f) => f.rootCause);
  const headline =
    r.verdict === 'healthy'
      ? 'no problem found'
      : r.verdict === 'unknown' && roots.length === 0
        ? 'could not look at everything (see below)'
        : roots.map((f) => f.title).join('; ');
  out.push(
    `${paint(style, 'bold', r.host)}: ${paint(style, VERDICT_STYLE[r.verdict], r.verdict.toUpperCase())} — ${headline}`,
  );
  for (const f of roots) out.push(...finding(f, r.host, style, runbookDir));
  const symptoms = r.findings.filter((f) => !f.rootCause);
  if (symptoms.length) {
    out.push(
      `  symptoms: ${symptoms.map((f) => `${f.runbook} (explained by ${f.explainedBy.join(', ')})`).join('; ')}`,
    );
  }
  for (const x of r.failures) {
    out.push(
      // An untrusted process was read and deliberately left alone (docs/security.md).
      `  ${paint(style, 'yellow', x.reason === 'untrusted' ? 'ignored' : 'could not read')} ${x.target} (${x.probe}): ${x.reason}: ${x.detail}`,
    );
    out.push(`    fix: ${x.fix}`);
  }
  out.push(...capacityLines(r));
  out.push(...coverageLines(r, style));
  const ok = r.probes.filter((p) => p.ok).length;
  out.push(
    paint(
      style,
      'dim',
      `  ${ok}/${r.probes.length} probes ok, ${r.durationMs} ms, last ${r.windowMinutes} min of logs${sourcesText(r)}`,
    ),
  );
  return `${out.join('\n')}\n`;
}

/** Said only when a table came from /proc: the host lacks ps or ss (BusyBox, a slim image). */
function sourcesText(r: HostReport): string {
  const s = r.sources;
  if (!s || (s.processes === 'ps' && s.sockets === 'ss')) return '';
  const from = (what: string, tool: string, src: string) =>
    src === 'proc' ? `${what} from /proc (no ${tool})` : '';
  const parts = [from('processes', 'procps ps', s.processes), from('sockets', 'ss', s.sockets)].filter(
    Boolean,
  );
  return `, ${parts.join(', ')}`;
}

/**
 * A partial report says what it could not rule out, and why, once per cause: the engineer reads
 * which diagnoses are still possible on what was seen and which need more access.
 */
function coverageLines(r: HostReport, style: TextStyle): string[] {
  const c = r.coverage;
  if (!c || c.blind.length === 0) return [];
  const total = c.blind.length + c.checked.length;
  const causes = [...new Set(c.blind.flatMap((b) => b.because))];
  const lines = [
    `  ${paint(style, 'yellow', `could not check ${c.blind.length} of ${total} runbooks:`)} ${c.blind.map((b) => b.runbook).join(', ')}`,
    ...causes.map((because) => `    because ${because}`),
  ];
  if (c.checked.length) lines.push(`  ruled out on what could be seen: ${c.checked.join(', ')}`);
  return lines;
}
