import type { DuckDBConnection } from '@duckdb/node-api';
import type { CubeModel } from '../model/types.ts';

/**
 * The part of the star join some expressions read: the joins they need (with the
 * joins those joins' conditions need) and the source columns. Every join is a LEFT
 * JOIN, which never drops a row of its left side, so the distinct values of such
 * expressions over the whole star join equal those over the source's distinct
 * values of `sourceColumns` joined to `joins` alone — how the dimension scan lists
 * members without joining every source row to every dimension table.
 */
export interface Reach {
  /** Aliases of the joins needed, in model order. */
  joins: string[];
  /** Source columns read, by name in lower case (never empty). */
  sourceColumns: string[];
}

/** Undefined when the SQL does not tell: a column without a known alias, `*`, a parse failure, or no source column at all. */
export type ReachOf = (expressions: readonly string[]) => Reach | undefined;

type Refs = [alias: string, column: string][] | undefined;

/** Parses every expression of the model once (DuckDB's own parser, via json_serialize_sql). */
export async function expressionReach(connection: DuckDBConnection, model: CubeModel): Promise<ReachOf> {
  const parsed = new Map<string, Refs>();
  const refsOf = async (expression: string): Promise<Refs> => {
    if (!parsed.has(expression)) {
      const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [`SELECT (${expression})`]);
      parsed.set(expression, columnRefs(JSON.parse(String(reader.getRows()[0]![0]))));
    }
    return parsed.get(expression);
  };
  const aliases = new Set([model.source.alias, ...model.joins.map((join) => join.alias)].map(lower));
  const qualified = (refs: Refs): Refs => (refs?.every(([alias]) => aliases.has(lower(alias))) ? refs : undefined);

  const joinRefs = new Map<string, Refs>();
  for (const join of model.joins) joinRefs.set(lower(join.alias), qualified(await refsOf(join.on)));
  const expressionRefs = new Map<string, Refs>();
  for (const dimension of model.dimensions) {
    for (const level of dimension.levels) {
      for (const expression of [level.expr, level.sortExpr]) expressionRefs.set(expression, qualified(await refsOf(expression)));
    }
  }

  const source = lower(model.source.alias);
  return (expressions) => {
    const needed = new Set<string>();
    const columns = new Set<string>();
    const pending: Refs[] = expressions.map((expression) => expressionRefs.get(expression));
    while (pending.length > 0) {
      const refs = pending.pop();
      if (refs === undefined) return undefined;
      for (const [alias, column] of refs) {
        const key = lower(alias);
        if (key === source) columns.add(lower(column));
        else if (!needed.has(key)) {
          needed.add(key);
          pending.push(joinRefs.get(key));
        }
      }
    }
    if (columns.size === 0) return undefined;
    return { joins: model.joins.map((join) => join.alias).filter((alias) => needed.has(lower(alias))), sourceColumns: [...columns].sort() };
  };
}

/** [alias, column] of every column reference in a json_serialize_sql tree; undefined if any is not of that form. */
function columnRefs(tree: unknown): Refs {
  if ((tree as { error?: boolean }).error) return undefined;
  const refs: [string, string][] = [];
  let plain = true;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const { class: kind, column_names: names } = node as { class?: string; column_names?: string[] };
    if (kind === 'STAR') plain = false;
    if (kind === 'COLUMN_REF') {
      if (names?.length === 2) refs.push([names[0]!, names[1]!]);
      else plain = false;
    }
    Object.values(node).forEach(visit);
  };
  visit(tree);
  return plain ? refs : undefined;
}

/** DuckDB matches identifiers without regard to case. */
function lower(name: string): string {
  return name.toLowerCase();
}
