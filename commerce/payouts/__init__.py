"""payouts (part of the former seller-service): sellers withdraw their available balance; admins
approve or reject, then mark the bank transfer paid. Each step is a ledger movement."""
