/**
 * The product catalogue with the economics the generator prices transactions and
 * balances with. Rates are per CNY transacted; amounts are for an ordinary personal
 * customer and scale with value tier and customer type.
 */
export const PRODUCT_LINES = ['Deposits', 'Loans', 'Cards', 'Wealth Management', 'Insurance'] as const;
export type ProductLine = (typeof PRODUCT_LINES)[number];

/** How a product shows up in the month-end account snapshot, if it is held as an account. */
export type AccountShape =
  | { kind: 'funds'; weight: number; scale: number }
  | { kind: 'loan'; weight: number; scale: number; termMonths: number }
  | { kind: 'card'; weight: number; scale: number };

export interface Product {
  productId: number;
  productName: string;
  productLine: ProductLine;
  /** Relative share of personal and of corporate customers' transactions. */
  personal: number;
  corporate: number;
  amount: number;
  feeRate: number;
  interestRate: number;
  costRate: number;
  account?: AccountShape;
}

type Entry = Omit<Product, 'productId' | 'productLine'>;

const CATALOGUE: Record<ProductLine, readonly Entry[]> = {
  Deposits: [
    { productName: 'Demand Deposit', personal: 30, corporate: 35, amount: 3_000, feeRate: 0.0004, interestRate: 0.004, costRate: 0.0015, account: { kind: 'funds', weight: 10, scale: 0.3 } },
    { productName: 'Time Deposit 3M', personal: 4, corporate: 3, amount: 20_000, feeRate: 0, interestRate: 0.005, costRate: 0.0005, account: { kind: 'funds', weight: 3, scale: 0.8 } },
    { productName: 'Time Deposit 1Y', personal: 5, corporate: 4, amount: 50_000, feeRate: 0, interestRate: 0.007, costRate: 0.0005, account: { kind: 'funds', weight: 4, scale: 1 } },
    { productName: 'Time Deposit 3Y', personal: 3, corporate: 2, amount: 80_000, feeRate: 0, interestRate: 0.009, costRate: 0.0005, account: { kind: 'funds', weight: 2, scale: 1.5 } },
    { productName: 'Large-Denomination CD', personal: 0.5, corporate: 4, amount: 200_000, feeRate: 0, interestRate: 0.005, costRate: 0.0003, account: { kind: 'funds', weight: 1, scale: 3 } },
  ],
  Loans: [
    { productName: 'Mortgage', personal: 5, corporate: 0, amount: 6_000, feeRate: 0, interestRate: 0.06, costRate: 0.012, account: { kind: 'loan', weight: 3, scale: 12, termMonths: 360 } },
    { productName: 'Consumer Loan', personal: 4, corporate: 0, amount: 2_500, feeRate: 0.002, interestRate: 0.12, costRate: 0.05, account: { kind: 'loan', weight: 3, scale: 1, termMonths: 36 } },
    { productName: 'Auto Loan', personal: 2, corporate: 0, amount: 4_000, feeRate: 0, interestRate: 0.08, costRate: 0.025, account: { kind: 'loan', weight: 1.5, scale: 2.5, termMonths: 60 } },
    { productName: 'Business Loan', personal: 0.5, corporate: 12, amount: 40_000, feeRate: 0.003, interestRate: 0.05, costRate: 0.02, account: { kind: 'loan', weight: 2, scale: 6, termMonths: 60 } },
  ],
  Cards: [
    { productName: 'Debit Card', personal: 15, corporate: 0, amount: 300, feeRate: 0.003, interestRate: 0, costRate: 0.001 },
    { productName: 'Credit Card Classic', personal: 10, corporate: 0, amount: 500, feeRate: 0.006, interestRate: 0.03, costRate: 0.012, account: { kind: 'card', weight: 4, scale: 0.5 } },
    { productName: 'Credit Card Gold', personal: 5, corporate: 0, amount: 1_200, feeRate: 0.006, interestRate: 0.025, costRate: 0.01, account: { kind: 'card', weight: 2, scale: 1 } },
    { productName: 'Credit Card Platinum', personal: 2, corporate: 0, amount: 3_000, feeRate: 0.007, interestRate: 0.02, costRate: 0.008, account: { kind: 'card', weight: 1, scale: 2 } },
    { productName: 'Corporate Card', personal: 0, corporate: 6, amount: 5_000, feeRate: 0.005, interestRate: 0.01, costRate: 0.006, account: { kind: 'card', weight: 1, scale: 1 } },
  ],
  'Wealth Management': [
    { productName: 'Money Market Fund', personal: 4, corporate: 6, amount: 20_000, feeRate: 0.002, interestRate: 0, costRate: 0.0005, account: { kind: 'funds', weight: 3, scale: 0.8 } },
    { productName: 'Bond Fund', personal: 2, corporate: 3, amount: 50_000, feeRate: 0.005, interestRate: 0, costRate: 0.001, account: { kind: 'funds', weight: 2, scale: 1.5 } },
    { productName: 'Equity Fund', personal: 2, corporate: 1, amount: 50_000, feeRate: 0.012, interestRate: 0, costRate: 0.002, account: { kind: 'funds', weight: 2, scale: 1.5 } },
    { productName: 'Structured Deposit', personal: 1, corporate: 3, amount: 100_000, feeRate: 0.003, interestRate: 0.004, costRate: 0.001, account: { kind: 'funds', weight: 1, scale: 3 } },
    { productName: 'Private Banking Portfolio', personal: 0.3, corporate: 0.5, amount: 300_000, feeRate: 0.01, interestRate: 0, costRate: 0.002, account: { kind: 'funds', weight: 0.5, scale: 10 } },
  ],
  Insurance: [
    { productName: 'Life Insurance', personal: 2, corporate: 0, amount: 8_000, feeRate: 0.08, interestRate: 0, costRate: 0.01 },
    { productName: 'Health Insurance', personal: 2, corporate: 0, amount: 3_000, feeRate: 0.1, interestRate: 0, costRate: 0.015 },
    { productName: 'Property Insurance', personal: 1, corporate: 3, amount: 5_000, feeRate: 0.06, interestRate: 0, costRate: 0.01 },
    { productName: 'Annuity', personal: 1, corporate: 0, amount: 50_000, feeRate: 0.03, interestRate: 0, costRate: 0.003 },
  ],
};

export const PRODUCTS: readonly Product[] = PRODUCT_LINES.flatMap((productLine) =>
  CATALOGUE[productLine].map((entry) => ({ ...entry, productLine })),
).map((product, index) => ({ productId: index + 1, ...product }));

export const TXN_TYPES = ['deposit', 'withdrawal', 'transfer', 'payment', 'loan_repayment', 'purchase'] as const;
export type TxnType = (typeof TXN_TYPES)[number];

/** Which kinds of transaction each line sees, and how often. */
export const TXN_TYPE_MIX: Record<ProductLine, readonly (readonly [TxnType, number])[]> = {
  Deposits: [['deposit', 35], ['withdrawal', 30], ['transfer', 35]],
  Loans: [['loan_repayment', 90], ['payment', 10]],
  Cards: [['purchase', 75], ['payment', 20], ['withdrawal', 5]],
  'Wealth Management': [['purchase', 60], ['transfer', 40]],
  Insurance: [['payment', 90], ['purchase', 10]],
};
