import { distance } from 'fastest-levenshtein';

/** Characters people mistype for one another when reading names off a screen: l/1, O/0. */
function fold(name: string): string {
  return name.toLowerCase().replace(/[li|]/g, '1').replace(/o/g, '0');
}

/**
 * The candidates closest to `input`, if close enough to be a typo of it, in the given order.
 * Two edits cover a swap ("prot" -> "port"); longer names may be further off. Look-alike
 * characters rank first, so "web-l" is web-1 rather than web-1 or web-2.
 */
export function closest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const wanted = input.toLowerCase();
  const wantedFolded = fold(input);
  const allowance = Math.max(2, Math.floor(wanted.length / 3));
  const scored: { name: string; looks: number; d: number; i: number }[] = [];
  let i = 0;
  for (const name of candidates) {
    const d = distance(wanted, name.toLowerCase());
    const looks = distance(wantedFolded, fold(name));
    // d < length: two edits turn any two-letter word into any other, which is no suggestion.
    if (Math.min(d, looks) <= allowance && d < wanted.length) scored.push({ name, looks, d, i });
    i++;
  }
  scored.sort((a, b) => a.looks - b.looks || a.d - b.d || a.i - b.i);
  const [best] = scored;
  return scored
    .filter((s) => s.looks === best?.looks && s.d === best.d)
    .slice(0, max)
    .map((s) => s.name);
}

/** "a, b, c" or "a, b, ... (40 more)": a whole fleet would drown a Slack message. */
export function listNames(names: readonly string[], max = 20): string {
  if (names.length === 0) return '(none)';
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, ... (${names.length - max} more)` : shown;
}
