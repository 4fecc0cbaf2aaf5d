import { quoteIdentifier } from '../model/sourceSql.ts';
import type { PartialSpec } from '../model/partials.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { groupingId } from './groupingSets.ts';
import { cellsSet, heldBy, keysOf, stageAggregate, valueColumn, valueSet, type ScanShape } from './scanShape.ts';
import { keyFromWords, sameWords, wordColumn, wordSql, type SortWord } from './sortWords.ts';

/**
 * Stage 2 of the cuboid scan, per cuboid: fold its stage-1 rows (already keyed by
 * member codes, packed into sort words) to the cuboid's grain, finish the partials (a
 * sum of no values is 0, a min/max of no values NaN), take exact distinct counts from
 * the distinct scan and HLL registers from value sets. Only the partials the cuboid
 * holds are read. Cells are read and stored in the order of the cuboid's words: code
 * order of the planned sort keys (PlannedCuboid.sortedBy).
 */
export const CUBOID_ROWS = 'cuboid_rows';
export const CUBOID_DISTINCTS = 'cuboid_distincts';

export interface CuboidSql {
  name: string;
  /** The sort keys packed into words: the INTEGER columns of `read`, first. */
  words: SortWord[];
  /** Partials read as Float64 after the words, in this order. */
  partials: PartialSpec[];
  /** HLL partials, each with the query returning (cell INTEGER, register SMALLINT, rank UTINYINT). */
  registers: { partial: PartialSpec; sql: string }[];
  /** The cells, in sort-key order: words, then partials (or only stage_rows when the cuboid has neither). */
  read: string;
}

/** The 64-bit hash DuckDB gives each distinct value, xor-ed so that hash(0) = 0 is not a fixed point. */
const HASH_SEED = '6614235945328296341::UBIGINT';
const LOW_54_BITS = '18014398509481983::UBIGINT';
const BIT_54 = '18014398509481984::UBIGINT';

export function cuboidCellsSql(shape: ScanShape, cuboid: PlannedCuboid): CuboidSql {
  const keys = keysOf(shape, cuboid);
  const words = shape.words.get(cuboid.name)!;
  const names = words.map((_, index) => wordColumn(index));
  const cellsGid = groupingId(shape.grouping, cellsSet(shape, cuboid));
  // Without a period the cells set is the cuboid's own grouping: each stage-1 row is already one cell.
  const fold = cellsSet(shape, cuboid).length > keys.length;
  const stored = shape.setWords.get(cellsGid)!;
  // Folding the period out of a set stored under the words of a cuboid grouping by it: this cuboid's words are repacked from those.
  const wordsSql = sameWords(stored, words) ? names : words.map((word) => wordSql(word, (key) => keyFromWords(stored, key.column) ?? carriedKey(shape, key.column)));
  const groupBy = fold && names.length > 0 ? ` GROUP BY ${wordsSql.join(', ')}` : '';
  const folded = shape.partials.filter((partial) => partial.role !== 'hll' && partial.role !== 'distinct' && cuboid.partials.includes(partial.column));
  const counted = heldBy(shape.partials, cuboid, 'distinct');

  const cells = `cells AS (
  SELECT ${[
    ...wordsSql.map((sql, index) => (sql === names[index] ? sql : `${sql} AS ${names[index]}`)),
    `${fold ? 'count(*)' : '1'} AS stage_rows`,
    ...folded.map((partial) => `${finishPartial(shape, partial, fold)} AS ${cellColumn(partial)}`),
  ].join(', ')}
  FROM ${CUBOID_ROWS} WHERE gid = ${cellsGid}${groupBy})`;
  const distinct = shape.distinct;
  // Exactly one row per cell: the distinct scan groups the same source rows by the same keys, under this cuboid's words.
  const counts = counted.length === 0 || distinct === undefined ? [] : [`counts AS (
  SELECT ${[...names, ...counted.map((partial) => `${distinct.counts.get(partial.column)!} AS ${cellColumn(partial)}`)].join(', ')}
  FROM ${CUBOID_DISTINCTS} WHERE gid = ${groupingId(distinct.grouping, keys)})`];
  const columns = [
    ...names.map((name) => `cells.${name}`),
    ...folded.map((partial) => `cells.${cellColumn(partial)}`),
    ...counted.map((partial) => `CAST(coalesce(counts.${cellColumn(partial)}, 0) AS DOUBLE) AS ${cellColumn(partial)}`),
  ];
  const joins = counts.length === 0 ? '' : `\nLEFT JOIN counts ON ${joinOn('cells', 'counts', names)}`;
  // Words are unique per cell, so ordering by them numbers cells the same way wherever it is done.
  const orderBy = names.length > 0 ? `\nORDER BY ${names.map((name) => `cells.${name}`).join(', ')}` : '';
  return {
    name: cuboid.name,
    words,
    partials: [...folded, ...counted],
    registers: heldBy(shape.partials, cuboid, 'hll').map((partial) => ({
      partial,
      sql: registerSql(cells, names, valueColumn(shape, partial), groupingId(shape.grouping, valueSet(shape, cuboid, partial))),
    })),
    read: `WITH ${[cells, ...counts].join(',\n')}\nSELECT ${columns.join(', ') || 'cells.stage_rows'}\nFROM cells${joins}${orderBy}`,
  };
}

/** A key no stored word holds is a column stage 1 keeps as it is: the period. */
function carriedKey(shape: ScanShape, column: string): string {
  if (!shape.carried.includes(column)) throw new Error(`stage 1 keeps neither a word holding ${column} nor the column itself`);
  return column;
}

/** The partial of a cuboid cell from its stage-1 rows (one per period, or — `fold` false — exactly one). */
function finishPartial(shape: ScanShape, partial: PartialSpec, fold: boolean): string {
  const column = () => shape.aggregates.get(stageAggregate(shape, partial)!)!;
  const folded = (aggregate: string) => (fold ? `${aggregate}(${column()})` : column());
  switch (partial.role) {
    case 'sum':
    case 'count':
      return `CAST(coalesce(${folded('sum')}, 0) AS DOUBLE)`;
    case 'min':
    case 'max':
      return `coalesce(CAST(${folded(partial.role)} AS DOUBLE), 'NaN'::DOUBLE)`;
    case 'last':
      return fold ? `CAST(coalesce(arg_max_null(${column()}, ${shape.period!.column}), 0) AS DOUBLE)` : `CAST(coalesce(${column()}, 0) AS DOUBLE)`;
    case 'period':
      return `CAST(${fold ? `max(${shape.period!.column})` : shape.period!.column} AS DOUBLE)`;
    case 'hll':
    case 'distinct':
      throw new Error(`${partial.role} partials are not folded from stage-1 aggregates`);
  }
}

/**
 * Per (cell, register) the highest rank among the cell's distinct values, from the
 * 64-bit hash h: register = top 10 bits, rank = 1 + trailing zeros of the low 54 bits
 * (55 when they are all zero, by setting bit 54). Must match src/model/hll.ts. Cells are
 * numbered in the order `read` returns them: by their words. A value set belongs to one
 * cuboid, so its rows are stored under that cuboid's words.
 */
function registerSql(cells: string, words: string[], value: string, gid: string): string {
  const carry = words.map((word) => `${word}, `).join('');
  const cellNumbers = `SELECT ${carry}(row_number() OVER (${words.length > 0 ? `ORDER BY ${words.join(', ')}` : ''}) - 1)::INTEGER AS cell FROM cells`;
  return `WITH ${cells}
SELECT c.cell, r.register, max(r.rank)
FROM (SELECT ${carry}(h >> 54)::SMALLINT AS register, (bit_count(~w & (w - 1)) + 1)::UTINYINT AS rank
      FROM (SELECT ${carry}h, (h & ${LOW_54_BITS}) | ${BIT_54} AS w
            FROM (SELECT ${carry}xor(hash(${value}), ${HASH_SEED}) AS h
                  FROM ${CUBOID_ROWS} WHERE gid = ${gid} AND ${value} IS NOT NULL))) AS r
JOIN (${cellNumbers}) AS c ON ${joinOn('r', 'c', words)}
GROUP BY c.cell, r.register`;
}

function cellColumn(partial: PartialSpec): string {
  return quoteIdentifier(partial.column);
}

/** Codes, so words, are never NULL within a cuboid's rows: plain equality joins cells. */
function joinOn(left: string, right: string, keys: string[]): string {
  return keys.length === 0 ? 'TRUE' : keys.map((key) => `${left}.${key} = ${right}.${key}`).join(' AND ');
}
