import { roleOf, type AccessScope } from '../model/accessScope.ts';
import type { CubeData } from '../model/data.ts';

/**
 * A cube's description as a scope may see it: the measures and dimensions hidden from
 * its role left out everywhere they would appear (model, dictionaries, cuboids). A
 * credential lacking a claim its role's rows need still gets the description; its
 * queries are refused.
 */
export function visiblePart(cube: CubeData, scope: AccessScope | null): CubeData {
  const role = roleOf(cube.model, scope);
  if (role === null || (role.hiddenMeasures.length === 0 && role.hiddenDimensions.length === 0)) return cube;
  const hiddenMeasures = new Set(role.hiddenMeasures);
  const hiddenDimensions = new Set(role.hiddenDimensions);
  return {
    ...cube,
    model: {
      ...cube.model,
      dimensions: cube.model.dimensions.filter((dimension) => !hiddenDimensions.has(dimension.name)),
      measures: cube.model.measures.filter((measure) => !hiddenMeasures.has(measure.name)),
    },
    dictionaries: Object.fromEntries(
      Object.entries(cube.dictionaries).filter(([key]) => !hiddenDimensions.has(key.split('.')[0]!)),
    ),
    // A cuboid grouping a hidden dimension is left out whole: its name spells the dimension.
    cuboids: cube.cuboids.filter((cuboid) => Object.keys(cuboid.levels).every((dimension) => !hiddenDimensions.has(dimension))),
  };
}
