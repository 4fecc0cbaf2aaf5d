import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api';
import type { CuboidData } from '../model/data.ts';
import { HLL_REGISTERS } from '../model/partials.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { columnItems, copyColumns, forEachChunk } from './chunkColumns.ts';
import type { CuboidScanSql, CuboidSql } from './cuboidScanSql.ts';
import { runReporting } from './queryProgress.ts';
import { unpackWord } from './sortWords.ts';

/** How far stage 1 has got: pass `pass` of `passes` over the source has read `rowsRead` rows (Infinity once it has ended). */
export interface ScanReport {
  pass: number;
  passes: number;
  rowsRead: number;
}

/**
 * Runs the cuboid scan (stage 1) once, reporting the rows each pass over the source
 * has read to `onScan` every `intervalMs`, then reads each cuboid out of its result
 * (stage 2), handing each to `onCuboid` (with its index in `planned`) as soon as it is
 * read. DuckDB computes the next cuboid's cells while this thread copies the current
 * one's (a materialised result does not hold the connection); HLL registers are
 * streamed, so they are read before the next cuboid starts. The largest cuboid is read
 * first, so what is left to encode and write when the scan ends is small.
 */
export async function scanCuboids(
  connection: DuckDBConnection,
  sql: CuboidScanSql,
  planned: PlannedCuboid[],
  onCuboid: (cuboid: CuboidData, index: number) => void,
  onScan: (report: ScanReport) => void = () => {},
  intervalMs?: number,
): Promise<void> {
  // No cuboids planned: there is nothing to group (and GROUPING SETS () is not SQL).
  if (sql.cuboids.length === 0) return;
  const passes = sql.stages.length;
  for (const [pass, stage] of sql.stages.entries()) {
    onScan({ pass, passes, rowsRead: 0 });
    await runReporting(connection, stage.create, (rowsRead) => onScan({ pass, passes, rowsRead }), intervalMs);
    onScan({ pass, passes, rowsRead: Infinity });
  }
  const largest = planned.reduce((best, cuboid, index) => (cuboid.estimatedRows > planned[best]!.estimatedRows ? index : best), 0);
  const order = [largest, ...[...planned.keys()].filter((index) => index !== largest)];
  let next: Promise<DuckDBMaterializedResult> | undefined = connection.run(sql.cuboids[largest]!.read);
  try {
    for (const [step, index] of order.entries()) {
      const statements = sql.cuboids[index]!;
      const cells = await next!;
      next = undefined;
      const registers: Record<string, Uint8Array> = {};
      for (const { partial, sql: query } of statements.registers) registers[partial.column] = await readRegisters(connection, query, cells.rowCount);
      if (step + 1 < order.length) next = connection.run(sql.cuboids[order[step + 1]!]!.read);
      onCuboid(cuboidOf(cells, statements, planned[index]!, registers), index);
    }
  } catch (error) {
    // The database is closed next: no query may still be running on it.
    await next?.catch(() => undefined);
    throw error;
  }
}

function cuboidOf(cells: DuckDBMaterializedResult, statements: CuboidSql, planned: PlannedCuboid, registers: Record<string, Uint8Array>): CuboidData {
  const { words } = statements;
  const kinds = [...words.map(() => Int32Array), ...statements.partials.map(() => Float64Array)];
  const { rows, arrays } = copyColumns(cells, kinds);
  const codes: Record<string, Int32Array> = {};
  words.forEach((word, index) => unpackWord(word, arrays[index] as Int32Array, codes));
  const partials: Record<string, Float64Array> = {};
  statements.partials.forEach((partial, index) => (partials[partial.column] = arrays[words.length + index] as Float64Array));
  return { name: planned.name, levels: planned.levels, rows, codes, partials, registers, sortedBy: planned.sortedBy };
}

/** (cell, register, rank) rows → one flat array of HLL_REGISTERS bytes per cell (absent = 0). */
async function readRegisters(connection: DuckDBConnection, sql: string, rows: number): Promise<Uint8Array> {
  const registers = new Uint8Array(rows * HLL_REGISTERS);
  await forEachChunk(connection, sql, (chunk) => {
    const cells = columnItems(chunk, 0, Int32Array);
    const indexes = columnItems(chunk, 1, Int16Array);
    const ranks = columnItems(chunk, 2, Uint8Array);
    for (let row = 0; row < chunk.rowCount; row++) registers[cells[row]! * HLL_REGISTERS + indexes[row]!] = ranks[row]!;
  });
  return registers;
}
