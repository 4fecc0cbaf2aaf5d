import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { CubeError } from '../errors.ts';
import { DefinitionFileSchema } from './definitionSchema.ts';
import { definitionError, issuesFromZod, type DefinitionIssue } from './definitionErrors.ts';
import { normaliseCube } from './normaliseCube.ts';
import type { CubeModel } from './types.ts';

/** One definition file's text → its cubes, or a CubeError listing every problem at file:line:col. */
export function parseDefinition(text: string, file: string, env: NodeJS.ProcessEnv = process.env): CubeModel[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    // Later syntax errors are mostly echoes of the first.
    const { line, col } = lines.linePos(syntaxError.pos[0]);
    throw new CubeError('DEFINITION_INVALID', `${file}:${line}:${col}: ${syntaxError.message.split('\n')[0]}`);
  }
  const parsed = DefinitionFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw definitionError(file, document, lines, issuesFromZod(parsed.error, DefinitionFileSchema));
  }
  const issues: DefinitionIssue[] = [];
  const cubes = Object.entries(parsed.data.cubes).map(([name, definition]) =>
    normaliseCube(name, definition, file, env, issues),
  );
  if (issues.length > 0) throw definitionError(file, document, lines, issues);
  return cubes;
}

export async function loadDefinitionFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CubeModel[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CubeError('DEFINITION_NOT_FOUND', `cannot read ${file}: ${error.code ?? error.message}`);
  });
  return parseDefinition(text, file, env);
}

/** Every *.yaml / *.yml file of a folder, in name order; a cube name may be defined once. */
export async function loadDefinitions(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<CubeModel[]> {
  const entries = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    throw new CubeError('DEFINITION_NOT_FOUND', `cannot read definitions folder ${dir}: ${error.code ?? error.message}`);
  });
  const files = entries.filter((entry) => /\.ya?ml$/.test(entry)).sort();
  if (files.length === 0) {
    throw new CubeError('DEFINITION_NOT_FOUND', `no cube definitions (*.yaml) in ${dir}`);
  }
  const cubes: CubeModel[] = [];
  for (const file of files) {
    for (const cube of await loadDefinitionFile(join(dir, file), env)) {
      const earlier = cubes.find((candidate) => candidate.name === cube.name);
      if (earlier) {
        throw new CubeError('DEFINITION_INVALID', `${cube.file}: cube "${cube.name}" is already defined in ${earlier.file}`);
      }
      cubes.push(cube);
    }
  }
  return cubes;
}
