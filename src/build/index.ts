export { buildCube, buildCubes } from './buildCube.ts';
export type { BuildOptions, BuildProgress, BuildSummary, CuboidSummary } from './types.ts';
