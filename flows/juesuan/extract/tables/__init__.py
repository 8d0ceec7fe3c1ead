"""Row parsers, one per row kind of the standard tables."""
