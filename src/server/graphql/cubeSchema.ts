import { GraphQLObjectType, GraphQLSchema, type GraphQLFieldConfigMap } from 'graphql/index.js';
import type { CubeEngine } from '../../engine/index.ts';
import type { CubeData } from '../../model/data.ts';
import { cubeEntryPoint } from './cubeEntryPoint.ts';
import type { GraphQLContext } from './runCubeQuery.ts';
import { cubeVersionChangedField } from './cubeVersionChanged.ts';
import { metadataFields } from './metadataFields.ts';

/**
 * The GraphQL schema of the cubes an engine has loaded: the metadata fields, then one
 * typed entry point per cube, named after it (a cube whose name a metadata field
 * already takes gets a `cube_` prefix).
 */
export function cubeSchema(engine: CubeEngine, cubes: readonly CubeData[] = engine.cubes()): GraphQLSchema {
  const fields: GraphQLFieldConfigMap<unknown, GraphQLContext> = { ...metadataFields(engine) };
  for (const cube of [...cubes].sort((a, b) => a.model.name.localeCompare(b.model.name))) {
    const name = cube.model.name in fields ? `cube_${cube.model.name}` : cube.model.name;
    fields[name] = cubeEntryPoint(cube, engine) as GraphQLFieldConfigMap<unknown, GraphQLContext>[string];
  }
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields }),
    subscription: new GraphQLObjectType({ name: 'Subscription', fields: { cubeVersionChanged: cubeVersionChangedField(engine) } }),
  });
}
