/**
 * Where a directive a fix changes is really set, from the directive lines discover-fpm.sh sent
 * (facts.fpm.configFiles): the files of the pool's master in the order FPM reads them, the last
 * setting in the pool's section winning, as FPM's own ini parser does. A directive left at its
 * default is "not set", with the place where adding it takes effect: right under the pool's
 * `[name]` header (or `[global]`, or the top of php.ini).
 */
import type { ConfigFile, ConfigLine } from '../facts/types.js';

export type DirectiveLocation =
  /** Set on `line` of `file`, whose text is `text` and value `value`. */
  | { set: true; file: string; line: number; text: string; value: string }
  /** Not set: a line added after `after` (0 = the top of the file) takes effect. */
  | { set: false; file: string; after: number };

const SECTION = /^\s*\[([^\]]+)\]\s*$/;
const ASSIGNMENT = /^\s*([^=;#\s][^=]*?)\s*=\s*(.*?)\s*$/;

function assignment(line: ConfigLine): { key: string; value: string } | undefined {
  const m = ASSIGNMENT.exec(line.text);
  if (!m) return undefined;
  return { key: m[1]!, value: m[2]!.replace(/^"(.*)"$/, '$1') };
}

function filesOf(files: readonly ConfigFile[], masterPid: number, role: ConfigFile['role']): ConfigFile[] {
  return files.filter((f) => f.masterPid === masterPid && f.role === role);
}

/**
 * A directive of one pool (`pm.max_children`, `php_admin_value[max_execution_time]`), or of the
 * global section with pool "global". undefined when discovery sent no file of that master.
 */
export function fpmDirective(
  files: readonly ConfigFile[],
  masterPid: number,
  pool: string,
  key: string,
): DirectiveLocation | undefined {
  const ordered = filesOf(files, masterPid, 'fpm');
  if (ordered.length === 0) return undefined;
  let found: DirectiveLocation | undefined;
  let header: { file: string; line: number } | undefined;
  for (const f of ordered) {
    // Lines before any header are global, in the master's config as in an included file.
    let section = 'global';
    for (const l of f.lines) {
      const s = SECTION.exec(l.text);
      if (s) {
        section = s[1]!.trim();
        if (section === pool) header ??= { file: f.path, line: l.line };
        continue;
      }
      if (section !== pool) continue;
      const a = assignment(l);
      if (a?.key === key) found = { set: true, file: f.path, line: l.line, text: l.text, value: a.value };
    }
  }
  if (found) return found;
  if (header) return { set: false, file: header.file, after: header.line };
  // A global directive with no [global] header: the top of the master's own config.
  return pool === 'global' ? { set: false, file: ordered[0]!.path, after: 0 } : undefined;
}

/** A php.ini directive (max_execution_time, memory_limit): the last file PHP reads that sets it. */
export function iniDirective(
  files: readonly ConfigFile[],
  masterPid: number,
  key: string,
): DirectiveLocation | undefined {
  const ordered = filesOf(files, masterPid, 'php-ini');
  let found: DirectiveLocation | undefined;
  for (const f of ordered) {
    for (const l of f.lines) {
      const a = assignment(l);
      if (a?.key === key) found = { set: true, file: f.path, line: l.line, text: l.text, value: a.value };
    }
  }
  if (found) return found;
  return ordered[0] ? { set: false, file: ordered[0].path, after: 0 } : undefined;
}
