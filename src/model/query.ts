import { z } from 'zod';

/**
 * CubeQuery: the one normalised query form. REST, GraphQL, the OLAP operations and
 * every internal path build one of these; the engine only ever executes a CubeQuery.
 * Members travel as strings (null is the NULL member, a member of its own).
 */
export const MEMBER_OPS = ['eq', 'ne', 'in', 'notIn', 'between', 'gt', 'gte', 'lt', 'lte', 'contains', 'startsWith'] as const;
export type MemberOp = (typeof MEMBER_OPS)[number];

/** The ops that name members (eq, ne, in, notIn); the others compare values, members or not. */
export const NAMING_OPS: ReadonlySet<MemberOp> = new Set(['eq', 'ne', 'in', 'notIn']);

export const MEASURE_VARIANTS = ['pctOfTotal', 'pctOfParent'] as const;
export type MeasureVariant = (typeof MEASURE_VARIANTS)[number];

const Member = z.string().max(1000).nullable();

export const LevelFilterSchema = z
  .object({
    dimension: z.string().min(1).max(200),
    level: z.string().min(1).max(200),
    op: z.enum(MEMBER_OPS),
    values: z.array(Member).max(100_000),
  })
  .strict();
export type LevelFilter = z.infer<typeof LevelFilterSchema>;

export type Filter = LevelFilter | { and: Filter[] } | { or: Filter[] };

export const FilterSchema: z.ZodType<Filter> = z.lazy(() =>
  z.union([
    LevelFilterSchema,
    z.object({ and: z.array(FilterSchema).max(1000) }).strict(),
    z.object({ or: z.array(FilterSchema).max(1000) }).strict(),
  ]),
);

export const HavingSchema = z
  .object({
    measure: z.string().min(1).max(200),
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between']),
    values: z.array(z.number()).min(1).max(2),
  })
  .strict();
export type Having = z.infer<typeof HavingSchema>;

export const OrderSchema = z
  .object({
    /** A measure name (with variant), or a grouped level as "dimension.level" or "dimension". */
    by: z.string().min(1).max(200),
    desc: z.boolean().default(false),
  })
  .strict();
export type Order = z.infer<typeof OrderSchema>;

export const TopNSchema = z
  .object({
    /** The grouped dimension whose members are ranked within each combination of the others. */
    dimension: z.string().min(1).max(200),
    n: z.number().int().min(1).max(10_000),
    by: z.string().min(1).max(200),
    desc: z.boolean().default(true),
    /** Fold the rest of each group into one "Others" row. */
    others: z.boolean().default(true),
  })
  .strict();
export type TopN = z.infer<typeof TopNSchema>;

/** The default of the most rows one answer may carry (CubeEngineOptions.maxResultRows). */
export const MAX_LIMIT = 100_000;

/** Rows of an answer when the query sets no `limit`: a page, with `total` telling how many there are. */
export const DEFAULT_LIMIT = 1000;

/**
 * Past any answer a server would be configured to send: a limit this large is a
 * malformed request (QUERY_INVALID); one merely over the server's maxResultRows is
 * refused by the engine with RESULT_TOO_LARGE and a hint to page.
 */
const LIMIT_BOUND = 1_000_000;

export const CubeQuerySchema = z
  .object({
    cube: z.string().min(1).max(200),
    /** Measure names, optionally with a variant: "profit:pctOfTotal". */
    measures: z.array(z.string().min(1).max(200)).min(1).max(200),
    /** dimension → level to group by; absent dimensions are rolled up to "all". */
    levels: z.record(z.string().min(1).max(200), z.string().min(1).max(200)).default({}),
    filters: z.array(FilterSchema).max(1000).default([]),
    having: z.array(HavingSchema).max(100).default([]),
    order: z.array(OrderSchema).max(50).default([]),
    limit: z.number().int().min(0).max(LIMIT_BOUND).default(DEFAULT_LIMIT),
    offset: z.number().int().min(0).max(1_000_000_000).default(0),
    totals: z.boolean().default(false),
    topN: TopNSchema.optional(),
    route: z.enum(['auto', 'source']).default('auto'),
    explain: z.boolean().default(false),
  })
  .strict();

export type CubeQuery = z.infer<typeof CubeQuerySchema>;
export type CubeQueryInput = z.input<typeof CubeQuerySchema>;

export function isLevelFilter(filter: Filter): filter is LevelFilter {
  return 'op' in filter;
}

/** "profit:pctOfTotal" → { name: "profit", variant: "pctOfTotal" }. */
export function parseMeasureRef(ref: string): { name: string; variant?: MeasureVariant } {
  const colon = ref.indexOf(':');
  if (colon < 0) return { name: ref };
  return { name: ref.slice(0, colon), variant: ref.slice(colon + 1) as MeasureVariant };
}
