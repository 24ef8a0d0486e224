/** Levenshtein distance, for "did you mean" hints on misspelt field names. */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  // Lengths that differ by more than the limit cannot be within it: skip the table.
  if (Math.abs(a.length - b.length) > limit) return Number.POSITIVE_INFINITY;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
