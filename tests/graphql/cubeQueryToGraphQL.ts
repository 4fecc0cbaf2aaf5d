import { parseMeasureRef, type CubeQuery, type CubeQueryInput, type Filter } from '../../src/model/query.ts';

/**
 * A CubeQuery written as a request to the cube's typed GraphQL entry point (literal
 * arguments), and the GraphQL answer read back into REST's row shape, so tests can
 * ask both APIs the same question and compare the answers.
 */
export function cubeQueryToGraphQL(query: CubeQueryInput, measureNames: readonly string[]): string {
  const args: string[] = [];
  const levels = Object.entries(query.levels ?? {});
  if (levels.length > 0) args.push(`levels: { ${levels.map(([dimension, level]) => `${dimension}: ${level}`).join(', ')} }`);
  const filters = (query.filters ?? []) as Filter[];
  if (filters.length === 1) args.push(`where: ${where(filters[0]!)}`);
  if (filters.length > 1) args.push(`where: { and: [${filters.map(where).join(', ')}] }`);
  if (query.having?.length) {
    args.push(
      `having: [${query.having
        .map(({ measure, op, values }) => `{ ${measureArg('measure', measure)}, ${op}: ${op === 'between' ? JSON.stringify(values) : values[0]} }`)
        .join(', ')}]`,
    );
  }
  if (query.order?.length) {
    args.push(
      `orderBy: [${query.order
        .map(({ by, desc }) => {
          const target = measureNames.includes(parseMeasureRef(by).name) ? measureArg('measure', by) : `dimension: ${by.split('.')[0]}`;
          return `{ ${target}, desc: ${desc ?? false} }`;
        })
        .join(', ')}]`,
    );
  }
  if (query.topN !== undefined) {
    const { dimension, n, by, desc, others } = query.topN;
    args.push(`topN: { dimension: ${dimension.split('.')[0]}, n: ${n}, ${measureArg('by', by)}, desc: ${desc ?? true}, others: ${others ?? true} }`);
  }
  if (query.limit !== undefined) args.push(`first: ${query.limit}`);
  if (query.offset !== undefined) args.push(`offset: ${query.offset}`);
  if (query.route !== undefined) args.push(`route: ${query.route}`);

  const fields = query.measures.map(measureField).join(' ');
  const groups = levels.map(([dimension, level]) => `${dimension} { ${level} }`).join(' ');
  const totals = query.totals ? `totals { ${fields} }` : '';
  const argText = args.length === 0 ? '' : `(${args.join(', ')})`;
  return `{ ${query.cube}${argText} { rows { ${groups} ${fields} } ${totals} total meta { source cuboid exact cubeVersion } query } }`;
}

function measureArg(name: string, ref: string): string {
  const { name: measure, variant } = parseMeasureRef(ref);
  return variant === undefined ? `${name}: ${measure}` : `${name}: ${measure}, variant: ${variant}`;
}

export function measureField(ref: string): string {
  const { name, variant } = parseMeasureRef(ref);
  return variant === undefined ? name : `${name}_${variant}`;
}

function where(filter: Filter): string {
  if ('and' in filter) return `{ and: [${filter.and.map(where).join(', ')}] }`;
  if ('or' in filter) return `{ or: [${filter.or.map(where).join(', ')}] }`;
  const list = filter.op === 'in' || filter.op === 'notIn' || filter.op === 'between';
  const value = list ? `[${filter.values.map(literal).join(', ')}]` : literal(filter.values[0] ?? null);
  return `{ ${filter.dimension}: { ${filter.level}: { ${filter.op}: ${value} } } }`;
}

function literal(value: string | null): string {
  return value === null ? 'null' : JSON.stringify(value);
}

/** GraphQL rows ({ region: { province }, profit_pctOfTotal }) → REST rows ({ "region.province", "profit:pctOfTotal" }). */
export function graphQLRowsToRest(rows: Array<Record<string, any>>, query: Pick<CubeQuery, 'levels' | 'measures'>) {
  return rows.map((row) => ({
    ...Object.fromEntries(Object.entries(query.levels).map(([dimension, level]) => [`${dimension}.${level}`, row[dimension][level]])),
    ...Object.fromEntries(query.measures.map((ref) => [ref, row[measureField(ref)]])),
  }));
}

export function graphQLTotalsToRest(totals: Record<string, any>, measures: readonly string[]) {
  return Object.fromEntries(measures.map((ref) => [ref, totals[measureField(ref)]]));
}
