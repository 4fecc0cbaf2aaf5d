import { cubePartials } from '../model/partials.ts';
import type { CubeModel } from '../model/types.ts';

/**
 * Which partial columns a planned cuboid stores. Every partial that folds is stored
 * everywhere: any coarser query can use it. An exact distinct count cannot fold, so a
 * cuboid answers it only for queries at exactly its grain — one point of the lattice —
 * while computing it costs the build a hash table of (cell, value) pairs that grows
 * with the fact table, not with the cuboid. It is therefore stored only in the
 * cuboids the definition lists (`aggregation.cuboids`), the grains someone asked for.
 * Automatic cuboids are chosen for their roll-up benefit, which a distinct count does
 * not share; a security variant adds a filter level to an explicit cuboid, so its
 * grain is finer than the restricted queries it serves and it could not answer them.
 * A definition may limit an explicit cuboid to some measures (`measures`, base measures
 * only); its security variants hold the same ones.
 */
export type CuboidOrigin = 'explicit' | 'security' | 'auto';

export function heldPartials(model: CubeModel, origin: CuboidOrigin, measures?: readonly string[]): string[] {
  return cubePartials(model.measures)
    .filter((partial) => (partial.fold !== 'none' || origin === 'explicit') && (measures === undefined || measures.includes(partial.measure)))
    .map((partial) => partial.column);
}
