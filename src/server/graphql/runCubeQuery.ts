import { parseQuery, type CubeEngine, type QueryResult } from '../../engine/index.ts';
import type { AccessScope } from '../../model/accessScope.ts';
import { parseMeasureRef, type CubeQuery, type CubeQueryInput } from '../../model/query.ts';
import type { CubeModel } from '../../model/types.ts';
import { selectedResultFields, type SelectionInfo } from './selection.ts';

/** What a cube's result fields resolve from: the query as it ran, and its answer. */
export interface ResultSource {
  query: CubeQuery;
  result: QueryResult;
}

/** Mercurius puts the reply in the context: its request carries the raw variables and the caller's scope. */
export interface GraphQLContext {
  reply?: { request: { body?: unknown; query?: unknown; scope?: AccessScope | null } };
}

/** The caller a resolver answers for. */
export function scopeOf(context: unknown): AccessScope | null {
  return (context as GraphQLContext | undefined)?.reply?.request.scope ?? null;
}

/** Runs a query on the one engine REST also uses, as the caller may see it. */
export async function run(engine: CubeEngine, input: CubeQueryInput, scope: AccessScope | null): Promise<ResultSource> {
  const query = parseQuery(input);
  return { query, result: await engine.query(query, scope) };
}

/**
 * The measures a query computes: those its result selects (rows, then totals), then
 * those its order, having and topN refer to; the cube's first measure when none is.
 */
export function withSelection(
  query: Omit<CubeQueryInput, 'measures'>,
  model: CubeModel,
  measureRefs: ReadonlyMap<string, string>,
  info: SelectionInfo,
): CubeQueryInput {
  const selected = selectedResultFields(info);
  const refs = new Set<string>();
  for (const fields of [selected.rows, selected.totals]) {
    for (const field of fields) {
      const ref = measureRefs.get(field);
      if (ref !== undefined) refs.add(ref);
    }
  }
  for (const order of query.order ?? []) if (isMeasure(model, order.by)) refs.add(order.by);
  for (const having of query.having ?? []) refs.add(having.measure);
  if (query.topN !== undefined) refs.add(query.topN.by);
  if (refs.size === 0) refs.add(model.measures[0]!.name);
  return { ...query, measures: [...refs], totals: selected.totalsSelected };
}

function isMeasure(model: CubeModel, ref: string): boolean {
  const { name } = parseMeasureRef(ref);
  return model.measures.some((measure) => measure.name === name);
}
