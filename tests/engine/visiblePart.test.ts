import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visiblePart } from '../../src/engine/visiblePart.ts';
import type { CubeData } from '../../src/model/data.ts';
import { bankFixture, type BankFixture } from '../server/bankFixture.ts';

let fixture: BankFixture;
let cube: CubeData;

beforeAll(async () => {
  fixture = await bankFixture(5_000);
  // The bank definitions hide no dimension; this role hides one, and a measure.
  cube = {
    ...fixture.cube,
    model: {
      ...fixture.cube.model,
      security: { roles: [{ name: 'auditor', rows: [], hiddenMeasures: ['cost'], hiddenDimensions: ['channel'] }] },
    },
  };
}, 120_000);

afterAll(async () => {
  await fixture?.close();
});

describe('a cube as a role sees it', () => {
  it('leaves hidden dimensions and measures out of the model, the dictionaries and the cuboids', () => {
    const seen = visiblePart(cube, { principal: 'a', role: 'auditor', claims: {} });
    expect(seen.model.dimensions.map((dimension) => dimension.name)).not.toContain('channel');
    expect(seen.model.measures.map((measure) => measure.name)).not.toContain('cost');
    expect(Object.keys(seen.dictionaries).filter((key) => key.startsWith('channel.'))).toEqual([]);
    // Cuboids grouping the hidden dimension go whole (their names spell it); the others all stay.
    const withChannel = cube.cuboids.filter((cuboid) => 'channel' in cuboid.levels);
    expect(withChannel.length).toBeGreaterThan(0);
    expect(seen.cuboids.map((cuboid) => cuboid.name)).toEqual(
      cube.cuboids.filter((cuboid) => !withChannel.includes(cuboid)).map((cuboid) => cuboid.name),
    );
    expect(JSON.stringify(seen.cuboids)).not.toContain('channel');
  });
});
