import type { DuckDBConnection } from '@duckdb/node-api';
import type { CuboidData } from '../model/data.ts';
import { HLL_REGISTERS } from '../model/partials.ts';
import type { PlannedCuboid } from '../plan/types.ts';
import { columnItems, forEachChunk, readColumns } from './chunkColumns.ts';
import type { CuboidScanSql, CuboidSql } from './cuboidScanSql.ts';

/** Runs the cuboid scan (stage 1) once, then reads each cuboid out of its result (stage 2). */
export async function scanCuboids(
  connection: DuckDBConnection,
  sql: CuboidScanSql,
  planned: PlannedCuboid[],
  onCuboid: (cuboid: CuboidData, index: number) => void,
): Promise<CuboidData[]> {
  // No cuboids planned: there is nothing to group (and GROUPING SETS () is not SQL).
  if (sql.cuboids.length === 0) return [];
  for (const stage of sql.stages) await connection.run(stage.create);
  const cuboids: CuboidData[] = [];
  for (const [index, statements] of sql.cuboids.entries()) {
    const cuboid = await readCuboid(connection, statements, planned[index]!);
    cuboids.push(cuboid);
    onCuboid(cuboid, index);
  }
  for (const stage of sql.stages) await connection.run(`DROP TABLE ${stage.table}`);
  return cuboids;
}

async function readCuboid(connection: DuckDBConnection, statements: CuboidSql, planned: PlannedCuboid): Promise<CuboidData> {
  await connection.run(statements.create);
  const rows = Number((await connection.runAndReadAll(statements.count)).getColumns()[0]![0]);
  const kinds = [...statements.dimensions.map(() => Int32Array), ...statements.partials.map(() => Float64Array)];
  const arrays = await readColumns(connection, statements.read, rows, kinds);
  const codes: Record<string, Int32Array> = {};
  statements.dimensions.forEach((dimension, index) => (codes[dimension] = arrays[index] as Int32Array));
  const partials: Record<string, Float64Array> = {};
  statements.partials.forEach((partial, index) => (partials[partial.column] = arrays[statements.dimensions.length + index] as Float64Array));
  const registers: Record<string, Uint8Array> = {};
  for (const { partial, sql } of statements.registers) registers[partial.column] = await readRegisters(connection, sql, rows);
  await connection.run(`DROP TABLE ${statements.table}`);
  return { name: planned.name, levels: planned.levels, rows, codes, partials, registers };
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
