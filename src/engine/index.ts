/** The engine's public surface: what the server and the CLI code against. */
export { CubeEngine, parseQuery, type CubeEngineOptions } from './cubeEngine.ts';
export type { MembersOptions } from './members.ts';
export { dice, drillDown, rollUp, slice, type DiceArgs, type DrillDownArgs, type RollUpArgs, type SliceArgs } from './olap.ts';
export { pivot, PIVOT_TOTAL_LABEL, type PivotKey, type PivotLayout, type PivotResult } from './pivot.ts';
export { resultToArrow } from './resultToArrow.ts';
export { OTHERS_MEMBER, type ExplainEntry, type QueryMeta, type QueryResult, type ResultColumn, type ResultValue } from './types.ts';
