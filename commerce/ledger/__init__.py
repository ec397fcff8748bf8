"""ledger: the platform's double-entry book. Accounts, journals whose entries sum to zero per currency,
and the posting rules that turn payment, order, wallet and payout facts into journals."""
