"""wallet (was wallet-service): the buyer's LAKOO wallet, an account on the ledger — credited by
refunds (and support goodwill), spent at checkout whole or split with another payment method."""
