import { CubeError } from '../errors.ts';
import { suggestion } from '../model/closest.ts';
import type { QueryResult, ResultColumn } from './types.ts';

export interface PivotLayout {
  /** Level columns ("dimension.level", or just "dimension") laid out down the side. */
  rows: string[];
  /** Level columns laid out across the top. */
  columns: string[];
  /** Measure columns to show (default: all of the result's). */
  measures?: string[];
  /** Add a subtotal after each group of every axis, and a grand total. */
  subtotals?: boolean;
}

/** One row (or column) of the matrix: members of the axis's fields. */
export interface PivotKey {
  /** Members in field order (null = the NULL member, or a field a subtotal folds away). */
  members: (string | null)[];
  /** How many leading fields the key fixes: all of them for a plain key, fewer for a subtotal (0 = grand total). */
  depth: number;
}

/**
 * A query result laid out as a matrix. `values[r][c * measures.length + m]` is measure
 * `m` at row key `r` and column key `c`; null when no result row falls there, or when a
 * subtotal cannot be made from finished values (only sums, counts, minima and maxima
 * combine; see ResultColumn.combine). Subtotals cover the result's rows as returned
 * (after limit). `header` is printable: one row per column field (members, "Total" for
 * subtotals) then one row of measure names, each led by one cell per row field.
 */
export interface PivotResult {
  rows: string[];
  columns: string[];
  measures: string[];
  rowKeys: PivotKey[];
  columnKeys: PivotKey[];
  values: (number | null)[][];
  header: (string | null)[][];
}

export const PIVOT_TOTAL_LABEL = 'Total';

/**
 * Most values a matrix may hold. Rows and columns are each bounded by the result's
 * rows, but their product is not: 100 000 rows on a diagonal (every row its own row
 * key and column key) would make a matrix of 10^10 cells.
 */
export const MAX_PIVOT_CELLS = 1_000_000;

export function pivot(result: QueryResult, layout: PivotLayout): PivotResult {
  const levelColumns = result.columns.filter((column) => column.kind === 'level');
  const rowFields = layout.rows.map((name, index) => levelField(levelColumns, name, `rows[${index}]`));
  const columnFields = layout.columns.map((name, index) => levelField(levelColumns, name, `columns[${index}]`));
  const unplaced = levelColumns.filter((column) => !rowFields.includes(column) && !columnFields.includes(column));
  if (unplaced.length > 0) {
    throw new CubeError('OPERATION_INVALID', `every grouped level must be on rows or columns; ${unplaced.map((c) => c.name).join(', ')} is not`, {
      path: 'rows',
    });
  }
  const measureColumns = (layout.measures ?? result.columns.filter((c) => c.kind === 'measure').map((c) => c.name)).map(
    (name, index) => measureField(result.columns, name, `measures[${index}]`),
  );
  const subtotals = layout.subtotals ?? false;

  const rowAxis = new Axis(rowFields.length, subtotals);
  const columnAxis = new Axis(columnFields.length, subtotals);
  const placed = result.rows.map((row) => ({
    row,
    rowMembers: rowFields.map((field) => row[field.name] as string | null),
    columnMembers: columnFields.map((field) => row[field.name] as string | null),
  }));
  placed.forEach(({ rowMembers, columnMembers }) => {
    rowAxis.add(rowMembers);
    columnAxis.add(columnMembers);
  });
  const rowKeys = rowAxis.keys();
  const columnKeys = columnAxis.keys();
  const rowIndex = indexKeys(rowKeys);
  const columnIndex = indexKeys(columnKeys);

  const width = columnKeys.length * measureColumns.length;
  checkMatrixSize(rowKeys.length, width);
  const values = rowKeys.map(() => new Array<number | null>(width).fill(null));
  for (const { row, rowMembers, columnMembers } of placed) {
    for (const r of prefixIndexes(rowIndex, rowMembers, subtotals)) {
      for (const c of prefixIndexes(columnIndex, columnMembers, subtotals)) {
        const whole = rowKeys[r]!.depth === rowFields.length && columnKeys[c]!.depth === columnFields.length;
        measureColumns.forEach((column, m) => {
          const value = row[column.name] as number | null;
          const cell = c * measureColumns.length + m;
          values[r]![cell] = whole ? value : combine(column.combine, values[r]![cell]!, value);
        });
      }
    }
  }
  return {
    rows: rowFields.map((field) => field.name),
    columns: columnFields.map((field) => field.name),
    measures: measureColumns.map((column) => column.name),
    rowKeys,
    columnKeys,
    values,
    header: header(rowFields, columnFields, columnKeys, measureColumns),
  };
}

function checkMatrixSize(rows: number, width: number): void {
  if (rows * width <= MAX_PIVOT_CELLS) return;
  throw new CubeError('RESULT_TOO_LARGE', `the pivot would have ${rows} × ${width} values, more than ${MAX_PIVOT_CELLS}`, {
    path: 'rows',
    hint: 'put fewer levels across, group by coarser levels, or filter or limit the query',
  });
}

function combine(how: ResultColumn['combine'], sofar: number | null, value: number | null): number | null {
  if (value === null || how === undefined) return sofar;
  if (sofar === null) return value;
  return how === 'sum' ? sofar + value : how === 'min' ? Math.min(sofar, value) : Math.max(sofar, value);
}

/** The keys of one axis as a tree of member prefixes, in order of first appearance. */
class Axis {
  private readonly root: Node = { children: new Map() };

  constructor(
    private readonly depth: number,
    private readonly subtotals: boolean,
  ) {}

  add(members: (string | null)[]): void {
    let node = this.root;
    for (const member of members) {
      let child = node.children.get(member);
      if (child === undefined) {
        child = { children: new Map() };
        node.children.set(member, child);
      }
      node = child;
    }
  }

  keys(): PivotKey[] {
    const keys: PivotKey[] = [];
    const walk = (node: Node, prefix: (string | null)[]) => {
      if (prefix.length === this.depth) {
        keys.push({ members: prefix, depth: prefix.length });
        return;
      }
      for (const [member, child] of node.children) walk(child, [...prefix, member]);
      if (this.subtotals) keys.push({ members: [...prefix, ...new Array(this.depth - prefix.length).fill(null)], depth: prefix.length });
    };
    walk(this.root, []);
    return keys;
  }
}

interface Node {
  children: Map<string | null, Node>;
}

function keyOf(members: readonly (string | null)[], depth: number): string {
  return JSON.stringify([depth, members.slice(0, depth)]);
}

function indexKeys(keys: readonly PivotKey[]): Map<string, number> {
  return new Map(keys.map((key, index) => [keyOf(key.members, key.depth), index]));
}

/** The key a result row falls in, and (with subtotals) every subtotal key above it. */
function prefixIndexes(index: Map<string, number>, members: readonly (string | null)[], subtotals: boolean): number[] {
  const depths = subtotals ? Array.from({ length: members.length + 1 }, (_, depth) => depth) : [members.length];
  return depths.map((depth) => index.get(keyOf(members, depth))!);
}

function header(
  rowFields: readonly ResultColumn[],
  columnFields: readonly ResultColumn[],
  columnKeys: readonly PivotKey[],
  measures: readonly ResultColumn[],
): (string | null)[][] {
  const lead = rowFields.map(() => null);
  const lines = columnFields.map((_, field) => [
    ...lead,
    ...columnKeys.flatMap((key) => measures.map(() => (field < key.depth ? key.members[field]! : PIVOT_TOTAL_LABEL))),
  ]);
  lines.push([...rowFields.map((field) => field.name), ...columnKeys.flatMap(() => measures.map((measure) => measure.name))]);
  return lines;
}

function levelField(columns: readonly ResultColumn[], name: string, path: string): ResultColumn {
  const column = columns.find((candidate) => candidate.name === name || candidate.dimension === name);
  if (column === undefined) {
    throw new CubeError('OPERATION_INVALID', `the result has no grouped level "${name}"`, {
      path,
      hint: suggestion(name, columns.map((candidate) => candidate.name)),
    });
  }
  return column;
}

function measureField(columns: readonly ResultColumn[], name: string, path: string): ResultColumn {
  const column = columns.find((candidate) => candidate.kind === 'measure' && candidate.name === name);
  if (column === undefined) {
    throw new CubeError('OPERATION_INVALID', `the result has no measure column "${name}"`, {
      path,
      hint: suggestion(name, columns.filter((candidate) => candidate.kind === 'measure').map((candidate) => candidate.name)),
    });
  }
  return column;
}
