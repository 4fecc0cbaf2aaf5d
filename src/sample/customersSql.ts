import { customerIdSql } from './customerActivity.ts';
import { perTierSql, SEGMENTS } from './customerSegments.ts';
import { BRANCHES } from './geography.ts';
import { companyNameSql, personNameSql } from './names.ts';
import { pickUniform, pickWeighted, uniform } from './pseudoRandom.ts';
import type { WarehouseScale } from './warehouseScale.ts';

/** Most customers' tier follows their activity rank; the rest are drawn at random, as in life. */
const TIER_FOLLOWS_RANK = 0.8;

/**
 * One customer per activity rank. The tier comes from the rank (the most active are
 * mostly VIP), the type from the tier, the home branch from branch size, and the
 * account manager, if the tier earns one, from the home branch's staff.
 */
export function customersSql({ seed, customers }: WarehouseScale): string {
  const draw = (salt: string) => uniform(seed, salt, 'rank');
  const homeBranchSlots = BRANCHES.flatMap((b) => Array<number>(b.weight).fill(b.branchId));
  return `
INSERT INTO dim_customer
WITH drawn AS (
  SELECT ${customerIdSql('rank', customers)} AS customer_id,
         CASE WHEN ${draw('tier follows rank')} < ${TIER_FOLLOWS_RANK} THEN (rank + 0.5) / ${customers}
              ELSE ${draw('tier')} END AS tier_score,
         ${draw('corporate')} AS corporate_draw,
         ${draw('managed')} AS managed_draw,
         ${draw('manager')} AS manager_draw,
         ${pickUniform(draw('home branch'), homeBranchSlots)} AS home_branch_id
  FROM range(${customers}) AS ranks(rank)
),
tiered AS (
  SELECT *, ${pickWeighted('tier_score', SEGMENTS.map((s) => [s.tier, s.share]))} AS value_tier FROM drawn
),
segmented AS (
  SELECT *,
         corporate_draw < ${perTierSql('value_tier', (s) => s.corporateShare)} AS corporate,
         managed_draw < ${perTierSql('value_tier', (s) => s.managed)} AS managed
  FROM tiered
),
staff AS (
  SELECT branch_id, min(manager_id) AS first_manager_id, count(*) AS managers
  FROM dim_account_manager GROUP BY branch_id
)
SELECT customer_id,
       CASE WHEN corporate THEN ${companyNameSql(seed, 'company name', 'customer_id', 'branch.city')}
            ELSE ${personNameSql(seed, 'person name', 'customer_id')} END,
       value_tier,
       CASE WHEN corporate THEN 'corporate' ELSE 'personal' END,
       home_branch_id,
       CASE WHEN managed THEN first_manager_id + floor(manager_draw * managers)::INTEGER END
FROM segmented
JOIN dim_branch AS branch ON branch.branch_id = home_branch_id
JOIN staff ON staff.branch_id = home_branch_id
ORDER BY customer_id`;
}
