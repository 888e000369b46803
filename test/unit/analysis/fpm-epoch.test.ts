import { describe, expect, it } from 'vitest';
import { analyzeCrashes } from '../../../src/analysis/crashes.js';
import { analyzeFpm } from '../../../src/analysis/fpm.js';
import { fpmEpoch, lastCleanStop } from '../../../src/analysis/fpm-epoch.js';
import { analyzeOom } from '../../../src/analysis/oom.js';
import { analyzeRequestTimeouts } from '../../../src/analysis/request-timeouts.js';
import { parseFpmLog } from '../../../src/probes/parsers/fpm-log.js';
import { baseFacts, fixture, fpmCapture, fpmCaptureContext, webCapture } from './helpers.js';

/**
 * fpm-error-full.txt (captured): a master stopped on SIGTERM ("Terminating ..."), a new one
 * started a second later, then stopped on SIGQUIT ("Finishing ...").
 */
const log = parseFpmLog(fixture('fpm/fpm-error-full.txt'), fpmCaptureContext());
const byeAt = log.filter((e) => e.kind === 'exiting').map((e) => e.time);

describe('how FPM went down, from its own log', () => {
  it('the last clean stop, and the signal that asked for it', () => {
    const stopped = baseFacts({ fpm: { masters: [], globals: [], pools: [], php: {} }, fpmLog: log });
    expect(lastCleanStop(stopped)).toMatchObject({ at: byeAt[1], signal: 'SIGQUIT' });
    const first = log.slice(0, log.findIndex((e) => e.time === byeAt[0] && e.kind === 'exiting') + 1);
    expect(lastCleanStop({ ...stopped, fpmLog: first })).toMatchObject({
      at: byeAt[0],
      signal: 'SIGTERM or SIGINT',
    });
    const fpm = analyzeFpm(stopped);
    expect(fpm.value).toMatchObject({ running: false, stoppedCleanly: true, stopSignal: 'SIGQUIT' });
    expect(fpm.evidence.map((e) => e.text)).toContainEqual(
      expect.stringMatching(/^FPM was stopped cleanly at \d\d:\d\d:\d\d on SIGQUIT \("Finishing \.\.\."\)/),
    );
  });

  it('a master started after the stop: FPM is no longer stopped cleanly', () => {
    const restarted = log.filter((e) => e.time <= byeAt[0]! + 1);
    const facts = baseFacts({ fpm: { masters: [], globals: [], pools: [], php: {} }, fpmLog: restarted });
    expect(lastCleanStop(facts)).toBeUndefined();
    expect(fpmEpoch(facts)).toEqual({});
  });
});

describe("OOM kills that are not this FPM's", () => {
  it('with FPM logging child exits, a kill in another memory cgroup that FPM never logged is not counted', () => {
    // kernel.txt (captured) holds a kill of pid 3137 in /fpm-medic-lab-qSlzHG: another lab on that machine.
    const facts = webCapture();
    const master = facts.fpm.masters[0]!;
    const withLog = {
      ...facts,
      fpm: {
        ...facts.fpm,
        masters: [{ ...master, startedAt: facts.window.since }],
        globals: [
          {
            masterPid: master.pid,
            configPath: master.configPath,
            errorLog: '/var/log/php-fpm.log',
            logLevel: 'notice',
            processControlTimeoutSec: 0,
          },
        ],
      },
    };
    const { value, evidence } = analyzeOom(withLog);
    expect(facts.oomKills.some((k) => k.pid === 3137)).toBe(true);
    expect(evidence.some((e) => e.text.includes('Killed process 3137'))).toBe(false);
    expect(value.kernelKills + value.history).toBe(3);
  });
});

describe('deaths from before the running master started are history', () => {
  it('crashes and terminate-timeout kills of the captured master no longer count once a newer master runs', () => {
    const facts = fpmCapture();
    expect(analyzeCrashes(facts).value.count).toBeGreaterThan(0);
    expect(analyzeRequestTimeouts(facts).value.kills).toBe(1);
    const newer = {
      ...facts,
      fpm: { ...facts.fpm, masters: facts.fpm.masters.map((m) => ({ ...m, startedAt: facts.clock.now })) },
    };
    expect(analyzeCrashes(newer).value.count).toBe(0);
    expect(analyzeRequestTimeouts(newer).value.kills).toBe(0);
  });
});
