/** How big one seeded warehouse is: everything that grows with the requested row count. */
export interface WarehouseScale {
  rows: number;
  seed: number;
  /** About one customer per 40 transactions, and never fewer than 500. */
  customers: number;
}

/** Customer ids are INTEGER (and shuffled modulo a prime above this), which caps the row count. */
const MAX_CUSTOMERS = 2_000_000_000;

export function warehouseScale(rows: number, seed: number): WarehouseScale {
  if (!Number.isSafeInteger(rows) || rows < 1) throw new RangeError(`rows must be a positive integer, got ${rows}`);
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const customers = Math.max(500, Math.round(rows / 40));
  if (customers > MAX_CUSTOMERS) throw new RangeError(`rows must be at most ${MAX_CUSTOMERS * 40}, got ${rows}`);
  return { rows, seed, customers };
}
