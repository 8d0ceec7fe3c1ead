"""The HTML report over the published warehouse."""
