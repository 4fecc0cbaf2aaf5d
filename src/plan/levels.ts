import type { CubeModel, CuboidLevels, DimensionModel } from '../model/types.ts';

/**
 * Level order within a dimension: `from` rolls up to `to` when `to` is reachable from
 * `from` through `parents` (or is `from` itself), i.e. `from` is as fine or finer.
 * Planning and routing both decide coverage with these two functions.
 */
export function rollsUpTo(dimension: DimensionModel, from: string, to: string): boolean {
  if (from === to) return true;
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const parent of dimension.parents[stack.pop()!] ?? []) {
      if (parent === to) return true;
      if (!seen.has(parent)) {
        seen.add(parent);
        stack.push(parent);
      }
    }
  }
  return false;
}

/**
 * Whether a cuboid at `cuboid` levels can answer a grouping at `query` levels: every
 * dimension the query groups (absent = "all") is grouped by the cuboid at the same or
 * a finer level.
 */
export function levelsCover(model: CubeModel, cuboid: CuboidLevels, query: CuboidLevels): boolean {
  return model.dimensions.every((dimension) => {
    const wanted = query[dimension.name];
    if (wanted === undefined) return true;
    const held = cuboid[dimension.name];
    return held !== undefined && rollsUpTo(dimension, held, wanted);
  });
}

/** "region.province+time.month" in the model's dimension order; "apex" when nothing is grouped. */
export function cuboidName(model: CubeModel, levels: CuboidLevels): string {
  const parts = model.dimensions
    .filter((dimension) => levels[dimension.name] !== undefined)
    .map((dimension) => `${dimension.name}.${levels[dimension.name]}`);
  return parts.length === 0 ? 'apex' : parts.join('+');
}
