"""AWS constructs, one per file, grouped by layer."""
