/** fpm-start.sh `precheck` and `state`: the masters running, and what could start the config. */
import type { Section } from '../../../probes/sections.js';
import { type MasterRef, parseMasterLines } from '../steps/parse-common.js';

export interface StartCandidate {
  config: string;
  /** The binary the config's location implies. */
  exe?: string;
  /** The systemd service that starts it. */
  unit?: string;
}

export interface StartPrecheck {
  masters: MasterRef[];
  /** Processes titled as masters that the script would not count (docs/security.md), with why. */
  ignored: string[];
  systemd: boolean;
  candidates: StartCandidate[];
}

export function parseStartPrecheck(sections: readonly Section[]): StartPrecheck | undefined {
  const masters = sections.find((x) => x.kind === 'section' && x.name === 'masters');
  if (!masters) return undefined;
  const out: StartPrecheck = {
    masters: parseMasterLines(masters.body),
    ignored: [],
    systemd: false,
    candidates: [],
  };
  for (const s of sections) {
    if (s.kind === 'error' && s.name === 'masters' && s.attrs['reason'] === 'untrusted') {
      out.ignored.push(s.body.trim());
    }
    if (s.kind !== 'section') continue;
    if (s.name === 'systemd') out.systemd = s.attrs['running'] === '1';
    if (s.name === 'candidate' && s.attrs['config']) {
      const c: StartCandidate = { config: s.attrs['config'] };
      if (s.attrs['exe']) c.exe = s.attrs['exe'];
      if (s.attrs['unit']) c.unit = s.attrs['unit'];
      out.candidates.push(c);
    }
  }
  return out;
}
