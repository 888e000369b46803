import { describe, expect, it } from 'vitest';
import { analyzeSlowRequests } from '../../../src/analysis/slow-requests.js';
import { baseFacts, fpmCapture } from './helpers.js';

const WWW = '/tmp/fpm-medic-fpm-capture/www';

describe('slow requests from the captured slowlog', () => {
  it('counts entries, names the top script and its stack (innermost first)', () => {
    const { value, evidence } = analyzeSlowRequests(fpmCapture());
    expect(value).toEqual({
      count: 9,
      topScript: `${WWW}/sleep.php`,
      topScriptCount: 8,
      topFrames: [`sleep() ${WWW}/sleep.php:2`, `deep() ${WWW}/sleep.php:3`],
    });
    expect(evidence.map((e) => e.text)).toEqual([
      `slowlog: ${WWW}/sleep.php ×8 (pool dyn) since 03:41:20; stack: sleep() ${WWW}/sleep.php:2 ← deep() ${WWW}/sleep.php:3`,
      `slowlog: ${WWW}/hard.php ×1 (pool dyn) since 03:41:35`,
    ]);
  });

  it('with the slowlog unreadable, FPM "executing too slow" lines tell the same story (not added up)', () => {
    const facts = fpmCapture();
    const tooSlow = facts.fpmLog.filter((e) => e.kind === 'executing-too-slow');
    facts.slowLog = [];
    const { value, evidence } = analyzeSlowRequests(facts);
    expect(value.count).toBe(tooSlow.length);
    expect(value.topScript).toBe(`${WWW}/sleep.php`);
    expect(value.topFrames).toEqual([]);
    expect(evidence[0]!.source).toBe('fpm-log');
  });

  it('entries before the window do not count', () => {
    const facts = fpmCapture();
    facts.window = { ...facts.window, since: Math.max(...facts.slowLog.map((e) => e.time)) };
    facts.fpmLog = [];
    expect(analyzeSlowRequests(facts).value.count).toBe(
      facts.slowLog.filter((e) => e.time >= facts.window.since).length,
    );
    expect(analyzeSlowRequests(facts).value.count).toBeLessThan(9);
  });

  it('no slow requests on a quiet host', () => {
    expect(analyzeSlowRequests(baseFacts()).value).toEqual({
      count: 0,
      topScript: '',
      topScriptCount: 0,
      topFrames: [],
    });
  });
});
