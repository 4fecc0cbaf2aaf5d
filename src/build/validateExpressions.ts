import { DuckDBTypeId, type DuckDBConnection } from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import { fromClause } from '../model/sourceSql.ts';
import { levelKey, type CubeModel } from '../model/types.ts';
import { expressionError } from './columnUnknown.ts';

/**
 * Binds every expression of the definition against the source before any data is
 * read (a prepared `SELECT expr … LIMIT 0` plans but never runs), so a typo fails in
 * milliseconds with the definition path, and the result types decide member order.
 */
export interface ExpressionTypes {
  /** levelKey → DuckDB type of the level's expr. */
  level: Map<string, DuckDBTypeId>;
}

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

export function isNumericType(type: DuckDBTypeId): boolean {
  return NUMERIC.has(type);
}

/** Aggregates whose partials are numbers computed from the values themselves. */
const NEEDS_NUMBERS = new Set(['sum', 'avg', 'min', 'max']);

export async function validateExpressions(connection: DuckDBConnection, model: CubeModel): Promise<ExpressionTypes> {
  await validateFrom(connection, model);
  const from = fromClause(model);
  const typeOf = async (path: string, expr: string): Promise<DuckDBTypeId> => {
    try {
      const statement = await connection.prepare(`SELECT (${expr}) ${from} LIMIT 0`);
      return statement.columnTypeId(0);
    } catch (error) {
      throw await expressionError(connection, model, path, expr, error);
    }
  };

  const level = new Map<string, DuckDBTypeId>();
  for (const dimension of model.dimensions) {
    for (const item of dimension.levels) {
      // Time levels are derived from the dimension's `date`, which is where a typo sits.
      const path = dimension.isTime
        ? `cubes.${model.name}.dimensions.${dimension.name}.date`
        : `cubes.${model.name}.dimensions.${dimension.name}.levels.${item.name}`;
      level.set(levelKey(dimension.name, item.name), await typeOf(path, item.expr));
      if (item.sortExpr !== item.expr) await typeOf(`${path}.sort`, item.sortExpr);
    }
  }
  for (const measure of model.measures) {
    if (measure.expr === undefined) continue;
    const path = `cubes.${model.name}.measures.${measure.name}`;
    const type = await typeOf(path, measure.expr);
    if (NEEDS_NUMBERS.has(measure.agg) && !isNumericType(type)) {
      throw new CubeError(
        'DEFINITION_INVALID',
        `${model.file}: ${path}: agg ${measure.agg} needs a numeric expression, but ${measure.expr} is ${DuckDBTypeId[type]}`,
        { path, hint: `cast it, e.g. CAST(${measure.expr} AS DOUBLE)` },
      );
    }
  }
  return { level };
}

/** The source and each join on its own, so a bad join condition names its join. */
async function validateFrom(connection: DuckDBConnection, model: CubeModel): Promise<void> {
  for (let count = 0; count <= model.joins.length; count++) {
    const prefix = { ...model, joins: model.joins.slice(0, count) };
    try {
      await connection.prepare(`SELECT 1 ${fromClause(prefix)} LIMIT 0`);
    } catch (error) {
      const path = count === 0 ? `cubes.${model.name}.source` : `cubes.${model.name}.joins.${count - 1}`;
      const text = count === 0 ? fromClause(prefix) : model.joins[count - 1]!.on;
      throw await expressionError(connection, prefix, path, text, error);
    }
  }
}
