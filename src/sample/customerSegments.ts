import { sqlLookup } from './sqlLiterals.ts';

/**
 * How customers differ by value tier and type: one record per tier, so a new tier or
 * a tuned share is one edit. Tiers are listed from most to least valuable; the most
 * active customers are mostly the most valuable ones.
 */
export type ValueTier = 'VIP' | 'major' | 'ordinary' | 'small';
export type CustomerType = 'personal' | 'corporate';

export interface Segment {
  tier: ValueTier;
  /** Share of all customers. */
  share: number;
  corporateShare: number;
  /** Probability that the customer has an account manager. */
  managed: number;
  /** Transaction amounts relative to an ordinary customer. */
  amountFactor: number;
  /** Typical CNY held in one funds account; loans and card limits scale from it too. */
  balanceScale: number;
  /** Multiplies how often wealth products are held. */
  wealthAffinity: number;
  /** Probability that one loan or card account has an overdue episode in the three years. */
  overdueRisk: number;
  /** Accounts per customer: the fewest, and how many more at most. */
  accounts: readonly [number, number];
}

export const SEGMENTS: readonly Segment[] = [
  { tier: 'VIP', share: 0.02, corporateShare: 0.3, managed: 1, amountFactor: 3, balanceScale: 800_000, wealthAffinity: 4, overdueRisk: 0.03, accounts: [2, 1] },
  { tier: 'major', share: 0.08, corporateShare: 0.2, managed: 1, amountFactor: 1.8, balanceScale: 150_000, wealthAffinity: 2, overdueRisk: 0.06, accounts: [2, 1] },
  { tier: 'ordinary', share: 0.4, corporateShare: 0.08, managed: 0.5, amountFactor: 1, balanceScale: 20_000, wealthAffinity: 1, overdueRisk: 0.12, accounts: [1, 2] },
  { tier: 'small', share: 0.5, corporateShare: 0.08, managed: 0, amountFactor: 0.6, balanceScale: 3_000, wealthAffinity: 0.3, overdueRisk: 0.25, accounts: [1, 1] },
];

/** Companies move and hold more money than people of the same tier. */
const CORPORATE_FACTOR = 3;

/** Each customer's value of one segment property, looked up from its tier column. */
export function perTierSql(tierColumn: string, property: (segment: Segment) => number): string {
  return sqlLookup(tierColumn, SEGMENTS.map((segment) => [segment.tier, property(segment)]));
}

/** CORPORATE_FACTOR for companies, 1 for people, from a customer_type column. */
export function typeFactorSql(typeColumn: string): string {
  return `CASE WHEN ${typeColumn} = 'corporate' THEN ${CORPORATE_FACTOR} ELSE 1 END`;
}
