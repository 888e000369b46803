import { readFileSync } from 'node:fs';
import type { ParseContext } from '../../../../src/probes/parsers/context.js';
import { parseUtcOffset } from '../../../../src/probes/parsers/time.js';
import { type Section, splitSections } from '../../../../src/probes/sections.js';

/** Fixtures written by test/fixtures/capture/fpm.sh from real php-fpm8.2 runs. */
export function fixture(name: string): string {
  return readFileSync(new URL(`../../../fixtures/fpm/${name}`, import.meta.url), 'utf8');
}

export function fixtureSections(name: string): Section[] {
  return splitSections(fixture(name));
}

/** The capture's clock: masters ran with TZ=Asia/Kolkata (+0530), so offsets matter. */
export const clock = (() => {
  const kv = Object.fromEntries(
    fixture('clock.txt')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { since: Number(kv.since), now: Number(kv.now), utcOffsetMin: parseUtcOffset(kv.utc_offset ?? '') };
})();

export const ctx: ParseContext = {
  clock: { now: clock.now, uptimeSec: 100_000, utcOffsetMin: clock.utcOffsetMin },
  since: clock.since,
};

/** Body of the log section for this path suffix (logs.sh output). */
export function logBody(sections: Section[], pathSuffix: string): string {
  const s = sections.find(
    (x) => x.name === 'log' && x.kind === 'section' && x.attrs.path?.endsWith(pathSuffix),
  );
  if (!s) throw new Error(`no log section for ${pathSuffix}`);
  return s.body;
}
