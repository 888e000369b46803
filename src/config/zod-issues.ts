/**
 * The YAML files' wording of zod's issues (inventory and policy): the position in the file, the
 * key path, the schema's "expected ..." text and the value actually found. Reading the issues is
 * src/util/zod-issues.ts's job; this file only says how a YAML file's problems read.
 */
import type { z } from 'zod';
import { translateZodIssues, type ZodWording } from '../util/zod-issues.js';
import { describeValue, type InventoryIssue } from './issues.js';
import { closest } from './suggest.js';
import { keyPosition, missingPosition, valuePosition, type YamlSource } from './yaml-source.js';

// Keys whose value may be a secret typed in the wrong place: never echoed back into logs or Slack.
const SECRET_KEYS = new Set(['passphraseEnv']);

const YAML_WORDING: ZodWording = {
  badKey: (key, expected) => `${expected}, got ${describeValue(key)}`,
  unknownKey: ([key = ''], known) => {
    const [best] = closest(key, known, 1);
    const hint = best ? `did you mean "${best}"? ` : '';
    return `unknown key; ${hint}expected one of: ${known.join(', ')}`;
  },
  missing: (expected) => `missing; ${expected}`,
  badValue: (expected, found, path) => {
    const last = path[path.length - 1];
    const got =
      typeof last === 'string' && SECRET_KEYS.has(last) ? 'a value not shown here' : describeValue(found);
    return `${expected}, got ${got}`;
  },
};

const POSITION = { key: keyPosition, value: valuePosition, missing: missingPosition } as const;

export function fromZodIssues(
  source: YamlSource,
  data: unknown,
  issues: readonly z.core.$ZodIssue[],
): InventoryIssue[] {
  return translateZodIssues(issues, {
    data,
    wording: YAML_WORDING,
    pickUnionBranch: true,
    locate: (path, spot) => POSITION[spot](source, path),
  }).map(({ path, line = 1, col = 1, message }) => ({ line, col, path, message }));
}
