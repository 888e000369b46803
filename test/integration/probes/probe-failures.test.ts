import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFacts } from '../../../src/probes/collect.js';
import { runProbe } from '../../../src/probes/run-probe.js';
import { LocalTransport } from '../../../src/transport/local-transport.js';
import { type Lab, startLab } from '../../lab/lab.js';

/**
 * A probe that cannot read something says what, why and how to fix it. The host here is this
 * machine through the local transport, with a shell whose PATH lacks `ss` and `cgi-fcgi`, as on
 * a minimal container image.
 */
describe('probe failures are facts, never silence', () => {
  let dir: string;
  let lab: Lab;
  let minimal: LocalTransport;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fpm-medic-minimal-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const keep =
      'sh cat date ps awk sed grep tail head wc tr id readlink timeout dmesg sort cut printf stat ls find basename dirname sleep env unshare mount kill uniq seq expr'.split(
        ' ',
      );
    for (const tool of keep) {
      for (const d of ['/usr/bin', '/bin', '/usr/sbin', '/sbin']) {
        try {
          symlinkSync(join(d, tool), join(bin, tool));
          break;
        } catch {}
      }
    }
    const shell = join(dir, 'minimal-sh');
    writeFileSync(shell, `#!/bin/sh\nPATH=${bin}\nexport PATH\nexec /bin/sh "$@"\n`);
    chmodSync(shell, 0o755);
    minimal = new LocalTransport('minimal', shell);
    lab = await startLab({ web: 'nginx' });
  });
  afterAll(async () => {
    await lab?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the missing tools with the package that provides them; ss is not one: /proc has its tables', async () => {
    const { facts } = await collectFacts(minimal, { name: 'minimal', fpm: {}, web: {} }, { windowSec: 60 });
    expect(facts.failures.find((f) => f.target === 'ss')).toBeUndefined();
    expect(facts.sources).toEqual({ processes: 'ps', sockets: 'proc' });
    expect(facts.listeners.some((l) => l.address === lab.pools.unixpool.socket)).toBe(true);
    const cgi = facts.failures.find((f) => f.probe === 'fpm-status' && f.reason === 'missing-tool');
    expect(cgi?.fix ?? cgi?.detail).toMatch(/libfcgi-bin/);
    // What could still be read is still there: the process table found the lab's master.
    expect(facts.fpm.masters.some((m) => m.pid === lab.fpmMasterPid)).toBe(true);
  });

  it('a probe that overruns its time limit is a timeout failure, and the run goes on', async () => {
    const out = await runProbe(new LocalTransport('slow'), 'runtime', [], { timeoutMs: 1 });
    expect(out.run.ok).toBe(false);
    expect(out.failures).toContainEqual(expect.objectContaining({ probe: 'runtime', reason: 'timeout' }));
  });
});
