import { describe, expect, it } from 'vitest';
import { cuboidName, levelsCover, rollsUpTo } from '../../src/plan/levels.ts';
import { dimension, planModel } from './fixtures.ts';

const time = dimension('time', [['year', 'quarter', 'month', 'day'], ['week', 'day']], true);
const region = dimension('region', [['province', 'city']]);
const channel = dimension('channel', [['channel']]);
const model = planModel([time, region, channel]);

describe('rollsUpTo', () => {
  it.each([
    ['day', 'year', true],
    ['day', 'week', true],
    ['month', 'quarter', true],
    ['day', 'day', true],
    ['week', 'month', false],
    ['week', 'year', false],
    ['month', 'day', false],
    ['year', 'month', false],
  ])('%s → %s is %s', (from, to, expected) => {
    expect(rollsUpTo(time, from, to)).toBe(expected);
  });
});

describe('levelsCover', () => {
  it('needs every grouped dimension at the same or a finer level', () => {
    const cuboid = { time: 'day', region: 'city' };
    expect(levelsCover(model, cuboid, {})).toBe(true);
    expect(levelsCover(model, cuboid, { time: 'week' })).toBe(true);
    expect(levelsCover(model, cuboid, { time: 'quarter', region: 'province' })).toBe(true);
    expect(levelsCover(model, cuboid, { channel: 'channel' })).toBe(false);
    expect(levelsCover(model, { time: 'month' }, { time: 'week' })).toBe(false);
    expect(levelsCover(model, {}, {})).toBe(true);
  });
});

describe('cuboidName', () => {
  it('lists levels in model dimension order, and calls the all-levels cuboid apex', () => {
    expect(cuboidName(model, { channel: 'channel', time: 'month', region: 'province' })).toBe('time.month+region.province+channel.channel');
    expect(cuboidName(model, {})).toBe('apex');
  });
});
