import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { translateZodIssues, UNKNOWN_KEY } from '../../../src/util/zod-issues.js';

function issuesOf(schema: z.ZodType, data: unknown) {
  const result = schema.safeParse(data);
  if (result.success) throw new Error('expected the data to be refused');
  return result.error.issues;
}

describe('translateZodIssues', () => {
  it('without wording: the path as keys and indexes, and the schema’s own message', () => {
    const schema = z.object({ hosts: z.array(z.string({ error: 'expected a name' })) });
    expect(translateZodIssues(issuesOf(schema, { hosts: ['a', 1] }))).toEqual([
      { path: ['hosts', 1], message: 'expected a name' },
    ]);
  });

  it('locates each problem: a value where it is, a missing key where it belongs', () => {
    const schema = z.object({ a: z.number({ error: 'expected a number' }), b: z.string({ error: 'b!' }) });
    const data = { a: 'x' };
    const spots: string[] = [];
    const issues = translateZodIssues(issuesOf(schema, data), {
      data,
      locate: (path, spot) => {
        spots.push(`${path.join('.')}@${spot}`);
        return { line: spots.length, col: 1 };
      },
      wording: { missing: (expected) => `missing; ${expected}` },
    });
    expect(spots).toEqual(['a@value', 'b@missing']);
    expect(issues).toEqual([
      { path: ['a'], line: 1, col: 1, message: 'expected a number' },
      { path: ['b'], line: 2, col: 1, message: 'missing; b!' },
    ]);
  });

  it('unknown keys: the catch-all marker and zod’s own unrecognized_keys, each located at the key', () => {
    const catchAll = z
      .object({ port: z.number() })
      .catchall(
        z.custom(() => false, { error: 'unknown key', params: { kind: UNKNOWN_KEY, known: ['port'] } }),
      );
    const wording = {
      unknownKey: (keys: readonly string[], known: readonly string[]) => `${keys} not in ${known}`,
    };
    expect(translateZodIssues(issuesOf(catchAll, { port: 1, prot: 2 }), { wording })).toEqual([
      { path: ['prot'], message: 'prot not in port' },
    ]);
    const located: string[] = [];
    const strict = z.strictObject({ port: z.number() });
    const issues = translateZodIssues(issuesOf(strict, { port: 1, prot: 2 }), {
      wording,
      locate: (path) => {
        located.push(path.join('.'));
        return { line: 7 };
      },
    });
    expect(located).toEqual(['prot']);
    expect(issues).toEqual([{ path: [], line: 7, message: 'prot not in ' }]);
  });

  it('a failed union: the matching alternative’s complaint only when asked for', () => {
    const schema = z.object({
      jump: z.union(
        [z.string({ error: 'expected a name' }), z.object({ port: z.number({ error: 'port!' }) })],
        {
          error: 'expected a name or a map',
        },
      ),
    });
    const issues = issuesOf(schema, { jump: { port: 'x' } });
    expect(translateZodIssues(issues, { pickUnionBranch: true })).toEqual([
      { path: ['jump', 'port'], message: 'port!' },
    ]);
    expect(translateZodIssues(issues)).toEqual([{ path: ['jump'], message: 'expected a name or a map' }]);
  });
});
