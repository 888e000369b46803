import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthError,
  HostKeyChangedError,
  HostKeyUnknownError,
  SshConfigError,
  UnsafeArgumentError,
} from '../../../src/transport/errors.js';
import { SshTransport } from '../../../src/transport/ssh-transport.js';
import { keygen, type SshdLab, startSshd } from '../../lab/sshd.js';
import { labTarget, loginCount, waitFor } from './helpers.js';

const run = promisify(execFile);
const PRINT_ARGS = 'for a in "$@"; do printf "<%s>\\n" "$a"; done\n';

let lab: SshdLab;
let hostFingerprint: string;
const opened: SshTransport[] = [];
const transport = (t: SshTransport): SshTransport => {
  opened.push(t);
  return t;
};

beforeAll(async () => {
  lab = await startSshd();
  const { stdout } = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${lab.hostKeyPath}.pub`]);
  hostFingerprint = stdout.split(' ')[1]!;
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await lab?.stop();
});

describe('SshTransport host keys and arguments (real sshd)', () => {
  it('accepts the pinned key and passes quoted args verbatim', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const args = ['/etc/php/8.2/fpm/php-fpm.conf', 'www', '127.0.0.1:9000', 'a=b,c~d%e', '~root'];
    const res = await t.runScript(PRINT_ARGS, args, { timeoutMs: 10_000 });
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(args.map((a) => `<${a}>\n`).join(''));
    expect(res.stderr).toBe('');
    expect(res.timedOut).toBe(false);
    expect(res.bytes).toBe(Buffer.byteLength(res.stdout));
  });

  it('refuses injection attempts before anything is sent', async () => {
    const marker = join(lab.dir, 'pwned');
    const t = transport(new SshTransport(labTarget(lab)));
    const before = loginCount(lab);
    for (const bad of [
      `$(touch ${marker})`,
      `a;touch ${marker}`,
      `\`touch ${marker}\``,
      'a b',
      "it's",
      '-rf',
    ]) {
      await expect(t.runScript(PRINT_ARGS, ['ok', bad], { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
        UnsafeArgumentError,
      );
    }
    expect(existsSync(marker)).toBe(false);
    expect(loginCount(lab)).toBe(before); // not even a connection was opened
  });

  it('reports exit code, stdout and stderr separately (pgid marker stripped)', async () => {
    const t = transport(new SshTransport(labTarget(lab)));
    const res = await t.runScript('echo out; echo err >&2; exit 3\n', [], { timeoutMs: 10_000 });
    expect(res).toMatchObject({
      code: 3,
      stdout: 'out\n',
      stderr: 'err\n',
      timedOut: false,
      truncated: false,
    });
  });

  it('accepts a hashed known_hosts (ssh-keygen -H)', async () => {
    const hashed = join(lab.dir, 'known_hosts.hashed');
    await copyFile(lab.knownHostsPath, hashed);
    await run('ssh-keygen', ['-q', '-H', '-f', hashed]);
    const t = transport(new SshTransport(labTarget(lab, { knownHostsPath: hashed })));
    const res = await t.runScript('echo hashed-ok\n', [], { timeoutMs: 10_000 });
    expect(res.stdout).toBe('hashed-ok\n');
  });

  it('refuses an unknown host with its fingerprint and the line to add, which then works', async () => {
    const kh = join(lab.dir, 'known_hosts.empty');
    await writeFile(kh, '# nothing pinned yet\n');
    const before = loginCount(lab);
    const t = transport(new SshTransport(labTarget(lab, { knownHostsPath: kh })));
    const err = await t.runScript('echo no\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    const e = err as HostKeyUnknownError;
    expect(e.code).toBe('HOST_KEY_UNKNOWN');
    expect(e.details.fingerprint).toBe(hostFingerprint);
    expect(e.lineToAdd).toBe(`[127.0.0.1]:${lab.port} ${lab.hostPublicKey}`);
    expect(e.message).toContain(hostFingerprint);
    expect(e.message).toContain(e.lineToAdd);
    expect(loginCount(lab)).toBe(before); // refused before authenticating

    await writeFile(kh, `${e.lineToAdd}\n`, { flag: 'a' });
    const res = await t.runScript('echo now-pinned\n', [], { timeoutMs: 10_000 });
    expect(res.stdout).toBe('now-pinned\n');
  });

  it('a missing known_hosts file refuses as unknown, naming the file', async () => {
    const kh = join(lab.dir, 'does-not-exist');
    const t = transport(new SshTransport(labTarget(lab, { knownHostsPath: kh })));
    const err = await t.runScript('echo no\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    expect((err as Error).message).toContain(kh);
  });

  it('refuses a changed key, saying which line pins the old one', async () => {
    const other = join(lab.dir, 'other_host_key');
    const otherPub = await keygen(other);
    const kh = join(lab.dir, 'known_hosts.changed');
    await writeFile(kh, `# line 1\n[127.0.0.1]:${lab.port} ${otherPub}\n`);
    const before = loginCount(lab);
    const t = transport(new SshTransport(labTarget(lab, { knownHostsPath: kh })));
    const err = await t.runScript('echo no\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    const e = err as HostKeyChangedError;
    expect(e.code).toBe('HOST_KEY_CHANGED');
    expect(e.knownAt).toEqual([`${kh}:2`]);
    expect(e.message).toContain(hostFingerprint);
    expect(loginCount(lab)).toBe(before);
  });

  it('a key the server does not authorize fails with AuthError', async () => {
    const stranger = join(lab.dir, 'stranger_key');
    await keygen(stranger);
    const t = transport(new SshTransport(labTarget(lab, { privateKeyPath: stranger })));
    const err = await t.runScript('echo no\n', [], { timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).code).toBe('AUTH_FAILED');
  });

  it('authenticates through ssh-agent when no key file is given', async () => {
    const sock = join(lab.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor('agent socket', () => existsSync(sock), 5_000);
      await run('ssh-add', ['-q', lab.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      const t = transport(new SshTransport(labTarget(lab, { privateKeyPath: undefined, agent: sock })));
      expect((await t.runScript('echo agent-ok\n', [], { timeoutMs: 10_000 })).stdout).toBe('agent-ok\n');
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('an unreadable key file or no credentials at all is SshConfigError, before connecting', async () => {
    const before = loginCount(lab);
    const missing = transport(new SshTransport(labTarget(lab, { privateKeyPath: join(lab.dir, 'nope') })));
    await expect(missing.runScript('true\n', [], { timeoutMs: 5_000 })).rejects.toBeInstanceOf(
      SshConfigError,
    );
    const none = transport(new SshTransport(labTarget(lab, { privateKeyPath: undefined })));
    await expect(none.runScript('true\n', [], { timeoutMs: 5_000 })).rejects.toThrow(/no credentials/);
    expect(loginCount(lab)).toBe(before);
  });
});
