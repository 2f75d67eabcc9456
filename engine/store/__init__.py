"""The schema and the database: every table, the engines, the write discipline, lookups."""
