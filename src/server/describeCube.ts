import type { CubeData } from '../model/data.ts';
import { levelKey, type Aggregate, type MeasureModel } from '../model/types.ts';

/** What a client needs to ask a cube questions: its axes, their sizes, its measures and cuboids. */
export interface CubeDescription {
  name: string;
  title?: string;
  description?: string;
  version: string;
  builtAt: string;
  dimensions: Array<{
    name: string;
    isTime: boolean;
    hierarchies: Array<{ name: string; levels: string[] }>;
    levels: Array<{ name: string; order: string; grain?: string; cardinality: number; parents: string[] }>;
  }>;
  measures: Array<{ name: string; agg: Aggregate; kind: MeasureKind; format?: string; description?: string }>;
  cuboids: Array<{ name: string; levels: Record<string, string>; rows: number }>;
}

/**
 * Whether a front end may add up a measure's cells to make a subtotal: additive
 * measures sum everywhere, semi-additive ones sum over every dimension but one, and
 * the rest (min, max, averages, distinct counts, formulas) must be asked for again.
 */
export type MeasureKind = 'additive' | 'semiAdditive' | 'nonAdditive';

export function describeCube(cube: CubeData): CubeDescription {
  const { model } = cube;
  return {
    name: model.name,
    ...(model.title === undefined ? {} : { title: model.title }),
    ...(model.description === undefined ? {} : { description: model.description }),
    version: cube.version,
    builtAt: cube.builtAt,
    dimensions: model.dimensions.map((dimension) => ({
      name: dimension.name,
      isTime: dimension.isTime,
      hierarchies: dimension.hierarchies.map(({ name, levels }) => ({ name, levels })),
      levels: dimension.levels.map((level) => ({
        name: level.name,
        order: level.order,
        ...(level.grain === undefined ? {} : { grain: level.grain }),
        cardinality: cube.dictionaries[levelKey(dimension.name, level.name)]?.length ?? 0,
        parents: dimension.parents[level.name] ?? [],
      })),
    })),
    measures: model.measures.map((measure) => ({
      name: measure.name,
      agg: measure.agg,
      kind: measureKind(measure),
      ...(measure.format === undefined ? {} : { format: measure.format }),
      ...(measure.description === undefined ? {} : { description: measure.description }),
    })),
    cuboids: cube.cuboids.map(({ name, levels, rows }) => ({ name, levels, rows })),
  };
}

function measureKind(measure: MeasureModel): MeasureKind {
  if (measure.semiAdditive) return 'semiAdditive';
  return measure.agg === 'sum' || measure.agg === 'count' ? 'additive' : 'nonAdditive';
}
