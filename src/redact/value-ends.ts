/**
 * Where a value ends, remembered across the values of one pass over a text.
 *
 * A name whose value is rejected (`key=` with a value that does not look random, `pw==...`) is
 * followed by more names inside that same value (`key=key=key=...`, a request line any client can
 * make nginx log), and each of them ends where the first one did. Scanning each afresh costs the
 * rest of the line per name: quadratic. Here every character is scanned once per pass: each scanner
 * remembers the extent of its last scan and answers later starts inside it from memory. Starts only
 * move forward within a pass, so one remembered extent per scanner is enough.
 */

// Where an unquoted value ends mid-line: `?token=x&user=y`, `(using password: YES)`, `{a=b}`.
// "]" ends a value only outside brackets it opened: `[password=x]` but `AKIA[redacted]%2F...`.
const BARE_END = new Set([...' \t\n\r\0"\'`,;&|(){}<>']);
const LINE_END = new Set(['\n', '\r', '\0']);

interface Remembered {
  from: number;
  end: number;
}

export class ValueEnds {
  private lineScan: Remembered = { from: -1, end: -1 };
  private quoteScans = new Map<string, Remembered>();
  // The bare value ends of one run of characters between two BARE_END characters, by offset.
  private run: { from: number; end: number; ends: Int32Array } | undefined;

  constructor(readonly text: string) {}

  /** End of the line the value at `from` is on. */
  line(from: number): number {
    const r = this.lineScan;
    if (from >= r.from && from <= r.end) return r.end;
    let i = from;
    while (i < this.text.length && !LINE_END.has(this.text[i] ?? '')) i++;
    this.lineScan = { from, end: i };
    return i;
  }

  /**
   * Index of the closing `quote` on the line (backslash escapes skipped), else the line's end.
   * A later start inside a remembered scan is after an escaped quote of the same kind, where the
   * first scan was between escapes too, so it finds the same closing quote.
   */
  quoted(from: number, quote: string): number {
    const r = this.quoteScans.get(quote);
    if (r && from >= r.from && from <= r.end) return r.end;
    const text = this.text;
    const escapedQuote = quote.length === 2;
    let i = from;
    while (i < text.length && !LINE_END.has(text[i] ?? '')) {
      if (text.startsWith(quote, i)) break;
      if (text[i] === '\\' && !escapedQuote && !LINE_END.has(text[i + 1] ?? '')) i += 2;
      else i++;
    }
    const end = Math.min(i, text.length);
    this.quoteScans.set(quote, { from, end });
    return end;
  }

  /** Whether `quoted` stopped at a closing quote rather than at the end of the line. */
  closed(end: number, quote: string): boolean {
    return this.text.startsWith(quote, end);
  }

  /**
   * End of an unquoted value: the first BARE_END character, or the first "]" that closes no "["
   * the value opened. Computed for a whole run between BARE_END characters at once, right to left.
   */
  bare(from: number): number {
    const run = this.run;
    if (run && from >= run.from && from < run.end) return run.ends[from - run.from] ?? run.end;
    if (run && from === run.end) return from;
    const text = this.text;
    let end = from;
    while (end < text.length && !BARE_END.has(text[end] ?? '')) end++;
    this.run = { from, end, ends: runEnds(text, from, end) };
    return this.run.ends[0] ?? end;
  }
}

/**
 * For each start in [from, end): where its value ends. A "]" ends a value started at or before
 * it; a "[" is skipped with everything up to its matching "]", or ends the value at `end` when
 * nothing matches it.
 */
function runEnds(text: string, from: number, end: number): Int32Array {
  const n = end - from;
  const match = new Int32Array(n).fill(-1);
  const open: number[] = [];
  for (let i = 0; i < n; i++) {
    const ch = text[from + i];
    if (ch === '[') open.push(i);
    else if (ch === ']') {
      const o = open.pop();
      if (o !== undefined) match[o] = i;
    }
  }
  const ends = new Int32Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const ch = text[from + i];
    if (ch === ']') ends[i] = from + i;
    else if (ch === '[') {
      const m = match[i] ?? -1;
      ends[i] = m < 0 ? end : m + 1 < n ? (ends[m + 1] ?? end) : end;
    } else ends[i] = i + 1 < n ? (ends[i + 1] ?? end) : end;
  }
  return ends;
}
