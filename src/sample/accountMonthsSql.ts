import { MONTHS, monthEndSql } from './calendar.ts';
import { perTierSql, SEGMENTS, typeFactorSql, type CustomerType } from './customerSegments.ts';
import { PRODUCTS, type Product } from './products.ts';
import { normal, pickWeighted, uniform } from './pseudoRandom.ts';
import { sqlValues } from './sqlLiterals.ts';

/** Share of accounts already open before the first month; the rest open later and stay open. */
const OPEN_AT_START = 0.7;
/** Log-normal spread of account sizes within one tier. */
const SIZE_SPREAD = 0.8;
/** Loans already running at the start are up to this far through their term. */
const RUNNING_LOAN_AGE = 0.7;
/** Share of card-months in which the card is paid off in full. */
const CARD_PAID_OFF = 0.2;
/** An overdue episode lasts this many months at least, and up to this many more, then cures. */
const EPISODE_MONTHS = [3, 9] as const;

/**
 * Month-end snapshots of every customer's accounts. Each customer holds 1–3 accounts
 * (more in higher tiers; the first is always a deposit); an account opens in some
 * month and has one row per month end from then on. Funds accounts carry `balance`,
 * loans and cards `loan_balance`. A troubled loan or card goes through one overdue
 * episode: a growing part of its loan balance is overdue for some months, then it
 * cures. Episodes of accounts open at the start may have begun before it, so the
 * first months already show overdue balances, as a real portfolio would.
 */
export function accountMonthsSql(seed: number): string {
  const perAccount = (salt: string) => uniform(seed, salt, 'customer_id', 'account_no');
  const shapes = sqlValues(
    'shape',
    ['product_id', 'kind', 'scale', 'term_months'],
    PRODUCTS.flatMap(({ productId, account }) =>
      account ? [[productId, account.kind, account.scale, account.kind === 'loan' ? account.termMonths : null]] : [],
    ),
  );
  return `
INSERT INTO fact_account_month
WITH holder AS (
  SELECT customer_id, value_tier, customer_type, home_branch_id, manager_id,
         ${perTierSql('value_tier', (s) => s.accounts[0])}
           + floor(${uniform(seed, 'accounts', 'customer_id')}
                   * (${perTierSql('value_tier', (s) => s.accounts[1])} + 1))::INTEGER AS accounts
  FROM dim_customer
),
account AS (
  SELECT *, unnest(range(accounts)) AS account_no FROM holder
),
drawn AS (
  SELECT *, ${perAccount('product')} AS product_draw FROM account
),
opened AS (
  SELECT customer_id, home_branch_id, manager_id,
         -- Customer 1234's accounts are 12341, 12342 and 12343.
         customer_id::BIGINT * 10 + account_no + 1 AS account_id,
         ${accountProductSql('account_no', 'product_draw')} AS product_id,
         CASE WHEN ${perAccount('open at start')} < ${OPEN_AT_START} THEN 0
              ELSE 1 + floor(${perAccount('open month')} * ${MONTHS - 1})::INTEGER END AS open_month,
         ${perTierSql('value_tier', (s) => s.balanceScale)} * ${typeFactorSql('customer_type')}
           * exp(${SIZE_SPREAD} * ${normal(seed, 'size', 'customer_id', 'account_no')} - ${SIZE_SPREAD ** 2 / 2}) AS size,
         ${perAccount('season phase')} AS phase,
         ${perAccount('loan age')} AS age_draw,
         ${perAccount('trouble')} < ${perTierSql('value_tier', (s) => s.overdueRisk)} AS troubled,
         ${perAccount('trouble start')} AS trouble_draw,
         ${EPISODE_MONTHS[0]} + floor(${perAccount('trouble length')} * ${EPISODE_MONTHS[1] + 1})::INTEGER AS trouble_months
  FROM drawn
),
month AS (
  SELECT opened.*, shape.kind, shape.scale, shape.term_months,
         CASE WHEN open_month = 0
              THEN floor(trouble_draw * (${MONTHS} + trouble_months))::INTEGER - trouble_months
              ELSE open_month + floor(trouble_draw * (${MONTHS} - open_month))::INTEGER END AS trouble_month,
         unnest(range(open_month, ${MONTHS})) AS month_index
  FROM opened JOIN ${shapes} USING (product_id)
),
valued AS (
  SELECT *,
         CASE kind WHEN 'funds' THEN ${fundsBalanceSql(seed)} ELSE 0 END::DECIMAL(18,2) AS balance,
         CASE kind WHEN 'loan' THEN ${loanBalanceSql()} WHEN 'card' THEN ${cardBalanceSql(seed)}
              ELSE 0 END::DECIMAL(18,2) AS loan_balance
  FROM month
)
SELECT ${monthEndSql('month_index')}, account_id, customer_id, product_id, home_branch_id, manager_id,
       balance, loan_balance, ${overdueBalanceSql()}
FROM valued`;
}

/** The first account is a deposit; later ones follow the tier's taste for wealth products. */
function accountProductSql(accountNo: string, draw: string): string {
  const held = (product: Product) => product.account?.weight ?? 0;
  const deposits = PRODUCTS.filter((p) => p.productLine === 'Deposits');
  const laterAccount = (type: CustomerType, wealthAffinity: number) =>
    pickWeighted(
      draw,
      PRODUCTS.filter((p) => p[type] > 0).map((p) => [
        p.productId,
        held(p) * (p.productLine === 'Wealth Management' ? wealthAffinity : 1),
      ]),
    );
  const later = SEGMENTS.map(
    (s) => `
         WHEN value_tier = '${s.tier}' AND customer_type = 'corporate' THEN ${laterAccount('corporate', s.wealthAffinity)}
         WHEN value_tier = '${s.tier}' THEN ${laterAccount('personal', s.wealthAffinity)}`,
  ).join('');
  return `CASE WHEN ${accountNo} = 0 THEN ${pickWeighted(draw, deposits.map((p) => [p.productId, held(p)]))}${later} END`;
}

/** Savings grow about 1% a month, swing ±8% over each account's own year, and wobble. */
function fundsBalanceSql(seed: number): string {
  const wobble = `exp(0.1 * ${normal(seed, 'balance', 'account_id', 'month_index')})`;
  return `size * scale * (1 + 0.01 * month_index) * (1 + 0.08 * sin(2 * pi() * (month_index / 12 + phase))) * ${wobble}`;
}

/** Loans amortise linearly over their term from the principal; never quite to zero while open. */
function loanBalanceSql(): string {
  const ageAtStart = `CASE WHEN open_month = 0 THEN floor(age_draw * term_months * ${RUNNING_LOAN_AGE}) ELSE 0 END`;
  return `size * scale * greatest(0.05, 1 - (${ageAtStart} + month_index - open_month) / term_months)`;
}

/** Card debt is some part of the limit, or nothing in the months the card is paid off. */
function cardBalanceSql(seed: number): string {
  const perMonth = (salt: string) => uniform(seed, salt, 'account_id', 'month_index');
  return `CASE WHEN ${perMonth('card paid off')} < ${CARD_PAID_OFF} THEN 0
               ELSE size * scale * pow(${perMonth('card use')}, 2) END`;
}

/** During an episode the overdue part starts at a fifth of the loan balance and grows a tenth a month. */
function overdueBalanceSql(): string {
  const during = `troubled AND kind <> 'funds' AND month_index - trouble_month BETWEEN 0 AND trouble_months - 1`;
  const part = `least(1, 0.2 + 0.1 * (month_index - trouble_month))`;
  return `CASE WHEN ${during} THEN least(loan_balance, (loan_balance * ${part})::DECIMAL(18,2)) ELSE 0 END`;
}
