/** The `p`th percentile of ascending `sorted` by nearest rank (with 50 samples p99 is the largest); NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}
