import { describe, expect, it } from 'vitest';
import { parseFpmLog } from '../../../src/probes/parsers/fpm-log.js';
import { tailCoversWindow } from '../../../src/probes/parsers/logs.js';
import { ctx, fixtureSections } from './fpm/fixtures.js';

// A real cut tail of php-fpm8.2's error log (logs.sh with a small MAXBYTES: truncated=1).
const [cut] = fixtureSections('logs-tail-cut.txt');

describe('reading a log just deep enough for the window', () => {
  const times = parseFpmLog(cut!.body, { ...ctx, since: Number.NEGATIVE_INFINITY }).map((e) => e.time);
  const oldest = Math.min(...times);

  it('a cut tail whose oldest line is inside the window needs a deeper read', () => {
    expect(cut!.attrs.truncated).toBe('1');
    expect(tailCoversWindow(cut!, { ...ctx, since: oldest - 60 }, [])).toBe(false);
  });

  it('a cut tail that reaches before the window is enough, however large the file', () => {
    expect(tailCoversWindow(cut!, { ...ctx, since: oldest + 1 }, [])).toBe(true);
  });

  it('a tail that holds the whole file covers any window', () => {
    const whole = { ...cut!, attrs: { ...cut!.attrs, truncated: '0' } };
    expect(tailCoversWindow(whole, { ...ctx, since: oldest - 3600 }, [])).toBe(true);
  });
});
