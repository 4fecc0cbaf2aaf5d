import { HLL_REGISTERS, partialColumn, type PartialSpec } from '../model/partials.ts';
import { FOLD_IDENTITY, TRASH_SLOTS, foldHll, foldLast, foldMax, foldMin, foldNone, foldSum } from './foldKernels.ts';
import type { Grouping } from './groupRows.ts';
import { allRows } from './rowRanges.ts';
import { scratchFloat64, scratchUint8 } from './scratch.ts';

/**
 * Partials per row (a cuboid) or per cell (a query's answer before finishing): value
 * columns and HLL register blocks, by partial column name.
 */
export interface Partials {
  values: Record<string, Float64Array>;
  registers: Record<string, Uint8Array>;
}

/** Cells of an answer: the codes of each key (grouped level) and the cells' partials. */
export interface CellSet extends Partials {
  size: number;
  codes: Int32Array[];
}

const VALUE_FOLDS = { sum: foldSum, min: foldMin, max: foldMax, none: foldNone };

/** Folds the source's partials into the grouping's groups: the one roll-up of the engine. */
export function foldCells(specs: readonly PartialSpec[], source: Partials, grouping: Grouping): CellSet {
  const { groupOf, size } = grouping;
  const ranges = grouping.ranges ?? allRows(groupOf.length);
  const values: Record<string, Float64Array> = {};
  const registers: Record<string, Uint8Array> = {};
  for (const spec of specs) {
    const { column } = spec;
    switch (spec.fold) {
      case 'hll':
        registers[column] = scratchUint8(size * HLL_REGISTERS);
        foldHll(source.registers[column]!, groupOf, registers[column], ranges);
        break;
      case 'last': {
        if (spec.role === 'period') break; // folded with its value
        const period = partialColumn(spec.measure, 'period');
        const value = scratchFloat64(size + TRASH_SLOTS);
        const latest = scratchFloat64(size + TRASH_SLOTS).fill(FOLD_IDENTITY.period);
        foldLast(source.values[column]!, source.values[period]!, groupOf, value, latest, ranges);
        values[column] = value.subarray(0, size);
        values[period] = latest.subarray(0, size);
        break;
      }
      default: {
        // The kernels fold left-out rows into trash slots after the groups'.
        const target = scratchFloat64(size + TRASH_SLOTS).fill(FOLD_IDENTITY[spec.fold]);
        VALUE_FOLDS[spec.fold](source.values[column]!, groupOf, target, ranges);
        values[column] = target.subarray(0, size);
      }
    }
  }
  return { size, codes: grouping.codes, values, registers };
}
