import {
  FixedSizeBinary,
  RecordBatchFileWriter,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import type { CuboidData, ManifestCuboid } from '../model/data.ts';
import { HLL_REGISTERS, type PartialSpec } from '../model/partials.ts';

/**
 * CubeData parts ↔ Arrow IPC files. Cuboids: an Int32 code column per grouped
 * dimension (named after it), a Float64 column per partial, a FixedSizeBinary(1024)
 * column of HLL registers per approximate distinct. Dictionaries: one nullable Utf8
 * column `member`. Parent maps: one Int32 column `parent`.
 */
export async function cuboidToIPC(cuboid: CuboidData): Promise<Uint8Array[]> {
  const columns: Record<string, Vector> = {};
  for (const [dimension, codes] of Object.entries(cuboid.codes)) columns[dimension] = makeVector(codes);
  for (const [column, values] of Object.entries(cuboid.partials)) columns[column] = makeVector(values);
  for (const [column, registers] of Object.entries(cuboid.registers)) {
    const type = new FixedSizeBinary(HLL_REGISTERS);
    columns[column] = makeVector(makeData({ type, length: cuboid.rows, nullCount: 0, data: registers }));
  }
  // The file as the writer emits it: views of the cuboid's own arrays between small
  // metadata pieces. Joining them would copy (and first touch) a buffer as large again.
  const pieces: Uint8Array[] = [];
  for await (const piece of RecordBatchFileWriter.writeAll(new Table(columns))) pieces.push(piece);
  return pieces;
}

/** A cuboid file's table, as its manifest entry describes it (name, levels, sort keys), holding `partials`. */
export function cuboidFromIPC(
  bytes: Uint8Array,
  { name, levels, sortedBy }: Pick<ManifestCuboid, 'name' | 'levels' | 'sortedBy'>,
  partials: readonly PartialSpec[],
): CuboidData {
  const table = tableFromIPC(bytes);
  const column = (field: string) => {
    const vector = table.getChild(field);
    if (vector === null) throw new Error(`cuboid ${name} has no column ${field}`);
    return vector;
  };
  const codes: Record<string, Int32Array> = {};
  for (const dimension of Object.keys(levels)) codes[dimension] = owned(column(dimension), Int32Array);
  const values: Record<string, Float64Array> = {};
  const registers: Record<string, Uint8Array> = {};
  for (const partial of partials) {
    if (partial.role === 'hll') registers[partial.column] = fixedSizeBytes(column(partial.column), HLL_REGISTERS);
    else values[partial.column] = owned(column(partial.column), Float64Array);
  }
  return { name, levels, rows: table.numRows, codes, partials: values, registers, sortedBy };
}

export function dictionaryToIPC(members: readonly (string | null)[]): Uint8Array {
  return tableToIPC(new Table({ member: vectorFromArray(members, new Utf8()) }), 'file');
}

export function dictionaryFromIPC(bytes: Uint8Array): (string | null)[] {
  const member = tableFromIPC(bytes).getChild('member');
  if (member === null) throw new Error('dictionary has no column member');
  return Array.from(member, (value) => (value === null ? null : String(value)));
}

export function parentMapToIPC(parents: Int32Array): Uint8Array {
  return tableToIPC(new Table({ parent: makeVector(parents) }), 'file');
}

export function parentMapFromIPC(bytes: Uint8Array): Int32Array {
  const parent = tableFromIPC(bytes).getChild('parent');
  if (parent === null) throw new Error('parent map has no column parent');
  return owned(parent, Int32Array);
}

/** A copy in a fresh buffer: IPC views may be unaligned or pin the whole file. */
function owned<T extends Int32Array | Float64Array>(vector: Vector, kind: { new (length: number): T }): T {
  const out = new kind(vector.length);
  let offset = 0;
  for (const data of vector.data) {
    out.set(data.values.subarray(data.offset, data.offset + data.length) as T, offset);
    offset += data.length;
  }
  return out;
}

function fixedSizeBytes(vector: Vector, width: number): Uint8Array {
  const out = new Uint8Array(vector.length * width);
  let offset = 0;
  for (const data of vector.data) {
    out.set((data.values as Uint8Array).subarray(data.offset * width, (data.offset + data.length) * width), offset);
    offset += data.length * width;
  }
  return out;
}
