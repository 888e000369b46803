import { existsSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MEMORY_ROOT } from './cgroup.js';
import { type LayoutLink, ownsLayout, removeLayoutSync } from './layout.js';
import { isAlive, killGroup, membersOfGroup, type ProcRef } from './proc.js';
import { killStrayFpmSync } from './stray-fpm.js';

export const LAB_PREFIX = 'fpm-medic-lab-';

/** lab.json: what a lab started, so a lab whose owner died (SIGKILL, crash) can be cleaned up later. */
export interface LabRecord {
  owner: ProcRef;
  dir: string;
  /** Process-group leaders (FPM master, web server master): killing the group takes the workers too. */
  groups: ProcRef[];
  cgroup?: { path: string; home: string };
  /** The FPM config the lab's masters run (outside `dir` with a distribution's layout). */
  fpmConf?: string;
  /** A distribution layout's system paths (layout.ts): removed with the lab. */
  links?: LayoutLink[];
  keepDir?: boolean;
}

export function writeRecord(file: string, rec: LabRecord): void {
  writeFileSync(file, `${JSON.stringify(rec, null, 2)}\n`);
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Kill everything a lab started and remove its cgroup and directory. Synchronous, so it can run
 * from a process 'exit' handler.
 */
export function destroyLabSync(rec: LabRecord): void {
  for (const g of rec.groups) killGroup(g, 'SIGKILL');
  // Masters on the lab's config that it did not start (fpm-medic's fpm-start): never recorded.
  if (basename(rec.dir).startsWith(LAB_PREFIX))
    killStrayFpmSync(rec.dir, rec.links && ownsLayout(rec.links, rec.dir) ? rec.fpmConf : undefined);
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline && rec.groups.some((g) => membersOfGroup(g.pid).length > 0)) sleepSync(20);
  const cg = rec.cgroup;
  if (cg?.path.startsWith(`${MEMORY_ROOT}/${LAB_PREFIX}`)) {
    // A memcg can only be removed once empty; dying tasks take a moment to leave it.
    for (let i = 0; i < 100 && existsSync(cg.path); i++) {
      try {
        for (const pid of readFileSync(join(cg.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
          writeFileSync(join(MEMORY_ROOT, cg.home, 'cgroup.procs'), pid);
        }
        rmdirSync(cg.path);
      } catch {
        sleepSync(50);
      }
    }
  }
  if (!basename(rec.dir).startsWith(LAB_PREFIX)) return;
  // Whatever happens to the directory, the system paths must not keep pointing at it.
  removeLayoutSync(rec.links ?? [], rec.dir);
  if (!rec.keepDir) {
    rmSync(rec.dir, { recursive: true, force: true });
    return;
  }
  // Kept for a post-mortem: once nothing is left running, the next startLab() must not remove it
  // as a stale lab. Without lab.json, cleanupStaleLabs() skips the directory.
  if (rec.groups.some((g) => membersOfGroup(g.pid).length > 0) || (cg && existsSync(cg.path))) return;
  try {
    renameSync(join(rec.dir, 'lab.json'), join(rec.dir, 'lab.stopped.json'));
  } catch {
    // Never written, or already renamed.
  }
}

/** Labs under `base` whose owning process is gone: kill what they left running and remove them. */
export function cleanupStaleLabs(base = tmpdir()): string[] {
  const cleaned: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(base).filter((n) => n.startsWith(LAB_PREFIX));
  } catch {
    return cleaned;
  }
  for (const name of entries) {
    const dir = join(base, name);
    let rec: LabRecord;
    try {
      rec = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabRecord;
    } catch {
      continue; // Not ours, or still being created.
    }
    if (isAlive(rec.owner)) continue;
    destroyLabSync({ ...rec, dir, keepDir: false });
    cleaned.push(dir);
  }
  return cleaned;
}

// `npx tsx test/lab/cleanup.ts` removes labs left behind by killed test runs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const cleaned = cleanupStaleLabs();
  console.log(cleaned.length ? `removed:\n${cleaned.join('\n')}` : 'no stale labs');
}
