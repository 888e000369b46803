import type { HostFacts, WebErrorKind } from '../../../src/facts/types.js';
import { type Collected, collectFacts } from '../../../src/probes/collect.js';
import type { SshTransport } from '../../../src/transport/ssh-transport.js';
import { type Lab, type LabOptions, startLab } from '../../lab/lab.js';
import { type SshdLab, startSshd } from '../../lab/sshd.js';
import { transportTo } from '../../lab/sshd-transport.js';

/**
 * One real lab (php-fpm + nginx or Apache) and one real sshd on loopback, with fpm-medic's SSH
 * transport pinned to that sshd's host key: the probes reach the lab exactly as they would reach
 * a production host.
 */
export interface ProbeHarness {
  lab: Lab;
  sshd: SshdLab;
  transport: SshTransport;
  /** Collects facts for events since `since` (epoch ms), discovery-only for FPM. */
  collect(sinceMs: number): Promise<Collected>;
  stop(): Promise<void>;
}

/**
 * Who the transport logs in as: root by default; a lab user (test/lab/users.ts, created by the
 * caller) with or without `become: sudo`.
 */
export interface HarnessLogin {
  user: string;
  become?: 'sudo';
}

export async function startProbeHarness(
  web: 'nginx' | 'apache',
  login?: HarnessLogin,
  labOptions: Omit<LabOptions, 'web'> = {},
): Promise<ProbeHarness> {
  const sshd = await startSshd();
  let lab: Lab | undefined;
  try {
    lab = await startLab({ ...labOptions, web });
  } catch (e) {
    await sshd.stop();
    throw e;
  }
  const transport = transportTo(sshd, { host: 'lab', ...login });
  const theLab = lab;
  return {
    lab: theLab,
    sshd,
    transport,
    collect: (sinceMs) =>
      collectFacts(
        transport,
        // FPM is discovered from the process table; the web server is named because other
        // engineers' nginx instances may run on a development machine (never in CI).
        { name: 'lab', fpm: {}, web: { kind: web, config: theLab.webConfigFile } },
        { windowSec: (Date.now() - sinceMs) / 1000, sinceEpoch: sinceMs / 1000 },
      ),
    async stop() {
      await transport.close();
      await theLab.stop();
      await sshd.stop();
    },
  };
}

/** The lab's pools only (discovery sees every master on the machine). */
export function labPools(facts: HostFacts, lab: Lab) {
  return facts.fpm.pools.filter((p) => p.masterPid === lab.fpmMasterPid);
}

export function webErrorsOf(facts: HostFacts, kind: WebErrorKind, upstreamIncludes?: string) {
  return facts.webErrors.filter(
    (e) => e.kind === kind && (!upstreamIncludes || (e.upstream ?? '').includes(upstreamIncludes)),
  );
}

/** A pool's status result, matched by address: another lab may have pools of the same name. */
export function statusOf(facts: HostFacts, listen: string) {
  return facts.status.find((s) => s.listen === listen);
}

/** Workers of the lab's master (pool names repeat across masters). */
export function labWorkers(facts: HostFacts, lab: Lab, pool?: string) {
  return facts.processes.filter(
    (p) => p.role === 'fpm-worker' && p.ppid === lab.fpmMasterPid && (!pool || p.pool === pool),
  );
}
