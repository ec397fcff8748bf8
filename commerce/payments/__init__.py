"""payments (was payment-service): payment intents, providers (a built-in test mode), signed webhooks, refunds."""
