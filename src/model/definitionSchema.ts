import { z } from 'zod';
import { AGGREGATES, TIME_GRAINS } from './types.ts';

/**
 * The definition language as written in YAML, before normalisation into a CubeModel.
 * Messages are phrased for the person editing the file: they are printed after
 * `file:line:column path:`.
 */
const oneOf = (values: readonly string[]) => `expected one of ${values.join(', ')}`;

const Name = z
  .string({ error: 'expected a name' })
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a name of letters, digits and _ (not starting with a digit)');
const Sql = z.string({ error: 'expected an SQL expression' }).min(1, 'expected an SQL expression');
const Path = z.string({ error: 'expected a file path' }).min(1, 'expected a file path');

const SourceSchema = z
  .object({
    database: Path.optional().describe('DuckDB database file holding the tables (`${VAR:-default}` allowed)'),
    table: z.string().min(1).optional().describe('fact table in the database'),
    sql: z.string().min(1).optional().describe('SQL query over the database, used as the fact table'),
    parquet: Path.optional().describe('Parquet file or glob (`${VAR:-default}` allowed)'),
    csv: Path.optional().describe('CSV file or glob with a header row (`${VAR:-default}` allowed)'),
    alias: Name.default('f').describe('alias of the fact rows in SQL expressions'),
  })
  .strict()
  .describe('where the fact rows come from: exactly one of table, sql, parquet, csv');

const JoinSchema = z
  .object({
    table: z.string().min(1).optional().describe('dimension table in the source database'),
    parquet: Path.optional(),
    csv: Path.optional(),
    alias: Name.describe('alias used in expressions'),
    on: Sql.describe('join condition; may refer to the fact alias or earlier joins (snowflake)'),
  })
  .strict();

const LevelSchema = z.union([
  Sql,
  z
    .object({
      expr: Sql.describe('SQL expression giving the member'),
      sort: Sql.optional().describe('SQL expression giving the natural order (default: expr)'),
      order: z.enum(['text', 'numeric', 'time'], { error: oneOf(['text', 'numeric', 'time']) }).optional(),
    })
    .strict(),
]);

const DimensionSchema = z
  .object({
    title: z.string().optional(),
    date: Sql.optional().describe('a date column: levels are then time grains derived from it'),
    levels: z
      .union([
        z.array(z.enum(TIME_GRAINS, { error: oneOf(TIME_GRAINS) })),
        z.record(Name, LevelSchema),
      ])
      .describe('level name → SQL expression (coarse to fine), or time grains with `date`'),
    hierarchies: z
      .record(Name, z.array(Name).min(1, 'expected at least one level'))
      .optional()
      .describe('hierarchy name → level names, coarse to fine; default: the levels in order'),
  })
  .strict();

const SemiAdditiveSchema = z
  .object({
    dimension: Name.describe('dimension over which the measure is not summed (time)'),
    use: z.enum(['last'], { error: oneOf(['last']) }).default('last'),
  })
  .strict();

const MeasureSchema = z
  .object({
    agg: z.enum(AGGREGATES, { error: oneOf(AGGREGATES) }),
    expr: Sql.optional().describe('SQL expression aggregated (count without expr counts rows)'),
    formula: z.string().min(1).optional().describe('calculated: arithmetic over other measures'),
    semiAdditive: SemiAdditiveSchema.optional(),
    format: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();

const CuboidSchema = z
  .record(Name, z.union([Name, z.array(Name).min(1, 'expected at least one measure')], { error: 'expected a level name (or, for measures, a list of measure names)' }))
  .describe('dimension → level; absent dimensions are rolled up. measures: [...] stores only those measures (default: all)');

const AggregationSchema = z
  .object({
    cuboids: z.array(CuboidSchema).default([]),
    auto: z.boolean().default(true),
    rowBudget: z.number().int().positive().default(2_000_000),
    maxCuboids: z.number().int().positive().max(4096).default(64),
    mandatory: z.array(Name).default([]),
    joint: z.array(z.array(Name).min(2, 'a joint group names at least two dimensions')).default([]),
    hierarchy: z.array(Name).default([]),
  })
  .strict();

const RoleSchema = z
  .object({
    rows: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'expected dimension.level'),
        Name.describe('claim naming the member(s) of the level this role sees'),
      )
      .default({})
      .describe('dimension.level → claim: rows are limited to the members the claim lists'),
    hide: z
      .object({ measures: z.array(Name).default([]), dimensions: z.array(Name).default([]) })
      .strict()
      .default({ measures: [], dimensions: [] })
      .describe('measures and dimensions this role may not see'),
  })
  .strict();

const SecuritySchema = z
  .object({
    roles: z
      .record(Name, RoleSchema.nullable().transform((role) => role ?? { rows: {}, hide: { measures: [], dimensions: [] } }))
      .describe('role name (from the credential\'s role claim) → what it sees; roles not listed may not query the cube'),
  })
  .strict()
  .describe('row-level security: which roles may query the cube and what each sees');

export const CubeDefinitionSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    source: SourceSchema,
    joins: z.array(JoinSchema).default([]),
    dimensions: z.record(Name, DimensionSchema),
    measures: z.record(Name, MeasureSchema),
    aggregation: AggregationSchema.default({
      cuboids: [],
      auto: true,
      rowBudget: 2_000_000,
      maxCuboids: 64,
      mandatory: [],
      joint: [],
      hierarchy: [],
    }),
    security: SecuritySchema.optional(),
  })
  .strict();

export const DefinitionFileSchema = z
  .object({ cubes: z.record(Name, CubeDefinitionSchema) })
  .strict()
  .describe('arrowcube cube definitions');

export type CubeDefinition = z.infer<typeof CubeDefinitionSchema>;
export type DimensionDefinition = z.infer<typeof DimensionSchema>;
export type MeasureDefinition = z.infer<typeof MeasureSchema>;
export type DefinitionFile = z.infer<typeof DefinitionFileSchema>;

/** JSON Schema of the definition format, for editor autocompletion. */
export function definitionJsonSchema(): object {
  return z.toJSONSchema(DefinitionFileSchema, { io: 'input', unrepresentable: 'any' });
}
