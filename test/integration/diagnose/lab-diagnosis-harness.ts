import type { ResolvedHost } from '../../../src/config/types.js';
import { type Diagnosis, diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import { loadRunbooks, type Runbook } from '../../../src/runbooks/index.js';
import type { LabOptions } from '../../lab/lab.js';
import { type HarnessLogin, type ProbeHarness, startProbeHarness } from '../probes/lab-probe-harness.js';

/**
 * The real lab behind a real sshd, diagnosed through an address-only inventory entry: FPM, its
 * pools and the web server are all discovered on the host.
 */
export interface DiagnosisHarness extends ProbeHarness {
  runbooks: Runbook[];
  host: ResolvedHost;
  diagnose(sinceMs: number): Promise<Diagnosis>;
  /**
   * The same host pinned to the lab's own FPM config and web server (`fpm.config`, `web.kind` and
   * `web.config`), so another lab running on the machine is never judged instead.
   */
  pinned: ResolvedHost;
  diagnosePinned(sinceMs: number): Promise<Diagnosis>;
  /** Diagnoses again until `done` holds (a state that builds up over seconds), with a deadline. */
  diagnoseUntil(sinceMs: number, done: (d: Diagnosis) => boolean, timeoutMs?: number): Promise<Diagnosis>;
}

/** One lab state put into place and diagnosed, with what must come out (nginx-states.ts, apache-states.ts). */
export interface LabStateCase {
  name: string;
  check(h: DiagnosisHarness): Promise<void>;
}

export async function startDiagnosisHarness(
  web: 'nginx' | 'apache',
  login?: HarnessLogin,
  labOptions: Omit<LabOptions, 'web'> = {},
): Promise<DiagnosisHarness> {
  const runbooks = await loadRunbooks();
  const h = await startProbeHarness(web, login, labOptions);
  const host: ResolvedHost = {
    name: 'lab-1',
    address: h.sshd.address,
    local: false,
    ssh: null,
    commandTimeoutMs: 30_000,
    become: login?.become ?? false,
    labels: { env: 'lab' },
    selfAddresses: [],
    fpm: {},
    web: {},
    groups: [],
  };
  const diagnoseOn = (on: ResolvedHost, sinceMs: number) =>
    diagnoseHost(on, runbooks, {
      transport: h.transport,
      // Exactly this state's events: the previous state's OOM kill may be only a second older.
      windowSec: (Date.now() - sinceMs) / 1000,
      sinceEpoch: sinceMs / 1000,
    });
  const diagnose = (sinceMs: number) => diagnoseOn(host, sinceMs);
  const pinned: ResolvedHost = {
    ...host,
    fpm: { config: h.lab.paths.fpmConf },
    web: { kind: web, config: h.lab.webConfigFile },
  };
  return {
    ...h,
    runbooks,
    host,
    diagnose,
    pinned,
    diagnosePinned: (sinceMs) => diagnoseOn(pinned, sinceMs),
    async diagnoseUntil(sinceMs, done, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const d = await diagnose(sinceMs);
        if (done(d) || Date.now() > deadline) return d;
      }
    },
  };
}

export function summary(d: Diagnosis): string {
  const r = d.report;
  return `${r.verdict}: ${r.findings.map((f) => `${f.runbook}${f.rootCause ? '*' : ''}`).join(', ')}`;
}

export function rootCauses(d: Diagnosis): string[] {
  return d.report.findings.filter((f) => f.rootCause).map((f) => f.runbook);
}

export function runbooksFound(d: Diagnosis): string[] {
  return d.report.findings.map((f) => f.runbook);
}

/** Polls the lab's status page (through its web server) until `ok` holds for its processes. */
export async function waitForStatus(
  h: DiagnosisHarness,
  ok: (procs: { script: string; requestDurationUs: number; state: string }[]) => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await h.lab.get('/status?json&full', { timeoutMs: 3_000 });
    if (res.status === 200) {
      const doc = JSON.parse(res.body) as {
        processes: { script: string; 'request duration': number; state: string }[];
      };
      const procs = doc.processes.map((p) => ({
        script: p.script,
        requestDurationUs: p['request duration'],
        state: p.state,
      }));
      if (ok(procs)) return;
    }
    if (Date.now() > deadline)
      throw new Error(`status page never showed the expected processes: ${res.body.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
