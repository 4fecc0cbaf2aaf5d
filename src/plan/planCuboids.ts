import type { CubeModel, CuboidLevels } from '../model/types.ts';
import { cuboidLattice, type CuboidLattice } from './cuboidLattice.ts';
import { estimateRows } from './estimateRows.ts';
import { heldPartials } from './heldPartials.ts';
import { cuboidName, levelsCover, rollsUpTo } from './levels.ts';
import { sortKeys } from './sortKeys.ts';
import type { CuboidPlan, PlannedCuboid, PlanStats } from './types.ts';

/**
 * Which cuboids to build: the definition's explicit cuboids, then (with
 * `aggregation.auto`) a greedy choice by benefit per row under the row budget
 * (Harinarayan, Rajaraman & Ullman 1996). A query at lattice point w costs the rows of
 * the smallest chosen cuboid covering it, or the source's rows; a candidate's benefit
 * is how many rows it saves over all lattice points it covers.
 */
export function planCuboids(model: CubeModel, stats: PlanStats): CuboidPlan {
  const explicit = withSecuredVariants(model, stats, explicitCuboids(model, stats));
  const chosen = model.aggregation.auto ? [...explicit, ...chooseGreedily(model, stats, cuboidLattice(model), explicit)] : explicit;
  return { cuboids: chosen.map((cuboid) => ({ ...cuboid, sortedBy: sortKeys(model, cuboid.levels, stats) })) };
}

/** A cuboid chosen, before its sort order is settled. */
type Chosen = Omit<PlannedCuboid, 'sortedBy'>;

function explicitCuboids(model: CubeModel, stats: PlanStats): Chosen[] {
  const byName = new Map<string, Chosen>();
  for (const { levels, measures } of model.aggregation.cuboids) {
    const name = cuboidName(model, levels);
    const partials = heldPartials(model, 'explicit', measures);
    const listed = byName.get(name);
    // The same levels listed twice hold what either entry asks for.
    if (listed !== undefined) listed.partials = heldPartials(model, 'explicit').filter((column) => listed.partials.includes(column) || partials.includes(column));
    else byName.set(name, { name, levels: { ...levels }, estimatedRows: estimateRows(model, levels, stats), reason: 'explicit', partials });
  }
  return [...byName.values()];
}

/**
 * A role that limits rows always filters on its row levels, so a cuboid without them
 * cannot answer any of its queries. Each explicit cuboid (or the apex, when none is
 * listed) therefore gets a variant that also holds the role's row levels.
 */
function withSecuredVariants(model: CubeModel, stats: PlanStats, explicit: Chosen[]): Chosen[] {
  const planned = new Map(explicit.map((cuboid) => [cuboid.name, cuboid]));
  const security = heldPartials(model, 'security');
  const bases = explicit.length === 0 ? [{ levels: {}, partials: security }] : explicit;
  for (const role of model.security?.roles ?? []) {
    if (role.rows.length === 0) continue;
    for (const base of bases) {
      const levels = { ...base.levels };
      for (const rule of role.rows) levels[rule.dimension] = finerOf(model, rule.dimension, levels[rule.dimension], rule.level);
      const name = cuboidName(model, levels);
      const partials = security.filter((column) => base.partials.includes(column));
      // A base holding only exact distinct counts leaves its variant nothing to hold.
      if (!planned.has(name) && partials.length > 0) {
        planned.set(name, { name, levels, estimatedRows: estimateRows(model, levels, stats), reason: `security: role ${role.name}`, partials });
      }
    }
  }
  return [...planned.values()];
}

/** The level that can answer for both: the finer one, or the finest level when they sit on different hierarchies. */
function finerOf(model: CubeModel, dimensionName: string, held: string | undefined, wanted: string): string {
  if (held === undefined) return wanted;
  const dimension = model.dimensions.find((candidate) => candidate.name === dimensionName)!;
  if (rollsUpTo(dimension, held, wanted)) return held;
  if (rollsUpTo(dimension, wanted, held)) return wanted;
  return dimension.finest;
}

function chooseGreedily(model: CubeModel, stats: PlanStats, lattice: CuboidLattice, explicit: Chosen[]): Chosen[] {
  const { levels, coverStart, covered } = lattice;
  const count = levels.length;
  const size = Float64Array.from(levels, (cuboid) => Math.max(1, estimateRows(model, cuboid, stats)));
  const cost = new Float64Array(count).fill(Math.max(1, stats.sourceRows));
  const taken = new Uint8Array(count);
  const explicitNames = new Set(explicit.map((cuboid) => cuboid.name));
  // Only a cuboid holding every measure answers whatever an automatic one would.
  const everything = heldPartials(model, 'auto');
  const complete = explicit.filter((cuboid) => everything.every((column) => cuboid.partials.includes(column)));
  for (let w = 0; w < count; w++) {
    if (explicitNames.has(cuboidName(model, levels[w]!))) taken[w] = 1;
    for (const cuboid of complete) {
      if (levelsCover(model, cuboid.levels, levels[w]!)) cost[w] = Math.min(cost[w]!, Math.max(1, cuboid.estimatedRows));
    }
  }

  const chosen: Chosen[] = [];
  let budget = model.aggregation.rowBudget;
  while (chosen.length < model.aggregation.maxCuboids) {
    let best = -1;
    let bestBenefit = 0;
    let bestRatio = 0;
    for (let v = 0; v < count; v++) {
      const rows = size[v]!;
      if (taken[v] === 1 || rows > budget) continue;
      let benefit = 0;
      for (let k = coverStart[v]!, end = coverStart[v + 1]!; k < end; k++) {
        const saved = cost[covered[k]!]! - rows;
        if (saved > 0) benefit += saved;
      }
      if (benefit / rows > bestRatio) {
        best = v;
        bestBenefit = benefit;
        bestRatio = benefit / rows;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    budget -= size[best]!;
    for (let k = coverStart[best]!, end = coverStart[best + 1]!; k < end; k++) {
      const w = covered[k]!;
      if (size[best]! < cost[w]!) cost[w] = size[best]!;
    }
    chosen.push(autoCuboid(model, levels[best]!, size[best]!, bestBenefit));
  }
  return chosen;
}

function autoCuboid(model: CubeModel, levels: CuboidLevels, rows: number, benefit: number): Chosen {
  return {
    name: cuboidName(model, levels),
    levels,
    estimatedRows: rows,
    reason: `auto: benefit ${benefit.toExponential(1)} rows / ${rows.toLocaleString('en-US')} rows`,
    partials: heldPartials(model, 'auto'),
  };
}
