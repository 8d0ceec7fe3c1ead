"""Data quality: the rule catalog, the checks, the Great Expectations suites and the data docs."""
