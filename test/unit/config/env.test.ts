import { describe, expect, it, vi } from 'vitest';
import { EnvError, readEnv } from '../../../src/config/env.js';
import { translateZodIssues } from '../../../src/util/zod-issues.js';

// Wraps the shared zod translator (calling through) so a test can see that this file kind uses it.
vi.mock('../../../src/util/zod-issues.js', async (real) => {
  const m = await real<typeof import('../../../src/util/zod-issues.js')>();
  return { ...m, translateZodIssues: vi.fn(m.translateZodIssues) };
});

const BASE = { FPM_MEDIC_INVENTORY: '/etc/fpm-medic/inventory.yaml' };

describe('readEnv', () => {
  it('names each bad variable (the environment has no file or line) through the shared translator', () => {
    vi.mocked(translateZodIssues).mockClear();
    let thrown: unknown;
    try {
      readEnv({ ...BASE, PORT: '70000', SLACK_APP_TOKEN: 'xoxb-1' });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(EnvError);
    expect((thrown as EnvError).code).toBe('ENV_INVALID');
    expect((thrown as EnvError).message).toMatch(
      /^invalid environment:\n {2}PORT: .+\n {2}SLACK_APP_TOKEN: an app-level token starting with xapp-$/,
    );
    expect(translateZodIssues).toHaveBeenCalled();
  });

  it('an empty variable counts as unset', () => {
    expect(readEnv({ ...BASE, PORT: '' }).PORT).toBe(3000);
  });
});
