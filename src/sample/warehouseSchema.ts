/**
 * The warehouse's tables: the contract cube definitions are written against. Keys
 * and NOT NULL are declared so a generator bug fails the seed instead of surfacing
 * as odd members in a cube. dim_date.day_of_week is ISO: Monday 1 … Sunday 7.
 */
export const WAREHOUSE_SCHEMA = `
CREATE TABLE dim_date (
  date_key DATE PRIMARY KEY,
  year INTEGER NOT NULL,
  quarter INTEGER NOT NULL,
  month INTEGER NOT NULL,
  day_of_week INTEGER NOT NULL,
  is_month_end BOOLEAN NOT NULL
);
CREATE TABLE dim_branch (
  branch_id INTEGER PRIMARY KEY,
  branch_name VARCHAR NOT NULL UNIQUE,
  city VARCHAR NOT NULL,
  province VARCHAR NOT NULL,
  region VARCHAR NOT NULL
);
CREATE TABLE dim_product (
  product_id INTEGER PRIMARY KEY,
  product_name VARCHAR NOT NULL UNIQUE,
  product_line VARCHAR NOT NULL
);
CREATE TABLE dim_channel (
  channel_id INTEGER PRIMARY KEY,
  channel_name VARCHAR NOT NULL UNIQUE
);
CREATE TABLE dim_account_manager (
  manager_id INTEGER PRIMARY KEY,
  manager_name VARCHAR NOT NULL UNIQUE,
  branch_id INTEGER NOT NULL
);
CREATE TABLE dim_customer (
  customer_id INTEGER PRIMARY KEY,
  customer_name VARCHAR NOT NULL,
  value_tier VARCHAR NOT NULL,
  customer_type VARCHAR NOT NULL,
  home_branch_id INTEGER NOT NULL,
  manager_id INTEGER
);
CREATE TABLE fact_transactions (
  txn_id BIGINT NOT NULL,
  txn_date DATE NOT NULL,
  branch_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL,
  customer_id INTEGER NOT NULL,
  channel_id INTEGER NOT NULL,
  manager_id INTEGER,
  txn_type VARCHAR NOT NULL,
  amount DECIMAL(18,2) NOT NULL,
  fee_revenue DECIMAL(18,2) NOT NULL,
  interest_revenue DECIMAL(18,2) NOT NULL,
  cost DECIMAL(18,2) NOT NULL
);
CREATE TABLE fact_account_month (
  month_end DATE NOT NULL,
  account_id BIGINT NOT NULL,
  customer_id INTEGER NOT NULL,
  product_id INTEGER NOT NULL,
  branch_id INTEGER NOT NULL,
  manager_id INTEGER,
  balance DECIMAL(18,2) NOT NULL,
  loan_balance DECIMAL(18,2) NOT NULL,
  overdue_balance DECIMAL(18,2) NOT NULL
);
`;
