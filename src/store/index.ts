export { currentVersion, isStale, listCubes, readCube, readManifest } from './readCube.ts';
export { writeCubeVersion, KEEP_PREVIOUS_VERSIONS, type NewCubeVersion } from './writeCubeVersion.ts';
