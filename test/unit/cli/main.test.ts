import { afterEach, describe, expect, it, vi } from 'vitest';
import { auditCommand } from '../../../src/cli/commands/audit.js';
import { main } from '../../../src/cli/main.js';
import { InventoryNotFoundError } from '../../../src/config/errors.js';
import { HostUnreachableError } from '../../../src/transport/errors.js';
import { BadDurationError } from '../../../src/util/duration.js';

// The audit command stands in for any command: what it throws is what main() has to answer.
vi.mock('../../../src/cli/commands/audit.js', () => ({ auditCommand: vi.fn() }));

async function run(thrown: unknown): Promise<{ exit: number; stderr: string }> {
  vi.mocked(auditCommand).mockRejectedValueOnce(thrown);
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const exit = await main(['node', 'fpm-medic', 'audit']);
  const stderr = write.mock.calls.map(([text]) => String(text)).join('');
  write.mockRestore();
  return { exit, stderr };
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('main: a known error exits with its code’s exit, anything else 3', () => {
  it('usage and configuration errors exit 64 with their message as it is', async () => {
    expect(await run(new BadDurationError('soon'))).toEqual({
      exit: 64,
      stderr: "fpm-medic: invalid duration 'soon': use a number with s, m, h or d, e.g. 90s, 15m, 1h\n",
    });
    expect((await run(new InventoryNotFoundError('x.yaml', 'inventory file not found: x.yaml'))).exit).toBe(
      64,
    );
  });

  it('a host error exits 3 (unknown), its message redacted', async () => {
    const { exit, stderr } = await run(new HostUnreachableError('web-1: no route; password=hunter2'));
    expect(exit).toBe(3);
    expect(stderr).toMatch(/^fpm-medic: web-1: no route; /);
    expect(stderr).not.toContain('hunter2');
  });

  it('an error that is not ours exits 3', async () => {
    expect((await run(new Error('boom'))).exit).toBe(3);
  });
});
