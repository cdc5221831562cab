"""Reports: what people and programs read (JSON Lines, the triage summary, HTML and Word reports)."""
