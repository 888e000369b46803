/**
 * One problem found in an inventory, and how it is printed. Positions are 1-based, as editors and
 * `file:line:col` links expect.
 */
import { type KeyPath, pathText } from '../util/key-path.js';

// Paths are read the same way in every file kind's messages, so they live in src/util.
export { type KeyPath, pathText };

export interface InventoryIssue {
  line: number;
  col: number;
  /** Key path of the offending value, e.g. ["hosts", "web-1", "ssh", "port"]. */
  path: KeyPath;
  /** What is wrong and what was expected; carries no file or position. */
  message: string;
}

/**
 * `file:line:col: key.path: message`, the one shape every file's problems are printed in (inventory,
 * policy, runbooks); a part that is not known (no column, no key) is left out.
 */
export function formatIssue(
  file: string,
  issue: { line?: number; col?: number; path?: KeyPath; message: string },
): string {
  const where = [file, issue.line, issue.line === undefined ? undefined : issue.col]
    .filter((part) => part !== undefined)
    .join(':');
  return issue.path && issue.path.length > 0
    ? `${where}: ${pathText(issue.path)}: ${issue.message}`
    : `${where}: ${issue.message}`;
}

/** Sorted by position so the list reads top to bottom like the file; exact repeats dropped. */
export function sortIssues(issues: readonly InventoryIssue[]): InventoryIssue[] {
  const seen = new Set<string>();
  return [...issues]
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .filter((issue) => {
      const key = `${issue.line}:${issue.col}:${pathText(issue.path)}:${issue.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

const MAX_SHOWN = 60;

/** The "got ..." part of a message: short, unambiguous, never a whole structure. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (value instanceof Uint8Array) return 'binary data';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty map' : 'a map';
  return typeof value;
}
