/**
 * Discovery's output next to planted masters (test/fixtures/trust, captured by
 * test/fixtures/capture/untrusted.ts from the real lab): the ignored processes are failures with
 * their reason, never masters, and neither they nor their children are FPM or web server processes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFpmDiscovery } from '../../../src/probes/parsers/discover-fpm.js';
import { parseWebDiscovery } from '../../../src/probes/parsers/discover-web.js';
import { parseRuntime } from '../../../src/probes/parsers/runtime.js';
import { splitSections } from '../../../src/probes/sections.js';
import { distrustProcesses } from '../../../src/probes/untrusted.js';
import { parseStartPrecheck } from '../../../src/remediation/procedures/fpm-start/parse.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/trust/${name}`, import.meta.url), 'utf8');
const capture = JSON.parse(fixture('capture.json')) as {
  labFpmMaster: number;
  labWebMaster: number;
  plantedFpm: number;
  plantedNginx: number;
  plantedApache: number;
  writableFpm: number;
  writableFpmExe: string;
  writableDir: string;
};

describe('discover-fpm next to planted masters', () => {
  const d = parseFpmDiscovery(splitSections(fixture('discover-fpm.txt')));

  it('keeps the real master and its pools, and only it', () => {
    expect(d.masters.map((m) => m.pid)).toEqual([capture.labFpmMaster]);
    expect(new Set(d.pools.map((p) => p.masterPid))).toEqual(new Set([capture.labFpmMaster]));
    expect(d.pools.map((p) => p.name).sort()).toEqual(['odpool', 'tcppool', 'unixpool']);
  });

  it('names each ignored process and why, as an untrusted failure with a fix', () => {
    expect(d.ignoredPids).toEqual([capture.plantedFpm, capture.writableFpm]);
    const untrusted = d.failures.filter((f) => f.reason === 'untrusted');
    expect(untrusted.map((f) => [f.target, f.detail])).toEqual([
      [
        `php-fpm master ${capture.plantedFpm}`,
        `ignored php-fpm master ${capture.plantedFpm}: runs as uid 65534`,
      ],
      [
        `php-fpm master ${capture.writableFpm}`,
        `ignored php-fpm master ${capture.writableFpm}: binary ${capture.writableFpmExe} is in ${capture.writableDir}, which is world-writable`,
      ],
    ]);
    for (const f of untrusted) expect(f.fix).toMatch(/ran nothing of it and did not count it/);
    expect(d.failures.filter((f) => f.reason !== 'untrusted')).toEqual([]);
  });
});

describe('discover-web next to planted masters', () => {
  const d = parseWebDiscovery(fixture('discover-web.txt'));

  it('keeps the real nginx and names the planted nginx and Apache', () => {
    expect(d.servers.map((s) => [s.kind, s.pid])).toEqual([['nginx', capture.labWebMaster]]);
    expect(d.ignoredPids).toEqual([capture.plantedNginx, capture.plantedApache]);
    expect(d.failures.map((f) => [f.reason, f.target, f.detail])).toEqual([
      [
        'untrusted',
        `nginx master ${capture.plantedNginx}`,
        `ignored nginx master ${capture.plantedNginx}: runs as uid 65534`,
      ],
      [
        'untrusted',
        `apache master ${capture.plantedApache}`,
        `ignored apache master ${capture.plantedApache}: runs as uid 65534`,
      ],
    ]);
  });

  it('says Apache is absent: an ignored process is not a web server', () => {
    expect(d.absent).toEqual(['apache']);
  });
});

describe('distrustProcesses', () => {
  const processes = parseRuntime(fixture('runtime.txt')).processes;
  const ignored = new Set([
    capture.plantedFpm,
    capture.writableFpm,
    capture.plantedNginx,
    capture.plantedApache,
  ]);
  const after = distrustProcesses(processes, ignored);
  const role = (pid: number) => after.find((p) => p.pid === pid)?.role;

  it('the ignored processes and their children are "other", whatever their titles say', () => {
    const before = new Map(processes.map((p) => [p.pid, p.role]));
    expect([...ignored].map((pid) => before.get(pid))).toEqual(['fpm-master', 'fpm-master', 'web', 'web']);
    for (const pid of ignored) expect(role(pid)).toBe('other');
    const copyWorkers = after.filter((p) => p.ppid === capture.writableFpm);
    expect(copyWorkers.length).toBe(1);
    expect(copyWorkers[0]).toMatchObject({ role: 'other' });
    expect(copyWorkers[0]?.pool).toBeUndefined();
  });

  it('the real masters and workers keep their roles', () => {
    expect(role(capture.labFpmMaster)).toBe('fpm-master');
    expect(role(capture.labWebMaster)).toBe('web');
    const labWorkers = after.filter((p) => p.ppid === capture.labFpmMaster);
    expect(labWorkers.length).toBeGreaterThan(0);
    expect(labWorkers.every((p) => p.role === 'fpm-worker' && p.pool)).toBe(true);
  });
});

describe('fpm-start precheck next to planted masters', () => {
  const p = parseStartPrecheck(splitSections(fixture('start-precheck.txt')))!;

  it('counts the real master only, and keeps why each other one was not counted', () => {
    expect(p.masters.map((m) => m.pid)).toEqual([capture.labFpmMaster]);
    expect(p.ignored).toEqual([
      `ignored php-fpm master ${capture.plantedFpm}: runs as uid 65534`,
      `ignored php-fpm master ${capture.writableFpm}: binary ${capture.writableFpmExe} is in ${capture.writableDir}, which is world-writable`,
    ]);
  });
});
