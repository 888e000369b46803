import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('the JSON logger', () => {
  it('redacts secrets in messages and logged objects before they reach stderr', () => {
    const script = [
      "import { logger } from './src/util/logger.ts';",
      "logger.warn({ dsn: 'mysql://app:hunter2@db-1/shop', headers: { authorization: 'Bearer abc.def.ghi' } }, 'connect failed: password=hunter2');",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, FPM_MEDIC_LOG_LEVEL: 'warn' },
    });
    const line = JSON.parse(r.stderr.trim().split('\n').pop()!);
    expect(line.msg).toBe('connect failed: password=[redacted]');
    expect(line.dsn).toBe('mysql://app:[redacted]@db-1/shop');
    expect(JSON.stringify(line)).not.toContain('hunter2');
    expect(JSON.stringify(line)).not.toContain('abc.def.ghi');
  });
});
