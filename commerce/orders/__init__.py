"""orders (was order-service): idempotent checkout, one order per seller, the order state machine, tracking."""
