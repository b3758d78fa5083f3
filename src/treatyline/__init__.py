"""treatyline."""
