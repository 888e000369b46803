/**
 * Median wall times of `a` and `b`, run alternately (a b b a a b ...) after one warm-up each, so
 * that a machine getting busier or quieter during the run weighs on both sides alike.
 */
export async function pairedMedians(
  runs: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  await a();
  await b();
  const ta: number[] = [];
  const tb: number[] = [];
  const time = async (fn: () => Promise<unknown>, into: number[]) => {
    const t = performance.now();
    await fn();
    into.push(performance.now() - t);
  };
  for (let i = 0; i < runs; i++) {
    if (i % 2 === 0) {
      await time(a, ta);
      await time(b, tb);
    } else {
      await time(b, tb);
      await time(a, ta);
    }
  }
  return [median(ta), median(tb)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

export function row(name: string, medic: number, baseline: number, unit: string, target?: number): string {
  const ratio = medic / baseline;
  const verdict =
    target === undefined ? '' : ratio <= target ? `  ok (target ≤ ${target}×)` : `  OVER target ${target}×`;
  return `${name.padEnd(50)} ${fmt(medic, unit).padStart(12)} ${fmt(baseline, unit).padStart(12)} ${ratio.toFixed(2).padStart(7)}×${verdict}`;
}

function fmt(n: number, unit: string): string {
  return unit === 'ms' ? `${n.toFixed(0)} ms` : `${n.toFixed(0)} ${unit}`;
}
