import { evaluateFormula } from '../model/formula.ts';
import { hllEstimate } from '../model/hll.ts';
import { HLL_REGISTERS, partialColumn, type PartialRole } from '../model/partials.ts';
import type { MeasureModel } from '../model/types.ts';
import type { CellSet } from './cells.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { RequestedMeasure } from './resolveQuery.ts';
import { scratchFloat64 } from './scratch.ts';

/**
 * Finishing: partials → the numbers users see, one Float64Array per measure with NaN
 * standing for null. avg = sum / count (null on no rows), min/max of no rows are null,
 * formulas via evaluateFormula (null operand or division by zero → null), shares divide
 * by the grand total or the parent cell.
 */
export function plainValues(
  cube: LoadedCube,
  measure: MeasureModel,
  cells: CellSet,
  memo: Map<string, Float64Array> = new Map(),
): Float64Array {
  const known = memo.get(measure.name);
  if (known !== undefined) return known;
  const values = computePlain(cube, measure, cells, memo);
  memo.set(measure.name, values);
  return values;
}

function computePlain(cube: LoadedCube, measure: MeasureModel, cells: CellSet, memo: Map<string, Float64Array>): Float64Array {
  switch (measure.agg) {
    case 'sum':
      return partialOf(cells, measure, measure.semiAdditive ? 'last' : 'sum');
    case 'count':
      return partialOf(cells, measure, 'count');
    case 'min':
      return partialOf(cells, measure, 'min');
    case 'max':
      return partialOf(cells, measure, 'max');
    case 'avg': {
      const sum = partialOf(cells, measure, 'sum');
      const count = partialOf(cells, measure, 'count');
      const out = scratchFloat64(cells.size);
      for (let cell = 0; cell < cells.size; cell++) out[cell] = count[cell]! === 0 ? NaN : sum[cell]! / count[cell]!;
      return out;
    }
    case 'count_distinct':
      return partialOf(cells, measure, 'distinct');
    case 'count_distinct_approx': {
      // The source answers approximate distinct counts exactly, as a `distinct` partial.
      const registers = cells.registers[partialColumn(measure.name, 'hll')];
      if (registers === undefined) return partialOf(cells, measure, 'distinct');
      const out = scratchFloat64(cells.size);
      for (let cell = 0; cell < cells.size; cell++) out[cell] = hllEstimate(registers, cell * HLL_REGISTERS);
      return out;
    }
    case 'calculated': {
      const formula = cube.formula(measure);
      const operands = new Map<string, Float64Array>();
      let cell = 0;
      const valueOf = (name: string): number | null => {
        let column = operands.get(name);
        if (column === undefined) {
          column = plainValues(cube, cube.measure(name)!, cells, memo);
          operands.set(name, column);
        }
        const value = column[cell]!;
        return Number.isNaN(value) ? null : value;
      };
      const out = scratchFloat64(cells.size);
      for (; cell < cells.size; cell++) out[cell] = evaluateFormula(formula, valueOf) ?? NaN;
      return out;
    }
  }
}

/** A measure's partial column over the cells. */
function partialOf(cells: CellSet, measure: MeasureModel, role: PartialRole): Float64Array {
  return cells.values[partialColumn(measure.name, role)]!;
}

export function ratio(numerator: number, denominator: number): number {
  return denominator === 0 || Number.isNaN(denominator) ? NaN : numerator / denominator;
}

/** The grand total and parent cells a query's shares divide by. */
export interface ShareContext {
  total: CellSet | undefined;
  parent: { cells: CellSet; index: Int32Array } | undefined;
}

/**
 * Finished columns of the requested measures over `cells`. `parentIndex` gives each
 * cell's parent cell (null: the cells have no parent, like a topN's "Others" rows).
 */
export function finishColumns(
  cube: LoadedCube,
  measures: readonly RequestedMeasure[],
  cells: CellSet,
  context: ShareContext,
  parentIndex: Int32Array | null,
): Float64Array[] {
  const memo = new Map<string, Float64Array>();
  const totalMemo = new Map<string, Float64Array>();
  const parentMemo = new Map<string, Float64Array>();
  return measures.map(({ measure, variant }) => {
    const plain = plainValues(cube, measure, cells, memo);
    switch (variant) {
      case undefined:
        return plain;
      case 'pctOfTotal': {
        const total = plainValues(cube, measure, context.total!, totalMemo)[0]!;
        const out = scratchFloat64(cells.size);
        for (let cell = 0; cell < cells.size; cell++) out[cell] = ratio(plain[cell]!, total);
        return out;
      }
      case 'pctOfParent': {
        const out = scratchFloat64(cells.size);
        if (parentIndex === null) return out.fill(NaN);
        const parent = plainValues(cube, measure, context.parent!.cells, parentMemo);
        for (let cell = 0; cell < cells.size; cell++) out[cell] = ratio(plain[cell]!, parent[parentIndex[cell]!]!);
        return out;
      }
    }
  });
}
