import { readFileSync } from 'node:fs';
import type { HostClock } from '../../../../src/facts/types.js';
import { parseClock } from '../../../../src/probes/parsers/clock.js';
import type { ParseContext } from '../../../../src/probes/parsers/context.js';
import { splitSections } from '../../../../src/probes/sections.js';

/** Outputs captured from real nginx/Apache/php-fpm by test/fixtures/capture/web.sh. */
export function webFixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/web/${name}`, import.meta.url), 'utf8');
}

/** The capture's fixed work directory: every path in the fixtures is under it. */
export const WORK = '/tmp/fpm-medic-web-capture';

/** The host clock read right after the logs were copied (TZ=Europe/Berlin, +0100). */
export function captureClock(): HostClock {
  const clock = splitSections(webFixture('clock.txt')).find((s) => s.name === 'clock');
  return parseClock(clock!.body)!;
}

export function ctx(since = 0): ParseContext {
  return { clock: captureClock(), since };
}
