import { tableToIPC } from 'apache-arrow';
import { resultToArrow, type QueryResult } from '../../engine/index.ts';

/** A result as an Arrow IPC stream (level columns dictionary-encoded by the engine). */
export function resultToArrowStream(result: QueryResult): Uint8Array {
  return tableToIPC(resultToArrow(result), 'stream');
}
