import type { CubeModel, JoinModel, SourceModel } from './types.ts';

/**
 * The SQL that reaches a cube's raw rows, shared by the build and the fallback so
 * both read exactly the same star join. A warehouse database is attached read-only
 * as `warehouse` and made the default catalog, so tables and SQL sources resolve in it.
 */
const WAREHOUSE_CATALOG = 'warehouse';

export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function warehouseOf(model: CubeModel): string | undefined {
  const source = model.source;
  return source.kind === 'table' || source.kind === 'sql' ? source.database : undefined;
}

/** Statements to run once on a fresh connection before reading the cube's source. */
export function sourceSetup(model: CubeModel): string[] {
  const database = warehouseOf(model);
  if (database === undefined) return [];
  return [
    `ATTACH ${quoteLiteral(database)} AS ${WAREHOUSE_CATALOG} (READ_ONLY)`,
    `USE ${WAREHOUSE_CATALOG}`,
  ];
}

function relation(source: SourceModel | JoinModel): string {
  switch (source.kind) {
    case 'table':
      return source.table;
    case 'sql':
      return `(${source.sql})`;
    case 'parquet':
      return `read_parquet(${quoteLiteral(source.path)})`;
    case 'csv':
      return `read_csv(${quoteLiteral(source.path)}, header = true)`;
  }
}

/** `FROM fact AS f JOIN dim AS d ON …`: the star (or snowflake) join of the cube. */
export function fromClause(model: CubeModel): string {
  return [`FROM ${relation(model.source)} AS ${quoteIdentifier(model.source.alias)}`, ...model.joins.map(joinClause)].join('\n');
}

/** `LEFT JOIN dim AS d ON …`: a fact row without a match keeps NULL members rather than vanishing. */
export function joinClause(join: JoinModel): string {
  return `LEFT JOIN ${relation(join)} AS ${quoteIdentifier(join.alias)} ON ${join.on}`;
}
