"""Loading extractions into DuckDB, building the dbt models, publishing, run history and read-only queries."""
