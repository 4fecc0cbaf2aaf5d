/** Names closest to `name` first (edit distance, then shared prefix), for "did you mean". */
export function closestNames(name: string, candidates: Iterable<string>, max = 5): string[] {
  const target = name.toLowerCase();
  return [...new Set(candidates)]
    .map((candidate) => ({ candidate, distance: editDistance(target, candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, max)
    .map((entry) => entry.candidate);
}

/** "did you mean a, b, c?" or a list of valid names when nothing is close. */
export function suggestion(name: string, candidates: Iterable<string>): string {
  const names = closestNames(name, candidates);
  return names.length === 0 ? 'no names are defined here' : `did you mean ${names.join(', ')}?`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length]!;
}
