import { CubeError } from '../errors.ts';
import type { CubeModel, CuboidLevels, DimensionModel } from '../model/types.ts';
import { rollsUpTo } from './levels.ts';

/**
 * The candidate cuboids of automatic selection after Kylin-style pruning, and which
 * candidates each one covers. Dimensions of a `joint` group form one unit (all grouped
 * or all "all"); a `mandatory` unit never offers "all"; a `hierarchy` dimension only
 * offers the levels of its first hierarchy. Candidates are the cartesian product of
 * unit options, so coverage is a product of per-unit coverage lists.
 */
export interface CuboidLattice {
  levels: CuboidLevels[];
  /** CSR: candidates covered by candidate v are covered[coverStart[v] … coverStart[v+1]). */
  coverStart: Int32Array;
  covered: Int32Array;
}

/** Beyond this the quadratic coverage relation stops being cheap; pruning is the answer. */
export const MAX_CANDIDATES = 50_000;

interface Unit {
  dimensions: DimensionModel[];
  /** Per option, one level per unit dimension (undefined = "all"). */
  options: (string | undefined)[][];
  /** Per option, the options it covers. */
  covers: number[][];
}

export function cuboidLattice(model: CubeModel): CuboidLattice {
  const units = latticeUnits(model);
  const count = units.reduce((product, unit) => product * unit.options.length, 1);
  if (count > MAX_CANDIDATES) {
    throw new CubeError(
      'DEFINITION_INVALID',
      `${model.file}: cube "${model.name}" has ${count.toLocaleString('en-US')} candidate cuboids (more than ${MAX_CANDIDATES.toLocaleString('en-US')})`,
      {
        path: `cubes.${model.name}.aggregation`,
        hint: 'prune the candidates with aggregation.mandatory, joint or hierarchy, or list cuboids explicitly with auto: false',
      },
    );
  }
  const digits = (index: number): number[] =>
    units.map((unit) => {
      const digit = index % unit.options.length;
      index = Math.floor(index / unit.options.length);
      return digit;
    });
  const strides = units.map((_, u) => units.slice(0, u).reduce((product, unit) => product * unit.options.length, 1));

  const levels: CuboidLevels[] = [];
  const lists: number[][][] = [];
  let pairs = 0;
  for (let index = 0; index < count; index++) {
    const choice = digits(index);
    const cuboid: CuboidLevels = {};
    units.forEach((unit, u) =>
      unit.dimensions.forEach((dimension, k) => {
        const level = unit.options[choice[u]!]![k];
        if (level !== undefined) cuboid[dimension.name] = level;
      }),
    );
    levels.push(cuboid);
    const coverLists = units.map((unit, u) => unit.covers[choice[u]!]!);
    lists.push(coverLists);
    pairs += coverLists.reduce((product, list) => product * list.length, 1);
  }

  const coverStart = new Int32Array(count + 1);
  const covered = new Int32Array(pairs);
  let next = 0;
  for (let index = 0; index < count; index++) {
    coverStart[index] = next;
    next = expandProduct(lists[index]!, strides, covered, next);
  }
  coverStart[count] = next;
  return { levels, coverStart, covered };
}

/** Writes every index Σ list_u[i_u]·stride_u of the product of lists into `out`. */
function expandProduct(lists: number[][], strides: number[], out: Int32Array, at: number): number {
  const position = new Array<number>(lists.length).fill(0);
  for (;;) {
    let index = 0;
    for (let u = 0; u < lists.length; u++) index += lists[u]![position[u]!]! * strides[u]!;
    out[at++] = index;
    let u = 0;
    while (u < lists.length && ++position[u]! === lists[u]!.length) position[u++] = 0;
    if (u === lists.length) return at;
  }
}

function latticeUnits(model: CubeModel): Unit[] {
  const policy = model.aggregation;
  const group = new Map(model.dimensions.map((dimension) => [dimension.name, dimension.name]));
  const root = (name: string): string => (group.get(name) === name ? name : root(group.get(name)!));
  for (const joint of policy.joint) {
    for (const name of joint.slice(1)) group.set(root(name), root(joint[0]!));
  }
  const members = new Map<string, DimensionModel[]>();
  for (const dimension of model.dimensions) {
    const key = root(dimension.name);
    members.set(key, [...(members.get(key) ?? []), dimension]);
  }
  return [...members.values()].map((dimensions) => {
    const mandatory = dimensions.some((dimension) => policy.mandatory.includes(dimension.name));
    const grouped = dimensions.reduce<(string | undefined)[][]>(
      (combos, dimension) => combos.flatMap((combo) => candidateLevels(model, dimension).map((level) => [...combo, level])),
      [[]],
    );
    const options = mandatory ? grouped : [dimensions.map(() => undefined), ...grouped];
    const covers = options.map((finer) =>
      options.flatMap((coarser, index) =>
        dimensions.every((dimension, k) => {
          const to = coarser[k];
          const from = finer[k];
          return to === undefined || (from !== undefined && rollsUpTo(dimension, from, to));
        })
          ? [index]
          : [],
      ),
    );
    return { dimensions, options, covers };
  });
}

function candidateLevels(model: CubeModel, dimension: DimensionModel): string[] {
  const first = dimension.hierarchies[0];
  if (model.aggregation.hierarchy.includes(dimension.name) && first) return first.levels;
  return dimension.levels.map((level) => level.name);
}
