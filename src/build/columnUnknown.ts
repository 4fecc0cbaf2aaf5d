import type { DuckDBConnection } from '@duckdb/node-api';
import { CubeError } from '../errors.ts';
import { closestNames, suggestion } from '../model/closest.ts';
import { fromClause } from '../model/sourceSql.ts';
import type { CubeModel, JoinModel, SourceModel } from '../model/types.ts';

/**
 * Turns DuckDB's binder message about a missing column or table alias into a
 * CubeError that names the column, the relation it was looked up in and the closest
 * existing names; any other SQL problem becomes DEFINITION_INVALID at the same path.
 */
export async function expressionError(
  connection: DuckDBConnection,
  model: CubeModel,
  path: string,
  expr: string,
  error: unknown,
): Promise<CubeError> {
  const message = error instanceof Error ? error.message : String(error);
  const where = `${model.file}: ${path}`;
  const qualified = /Table "([^"]+)" does not have a column named "([^"]+)"/.exec(message);
  const unqualified = /Referenced column "([^"]+)" not found/.exec(message);
  const aliasMissing = /Referenced table "([^"]+)" not found/.exec(message);
  const relations = [model.source, ...model.joins];

  if (qualified) {
    const [, alias, column] = qualified as unknown as [string, string, string];
    const relation = relations.find((candidate) => candidate.alias === alias);
    const names = relation ? await columnsOf(connection, model, relation) : [];
    return columnUnknown(where, path, column, relation ? describe(relation) : `"${alias}"`, names);
  }
  if (unqualified) {
    const column = unqualified[1]!;
    const qualifiedNames = (
      await Promise.all(relations.map(async (relation) => (await columnsOf(connection, model, relation)).map((name) => `${relation.alias}.${name}`)))
    ).flat();
    const bare = (name: string) => name.slice(name.indexOf('.') + 1);
    const closest = new Set(closestNames(column, qualifiedNames.map(bare)));
    const ranked = [...closest].flatMap((name) => qualifiedNames.filter((candidate) => bare(candidate) === name));
    const hint = ranked.length === 0 ? 'no columns are readable here' : `did you mean ${ranked.slice(0, 5).join(', ')}?`;
    return new CubeError('COLUMN_UNKNOWN', `${where}: unknown column "${column}" in ${relations.map(describe).join(', ')}; ${hint}`, { path, hint });
  }
  if (aliasMissing) {
    const alias = aliasMissing[1]!;
    const aliases = relations.map((relation) => relation.alias);
    return new CubeError(
      'COLUMN_UNKNOWN',
      `${where}: unknown table alias "${alias}" in ${expr}; the cube reads ${relations.map(describe).join(', ')}; ${suggestion(alias, aliases)}`,
      { path, hint: suggestion(alias, aliases) },
    );
  }
  const didYouMean = /Did you mean [^\n]*/.exec(message)?.[0];
  return new CubeError('DEFINITION_INVALID', `${where}: ${expr}: ${message.split('\n')[0]}${didYouMean ? ` ${didYouMean}` : ''}`, {
    path,
    cause: error,
    ...(didYouMean ? { hint: didYouMean } : {}),
  });
}

function columnUnknown(where: string, path: string, column: string, table: string, names: string[]): CubeError {
  const hint = suggestion(column, names);
  return new CubeError('COLUMN_UNKNOWN', `${where}: unknown column "${column}" in ${table}; ${hint}`, { path, hint });
}

function describe(relation: SourceModel | JoinModel): string {
  switch (relation.kind) {
    case 'table':
      return `table ${relation.table} (alias ${relation.alias})`;
    case 'sql':
      return `the SQL source (alias ${relation.alias})`;
    case 'parquet':
    case 'csv':
      return `${relation.path} (alias ${relation.alias})`;
  }
}

/** Columns of one relation read on its own, so a broken join elsewhere cannot hide them. */
async function columnsOf(connection: DuckDBConnection, model: CubeModel, relation: SourceModel | JoinModel): Promise<string[]> {
  const alone: SourceModel = !('on' in relation)
    ? relation
    : relation.kind === 'table'
      ? { kind: 'table', database: '', table: relation.table, alias: relation.alias }
      : { kind: relation.kind, path: relation.path, alias: relation.alias };
  try {
    const statement = await connection.prepare(`SELECT * ${fromClause({ ...model, source: alone, joins: [] })} LIMIT 0`);
    return Array.from({ length: statement.columnCount }, (_, index) => statement.columnName(index));
  } catch {
    return [];
  }
}
