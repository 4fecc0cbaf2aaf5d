import { FIRST_DAY, LAST_DAY } from './calendar.ts';
import { CHANNELS } from './channels.ts';
import { BRANCHES } from './geography.ts';
import { personNameSql } from './names.ts';
import { PRODUCTS } from './products.ts';
import { uniform } from './pseudoRandom.ts';
import { sqlValues } from './sqlLiterals.ts';

/** Statements filling the calendar, the branch network, the catalogues and the staff. */
export function dimensionsSql(seed: number): string[] {
  return [dateSql(), branchSql(), productSql(), channelSql(), managerSql(seed)];
}

function dateSql(): string {
  return `
INSERT INTO dim_date
SELECT day::DATE, year(day), quarter(day), month(day), isodow(day), day::DATE = last_day(day)
FROM generate_series(TIMESTAMP '${FIRST_DAY}', TIMESTAMP '${LAST_DAY}', INTERVAL 1 DAY) AS days(day)`;
}

function branchSql(): string {
  const rows = BRANCHES.map((b) => [b.branchId, b.branchName, b.city, b.province, b.region]);
  return `INSERT INTO dim_branch SELECT * FROM ${sqlValues('branch', ['branch_id', 'branch_name', 'city', 'province', 'region'], rows)}`;
}

function productSql(): string {
  const rows = PRODUCTS.map((p) => [p.productId, p.productName, p.productLine]);
  return `INSERT INTO dim_product SELECT * FROM ${sqlValues('product', ['product_id', 'product_name', 'product_line'], rows)}`;
}

function channelSql(): string {
  const rows = CHANNELS.map((c) => [c.channelId, c.channelName]);
  return `INSERT INTO dim_channel SELECT * FROM ${sqlValues('channel', ['channel_id', 'channel_name'], rows)}`;
}

/**
 * Busier branches employ more account managers (3–8). Ids run branch by branch so
 * each branch's managers are one contiguous id range, which lets customersSql pick a
 * manager of a branch with arithmetic. Repeated names get a number, as HR would.
 */
function managerSql(seed: number): string {
  const weights = BRANCHES.map((b) => [b.branchId, b.weight]);
  return `
INSERT INTO dim_account_manager
WITH staffed AS (
  SELECT branch_id, 2 + weight + floor(${uniform(seed, 'manager count', 'branch_id')} * 3)::INTEGER AS managers
  FROM ${sqlValues('branch', ['branch_id', 'weight'], weights)}
),
numbered AS (
  SELECT branch_id, managers, sum(managers) OVER (ORDER BY branch_id) - managers AS hired_before FROM staffed
),
positioned AS (
  SELECT branch_id, hired_before, unnest(range(managers)) AS position FROM numbered
),
manager AS (
  SELECT (hired_before + position + 1)::INTEGER AS manager_id, branch_id FROM positioned
),
named AS (
  SELECT manager_id, branch_id, ${personNameSql(seed, 'manager name', 'manager_id')} AS name FROM manager
)
SELECT manager_id,
       name || CASE WHEN twin = 1 THEN '' ELSE twin::VARCHAR END,
       branch_id
FROM (SELECT *, row_number() OVER (PARTITION BY name ORDER BY manager_id) AS twin FROM named)`;
}
