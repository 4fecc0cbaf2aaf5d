import { sqlList, sqlLiteral, type SqlValue } from './sqlLiterals.ts';

/**
 * Randomness as pure SQL functions of a row's own keys, the seed and a salt naming
 * the draw. DuckDB's random() depends on which thread produced which row; a hash of
 * the keys does not, so one seed gives one warehouse on any machine and thread count.
 */

/** A uniform draw in the open interval (0, 1). */
export function uniform(seed: number, salt: string, ...keys: string[]): string {
  // hash(seed, salt) is a constant DuckDB folds once and hash(keys) a subexpression it
  // shares between draws, so each draw costs one xor and one hash. The final hash
  // mixes the salt in fully: hash(keys, seed, salt) alone folds the salt in with xor,
  // which would leave draws that differ only by salt strongly correlated.
  const bits = `hash(xor(hash(${keys.join(', ')}), hash(${seed}, ${sqlLiteral(salt)}))) >> 11`;
  return `((${bits})::DOUBLE + 0.5) / 9007199254740992.0`;
}

/** A standard normal draw (Box–Muller over two uniforms). */
export function normal(seed: number, salt: string, ...keys: string[]): string {
  const radius = `sqrt(-2.0 * ln(${uniform(seed, `${salt}/radius`, ...keys)}))`;
  return `(${radius} * cos(2.0 * pi() * ${uniform(seed, `${salt}/angle`, ...keys)}))`;
}

/**
 * Maps a uniform draw (a column, so it is computed once) to one of the values with
 * probability proportional to its weight; zero weights never come up.
 */
export function pickWeighted(draw: string, choices: readonly (readonly [SqlValue, number])[]): string {
  const possible = choices.filter(([, weight]) => weight > 0);
  if (possible.length === 0) throw new Error('pickWeighted needs at least one positive weight');
  const total = possible.reduce((sum, [, weight]) => sum + weight, 0);
  let cumulative = 0;
  const branches = possible.slice(0, -1).map(([value, weight]) => {
    cumulative += weight;
    return `WHEN ${draw} < ${cumulative / total} THEN ${sqlLiteral(value)}`;
  });
  const last = sqlLiteral(possible[possible.length - 1][0]);
  return branches.length === 0 ? last : `CASE ${branches.join(' ')} ELSE ${last} END`;
}

/** Maps a uniform draw to one of the values, all equally likely. */
export function pickUniform(draw: string, values: readonly SqlValue[]): string {
  return `${sqlList(values)}[1 + floor(${draw} * ${values.length})::INTEGER]`;
}
