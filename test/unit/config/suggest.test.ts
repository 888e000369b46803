import { describe, expect, it } from 'vitest';
import { closest, listNames } from '../../../src/config/suggest.js';

describe('closest', () => {
  it('prefers look-alike characters over other one-letter differences', () => {
    expect(closest('web-l', ['web-2', 'web-1'])).toEqual(['web-1']);
    expect(closest('db-O1', ['db-01', 'db-02'])).toEqual(['db-01']);
  });

  it('catches swapped letters', () => {
    expect(closest('prot', ['user', 'port', 'jump'])).toEqual(['port']);
  });

  it('returns every equally close candidate in the given order', () => {
    expect(closest('web-3', ['web-1', 'db-1', 'web-2'])).toEqual(['web-1', 'web-2']);
  });

  it('returns nothing when nothing is close', () => {
    expect(closest('mail', ['web-1', 'web-2'])).toEqual([]);
    expect(closest('ab', ['xy'])).toEqual([]);
  });
});

describe('listNames', () => {
  it('caps long lists', () => {
    const names = Array.from({ length: 25 }, (_, i) => `h${i}`);
    expect(listNames(names)).toBe(`${names.slice(0, 20).join(', ')}, ... (5 more)`);
    expect(listNames([])).toBe('(none)');
  });
});
