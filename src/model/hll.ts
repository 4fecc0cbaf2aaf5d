import { HLL_REGISTERS } from './partials.ts';

/**
 * HyperLogLog estimate of one cell's registers (`HLL_REGISTERS` bytes from `offset`).
 * The build fills registers from a 64-bit hash h of each non-null value:
 * register = the top HLL_PRECISION bits of h, rank = 1 + the number of trailing zero
 * bits of the remaining 54 bits (55 when they are all zero), register = max rank.
 * Merging cells is a per-register max; this is the one estimator for build and engine.
 */
const ALPHA = 0.7213 / (1 + 1.079 / HLL_REGISTERS);
const INVERSE_POWERS = Float64Array.from({ length: 65 }, (_, rank) => 2 ** -rank);

export function hllEstimate(registers: Uint8Array, offset: number): number {
  let harmonic = 0;
  let zeros = 0;
  for (let i = offset, end = offset + HLL_REGISTERS; i < end; i++) {
    const rank = registers[i]!;
    harmonic += INVERSE_POWERS[rank]!;
    if (rank === 0) zeros++;
  }
  const raw = (ALPHA * HLL_REGISTERS * HLL_REGISTERS) / harmonic;
  // Small cardinalities: linear counting is far more accurate than the raw estimate.
  if (raw <= 2.5 * HLL_REGISTERS && zeros > 0) return HLL_REGISTERS * Math.log(HLL_REGISTERS / zeros);
  return raw;
}
