import { describe, expect, it } from 'vitest';
import { becomeDetail } from '../../../src/audit/index.js';

const ssh = (user: string) => ({
  user,
  port: 22,
  knownHostsPath: '/kh',
  agent: false,
  connectTimeoutMs: 10_000,
  maxChannels: 8,
  jump: null,
});

describe('becomeDetail', () => {
  it('lists the hosts that run with become, as whom; nothing when none does', () => {
    expect(
      becomeDetail([
        { name: 'web-1', ssh: ssh('deploy'), become: 'sudo' },
        { name: 'web-2', ssh: ssh('root'), become: false },
        { name: 'here', ssh: null, become: 'sudo' },
      ]),
    ).toEqual({
      become: [
        { host: 'web-1', user: 'deploy', via: 'sudo' },
        { host: 'here', via: 'sudo' },
      ],
    });
    expect(becomeDetail([{ name: 'web-2', ssh: ssh('root'), become: false }])).toEqual({});
    expect(becomeDetail([{ name: 'web-3', ssh: ssh('root') }])).toEqual({});
  });
});
