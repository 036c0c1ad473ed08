// Small answers shaped like the demo server's (copied shapes, made-up figures).
export const sleeves = [
  {
    id: 1, name: "demo-max_sharpe", cash: "19862.22", reserved: "0", free_float: "19862.22", realized_pnl: "0",
    positions: [
      { symbol: "JNJ", qty: "100", qty_reserved: "0", avg_cost: "170", cost: "17000", price: "174", market_value: "17400", unrealized_pnl: "400" },
    ],
  },
  { id: 2, name: "demo-min_variance", cash: "1000000", reserved: "0", free_float: "1000000", realized_pnl: "0", positions: [] },
];

export const totals = {
  cash: "1019862.22", reserved: "0", free_float: "1019862.22", realized_pnl: "0", sleeves: 2,
  open_reservations: 0, seq: 9, account_cash: "5019862.22", unallocated: "4000000",
};

export const strategies = [
  { id: 1, name: "demo-max_sharpe", sleeve_id: 1, universe: ["JNJ"], scheme: "max_sharpe", params: {}, schedule: "30 15 * * 1-5", order: {}, created_at: "2026-01-01T00:00:00Z" },
  { id: 2, name: "demo-min_variance", sleeve_id: 2, universe: ["JNJ"], scheme: "min_variance", params: {}, schedule: null, order: {}, created_at: "2026-01-01T00:00:00Z" },
];

export const securities = [{ symbol: "JNJ", name: "Johnson & Johnson", sector: "Health Care", industry: "Pharma", first_date: "1990-01-02", last_date: "2022-12-28" }];

export const prices = {
  rows: [
    { symbol: "JNJ", date: "2022-12-27", close: 172 },
    { symbol: "JNJ", date: "2022-12-28", close: 174 },
  ],
};

export const orders = [
  { id: 7, client_order_id: "pas-1-a", strategy_id: 1, sleeve_id: 1, symbol: "JNJ", side: "buy", type: "limit", qty: "100", limit_price: "175", status: "new", filled_qty: "0", filled_avg_price: null, note: null, created_at: "2026-01-02T10:00:00Z", updated_at: "2026-01-02T10:00:00Z" },
];
