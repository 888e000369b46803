/**
 * What an attacker with a local account (uid nobody, a PHP web shell) can plant on a host: processes
 * whose titles claim to be FPM, nginx and Apache masters, run from a program it owns, next to an
 * Apache envvars file; and a root-run copy of the real php-fpm in a directory anyone can write.
 * Every planted program records that it ran in a marker file: fpm-medic must never create it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';

export const NOBODY = 65534;

type Asm = (number | { label: string } | { rel8: string } | { rel32: string })[];

/** Two passes over bytes and labels: rel8/rel32 are relative to the end of their own field. */
function assemble(items: Asm): number[] {
  const at = new Map<string, number>();
  let pc = 0;
  for (const it of items) {
    if (typeof it === 'number') pc += 1;
    else if ('label' in it) at.set(it.label, pc);
    else pc += 'rel8' in it ? 1 : 4;
  }
  const out: number[] = [];
  for (const it of items) {
    if (typeof it === 'number') out.push(it);
    else if ('rel8' in it) out.push((at.get(it.rel8)! - (out.length + 1)) & 0xff);
    else if ('rel32' in it) {
      const b = Buffer.alloc(4);
      b.writeInt32LE(at.get(it.rel32)! - (out.length + 4));
      out.push(...b);
    }
  }
  return out;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return [...b];
};

/**
 * A static x86-64 Linux program (no compiler needed on the lab machine). Run as uid 65534 (the
 * plant itself) it waits for ever, so its title stays in the process table. Run by anyone else
 * it exits at once, and first appends "ran" to MARKER when its environment holds WITNESS (a
 * NAME=value only this test's fpm-medic runs carry): other engineers' tests on the same machine
 * see these titles too, and their older probes run what they name.
 */
export function markerProgram(marker: string, witness: string): Buffer {
  if (arch() !== 'x64') throw new Error(`the planted program is x86-64 machine code; this is ${arch()}`);
  // biome-ignore format: one machine instruction per line
  const code = assemble([
    0xb8, ...u32(102), 0x0f, 0x05, // getuid
    0x3d, ...u32(NOBODY), // cmp eax, 65534
    0x74, { rel8: 'wait' }, // je wait
    0x48, 0x8b, 0x0c, 0x24, // mov rcx, [rsp]: argc
    0x48, 0x8d, 0x5c, 0xcc, 0x10, // lea rbx, [rsp + rcx*8 + 16]: envp
    { label: 'env' },
    0x48, 0x8b, 0x33, // mov rsi, [rbx]
    0x48, 0x85, 0xf6, // test rsi, rsi
    0x74, { rel8: 'exit' }, // jz exit: no witness
    0x48, 0x83, 0xc3, 0x08, // add rbx, 8
    0x48, 0x8d, 0x3d, { rel32: 'witness' }, // lea rdi, [rip+witness]
    { label: 'cmp' },
    0x8a, 0x07, // mov al, [rdi]
    0x84, 0xc0, // test al, al
    0x74, { rel8: 'found' }, // end of the witness: it matched
    0x3a, 0x06, // cmp al, [rsi]
    0x75, { rel8: 'env' }, // jne env
    0x48, 0xff, 0xc7, // inc rdi
    0x48, 0xff, 0xc6, // inc rsi
    0xeb, { rel8: 'cmp' },
    { label: 'found' },
    0xb8, ...u32(2), // open(marker, O_WRONLY|O_CREAT|O_APPEND, 0644)
    0x48, 0x8d, 0x3d, { rel32: 'marker' },
    0xbe, ...u32(0x441),
    0xba, ...u32(0o644),
    0x0f, 0x05,
    0x89, 0xc7, // mov edi, eax
    0xb8, ...u32(1), // write(fd, "ran\n", 4)
    0x48, 0x8d, 0x35, { rel32: 'text' },
    0xba, ...u32(4),
    0x0f, 0x05,
    { label: 'exit' },
    0xb8, ...u32(60), 0x31, 0xff, 0x0f, 0x05, // exit(0)
    { label: 'wait' },
    0xb8, ...u32(34), 0x0f, 0x05, // pause()
    0xeb, { rel8: 'wait' },
    { label: 'text' },
    ...Buffer.from('ran\n'),
    { label: 'marker' },
    ...Buffer.from(`${marker}\0`),
    { label: 'witness' },
    ...Buffer.from(`${witness}\0`),
  ]);
  const base = 0x400000;
  const codeAt = 64 + 56;
  const size = codeAt + code.length;
  const h = Buffer.alloc(codeAt);
  h.write('\x7fELF', 0, 'latin1');
  h[4] = 2; // 64-bit
  h[5] = 1; // little endian
  h[6] = 1;
  h.writeUInt16LE(2, 16); // ET_EXEC
  h.writeUInt16LE(0x3e, 18); // x86-64
  h.writeUInt32LE(1, 20);
  h.writeBigUInt64LE(BigInt(base + codeAt), 24); // entry
  h.writeBigUInt64LE(64n, 32); // program headers
  h.writeUInt16LE(64, 52);
  h.writeUInt16LE(56, 54);
  h.writeUInt16LE(1, 56);
  h.writeUInt32LE(1, 64); // PT_LOAD
  h.writeUInt32LE(5, 68); // R+X
  h.writeBigUInt64LE(BigInt(base), 80);
  h.writeBigUInt64LE(BigInt(base), 88);
  h.writeBigUInt64LE(BigInt(size), 96);
  h.writeBigUInt64LE(BigInt(size), 104);
  h.writeBigUInt64LE(0x1000n, 112);
  return Buffer.concat([h, Buffer.from(code)]);
}

export interface Plant {
  pid: number;
  what: 'php-fpm' | 'nginx' | 'apache';
}

export interface Plants {
  dir: string;
  marker: string;
  fpm: Plant;
  nginx: Plant;
  apache: Plant;
  /** The real php-fpm8.2, copied into a world-writable directory and run as root. */
  writableFpm: { pid: number; exe: string; dir: string };
  /** Did anything run a planted program or source the planted envvars? */
  ran(): boolean;
  /** Another php-fpm title, naming CONFIG (a planted claim that FPM runs a config). */
  plantFpmTitle(config: string): Promise<Plant>;
  stop(): Promise<void>;
}

function titleOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0+$/, '').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

async function waitForTitle(child: ChildProcess, wanted: string, what: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const pid = child.pid;
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (pid && titleOf(pid).startsWith(wanted)) return pid;
    // The title is set at exec; until then the pid still shows the spawning node process.
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} never showed the title "${wanted}"`);
}

/**
 * WITNESS ("NAME=value") is in the environment of the fpm-medic runs under test (locally, and
 * through the sshd's SetEnv): only their runs of a planted program are recorded.
 */
export async function plant(fpmConfigForCopy: (dir: string) => string, witness: string): Promise<Plants> {
  const dir = mkdtempSync(join(tmpdir(), 'fpm-medic-plant-'));
  const children: ChildProcess[] = [];
  const marker = join(dir, 'marker');
  const start = async (
    exe: string,
    argv0: string,
    args: string[],
    wanted: string,
    as: { uid: number; gid: number },
  ) => {
    const child = spawn(exe, args, { argv0, uid: as.uid, gid: as.gid, stdio: 'ignore', detached: true });
    children.push(child);
    child.on('error', () => {});
    return waitForTitle(child, wanted, argv0);
  };
  try {
    chownSync(dir, NOBODY, NOBODY);
    chmodSync(dir, 0o755);
    const program = markerProgram(marker, witness);
    const nobody = { uid: NOBODY, gid: NOBODY };
    const put = (name: string) => {
      const p = join(dir, name);
      writeFileSync(p, program, { mode: 0o755 });
      chownSync(p, NOBODY, NOBODY);
      return p;
    };
    const fpmExe = put('php-fpm');
    const nginxExe = put('nginx');
    const apacheExe = put('apache2');
    mkdirSync(join(dir, 'conf'));
    writeFileSync(join(dir, 'conf', 'apache2.conf'), 'ServerName planted\n');
    // Sourced by a shell, this would record who ran it.
    const [wname, wvalue] = witness.split('=') as [string, string];
    writeFileSync(
      join(dir, 'conf', 'envvars'),
      [
        `[ "$${wname}" = ${wvalue} ] && echo "envvars sourced by uid $(id -u)" >> ${marker}`,
        `export APACHE_RUN_DIR=$([ "$${wname}" = ${wvalue} ] && id -u >> ${marker}; echo /tmp)`,
        '',
      ].join('\n'),
    );
    chownSync(join(dir, 'conf'), NOBODY, NOBODY);
    const fpmTitle = `php-fpm: master process (${dir}/fpm.conf)`;
    const fpmPid = await start(fpmExe, fpmTitle, [], fpmTitle, nobody);
    const nginxTitle = `nginx: master process ${nginxExe} -c ${dir}/nginx.conf`;
    const nginxPid = await start(nginxExe, nginxTitle, [], nginxTitle, nobody);
    const apacheArgs = ['-f', join(dir, 'conf', 'apache2.conf')];
    const apachePid = await start(apacheExe, apacheExe, apacheArgs, `${apacheExe} -f`, nobody);

    // A world-writable directory (its sticky bit would not help: anyone may add files), root-run.
    const wdir = join(dir, 'shared');
    mkdirSync(wdir);
    chmodSync(wdir, 0o777);
    const copy = join(wdir, 'php-fpm8.2');
    copyFileSync('/usr/sbin/php-fpm8.2', copy);
    chmodSync(copy, 0o755);
    const conf = fpmConfigForCopy(wdir);
    const copyPid = await start(
      copy,
      copy,
      ['--nodaemonize', '-y', conf],
      `php-fpm: master process (${conf})`,
      { uid: 0, gid: 0 },
    );
    const plants: Plants = {
      dir,
      marker,
      fpm: { pid: fpmPid, what: 'php-fpm' },
      nginx: { pid: nginxPid, what: 'nginx' },
      apache: { pid: apachePid, what: 'apache' },
      writableFpm: { pid: copyPid, exe: copy, dir: wdir },
      ran: () => existsSync(marker),
      async plantFpmTitle(config) {
        const title = `php-fpm: master process (${config})`;
        return { pid: await start(fpmExe, title, [], title, nobody), what: 'php-fpm' };
      },
      async stop() {
        await stopAll(children);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return plants;
  } catch (e) {
    await stopAll(children);
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

/** SIGKILL to each plant's process group (the FPM copy's workers too), then wait until gone. */
async function stopAll(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.pid === undefined) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const deadline = Date.now() + 10_000;
  while (
    Date.now() < deadline &&
    children.some((c) => c.pid !== undefined && c.exitCode === null && c.signalCode === null)
  ) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A minimal FPM config for the writable-directory copy: one static pool on a socket in DIR. */
export function copyFpmConfig(dir: string): string {
  const conf = join(dir, 'php-fpm.conf');
  writeFileSync(
    conf,
    [
      '[global]',
      `pid = ${dir}/fpm.pid`,
      `error_log = ${dir}/fpm.log`,
      '[copy]',
      'user = nobody',
      'group = nogroup',
      `listen = ${dir}/copy.sock`,
      'pm = static',
      'pm.max_children = 1',
      '',
    ].join('\n'),
  );
  return conf;
}
