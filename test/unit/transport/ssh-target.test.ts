import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeTarget, expandHome } from '../../../src/transport/ssh-target.js';

describe('expandHome', () => {
  it('expands ~ and ~/ only', () => {
    expect(expandHome('~/.ssh/id_ed25519')).toBe(`${homedir()}/.ssh/id_ed25519`);
    expect(expandHome('~')).toBe(homedir());
    expect(expandHome('/etc/ssh/key')).toBe('/etc/ssh/key');
    expect(expandHome('~other/key')).toBe('~other/key');
  });
});

describe('describeTarget', () => {
  it('names the host, login, port and jump', () => {
    const jump = { host: 'bastion', address: '10.0.0.1', user: 'ops', knownHostsPath: 'kh' };
    expect(
      describeTarget({ host: 'web-1', address: '10.0.0.11', user: 'root', knownHostsPath: 'kh', jump }),
    ).toBe('web-1 (root@10.0.0.11:22 via bastion)');
  });
});
