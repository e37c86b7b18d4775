"""Live edge: feeds, paper broker, order manager, idempotency, circuit breaker, ledger."""
