// Postgres helpers
