import {
  GraphQLError,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  GraphQLString,
  Kind,
  print,
  type GraphQLInputType,
  type ValueNode,
} from 'graphql/index.js';
import type { LevelModel, TimeGrain } from '../../model/types.ts';

/**
 * The filter input of each kind of level, shared by every generated schema: text levels
 * compare member strings (and match substrings), numeric levels take numbers, time
 * levels take their members as a scalar per grain that checks the member's format, so
 * `month: { between: ["2024-01", "2024-06"] }` is checked before anything runs and
 * `"2024-1"` is refused with the month it probably meant.
 */

const RANGE_DESCRIPTION = 'Two members, both included.';

/** The ops every kind of level has, over members of `type`; null is the NULL member. */
function comparisons(type: GraphQLInputType) {
  return {
    eq: { type },
    ne: { type },
    in: { type: new GraphQLList(type) },
    notIn: { type: new GraphQLList(type) },
    between: { type: new GraphQLList(new GraphQLNonNull(type)), description: RANGE_DESCRIPTION },
    gt: { type },
    gte: { type },
    lt: { type },
    lte: { type },
  };
}

export const TextFilterInput = new GraphQLInputObjectType({
  name: 'MemberFilter',
  description:
    'Conditions on the members of a text level; several fields must all hold (AND). ' +
    'null is the NULL member. Ranges (between, gt, gte, lt, lte) compare in the level\'s natural order.',
  fields: {
    ...comparisons(GraphQLString),
    contains: { type: GraphQLString, description: 'Case-sensitive substring of the member text.' },
    startsWith: { type: GraphQLString },
  },
});

export const NumberFilterInput = new GraphQLInputObjectType({
  name: 'NumberFilter',
  description:
    'Conditions on the members of a numeric level, as numbers; several fields must all hold (AND). ' +
    'eq, ne, in and notIn name members (3 matches the member "3.00"); ranges compare values, members or not. null is the NULL member.',
  fields: comparisons(GraphQLFloat),
});

interface GrainFormat {
  pattern: RegExp;
  written: string;
  example: string;
  /** The member meant by a text with the right numbers in the wrong format ("2024-1" → "2024-01"). */
  fix: (numbers: number[]) => string | undefined;
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const inRange = (value: number | undefined, low: number, high: number): value is number => value !== undefined && value >= low && value <= high;

const GRAIN_FORMATS: Record<TimeGrain, GrainFormat> = {
  year: { pattern: /^\d{4}$/, written: 'YYYY', example: '2024', fix: ([year]) => (inRange(year, 1000, 9999) ? pad(year, 4) : undefined) },
  quarter: {
    pattern: /^\d{4}-Q[1-4]$/,
    written: 'YYYY-Qn',
    example: '2024-Q3',
    fix: ([year, quarter]) => (inRange(year, 1000, 9999) && inRange(quarter, 1, 4) ? `${pad(year, 4)}-Q${quarter}` : undefined),
  },
  month: {
    pattern: /^\d{4}-(0[1-9]|1[0-2])$/,
    written: 'YYYY-MM',
    example: '2024-06',
    fix: ([year, month]) => (inRange(year, 1000, 9999) && inRange(month, 1, 12) ? `${pad(year, 4)}-${pad(month)}` : undefined),
  },
  week: {
    pattern: /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/,
    written: 'YYYY-Www (ISO year and week)',
    example: '2024-W27',
    fix: ([year, week]) => (inRange(year, 1000, 9999) && inRange(week, 1, 53) ? `${pad(year, 4)}-W${pad(week)}` : undefined),
  },
  day: {
    pattern: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
    written: 'YYYY-MM-DD',
    example: '2024-07-15',
    fix: ([year, month, day]) =>
      inRange(year, 1000, 9999) && inRange(month, 1, 12) && inRange(day, 1, 31) ? `${pad(year, 4)}-${pad(month)}-${pad(day)}` : undefined,
  },
};

/** A member of a time level of one grain: its text, checked against the grain's format. */
function timeScalar(grain: TimeGrain): GraphQLScalarType<string, string> {
  const format = GRAIN_FORMATS[grain];
  const name = grain[0]!.toUpperCase() + grain.slice(1);
  const check = (value: unknown, shown: string, node?: ValueNode): string => {
    if (typeof value === 'string' && format.pattern.test(value)) return value;
    // A number is no member either, but its digits may say which member was meant (2024 → "2024").
    const digits = typeof value === 'string' || typeof value === 'number' ? String(value).match(/\d+/g) : null;
    const fixed = digits === null ? undefined : format.fix(digits.map(Number));
    const meant = fixed !== undefined && format.pattern.test(fixed) ? fixed : undefined;
    throw new GraphQLError(`${shown} is not a ${grain}: a ${grain} is written ${format.written}`, {
      ...(node === undefined ? {} : { nodes: node }),
      extensions: { code: 'FILTER_INVALID', hint: meant === undefined ? `e.g. "${format.example}"` : `did you mean "${meant}"?` },
    });
  };
  return new GraphQLScalarType<string, string>({
    name,
    description: `A member of a ${grain} level, written ${format.written}, e.g. "${format.example}" (text order is time order).`,
    serialize: (value) => String(value),
    parseValue: (value) => check(value, JSON.stringify(value) ?? String(value)),
    parseLiteral: (node) => {
      const value = node.kind === Kind.STRING ? node.value : node.kind === Kind.INT || node.kind === Kind.FLOAT ? Number(node.value) : undefined;
      return check(value, print(node), node);
    },
  });
}

const TIME_FILTERS = Object.fromEntries(
  (Object.keys(GRAIN_FORMATS) as TimeGrain[]).map((grain) => {
    const scalar = timeScalar(grain);
    return [
      grain,
      new GraphQLInputObjectType({
        name: `${scalar.name}Filter`,
        description: `Conditions on the members of a ${grain} level (${GRAIN_FORMATS[grain].written}); several fields must all hold (AND). Ranges compare in time order.`,
        fields: comparisons(scalar),
      }),
    ];
  }),
) as Record<TimeGrain, GraphQLInputObjectType>;

/** The filter input of a level, by how its members compare. */
export function filterInputOf(level: LevelModel): GraphQLInputObjectType {
  if (level.grain !== undefined) return TIME_FILTERS[level.grain];
  return level.order === 'numeric' ? NumberFilterInput : TextFilterInput;
}
