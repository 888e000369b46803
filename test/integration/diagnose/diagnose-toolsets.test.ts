import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis } from '../../../src/diagnosis/diagnose.js';
import { diagnoseHost } from '../../../src/diagnosis/diagnose.js';
import type { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { transportTo } from '../../lab/sshd-transport.js';
import type { StateName, StateOptions } from '../../lab/states.js';
import { TOOLSETS, type Toolset, toolsetSshdConfig } from '../../lab/toolsets.js';
import {
  type DiagnosisHarness,
  rootCauses,
  startDiagnosisHarness,
  summary,
  waitForStatus,
} from './lab-diagnosis-harness.js';

/**
 * Hosts that are not a full Debian (issue 11, part 2): each lab state is put into place once and
 * diagnosed three times, over three sshds whose sessions have three PATHs: this machine's full tool
 * set, BusyBox's applets alone (Alpine: its sh, its ps, no ss, lsof or cgi-fcgi), and everything
 * but procps, iproute2 and lsof (the official php:fpm image). The two others must name the same
 * root causes as the full tool set, and say they read /proc.
 *
 * By default: every nginx state, and a few behind Apache. FPM_MEDIC_FULL_MATRIX=1 adds every
 * Apache state (README, "Tests").
 */
const FULL = process.env.FPM_MEDIC_FULL_MATRIX === '1';

interface Case {
  name: string;
  state: StateName;
  options?: Record<string, unknown>;
  /** Waits, after the state is in place, for what its diagnosis is about to build up. */
  settle?: (h: DiagnosisHarness) => Promise<void>;
}

const slowCallSettled = (h: DiagnosisHarness) =>
  waitForStatus(
    h,
    (procs) => procs.filter((p) => p.script.endsWith('api.php') && p.requestDurationUs >= 5e6).length >= 1,
  );

const COMMON: Case[] = [
  { name: 'healthy', state: 'healthy' },
  { name: 'pool-exhausted', state: 'pool-exhausted', options: { sleepSec: 20 } },
  { name: 'pool-exhausted (TCP pool)', state: 'pool-exhausted', options: { pool: 'tcppool', sleepSec: 20 } },
  { name: 'self-request-deadlock', state: 'self-request-deadlock' },
  { name: 'slow-external-call', state: 'slow-external-call', settle: slowCallSettled },
  { name: 'worker-crashed', state: 'worker-crashed' },
  { name: 'fpm-down', state: 'fpm-down' },
];

const NGINX: Case[] = [
  ...COMMON,
  { name: 'request-timeout-kill', state: 'request-timeout-kill' },
  { name: 'worker-oom-killed', state: 'worker-oom-killed' },
  { name: 'fpm-down (stale socket)', state: 'fpm-down', options: { variant: 'stale-socket' } },
  { name: 'socket-permission', state: 'socket-permission' },
  { name: 'listen-backlog-overflow', state: 'listen-backlog-overflow' },
  { name: 'restart-window', state: 'restart-window' },
  {
    name: 'timeout-chain-misaligned',
    state: 'timeout-chain-misaligned',
    options: { variant: 'terminate-zero' },
  },
  { name: 'max-children-oversized', state: 'max-children-oversized' },
  { name: 'slow-requests', state: 'slow-requests', options: { requests: 3 } },
  { name: 'clients-gave-up (TCP pool)', state: 'clients-gave-up', options: { pool: 'tcppool' } },
  { name: 'clients-gave-up (unix pool)', state: 'clients-gave-up', options: { pool: 'unixpool' } },
];

const APACHE: Case[] = FULL
  ? [
      ...COMMON,
      { name: 'socket-permission', state: 'socket-permission' },
      { name: 'request-timeout-kill', state: 'request-timeout-kill' },
      {
        name: 'timeout-chain-misaligned',
        state: 'timeout-chain-misaligned',
        options: { variant: 'terminate-exceeds-web' },
      },
      { name: 'max-children-oversized', state: 'max-children-oversized' },
      { name: 'restart-window', state: 'restart-window' },
      { name: 'clients-gave-up (TCP pool)', state: 'clients-gave-up', options: { pool: 'tcppool' } },
    ]
  : COMMON.filter((c) => ['healthy', 'pool-exhausted', 'worker-crashed', 'fpm-down'].includes(c.name));

describe.each([
  ['nginx', NGINX],
  ['apache', APACHE],
] as const)('the lab behind %s, diagnosed with other tool sets', (web, cases) => {
  let h: DiagnosisHarness;
  const others = new Map<Toolset, { sshd: SshdLab; transport: SshTransport }>();

  beforeAll(async () => {
    h = await startDiagnosisHarness(web);
    for (const toolset of TOOLSETS) {
      const sshd = await startSshd({ extraConfig: toolsetSshdConfig(toolset) });
      const transport = transportTo(sshd, { host: `lab-${toolset}` });
      others.set(toolset, { sshd, transport });
    }
  });
  afterAll(async () => {
    for (const { sshd, transport } of others.values()) {
      await transport.close();
      await sshd.stop();
    }
    await h?.stop();
  });

  const diagnoseWith = (transport: SshTransport, sinceMs: number): Promise<Diagnosis> =>
    diagnoseHost(h.host, h.runbooks, {
      transport,
      windowSec: (Date.now() - sinceMs) / 1000,
      sinceEpoch: sinceMs / 1000,
    });

  it('each tool set is what it claims: BusyBox has no ss and its own ps; the other has neither', async () => {
    const probe =
      'for t in ps ss lsof cgi-fcgi awk; do printf "%s=%s\\n" "$t" "$(command -v "$t" || echo -)"; done; readlink -f "$(command -v sh)"\n';
    const busybox = await others.get('busybox')!.transport.runScript(probe, [], { timeoutMs: 10_000 });
    expect(busybox.stdout).toMatch(/^ss=-$/m);
    expect(busybox.stdout).toMatch(/^lsof=-$/m);
    expect(busybox.stdout).toMatch(/^cgi-fcgi=-$/m);
    expect(busybox.stdout).toMatch(/\/busybox$/m);
    const slim = await others.get('no-procps')!.transport.runScript(probe, [], { timeoutMs: 10_000 });
    expect(slim.stdout).toMatch(/^ps=-$/m);
    expect(slim.stdout).toMatch(/^ss=-$/m);
    expect(slim.stdout).toMatch(/^lsof=-$/m);
    expect(slim.stdout).toMatch(/^awk=\//m);
  });

  for (const c of cases) {
    it(`${c.name}: the same root causes as with the full tool set`, async () => {
      const since = Date.now();
      const s = await h.lab.induce(c.state, c.options as StateOptions[StateName]);
      await c.settle?.(h);
      const full = await h.diagnose(since);
      const results = new Map<Toolset, Diagnosis>();
      for (const [toolset, { transport }] of others)
        results.set(toolset, await diagnoseWith(transport, since));
      for (const [toolset, d] of results) {
        expect(rootCauses(d), `${toolset}: ${summary(d)} / full: ${summary(full)}`).toEqual(rootCauses(full));
        // What the tool set cannot do is a typed failure with its fix, never a finding: BusyBox has no
        // cgi-fcgi for the status pages (so a quiet host is unknown there, not healthy); the rest is
        // read from /proc.
        const missing = d.report.failures.filter((f) => f.reason === 'missing-tool');
        expect(
          d.report.failures.filter(
            (f) =>
              f.reason !== 'missing-tool' &&
              !full.report.failures.some((g) => g.target === f.target && g.reason === f.reason),
          ),
          toolset,
        ).toEqual([]);
        if (toolset === 'busybox') {
          expect(
            missing.every(
              (f) => f.probe === 'fpm-status' && /cgi-fcgi is not installed.*apk add fcgi/.test(f.detail),
            ),
            toolset,
          ).toBe(true);
        } else {
          expect(missing, toolset).toEqual([]);
        }
        const verdict =
          missing.length > 0 && full.report.verdict === 'healthy' ? 'unknown' : full.report.verdict;
        expect(d.report.verdict, toolset).toBe(verdict);
        expect(d.report.sources, toolset).toEqual({ processes: 'proc', sockets: 'proc' });
      }
      expect(full.report.sources).toEqual({ processes: 'ps', sockets: 'ss' });
      await s.end();
    });
  }
});
