/**
 * The one translation of zod's issues into operator-facing ones: which key (the path), where in
 * the file (line and column, when the caller can locate a path) and what is wrong. Every schema
 * fpm-medic validates (inventory, policy, runbook front matter, alert payloads, the environment)
 * goes through it; the callers differ only in their wording, given as a ZodWording, so a
 * message's shape stays what each file's users know while the zod-reading logic is written once.
 */
import type { z } from 'zod';
import { type KeyPath, valueAt } from './key-path.js';

type ZodIssue = z.core.$ZodIssue;

/** Marks a custom issue raised for a key the schema does not know; params.known lists the valid keys. */
export const UNKNOWN_KEY = 'unknown-key';

/** What a position points at: the key itself, its value, or the place a missing key belongs. */
export type Spot = 'key' | 'value' | 'missing';

export interface TranslatedIssue {
  /** Key path of the offending value (for keys the schema does not know: the map holding them). */
  path: KeyPath;
  /** 1-based, when the caller located the path. */
  line?: number;
  col?: number;
  /** What is wrong and what was expected; carries no file, position or path. */
  message: string;
}

/**
 * A caller's words for each kind of problem. `expected` is the schema's own message. A kind left
 * out reads as the schema's message alone.
 */
export interface ZodWording {
  /**
   * Keys the schema does not know; `known` lists the valid ones where the schema marks them
   * (UNKNOWN_KEY), and is empty for zod's own unrecognized_keys.
   */
  unknownKey?(keys: readonly string[], known: readonly string[], expected: string): string;
  /** A map key rejected by a record's key schema; `expected` is the key schema's message. */
  badKey?(key: string | number | undefined, expected: string): string;
  /** A value that is none of an enum's options. */
  badOption?(found: unknown, allowed: readonly string[], expected: string): string;
  /** A required key that is absent (only told apart when `data` is given). */
  missing?(expected: string): string;
  /** Any other wrong value, with the value found there. */
  badValue?(expected: string, found: unknown, path: KeyPath): string;
}

export interface ZodTranslation {
  /** The value that was validated: tells a missing key from a wrong one and shows what was found. */
  data?: unknown;
  /** Where a path is in the source text. */
  locate?(path: KeyPath, spot: Spot): { line: number; col?: number };
  wording?: ZodWording;
  /**
   * A union fails as a whole; with this, the complaint comes from the one alternative whose type
   * matched the value (e.g. jump: name | {address, ...}). When none or several did, the union's
   * own message says it best.
   */
  pickUnionBranch?: boolean;
}

export function translateZodIssues(
  issues: readonly ZodIssue[],
  options: ZodTranslation = {},
): TranslatedIssue[] {
  return issues.flatMap((issue) => translate(issue, [], options));
}

function translate(issue: ZodIssue, prefix: KeyPath, o: ZodTranslation): TranslatedIssue[] {
  const path: KeyPath = [
    ...prefix,
    ...issue.path.filter((p) => typeof p !== 'symbol').map((p) => (typeof p === 'number' ? p : String(p))),
  ];
  const w = o.wording ?? {};
  const at = (spot: Spot, message: string, where: KeyPath = path): TranslatedIssue[] => [
    { ...o.locate?.(where, spot), path, message },
  ];
  if (issue.code === 'invalid_union' && o.pickUnionBranch) {
    const branch = matchingBranch(issue.errors);
    if (branch) return branch.flatMap((inner) => translate(inner, path, o));
  }
  if (issue.code === 'invalid_key') {
    // The key schema's own message says more than the record's; callers without a badKey wording
    // keep the record's.
    const expected = issue.issues[0]?.message ?? issue.message;
    return at('key', w.badKey ? w.badKey(path[path.length - 1], expected) : issue.message);
  }
  if (issue.code === 'custom' && issue.params?.['kind'] === UNKNOWN_KEY) {
    const known = Array.isArray(issue.params['known']) ? issue.params['known'].map(String) : [];
    const key = String(path[path.length - 1]);
    return at('key', w.unknownKey ? w.unknownKey([key], known, issue.message) : issue.message);
  }
  if (issue.code === 'unrecognized_keys') {
    // zod reports them together on the map: the position is the first of them.
    const message = w.unknownKey ? w.unknownKey(issue.keys, [], issue.message) : issue.message;
    return at('key', message, [...path, issue.keys[0] ?? '']);
  }
  if (issue.code === 'invalid_value' && w.badOption) {
    return at('value', w.badOption(valueAt(o.data, path), issue.values.map(String), issue.message));
  }
  const found = valueAt(o.data, path);
  if ('data' in o && found === undefined) {
    return at('missing', w.missing ? w.missing(issue.message) : issue.message);
  }
  return at('value', w.badValue ? w.badValue(issue.message, found, path) : issue.message);
}

function matchingBranch(branches: readonly (readonly ZodIssue[])[]): readonly ZodIssue[] | undefined {
  const typeMatched = branches.filter((issues) => !issues.every(isWrongTypeHere));
  return typeMatched.length === 1 ? typeMatched[0] : undefined;
}

function isWrongTypeHere(issue: ZodIssue): boolean {
  return issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value');
}
