import { compareText } from '../../src/engine/filterMask.ts';
import type { CubeData } from '../../src/model/data.ts';
import { parseMeasureRef, type CubeQuery, type CubeQueryInput, type Filter, type LevelFilter } from '../../src/model/query.ts';
import { levelKey, type LevelModel } from '../../src/model/types.ts';

/**
 * A CubeQuery written as a request to the cube's typed GraphQL entry point (literal
 * arguments), and the GraphQL answer read back into REST's row shape, so tests can
 * ask both APIs the same question and compare the answers. Members of numeric levels
 * are written as numbers; a condition the typed inputs refuse by design (a text op on
 * a numeric or time level, a time bound that is not a member's format) is written as
 * the `in` list of the members it keeps, so every CubeQuery has its GraphQL twin.
 */
export function cubeQueryToGraphQL(query: CubeQueryInput, cube: CubeData): string {
  const measureNames = cube.model.measures.map((measure) => measure.name);
  const where = (filter: Filter): string => whereOf(filter, cube);
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

function whereOf(filter: Filter, cube: CubeData): string {
  if ('and' in filter) return `{ and: [${filter.and.map((part) => whereOf(part, cube)).join(', ')}] }`;
  if ('or' in filter) return `{ or: [${filter.or.map((part) => whereOf(part, cube)).join(', ')}] }`;
  const level = cube.model.dimensions.find((dimension) => dimension.name === filter.dimension)?.levels.find((candidate) => candidate.name === filter.level);
  const typed = level === undefined || expressible(filter, level) ? filter : { ...filter, op: 'in' as const, values: kept(filter, cube) };
  const literal = (value: string | null) => (value === null ? 'null' : level?.order === 'numeric' ? String(Number(value)) : JSON.stringify(value));
  const list = typed.op === 'in' || typed.op === 'notIn' || typed.op === 'between';
  const value = list ? `[${typed.values.map(literal).join(', ')}]` : literal(typed.values[0] ?? null);
  return `{ ${filter.dimension}: { ${filter.level}: { ${typed.op}: ${value} } } }`;
}

const MEMBER_FORMAT: Record<string, RegExp> = {
  year: /^\d{4}$/,
  quarter: /^\d{4}-Q[1-4]$/,
  month: /^\d{4}-(0[1-9]|1[0-2])$/,
  week: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/,
  day: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
};

function expressible(filter: LevelFilter, level: LevelModel): boolean {
  const text = filter.op === 'contains' || filter.op === 'startsWith';
  if (level.order === 'numeric') return !text;
  if (level.grain === undefined) return true;
  return !text && filter.values.every((value) => value === null || MEMBER_FORMAT[level.grain!]!.test(value));
}

/** The members a text or range condition keeps, as the engine matches them (members only: never NULL). */
function kept(filter: LevelFilter, cube: CubeData): string[] {
  const members = cube.dictionaries[levelKey(filter.dimension, filter.level)]!.filter((member): member is string => member !== null);
  const [first, second] = filter.values as string[];
  const keeps = (member: string): boolean => {
    const against = (bound: string) => compareText(member, bound);
    switch (filter.op) {
      case 'contains':
        return member.includes(first!);
      case 'startsWith':
        return member.startsWith(first!);
      case 'between':
        return against(first!) >= 0 && against(second!) <= 0;
      case 'gt':
        return against(first!) > 0;
      case 'gte':
        return against(first!) >= 0;
      case 'lt':
        return against(first!) < 0;
      case 'lte':
        return against(first!) <= 0;
      default:
        throw new Error(`${filter.op} needs no rewriting`);
    }
  };
  return members.filter(keeps);
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
