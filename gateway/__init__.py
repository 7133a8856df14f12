"""recording-gateway: one GraphQL API over call recordings at several providers."""
