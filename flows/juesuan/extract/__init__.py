"""From a file in raw/ to an Extraction: readers, table finder, row parsers, prose and performance forms."""
