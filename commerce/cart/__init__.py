"""cart (was cart-service): the buyer's cart with price snapshots and stock checks, grouped by seller."""
