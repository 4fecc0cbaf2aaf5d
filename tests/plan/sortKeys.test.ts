import { describe, expect, it } from 'vitest';
import type { CubeModel } from '../../src/model/types.ts';
import { sortKeys } from '../../src/plan/sortKeys.ts';

const model = { dimensions: ['time', 'region', 'segment', 'channel'].map((name) => ({ name })) } as unknown as CubeModel;
const stats = {
  sourceRows: 1_000_000,
  cardinality: { 'time.quarter': 24, 'time.year': 6, 'region.province': 13, 'segment.tier': 4, 'channel.channel': 4 },
};

describe('cuboid sort keys', () => {
  it('lead with the levels of fewest members, ties in model order, and leave out what the cuboid does not group', () => {
    expect(sortKeys(model, { time: 'quarter', region: 'province', segment: 'tier' }, stats)).toEqual(['segment', 'region', 'time']);
    expect(sortKeys(model, { channel: 'channel', segment: 'tier', time: 'year' }, stats)).toEqual(['segment', 'channel', 'time']);
    expect(sortKeys(model, {}, stats)).toEqual([]);
  });
});
