/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

/** One line: p50 / p99 / max of `values` (milliseconds). */
export function summary(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `${name.padEnd(34)} p50 ${percentile(s, 50).toFixed(0).padStart(5)} ms   p99 ${percentile(s, 99).toFixed(0).padStart(5)} ms   max ${s[s.length - 1]!.toFixed(0).padStart(5)} ms`;
}
