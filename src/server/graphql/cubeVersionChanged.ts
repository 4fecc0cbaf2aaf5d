import { GraphQLNonNull, GraphQLObjectType, GraphQLString, type GraphQLFieldConfig } from 'graphql/index.js';
import mercurius, { type PubSub } from 'mercurius';
import type { CubeEngine } from '../../engine/index.ts';
import { canSee, type AccessScope } from '../../model/accessScope.ts';
import type { CubeData } from '../../model/data.ts';
import { scopeOf } from './runCubeQuery.ts';

/** The pubsub topic a new cube version is published on. */
export const CUBE_VERSION_CHANGED = 'CUBE_VERSION_CHANGED';

export interface CubeVersionChange {
  cube: string;
  version: string | null;
  previousVersion: string | null;
  builtAt: string | null;
}

const CubeVersionChangeType = new GraphQLObjectType({
  name: 'CubeVersionChange',
  description: 'A cube version was loaded (version set) or a cube was unloaded (version null).',
  fields: {
    cube: { type: new GraphQLNonNull(GraphQLString) },
    version: { type: GraphQLString },
    previousVersion: { type: GraphQLString },
    builtAt: { type: GraphQLString },
  },
});

/**
 * `subscription { cubeVersionChanged(cube) { cube version previousVersion builtAt } }`:
 * dashboards know when to refresh. A caller hears only of cubes its role may see; of a
 * cube unloaded (its roles gone with it), only an open server's callers hear.
 */
export function cubeVersionChangedField(engine: CubeEngine): GraphQLFieldConfig<{ cubeVersionChanged: CubeVersionChange }, { pubsub: PubSub }, { cube?: string | null }> {
  const visible = (cube: string, scope: AccessScope | null) => {
    const data = engine.cubes().find((candidate) => candidate.model.name === cube);
    return data === undefined ? scope === null : canSee(data.model, scope);
  };
  return {
    type: new GraphQLNonNull(CubeVersionChangeType),
    args: { cube: { type: GraphQLString, description: 'Only this cube (all cubes when absent).' } },
    subscribe: mercurius.withFilter(
      (_root: unknown, _args: { cube?: string | null }, context: { pubsub: PubSub }) => context.pubsub.subscribe(CUBE_VERSION_CHANGED),
      (payload: { cubeVersionChanged: CubeVersionChange }, args: { cube?: string | null }, context: { pubsub: PubSub }) =>
        (args.cube == null || payload.cubeVersionChanged.cube === args.cube) && visible(payload.cubeVersionChanged.cube, scopeOf(context)),
    ) as unknown as GraphQLFieldConfig<unknown, unknown>['subscribe'],
    resolve: (payload) => payload.cubeVersionChanged,
  };
}

/** What changed between two sets of loaded cubes (name → version). */
export function versionChanges(before: ReadonlyMap<string, string>, cubes: readonly CubeData[]): CubeVersionChange[] {
  const changes: CubeVersionChange[] = [];
  const now = new Set<string>();
  for (const cube of cubes) {
    const name = cube.model.name;
    now.add(name);
    const previous = before.get(name) ?? null;
    if (previous !== cube.version) changes.push({ cube: name, version: cube.version, previousVersion: previous, builtAt: cube.builtAt });
  }
  for (const [name, version] of before) {
    if (!now.has(name)) changes.push({ cube: name, version: null, previousVersion: version, builtAt: null });
  }
  return changes;
}
