"""interactions: the append-only log of what people saw and did — the one source analytics and ranking read."""
