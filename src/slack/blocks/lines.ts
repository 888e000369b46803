/** Shared by the list messages (hosts, status, group): many short lines in few sections. */

/** Lines joined into texts of at most `max` characters each, never splitting a line. */
export function packLines(lines: readonly string[], max: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > max) {
      out.push(current);
      current = '';
    }
    current = current ? `${current}\n${line}` : line;
  }
  if (current) out.push(current);
  return out;
}

/**
 * The first lines that fit in `maxLines` and `budget` characters, and how many did not: lists
 * are cut by the builder, where the note can say what was left out.
 */
export function takeLines(
  lines: readonly string[],
  maxLines: number,
  budget: number,
): { shown: string[]; omitted: number } {
  const shown: string[] = [];
  let used = 0;
  for (const line of lines) {
    if (shown.length >= maxLines || used + line.length + 1 > budget) break;
    shown.push(line);
    used += line.length + 1;
  }
  return { shown, omitted: lines.length - shown.length };
}
