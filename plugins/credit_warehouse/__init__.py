"""Credit data warehouse: feeds, gates, marts and publishing for a public credit platform."""
