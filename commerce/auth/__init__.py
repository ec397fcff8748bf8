"""auth (was auth-service): accounts, credentials, roles, tokens and login throttling."""
