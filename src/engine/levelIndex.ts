import type { DimensionModel, LevelModel } from '../model/types.ts';

/**
 * One level's members with what queries need to look them up and order them. Built
 * once per loaded cube version; codes index the dictionary, in natural order.
 */
export class LevelIndex {
  readonly key: string;
  /** Rank of each code for ordering: natural order with the NULL member last. */
  readonly rank: Int32Array;
  private codes: Map<string | null, number> | undefined;
  private numbers: Float64Array | undefined;

  constructor(
    readonly dimension: DimensionModel,
    readonly level: LevelModel,
    readonly members: readonly (string | null)[],
  ) {
    this.key = `${dimension.name}.${level.name}`;
    this.rank = new Int32Array(members.length);
    let next = 0;
    members.forEach((member, code) => {
      if (member !== null) this.rank[code] = next++;
    });
    members.forEach((member, code) => {
      if (member === null) this.rank[code] = next++;
    });
  }

  get size(): number {
    return this.members.length;
  }

  codeOf(member: string | null): number | undefined {
    this.codes ??= new Map(this.members.map((value, code) => [value, code]));
    return this.codes.get(member);
  }

  /** Members parsed as numbers (NaN for NULL or text), for range filters on numeric levels. */
  numericMembers(): Float64Array {
    this.numbers ??= Float64Array.from(this.members, (member) =>
      member === null || member.trim() === '' ? NaN : Number(member),
    );
    return this.numbers;
  }
}
