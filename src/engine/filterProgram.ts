import { isLevelFilter, type Filter } from '../model/query.ts';
import type { DimensionModel } from '../model/types.ts';
import { filterMask } from './filterMask.ts';
import type { CodeMask, RowFilter } from './groupRows.ts';
import type { LoadedCube } from './loadedCube.ts';
import type { RowRanges } from './rowRanges.ts';
import { scratchUint8 } from './scratch.ts';

/**
 * Filters compiled for one cuboid: every level filter becomes a member mask over the
 * codes of the cuboid's level of its dimension (a filter on a coarser level goes through
 * the roll-up map once, not per row). Filters on one dimension, however nested in
 * and/or, merge into one mask; only groups spanning dimensions are evaluated per row.
 */
export type FilterNode =
  | { kind: 'mask'; dimension: string; mask: Uint8Array }
  | { kind: 'and' | 'or'; children: FilterNode[] };

/** The query's filters (a conjunction) over cuboid codes; `levelOf` names the cuboid's level of a dimension. */
export function compileFilters(
  cube: LoadedCube,
  filters: readonly Filter[],
  levelOf: (dimension: DimensionModel) => string,
): FilterNode {
  const compile = (filter: Filter): FilterNode => {
    if (!isLevelFilter(filter)) {
      return 'and' in filter ? combine('and', filter.and.map(compile)) : combine('or', filter.or.map(compile));
    }
    const dimension = cube.dimension(filter.dimension)!;
    const mask = filterMask(cube.level(dimension, filter.level), filter);
    const map = cube.rollup(dimension, levelOf(dimension), filter.level);
    return { kind: 'mask', dimension: dimension.name, mask: map === null ? mask : gather(mask, map) };
  };
  return combine('and', filters.map(compile));
}

function gather(mask: Uint8Array, map: Int32Array): Uint8Array {
  const out = scratchUint8(map.length);
  for (let code = 0; code < map.length; code++) out[code] = mask[map[code]!]!;
  return out;
}

function combine(kind: 'and' | 'or', nodes: FilterNode[]): FilterNode {
  const identity = kind === 'and' ? 1 : 0;
  const masks = new Map<string, Uint8Array>();
  const rest: FilterNode[] = [];
  for (const node of nodes) {
    if (node.kind !== 'mask') {
      rest.push(node);
      continue;
    }
    const earlier = masks.get(node.dimension);
    if (earlier === undefined) masks.set(node.dimension, copy(node.mask));
    else if (kind === 'and') for (let code = 0; code < earlier.length; code++) earlier[code] &= node.mask[code]!;
    else for (let code = 0; code < earlier.length; code++) earlier[code] |= node.mask[code]!;
  }
  const children: FilterNode[] = [];
  for (const [dimension, mask] of masks) {
    // A mask keeping every member changes nothing in an and; one keeping none changes nothing in an or.
    if (!mask.every((bit) => bit === identity)) children.push({ kind: 'mask', dimension, mask });
  }
  children.push(...rest);
  return children.length === 1 ? children[0]! : { kind, children };
}

function copy(mask: Uint8Array): Uint8Array {
  const out = scratchUint8(mask.length);
  out.set(mask);
  return out;
}

/** The top-level conjunction: one mask per dimension (compileFilters merged them), and what spans dimensions. */
export interface Conjunction {
  masks: ReadonlyMap<string, Uint8Array>;
  spanning: readonly FilterNode[];
}

export function conjuncts(node: FilterNode): Conjunction {
  const children = node.kind === 'and' ? node.children : [node];
  const masks = new Map<string, Uint8Array>();
  const spanning: FilterNode[] = [];
  for (const child of children) {
    if (child.kind === 'mask') masks.set(child.dimension, child.mask);
    else spanning.push(child);
  }
  return { masks, spanning };
}

/**
 * The filter as grouping applies it: masks of the top-level conjunction, then what spans
 * dimensions. Masks of `settled` dimensions are left out: every row scanned passes them.
 */
export function rowFilter({ masks: byDimension, spanning }: Conjunction, columns: (dimension: string) => Int32Array, settled: ReadonlySet<string> = new Set()): RowFilter {
  const masks: CodeMask[] = [];
  const passed: CodeMask[] = [];
  for (const [dimension, mask] of byDimension) (settled.has(dimension) ? passed : masks).push({ codes: columns(dimension), mask });
  if (spanning.length === 0) return { masks, settled: passed };
  const reject = (target: Int32Array, ranges: RowRanges) => {
    for (const child of spanning) {
      const kept = evaluate(child, columns, target.length, ranges);
      // kept - 1 is 0 for a kept row and -1 for a rejected one: no branch.
      for (let r = 0; r < ranges.length; r += 2) {
        const end = ranges[r + 1]!;
        for (let i = ranges[r]!; i < end; i++) target[i] |= kept[i]! - 1;
      }
    }
  };
  return { masks, settled: passed, reject };
}

/** 1 per row of `ranges` the node keeps, 0 otherwise (rows outside `ranges` are left 0). */
function evaluate(node: FilterNode, columns: (dimension: string) => Int32Array, rows: number, ranges: RowRanges): Uint8Array {
  const out = scratchUint8(rows);
  if (node.kind === 'mask') {
    const { mask } = node;
    const codes = columns(node.dimension);
    for (let r = 0; r < ranges.length; r += 2) {
      const end = ranges[r + 1]!;
      for (let i = ranges[r]!; i < end; i++) out[i] = mask[codes[i]!]!;
    }
    return out;
  }
  if (node.kind === 'and') for (let r = 0; r < ranges.length; r += 2) out.fill(1, ranges[r], ranges[r + 1]);
  for (const child of node.children) {
    const kept = evaluate(child, columns, rows, ranges);
    for (let r = 0; r < ranges.length; r += 2) {
      const end = ranges[r + 1]!;
      if (node.kind === 'and') for (let i = ranges[r]!; i < end; i++) out[i] &= kept[i]!;
      else for (let i = ranges[r]!; i < end; i++) out[i] |= kept[i]!;
    }
  }
  return out;
}
