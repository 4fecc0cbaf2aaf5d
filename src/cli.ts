import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isCubeError } from './errors.ts';

/**
 * arrowcube seed | build | serve | start | query | schema | bench — the one place that
 * wires the modules together. Every command validates its flags and reports
 * failures as one clear line (exit 1), or a usage error (exit 2), never a stack trace.
 */
const USAGE = `usage: arrowcube <command> [options]

commands:
  seed    [--rows N] [--seed S] [--out FILE]            generate the sample bank warehouse (DuckDB file)
  build   [--definitions DIR] [--cubes DIR] [--cube NAME] [--force]
                                                        compile definitions into Arrow cuboids
  serve   [--definitions DIR] [--cubes DIR] [--host H] [--port P] [--auth FILE] [--shutdown-timeout-ms MS]
                                                        serve built cubes over REST and GraphQL; reloads
                                                        new builds; SIGTERM drains requests, then exits
  start   [--rows N] [--host H] [--port P] [--auth FILE]
                                                        seed if missing, build if stale, serve

  --auth FILE (or ARROWCUBE_AUTH) requires credentials: API keys and JWTs (see README)
  query   [--cubes DIR] [--format json|csv] QUERY_JSON  answer one CubeQuery from built cubes
  schema  [--out FILE]                                  print the definition format's JSON Schema
  bench   [NAME]                                        run the benchmarks (see bench/)
`;

class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

const common = {
  definitions: { type: 'string', default: 'definitions' },
  cubes: { type: 'string', default: 'cubes' },
} satisfies Options;
const listen = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '4000' },
  auth: { type: 'string', default: process.env.ARROWCUBE_AUTH },
} satisfies Options;
const seeding = { rows: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' } } satisfies Options;

function parse<T extends Options>(args: string[], options: T, positionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function wholeNumber(value: string | undefined, flag: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replaceAll('_', ''));
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new UsageError(`--${flag} expects a whole number from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async seed(args) {
    const { values } = parse(args, seeding);
    const { seedFromCli } = await import('./cliCommands.ts');
    await seedFromCli({
      rows: wholeNumber(values.rows, 'rows', -1, 1),
      seed: wholeNumber(values.seed, 'seed', -1, 0),
      out: values.out,
    });
  },
  async build(args) {
    const { values } = parse(args, { ...common, cube: { type: 'string' }, force: { type: 'boolean', default: false } });
    const { buildFromCli } = await import('./cliCommands.ts');
    await buildFromCli({ definitionsDir: values.definitions, cubesDir: values.cubes, cube: values.cube, force: values.force });
  },
  async serve(args) {
    const { values } = parse(args, { ...common, ...listen, 'shutdown-timeout-ms': { type: 'string' } });
    const { serveFromCli } = await import('./cliCommands.ts');
    await serveFromCli({
      definitionsDir: values.definitions,
      cubesDir: values.cubes,
      host: values.host,
      port: wholeNumber(values.port, 'port', 4000, 0, 65535),
      ...(values.auth === undefined || values.auth === '' ? {} : { authFile: values.auth }),
      shutdownTimeoutMs: wholeNumber(values['shutdown-timeout-ms'], 'shutdown-timeout-ms', 10_000, 0),
    });
  },
  async start(args) {
    const { values } = parse(args, { ...common, ...listen, ...seeding });
    const { seedFromCli, buildFromCli, serveFromCli } = await import('./cliCommands.ts');
    await seedFromCli({
      rows: wholeNumber(values.rows, 'rows', -1, 1),
      seed: wholeNumber(values.seed, 'seed', -1, 0),
      out: values.out,
      ifMissing: true,
    });
    await buildFromCli({ definitionsDir: values.definitions, cubesDir: values.cubes, force: false });
    await serveFromCli({
      definitionsDir: values.definitions,
      cubesDir: values.cubes,
      host: values.host,
      port: wholeNumber(values.port, 'port', 4000, 0, 65535),
      ...(values.auth === undefined || values.auth === '' ? {} : { authFile: values.auth }),
    });
  },
  async query(args) {
    const { values, positionals } = parse(args, { ...common, format: { type: 'string', default: 'json' } }, true);
    if (positionals.length !== 1) throw new UsageError('query expects one CubeQuery as JSON, e.g. \'{"cube":"transactions","measures":["amount"]}\'');
    if (values.format !== 'json' && values.format !== 'csv') throw new UsageError(`--format expects json or csv, got "${values.format}"`);
    let query: unknown;
    try {
      query = JSON.parse(positionals[0]!);
    } catch (error) {
      throw new UsageError(`the query is not valid JSON: ${(error as Error).message}`);
    }
    const { queryFromCli } = await import('./cliCommands.ts');
    await queryFromCli({ cubesDir: values.cubes, query, format: values.format });
  },
  async schema(args) {
    const { values } = parse(args, { out: { type: 'string' } });
    const { definitionJsonSchema } = await import('./model/definitionSchema.ts');
    const text = `${JSON.stringify(definitionJsonSchema(), null, 2)}\n`;
    if (values.out === undefined) process.stdout.write(text);
    else await (await import('node:fs/promises')).writeFile(values.out, text);
  },
  async bench(args) {
    const { runBenchmarks } = await import('../bench/run.ts');
    await runBenchmarks(args);
  },
};

async function main(argv: string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`);
  await command(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write(`arrowcube: ${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (isCubeError(error)) {
    process.stderr.write(`arrowcube: ${error.code}: ${error.message}${error.hint ? `\n  hint: ${error.hint}` : ''}\n`);
    process.exit(1);
  }
  process.stderr.write(`arrowcube: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
