import { parentMapKey, type CubeData, type CuboidData } from '../model/data.ts';
import { parseFormula, type Formula } from '../model/formula.ts';
import type { DimensionModel, MeasureModel } from '../model/types.ts';
import type { RouteCuboid } from '../plan/route.ts';
import { LevelIndex } from './levelIndex.ts';

/**
 * A cube version as the engine serves it: the CubeData plus lookups built once
 * (level indexes, composed roll-up maps, parsed formulas, cuboid summaries for routing).
 */
export class LoadedCube {
  readonly routeCuboids: RouteCuboid[];
  private readonly levels = new Map<string, LevelIndex>();
  private readonly rollups = new Map<string, Int32Array>();
  private readonly formulas = new Map<string, Formula>();

  constructor(readonly data: CubeData) {
    this.routeCuboids = data.cuboids.map((cuboid) => ({
      name: cuboid.name,
      levels: cuboid.levels,
      rows: cuboid.rows,
      columns: new Set([...Object.keys(cuboid.partials), ...Object.keys(cuboid.registers)]),
    }));
  }

  get name(): string {
    return this.data.model.name;
  }

  get version(): string {
    return this.data.version;
  }

  dimension(name: string): DimensionModel | undefined {
    return this.data.model.dimensions.find((dimension) => dimension.name === name);
  }

  measure(name: string): MeasureModel | undefined {
    return this.data.model.measures.find((measure) => measure.name === name);
  }

  cuboid(name: string): CuboidData {
    const cuboid = this.data.cuboids.find((candidate) => candidate.name === name);
    if (cuboid === undefined) throw new Error(`cuboid ${name} is not in ${this.name}@${this.version}`);
    return cuboid;
  }

  level(dimension: DimensionModel, level: string): LevelIndex {
    const key = `${dimension.name}.${level}`;
    let index = this.levels.get(key);
    if (index === undefined) {
      const model = dimension.levels.find((candidate) => candidate.name === level);
      const members = this.data.dictionaries[key];
      if (model === undefined || members === undefined) throw new Error(`level ${key} has no dictionary`);
      index = new LevelIndex(dimension, model, members);
      this.levels.set(key, index);
    }
    return index;
  }

  formula(measure: MeasureModel): Formula {
    let formula = this.formulas.get(measure.name);
    if (formula === undefined) {
      formula = parseFormula(measure.formula ?? '');
      this.formulas.set(measure.name, formula);
    }
    return formula;
  }

  /**
   * Code of `to` for each code of `from` (a level that rolls up to it), composing the
   * stored child→parent maps along the path; null when the levels are the same.
   */
  rollup(dimension: DimensionModel, from: string, to: string): Int32Array | null {
    if (from === to) return null;
    const key = parentMapKey(dimension.name, from, to);
    let map = this.rollups.get(key) ?? this.data.parentMaps[key];
    if (map === undefined) {
      const path = pathUp(dimension, from, to);
      map = Int32Array.from(this.parentMap(dimension, path[0]!, path[1]!));
      for (let step = 1; step < path.length - 1; step++) {
        const next = this.parentMap(dimension, path[step]!, path[step + 1]!);
        for (let code = 0; code < map.length; code++) map[code] = next[map[code]!]!;
      }
    }
    this.rollups.set(key, map);
    return map;
  }

  private parentMap(dimension: DimensionModel, child: string, parent: string): Int32Array {
    const map = this.data.parentMaps[parentMapKey(dimension.name, child, parent)];
    if (map === undefined) throw new Error(`no parent map ${dimension.name}.${child}>${parent}`);
    return map;
  }
}

/** Levels from `from` up to `to` through direct parents (breadth first: the shortest path). */
function pathUp(dimension: DimensionModel, from: string, to: string): string[] {
  const previous = new Map<string, string>([[from, from]]);
  const queue = [from];
  while (queue.length > 0) {
    const level = queue.shift()!;
    if (level === to) break;
    for (const parent of dimension.parents[level] ?? []) {
      if (!previous.has(parent)) {
        previous.set(parent, level);
        queue.push(parent);
      }
    }
  }
  if (!previous.has(to)) throw new Error(`${dimension.name}.${from} does not roll up to ${to}`);
  const path = [to];
  while (path[0] !== from) path.unshift(previous.get(path[0]!)!);
  return path;
}
