import { quoteIdentifier } from '../model/sourceSql.ts';
import type { PartialSpec } from '../model/partials.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { groupingId } from './groupingSets.ts';
import { cellsSet, groupedDimensions, keysOf, needsValueSet, stageAggregate, valueColumn, valueSet, type ScanShape } from './scanShape.ts';

/**
 * Stage 2 of the cuboid scan, per cuboid: fold its stage-1 rows (already keyed by
 * member codes) to the cuboid's grain, finish the partials (a sum of no values is 0,
 * a min/max of no values NaN), and count distinct values from value sets. Cells are
 * numbered in code order, which is the order they are read and stored in.
 */
export const CUBOID_ROWS = 'cuboid_rows';

export interface CuboidSql {
  name: string;
  /** Grouped dimensions in model order: the code columns of `read`, first. */
  dimensions: string[];
  /** Partials read as Float64 after the codes, in this order. */
  partials: PartialSpec[];
  /** HLL partials, each with the query returning (cell INTEGER, register SMALLINT, rank UTINYINT). */
  registers: { partial: PartialSpec; sql: string }[];
  /** Temp table of the cuboid's cells, made by `create`. */
  table: string;
  create: string;
  count: string;
  read: string;
}

/** The 64-bit hash DuckDB gives each distinct value, xor-ed so that hash(0) = 0 is not a fixed point. */
const HASH_SEED = '6614235945328296341::UBIGINT';
const LOW_54_BITS = '18014398509481983::UBIGINT';
const BIT_54 = '18014398509481984::UBIGINT';

export function cuboidCellsSql(shape: ScanShape, cuboid: PlannedCuboid, index: number): CuboidSql {
  const table = `cuboid_${index}`;
  const keys = keysOf(shape, cuboid);
  const groupBy = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
  const read = shape.partials.filter((partial) => partial.role !== 'hll');
  const counted = read.filter((partial) => needsValueSet(shape, partial));
  const folded = read.filter((partial) => !needsValueSet(shape, partial));

  const cells = `cells AS (
  SELECT ${[...keys, 'count(*) AS stage_rows', ...folded.map((partial) => `${finishPartial(shape, partial)} AS ${cellColumn(partial)}`)].join(', ')}
  FROM ${CUBOID_ROWS} WHERE gid = ${groupingId(shape.grouping, cellsSet(shape, cuboid))}${groupBy})`;
  const valueCtes = counted.map(
    (partial, v) => `values_${v} AS (
  SELECT ${[...keys, `count(${valueColumn(shape, partial)}) AS n`].join(', ')}
  FROM ${CUBOID_ROWS} WHERE gid = ${groupingId(shape.grouping, valueSet(shape, cuboid, partial))}${groupBy})`,
  );
  const columns = [
    `(row_number() OVER (${keys.length > 0 ? `ORDER BY ${keys.map((key) => `cells.${key}`).join(', ')}` : ''}) - 1)::INTEGER AS cell`,
    ...keys.map((key) => `cells.${key}`),
    ...folded.map((partial) => `cells.${cellColumn(partial)}`),
    ...counted.map((partial, v) => `CAST(coalesce(values_${v}.n, 0) AS DOUBLE) AS ${cellColumn(partial)}`),
  ];
  const joins = counted.map((_, v) => `LEFT JOIN values_${v} ON ${joinOn('cells', `values_${v}`, keys)}`);
  const partials = [...folded, ...counted];
  return {
    name: cuboid.name,
    dimensions: groupedDimensions(shape.model, cuboid).map((dimension) => dimension.name),
    partials,
    registers: shape.partials
      .filter((partial) => partial.role === 'hll')
      .map((partial) => ({ partial, sql: registerSql(table, keys, valueColumn(shape, partial), groupingId(shape.grouping, valueSet(shape, cuboid, partial))) })),
    table,
    create: `CREATE TEMP TABLE ${table} AS\nWITH ${[cells, ...valueCtes].join(',\n')}\nSELECT ${columns.join(', ')}\nFROM cells${joins.map((join) => `\n${join}`).join('')}`,
    count: `SELECT count(*)::DOUBLE FROM ${table}`,
    read: `SELECT ${[...keys, ...partials.map(cellColumn)].join(', ') || 'cell'} FROM ${table} ORDER BY cell`,
  };
}

/** The partial of a cuboid cell from its stage-1 rows (one per period, or just one). */
function finishPartial(shape: ScanShape, partial: PartialSpec): string {
  const column = () => shape.aggregates.get(stageAggregate(shape, partial)!)!;
  switch (partial.role) {
    case 'sum':
    case 'count':
    case 'distinct':
      return `CAST(coalesce(sum(${column()}), 0) AS DOUBLE)`;
    case 'min':
    case 'max':
      return `coalesce(CAST(${partial.role}(${column()}) AS DOUBLE), 'NaN'::DOUBLE)`;
    case 'last':
      return `CAST(coalesce(arg_max_null(${column()}, ${shape.period!.column}), 0) AS DOUBLE)`;
    case 'period':
      return `CAST(max(${shape.period!.column}) AS DOUBLE)`;
    case 'hll':
      throw new Error('HLL registers are read separately');
  }
}

/**
 * Per (cell, register) the highest rank among the cell's distinct values, from the
 * 64-bit hash h: register = top 10 bits, rank = 1 + trailing zeros of the low 54 bits
 * (55 when they are all zero, by setting bit 54). Must match src/model/hll.ts.
 */
function registerSql(table: string, keys: string[], value: string, gid: string): string {
  const carry = keys.map((key) => `${key}, `).join('');
  return `SELECT c.cell, r.register, max(r.rank)
FROM (SELECT ${carry}(h >> 54)::SMALLINT AS register, (bit_count(~w & (w - 1)) + 1)::UTINYINT AS rank
      FROM (SELECT ${carry}h, (h & ${LOW_54_BITS}) | ${BIT_54} AS w
            FROM (SELECT ${carry}xor(hash(${value}), ${HASH_SEED}) AS h
                  FROM ${CUBOID_ROWS} WHERE gid = ${gid} AND ${value} IS NOT NULL))) AS r
JOIN ${table} AS c ON ${joinOn('r', 'c', keys)}
GROUP BY c.cell, r.register`;
}

function cellColumn(partial: PartialSpec): string {
  return quoteIdentifier(partial.column);
}

/** Codes are never NULL within a cuboid's rows, so plain equality joins cells. */
function joinOn(left: string, right: string, keys: string[]): string {
  return keys.length === 0 ? 'TRUE' : keys.map((key) => `${left}.${key} = ${right}.${key}`).join(' AND ');
}
