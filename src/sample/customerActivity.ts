/**
 * Who transacts: a few customers very often, most rarely. Customers are ranked by
 * activity and a transaction draws rank floor(n · u^k), a power law whose top fifth
 * of ranks gets 0.2^(1/k) of all transactions. The value tiers follow the ranks
 * (see customersSql), which is what makes a fifth of customers bring most profit.
 */
const ACTIVITY_EXPONENT = 1.7;

/** Prime and above any customer count, so multiplying by it permutes 0 … n-1. */
const SHUFFLE_STRIDE = 2_147_483_647;

/** The activity rank a uniform draw lands on. */
export function activityRankSql(draw: string, customers: number): string {
  return `least(floor(${customers} * pow(${draw}, ${ACTIVITY_EXPONENT}))::BIGINT, ${customers - 1})`;
}

/** The customer id holding an activity rank: shuffled, so ids do not give activity away. */
export function customerIdSql(rank: string, customers: number): string {
  return `((${rank})::BIGINT * ${SHUFFLE_STRIDE} % ${customers} + 1)::INTEGER`;
}
