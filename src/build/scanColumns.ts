import { levelKey, type CubeModel, type MeasureModel } from '../model/types.ts';

/**
 * Names for every SQL expression a build reads from the source, one column per
 * distinct expression text, so levels and measures that share an expression share a
 * column (and a grouping key); and one code column per level. Generated names (`k0`,
 * `v0`, `l0`) keep user names out of SQL.
 */
export interface ScanColumns {
  /** levelKey → key column of the level's expr. */
  level: Map<string, string>;
  /** levelKey → key column of the level's sortExpr (the same column when the texts match). */
  sort: Map<string, string>;
  /** levelKey → column of the level's member codes (in the dimension code tables and the cuboid scan). */
  code: Map<string, string>;
  /** measure name → column of its expr (absent for count(*) and calculated measures). */
  value: Map<string, string>;
  /** column → SQL expression. */
  expr: Map<string, string>;
}

export function scanColumns(model: CubeModel): ScanColumns {
  const columnOf = new Map<string, string>();
  const expr = new Map<string, string>();
  const name = (prefix: 'k' | 'v', text: string): string => {
    const known = columnOf.get(`${prefix}:${text}`);
    if (known !== undefined) return known;
    const column = `${prefix}${columnOf.size}`;
    columnOf.set(`${prefix}:${text}`, column);
    expr.set(column, text);
    return column;
  };
  const level = new Map<string, string>();
  const sort = new Map<string, string>();
  const code = new Map<string, string>();
  for (const dimension of model.dimensions) {
    for (const item of dimension.levels) {
      const key = levelKey(dimension.name, item.name);
      level.set(key, name('k', item.expr));
      sort.set(key, name('k', item.sortExpr));
      code.set(key, `l${code.size}`);
    }
  }
  const value = new Map<string, string>();
  for (const measure of model.measures) {
    if (measure.expr === undefined) continue;
    // Distinct counts group by their expression, so it is a key column like a level.
    value.set(measure.name, name(isDistinct(measure) ? 'k' : 'v', measure.expr));
  }
  return { level, sort, code, value, expr };
}

export function isDistinct(measure: MeasureModel): boolean {
  return measure.agg === 'count_distinct' || measure.agg === 'count_distinct_approx';
}

/** `SELECT <expr> AS <column>, …` of the given columns. */
export function projection(columns: ScanColumns, names: Iterable<string>): string {
  return [...names].map((column) => `(${columns.expr.get(column)!}) AS ${column}`).join(',\n  ');
}
