"""inventory (was warehouse-service): warehouses, stock per variant, reservations with expiry, the stock ledger."""
