export { currentVersion, isStale, listCubes, readCube, readManifest } from './readCube.ts';
export { writeCubeVersion, KEEP_PREVIOUS_VERSIONS, type NewCubeVersion } from './writeCubeVersion.ts';
export { CURRENT_FILE, cubeDir } from './layout.ts';
