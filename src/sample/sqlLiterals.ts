/** Static TypeScript data rendered as SQL literals, for dimension tables and lookup lists. */

export type SqlValue = string | number | boolean | null;

export function sqlLiteral(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  return String(value);
}

/** `[a, b, c]`: a constant list, indexed 1-based in SQL. */
export function sqlList(values: readonly SqlValue[]): string {
  return `[${values.map(sqlLiteral).join(', ')}]`;
}

/** `(VALUES (…), (…)) AS name(columns)`: a small inline table. */
export function sqlValues(name: string, columns: readonly string[], rows: readonly (readonly SqlValue[])[]): string {
  const tuples = rows.map((row) => `(${row.map(sqlLiteral).join(', ')})`).join(',\n    ');
  return `(VALUES\n    ${tuples}) AS ${name}(${columns.join(', ')})`;
}

/** `CASE key WHEN a THEN x … END`: a lookup in a small constant mapping. */
export function sqlLookup(key: string, pairs: readonly (readonly [SqlValue, SqlValue])[]): string {
  const branches = pairs.map(([when, then]) => `WHEN ${sqlLiteral(when)} THEN ${sqlLiteral(then)}`);
  return `CASE ${key} ${branches.join(' ')} END`;
}
