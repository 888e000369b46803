/**
 * How a runbook's front-matter problems read (`file:line: key: what is wrong`), worded for the
 * operator who writes runbooks: unknown keys and values come with the nearest valid one. Reading
 * zod's issues is src/util/zod-issues.ts's job; this file only words them.
 */
import type { z } from 'zod';
import { closest } from '../config/suggest.js';
import { type KeyPath, pathText } from '../util/key-path.js';
import { translateZodIssues, type ZodWording } from '../util/zod-issues.js';
import type { RunbookProblem } from './errors.js';
import { FRONT_MATTER_KEYS } from './schema.js';

const FRONT_MATTER_WORDING: ZodWording = {
  unknownKey: (keys) => {
    const hints = keys.map((key) => {
      const near = closest(key, FRONT_MATTER_KEYS);
      return near.length > 0 ? `"${key}" (did you mean "${near[0]}"?)` : `"${key}"`;
    });
    return `unknown key ${hints.join(', ')}; expected keys: ${FRONT_MATTER_KEYS.join(', ')}`;
  },
  badOption: (found, allowed) => {
    const near = typeof found === 'string' ? closest(found, allowed) : [];
    const hint = near.length > 0 ? ` (did you mean "${near[0]}"?)` : '';
    return `unknown value ${JSON.stringify(found)}${hint}; expected one of: ${allowed.join(', ')}`;
  },
  missing: () => 'missing (required)',
};

export function frontMatterProblems(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  lineOf: (path: KeyPath) => number,
): RunbookProblem[] {
  return translateZodIssues(issues, {
    data,
    wording: FRONT_MATTER_WORDING,
    locate: (path) => ({ line: lineOf(path) }),
  }).map(({ path, line, message }) => ({
    file,
    ...(line !== undefined && { line }),
    message: path.length > 0 ? `${pathText(path)}: ${message}` : message,
  }));
}
