import type { MeasureModel } from './types.ts';

/**
 * Calculated measures: arithmetic over other measures (`profit / amount`,
 * `(fee_revenue + interest_revenue) * 100`). One parser; the engine evaluates the
 * tree over finished values and the fallback renders it as SQL, so both paths agree:
 * any operand null, or a division by zero, gives null.
 */
export type Formula =
  | { kind: 'number'; value: number }
  | { kind: 'measure'; name: string }
  | { kind: 'negate'; operand: Formula }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/'; left: Formula; right: Formula };

export class FormulaSyntaxError extends Error {}

export function parseFormula(text: string): Formula {
  const tokens = text.match(/\s*([A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+*/()]|\S)/g) ?? [];
  const items = tokens.map((token) => token.trim());
  let position = 0;
  const peek = (): string | undefined => items[position];
  const take = (): string => {
    const token = items[position++];
    if (token === undefined) throw new FormulaSyntaxError(`unexpected end of formula "${text}"`);
    return token;
  };

  function expression(): Formula {
    let left = term();
    while (peek() === '+' || peek() === '-') {
      const op = take() as '+' | '-';
      left = { kind: 'binary', op, left, right: term() };
    }
    return left;
  }
  function term(): Formula {
    let left = factor();
    while (peek() === '*' || peek() === '/') {
      const op = take() as '*' | '/';
      left = { kind: 'binary', op, left, right: factor() };
    }
    return left;
  }
  function factor(): Formula {
    const token = take();
    if (token === '-') return { kind: 'negate', operand: factor() };
    if (token === '(') {
      const inner = expression();
      if (take() !== ')') throw new FormulaSyntaxError(`expected ")" in formula "${text}"`);
      return inner;
    }
    if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
    if (/^[A-Za-z_]/.test(token)) return { kind: 'measure', name: token };
    throw new FormulaSyntaxError(`unexpected "${token}" in formula "${text}"`);
  }

  const tree = expression();
  if (position < items.length) {
    throw new FormulaSyntaxError(`unexpected "${items[position]}" in formula "${text}"`);
  }
  return tree;
}

export function formulaMeasures(formula: Formula, into: Set<string> = new Set()): Set<string> {
  switch (formula.kind) {
    case 'measure':
      into.add(formula.name);
      break;
    case 'negate':
      formulaMeasures(formula.operand, into);
      break;
    case 'binary':
      formulaMeasures(formula.left, into);
      formulaMeasures(formula.right, into);
      break;
    case 'number':
      break;
  }
  return into;
}

/**
 * The base (non-calculated) measures `measure` is or is calculated from, through
 * formulas of formulas. `operandsOf` names a calculated measure's operands; each measure
 * is visited once, so a cycle ends the walk, and an operand `measureNamed` does not
 * know is skipped.
 */
export function baseMeasures(
  measure: MeasureModel,
  measureNamed: (name: string) => MeasureModel | undefined,
  operandsOf: (measure: MeasureModel) => Iterable<string>,
  into: Set<string> = new Set(),
  seen: Set<string> = new Set(),
): Set<string> {
  if (seen.has(measure.name)) return into;
  seen.add(measure.name);
  if (measure.agg !== 'calculated') return into.add(measure.name);
  for (const name of operandsOf(measure)) {
    const operand = measureNamed(name);
    if (operand !== undefined) baseMeasures(operand, measureNamed, operandsOf, into, seen);
  }
  return into;
}

export function evaluateFormula(
  formula: Formula,
  valueOf: (measure: string) => number | null,
): number | null {
  switch (formula.kind) {
    case 'number':
      return formula.value;
    case 'measure':
      return valueOf(formula.name);
    case 'negate': {
      const value = evaluateFormula(formula.operand, valueOf);
      return value === null ? null : -value;
    }
    case 'binary': {
      const left = evaluateFormula(formula.left, valueOf);
      const right = evaluateFormula(formula.right, valueOf);
      if (left === null || right === null) return null;
      switch (formula.op) {
        case '+':
          return left + right;
        case '-':
          return left - right;
        case '*':
          return left * right;
        case '/':
          return right === 0 ? null : left / right;
      }
    }
  }
}

/** SQL for the formula, given the SQL of each referenced measure's finished value. */
export function formulaToSql(formula: Formula, sqlOf: (measure: string) => string): string {
  switch (formula.kind) {
    case 'number':
      return `CAST(${formula.value} AS DOUBLE)`;
    case 'measure':
      return `CAST(${sqlOf(formula.name)} AS DOUBLE)`;
    case 'negate':
      return `(-${formulaToSql(formula.operand, sqlOf)})`;
    case 'binary': {
      const left = formulaToSql(formula.left, sqlOf);
      const right = formulaToSql(formula.right, sqlOf);
      return formula.op === '/'
        ? `(${left} / NULLIF(${right}, 0))`
        : `(${left} ${formula.op} ${right})`;
    }
  }
}
