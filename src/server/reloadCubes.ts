import type { FastifyBaseLogger } from 'fastify';
import type { CubeEngine } from '../engine/index.ts';
import { isCubeError } from '../errors.ts';
import { currentVersion, listCubes, readCube } from '../store/index.ts';

export interface ReloadOutcome {
  cube: string;
  /** The version CURRENT names (null when CURRENT itself is unreadable). */
  version: string | null;
  status: 'loaded' | 'unchanged' | 'refused';
  reason?: string;
}

export interface ReloaderOptions {
  engine: CubeEngine;
  cubesDir: string;
  /** A function, because the reloader is made before the app whose logger it uses. */
  log: () => FastifyBaseLogger;
  /** Called after a reload that loaded at least one version. */
  onLoaded?: () => void;
}

/**
 * Brings the engine up to each cube's CURRENT version. A version that does not load
 * (bad checksum, missing file, unreadable manifest) is refused with one log line and
 * the engine keeps serving what it had. Reloads run one at a time; requests made
 * while one runs share the single reload queued after it, which sees their changes.
 */
export class Reloader {
  private running: Promise<ReloadOutcome[]> | undefined;
  private queued: Promise<ReloadOutcome[]> | undefined;
  /** Versions are immutable once published, so a refused one is not read (nor logged) again. */
  private readonly refused = new Map<string, string>();

  constructor(private readonly options: ReloaderOptions) {}

  reload(): Promise<ReloadOutcome[]> {
    if (this.queued !== undefined) return this.queued;
    if (this.running === undefined) return this.start();
    const after = () => {
      this.queued = undefined;
      return this.start();
    };
    this.queued = this.running.then(after, after);
    return this.queued;
  }

  private start(): Promise<ReloadOutcome[]> {
    const run = this.reloadNow().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async reloadNow(): Promise<ReloadOutcome[]> {
    const { engine, cubesDir } = this.options;
    const served = new Map(engine.cubes().map((cube) => [cube.model.name, cube.version]));
    const outcomes: ReloadOutcome[] = [];
    for (const cube of await listCubes(cubesDir)) {
      const previous = served.get(cube);
      let version: string | null = null;
      try {
        const current = await currentVersion(cubesDir, cube);
        if (current === undefined) continue; // deleted since it was listed
        version = current;
        if (version === previous) {
          outcomes.push({ cube, version, status: 'unchanged' });
          continue;
        }
        const known = this.refused.get(`${cube}@${version}`);
        if (known !== undefined) {
          outcomes.push({ cube, version, status: 'refused', reason: known });
          continue;
        }
        const data = await readCube(cubesDir, cube, version);
        engine.load(data);
        this.options.log().info({ cube, version, previousVersion: previous ?? null }, `loaded cube ${cube} version ${version}`);
        outcomes.push({ cube, version, status: 'loaded' });
      } catch (error) {
        const reason = reasonOf(error, cube, version);
        if (version !== null && isCubeError(error)) this.refused.set(`${cube}@${version}`, reason);
        this.options
          .log()
          .error(
            { cube, version, servedVersion: previous ?? null, ...(isCubeError(error) ? {} : { err: error }) },
            `cube ${cube} version ${version ?? '(unreadable CURRENT)'} refused: ${reason}; still serving ${previous ?? 'nothing'}`,
          );
        outcomes.push({ cube, version, status: 'refused', reason });
      }
    }
    if (outcomes.some((outcome) => outcome.status === 'loaded')) this.options.onLoaded?.();
    return outcomes;
  }
}

/** The store names the cube and version in its messages; the log line already says them. */
function reasonOf(error: unknown, cube: string, version: string | null): string {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = `cube ${cube} version ${version} is `;
  return version !== null && message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
