import type { CubeModel, CuboidLevels } from '../model/types.ts';
import { cuboidLattice, type CuboidLattice } from './cuboidLattice.ts';
import { estimateRows } from './estimateRows.ts';
import { cuboidName, levelsCover } from './levels.ts';
import type { CuboidPlan, PlannedCuboid, PlanStats } from './types.ts';

/**
 * Which cuboids to build: the definition's explicit cuboids, then (with
 * `aggregation.auto`) a greedy choice by benefit per row under the row budget
 * (Harinarayan, Rajaraman & Ullman 1996). A query at lattice point w costs the rows of
 * the smallest chosen cuboid covering it, or the source's rows; a candidate's benefit
 * is how many rows it saves over all lattice points it covers.
 */
export function planCuboids(model: CubeModel, stats: PlanStats): CuboidPlan {
  const explicit = explicitCuboids(model, stats);
  if (!model.aggregation.auto) return { cuboids: explicit };
  return { cuboids: [...explicit, ...chooseGreedily(model, stats, cuboidLattice(model), explicit)] };
}

function explicitCuboids(model: CubeModel, stats: PlanStats): PlannedCuboid[] {
  const byName = new Map<string, PlannedCuboid>();
  for (const levels of model.aggregation.cuboids) {
    const name = cuboidName(model, levels);
    if (!byName.has(name)) {
      byName.set(name, { name, levels: { ...levels }, estimatedRows: estimateRows(model, levels, stats), reason: 'explicit' });
    }
  }
  return [...byName.values()];
}

function chooseGreedily(model: CubeModel, stats: PlanStats, lattice: CuboidLattice, explicit: PlannedCuboid[]): PlannedCuboid[] {
  const { levels, coverStart, covered } = lattice;
  const count = levels.length;
  const size = Float64Array.from(levels, (cuboid) => Math.max(1, estimateRows(model, cuboid, stats)));
  const cost = new Float64Array(count).fill(Math.max(1, stats.sourceRows));
  const taken = new Uint8Array(count);
  const explicitNames = new Set(explicit.map((cuboid) => cuboid.name));
  for (let w = 0; w < count; w++) {
    if (explicitNames.has(cuboidName(model, levels[w]!))) taken[w] = 1;
    for (const cuboid of explicit) {
      if (levelsCover(model, cuboid.levels, levels[w]!)) cost[w] = Math.min(cost[w]!, Math.max(1, cuboid.estimatedRows));
    }
  }

  const chosen: PlannedCuboid[] = [];
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

function autoCuboid(model: CubeModel, levels: CuboidLevels, rows: number, benefit: number): PlannedCuboid {
  return {
    name: cuboidName(model, levels),
    levels,
    estimatedRows: rows,
    reason: `auto: benefit ${benefit.toExponential(1)} rows / ${rows.toLocaleString('en-US')} rows`,
  };
}
