import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [NAME…]`: runs each benchmark in its own process (so one's memory
 * does not colour another's), in a fixed order; each rewrites its own section of
 * bench/RESULTS.md (reliability and soak write RELIABILITY.md).
 */
const BENCHMARKS = ['build', 'engine', 'ssb', 'scaling', 'kernels', 'graphql', 'reliability', 'soak'] as const;

export async function runBenchmarks(args: string[]): Promise<void> {
  const unknown = args.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`);
  for (const name of args.length > 0 ? args : BENCHMARKS) {
    process.stderr.write(`\n== bench ${name} ==\n`);
    const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
    if (run.status !== 0) throw new Error(`bench ${name} failed (exit ${run.status ?? run.signal})`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runBenchmarks(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench: ${error.message}\n`);
    process.exit(1);
  });
}
