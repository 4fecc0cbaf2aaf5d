import type { PartialSpec } from '../model/partials.ts';
import type { CellSet } from './cells.ts';
import { finishColumns, ratio, type ShareContext } from './finishMeasures.ts';
import { applyHaving } from './having.ts';
import type { LevelIndex } from './levelIndex.ts';
import type { LoadedCube } from './loadedCube.ts';
import { orderRows } from './orderRows.ts';
import type { RequestedMeasure, ResolvedQuery } from './resolveQuery.ts';
import { gatherRows, OTHERS_CODE, type RowTable } from './rowTable.ts';
import { splitTopN } from './topN.ts';
import { OTHERS_MEMBER, type QueryResult, type ResultColumn, type ResultValue } from './types.ts';

/** What both answering paths hand over: the query's cells and the cells its shares divide by. */
export interface Answer extends ShareContext {
  cells: CellSet;
  specs: readonly PartialSpec[];
}

/**
 * Cells → QueryResult: finish, having, topN, order, offset/limit, totals. One
 * implementation for both paths, so the cuboid and the source answer alike.
 */
export function shapeResult(cube: LoadedCube, resolved: ResolvedQuery, answer: Answer): Omit<QueryResult, 'meta'> {
  const { query, groups, measures } = resolved;
  const { cells } = answer;
  const columns = finishColumns(cube, measures, cells, answer, answer.parent?.index ?? null);

  let table: RowTable;
  if (resolved.topN === undefined && resolved.having.length === 0) {
    // Every cell is a row, where it is: nothing to pick or copy.
    table = { size: cells.size, codes: cells.codes, columns };
  } else if (resolved.topN === undefined) {
    table = gatherRows(cells.codes, columns, applyHaving(resolved.having, columns, cells.size));
  } else {
    const kept = applyHaving(resolved.having, columns, cells.size);
    const { top, others } = splitTopN(resolved.topN, groups, answer.specs, cells, kept, columns);
    const tail =
      others === undefined
        ? undefined
        : { size: others.size, codes: others.codes, columns: finishColumns(cube, measures, others, answer, null) };
    table = gatherRows(cells.codes, columns, top, tail);
  }

  const levels = groups.map((group) => group.index);
  const order = orderRows(resolved.order, levels, table, query.offset + query.limit);
  const page = order.subarray(query.offset, query.offset + query.limit);
  const names = [...groups.map((group) => group.index.key), ...measures.map((measure) => measure.ref)];
  return {
    columns: resultColumns(resolved),
    rows: plainRows(page, table, levels, names),
    ...(query.totals ? { totals: totalsRow(cube, measures, answer) } : {}),
    total: table.size,
  };
}

/** One record per row of the page (plain loops: a closure per field costs twice the time). */
function plainRows(page: Int32Array, table: RowTable, levels: readonly LevelIndex[], names: readonly string[]): Record<string, ResultValue>[] {
  const rows = new Array<Record<string, ResultValue>>(page.length);
  const { codes, columns } = table;
  for (let position = 0; position < page.length; position++) {
    const row = page[position]!;
    const record: Record<string, ResultValue> = {};
    for (let group = 0; group < levels.length; group++) {
      const code = codes[group]![row]!;
      record[names[group]!] = code === OTHERS_CODE ? OTHERS_MEMBER : (levels[group]!.members[code] ?? null);
    }
    for (let column = 0; column < columns.length; column++) record[names[levels.length + column]!] = nullable(columns[column]![row]!);
    rows[position] = record;
  }
  return rows;
}

function nullable(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

function totalsRow(cube: LoadedCube, measures: readonly RequestedMeasure[], answer: Answer): Record<string, number | null> {
  const total = answer.total!;
  const plain = finishColumns(cube, measures.map((measure) => ({ ...measure, variant: undefined })), total, answer, null);
  const row: Record<string, number | null> = {};
  measures.forEach((measure, position) => {
    const value = plain[position]![0]!;
    row[measure.ref] = nullable(measure.variant === undefined ? value : ratio(value, value));
  });
  return row;
}

function resultColumns(resolved: ResolvedQuery): ResultColumn[] {
  return [
    ...resolved.groups.map(({ dimension, index }): ResultColumn => ({
      name: index.key,
      kind: 'level',
      type: 'string',
      dimension: dimension.name,
      level: index.level.name,
    })),
    ...resolved.measures.map(({ ref, measure, variant }): ResultColumn => {
      const combine = variant === undefined ? combineOf(measure.agg, measure.semiAdditive !== undefined) : undefined;
      return { name: ref, kind: 'measure', type: 'number', measure: measure.name, ...(combine ? { combine } : {}) };
    }),
  ];
}

function combineOf(agg: string, semiAdditive: boolean): ResultColumn['combine'] {
  if (agg === 'sum') return semiAdditive ? undefined : 'sum';
  if (agg === 'count') return 'sum';
  if (agg === 'min' || agg === 'max') return agg;
  return undefined;
}
