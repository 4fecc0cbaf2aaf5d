import { dayVolumeSql } from './calendar.ts';
import { CHANNELS } from './channels.ts';
import { activityRankSql, customerIdSql } from './customerActivity.ts';
import { perTierSql, typeFactorSql, type CustomerType } from './customerSegments.ts';
import { BRANCHES } from './geography.ts';
import { PRODUCT_LINES, PRODUCTS, TXN_TYPE_MIX } from './products.ts';
import { normal, pickWeighted, uniform } from './pseudoRandom.ts';
import { rowNumbersSql } from './rowNumbers.ts';
import { sqlLookup, sqlValues } from './sqlLiterals.ts';
import type { WarehouseScale } from './warehouseScale.ts';

/** Share of a customer's transactions made at their home branch. */
const AT_HOME_BRANCH = 0.85;

/** Amounts are log-normal: exp(σz − σ²/2) keeps their mean at the typical amount. */
const AMOUNT_SPREAD = 0.6;

/**
 * One statement producing every transaction from its row number: draws first (pure
 * functions of the row number), then the customer and what follows from them
 * (branch, manager, product and channel mix), then prices: margins vary ±30% from
 * the product's, serving costs ±40% from the channel's, so small transactions in
 * expensive channels lose money. The day comes from a slot
 * table laying each calendar day out as often as its volume, so an equi-join picks
 * days with seasonal, weekly and yearly weight.
 */
export function transactionsSql({ rows, seed, customers }: WarehouseScale): string {
  const draw = (salt: string) => uniform(seed, salt, 'i');
  const byType = (pick: (type: CustomerType) => string) =>
    `CASE WHEN customer.customer_type = 'corporate' THEN ${pick('corporate')} ELSE ${pick('personal')} END`;
  const economics = sqlValues(
    'economics',
    ['product_id', 'product_line', 'typical_amount', 'fee_rate', 'interest_rate', 'cost_rate'],
    PRODUCTS.map((p) => [p.productId, p.productLine, p.amount, p.feeRate, p.interestRate, p.costRate]),
  );
  const txnType = `CASE product_line ${PRODUCT_LINES.map(
    (line) => `WHEN '${line}' THEN ${pickWeighted('txn_type_draw', TXN_TYPE_MIX[line])}`,
  ).join(' ')} END`;
  return `
INSERT INTO fact_transactions
WITH day_slot AS (
  SELECT (row_number() OVER (ORDER BY date_key, copy) - 1)::INTEGER AS slot, date_key
  FROM (SELECT date_key, unnest(range(${dayVolumeSql()})) AS copy FROM dim_date)
),
drawn AS (
  SELECT i,
         ${customerIdSql(activityRankSql(draw('customer'), customers), customers)} AS customer_id,
         floor(${draw('day')} * (SELECT count(*) FROM day_slot))::INTEGER AS day_pick,
         ${draw('away')} AS away_draw,
         ${draw('away branch')} AS away_branch_draw,
         ${draw('product')} AS product_draw,
         ${draw('channel')} AS channel_draw,
         ${draw('txn type')} AS txn_type_draw,
         ${draw('serving')} AS serving_draw,
         ${draw('margin')} AS margin_draw,
         ${draw('cost')} AS cost_draw,
         exp(${AMOUNT_SPREAD} * ${normal(seed, 'amount', 'i')} - ${AMOUNT_SPREAD ** 2 / 2}) AS amount_jitter
  FROM ${rowNumbersSql(rows, 'i')} AS numbers
),
placed AS (
  SELECT drawn.*, customer.value_tier, customer.customer_type, customer.manager_id,
         CASE WHEN away_draw < ${AT_HOME_BRANCH} THEN customer.home_branch_id
              ELSE 1 + floor(away_branch_draw * ${BRANCHES.length})::INTEGER END AS branch_id,
         ${byType((type) => pickWeighted('product_draw', PRODUCTS.map((p) => [p.productId, p[type]])))} AS product_id,
         ${byType((type) => pickWeighted('channel_draw', CHANNELS.map((c) => [c.channelId, c[type]])))} AS channel_id
  FROM drawn JOIN dim_customer AS customer USING (customer_id)
),
priced AS (
  SELECT placed.*, product_line, fee_rate, interest_rate, cost_rate,
         greatest(0.01, typical_amount * ${perTierSql('value_tier', (s) => s.amountFactor)}
                        * ${typeFactorSql('customer_type')} * amount_jitter)::DECIMAL(18,2) AS amount
  FROM placed JOIN ${economics} USING (product_id)
)
SELECT i + 1, day_slot.date_key, branch_id, product_id, customer_id, channel_id, manager_id,
       ${txnType},
       amount,
       (amount * fee_rate * (0.7 + 0.6 * margin_draw))::DECIMAL(18,2),
       (amount * interest_rate * (0.7 + 0.6 * margin_draw))::DECIMAL(18,2),
       (${sqlLookup('channel_id', CHANNELS.map((c) => [c.channelId, c.cost]))} * (0.6 + 0.8 * serving_draw)
        + amount * cost_rate * (0.5 + cost_draw))::DECIMAL(18,2)
FROM priced JOIN day_slot ON day_slot.slot = priced.day_pick`;
}
