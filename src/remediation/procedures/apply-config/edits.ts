/**
 * What apply-config writes, checked before anything leaves for the host (pure). The patch in a
 * request was computed by src/fixes from a report; here it is taken apart again and each line
 * recomputed (src/fixes/directives.ts), so a request that was changed on its way (in Redis, by
 * hand) writes nothing: every line must be one a fix writes, every diff the approver saw must be
 * exactly the diff of these changes, and every file must carry the fingerprint it was computed from.
 */

import { fileDiff } from '../../../fixes/diff.js';
import { expectedLine } from '../../../fixes/directives.js';
import type { ConfigChange, ConfigPatch, ReloadTarget } from '../../../fixes/index.js';

export interface FileWrite {
  path: string;
  /** What the file must still hash to: the content the diff was computed from. */
  sha256: string;
  changes: ConfigChange[];
  /** The script's EDIT arguments (apply-config.sh write). */
  edits: string[];
}

export type WritePlan =
  | { ok: true; files: FileWrite[]; reloads: ReloadTarget[] }
  | { ok: false; problem: string };

/** A path the script can be handed as it is: absolute, no spaces, quotes or shell characters. */
const PATH_RE = /^\/[A-Za-z0-9_./@+,~-]{1,1000}$/;
const SHA_RE = /^[0-9a-f]{64}$/;

/** Every byte outside a small safe set as %XX (UTF-8), ':' and '%' included: the edit's separators. */
export function encodeText(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_./+,~-]/.test(c) ? c : `%${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** r:LINE:OLD:NEW for a replaced line, a:AFTER:NEW for an added one (apply-config.sh write). */
export function editArg(c: ConfigChange): string {
  return 'line' in c.at
    ? `r:${c.at.line}:${encodeText(c.at.oldText)}:${encodeText(c.newText)}`
    : `a:${c.at.after}:${encodeText(c.newText)}`;
}

const RELOAD_ORDER: readonly ReloadTarget[] = ['fpm', 'fpm-restart', 'nginx', 'apache'];

export function planWrites(patch: ConfigPatch | undefined): WritePlan {
  if (!patch || patch.changes.length === 0)
    return { ok: false, problem: 'the request carries no config patch' };
  const files: FileWrite[] = [];
  for (const f of patch.files) {
    if (!PATH_RE.test(f.path)) return { ok: false, problem: `${f.path}: not a path apply-config can write` };
    if (!f.sha256 || !SHA_RE.test(f.sha256)) {
      return {
        ok: false,
        problem: `${f.path} has no fingerprint in the report (the host has no sha256sum?): apply the patch by hand`,
      };
    }
    const changes = patch.changes.filter((c) => c.file === f.path);
    if (changes.length === 0) return { ok: false, problem: `${f.path}: a diff without changes` };
    if (fileDiff(f.path, changes) !== f.diff) {
      return { ok: false, problem: `${f.path}: the diff shown is not the diff of its changes` };
    }
    files.push({ path: f.path, sha256: f.sha256, changes, edits: changes.map(editArg) });
  }
  const lines = new Set<string>();
  for (const c of patch.changes) {
    if (!files.some((f) => f.path === c.file))
      return { ok: false, problem: `${c.file}: a change without a diff` };
    if (expectedLine(c) !== c.newText) {
      return { ok: false, problem: `${c.scope} ${c.directive} in ${c.file}: not a line a config fix writes` };
    }
    const at = 'line' in c.at ? c.at.line : c.at.after;
    if (!Number.isInteger(at) || at < ('line' in c.at ? 1 : 0)) {
      return { ok: false, problem: `${c.file}: line ${at} is not a line number` };
    }
    if ('line' in c.at) {
      const key = `${c.file}\0${c.at.line}`;
      if (lines.has(key)) return { ok: false, problem: `${c.file}:${c.at.line} is changed twice` };
      lines.add(key);
    }
  }
  const reloads = RELOAD_ORDER.filter((r) => patch.changes.some((c) => c.reload === r));
  return { ok: true, files, reloads };
}
