import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MEMORY_ROOT = '/sys/fs/cgroup/memory';

/** The cgroup v1 memory controller's path of a process, e.g. `/` or `/some/group`. */
export function memoryCgroupOf(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/cgroup`, 'utf8')
      .split('\n')
      .find((l) => /^\d+:([^:]*,)?memory(,[^:]*)?:/.test(l));
    return line?.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
  } catch {
    return undefined;
  }
}

export function memoryCgroupAvailable(): boolean {
  return existsSync(join(MEMORY_ROOT, 'cgroup.procs'));
}

/**
 * A cgroup v1 memory group with a hard limit: processes moved into it (and children they fork
 * afterwards) are OOM-killed by the kernel when the group's charge reaches the limit, exactly like
 * a container or a systemd MemoryMax= limit would do.
 */
export class MemoryCgroup {
  readonly path: string;

  constructor(readonly name: string) {
    if (!/^fpm-medic-lab-[\w-]+$/.test(name)) throw new Error(`refusing cgroup name ${name}`);
    this.path = join(MEMORY_ROOT, name);
  }

  create(limitBytes: number): void {
    mkdirSync(this.path);
    writeFileSync(join(this.path, 'memory.limit_in_bytes'), String(limitBytes));
  }

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Existing pages stay charged where they were; only memory touched from now on counts here. */
  add(pid: number): void {
    writeFileSync(join(this.path, 'cgroup.procs'), String(pid));
  }

  pids(): number[] {
    if (!this.exists()) return [];
    return readFileSync(join(this.path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  }

  oomKills(): number {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(this.path, 'memory.oom_control'), 'utf8'));
      return m ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** Move whatever still runs in the group back to `home` (where those processes came from), then remove it. */
  remove(home: string): void {
    if (!this.exists()) return;
    const target = join(MEMORY_ROOT, home, 'cgroup.procs');
    for (const pid of this.pids()) {
      try {
        writeFileSync(target, String(pid));
      } catch {
        // Exited meanwhile.
      }
    }
    rmdirSync(this.path);
  }
}
