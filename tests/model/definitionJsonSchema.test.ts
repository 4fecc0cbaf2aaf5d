import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { definitionJsonSchema } from '../../src/model/definitionSchema.ts';

describe('definition JSON Schema', () => {
  it('is committed up to date with the zod schema (regenerate with `arrowcube schema`)', async () => {
    const committed = JSON.parse(await readFile('schema/definition.schema.json', 'utf8'));
    expect(committed).toEqual(definitionJsonSchema());
  });

  it('describes the measure aggregates an editor should offer', () => {
    const schema = JSON.stringify(definitionJsonSchema());
    for (const agg of ['sum', 'count_distinct_approx', 'calculated']) expect(schema).toContain(`"${agg}"`);
  });
});
