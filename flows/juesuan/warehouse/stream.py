"""Reading a query's rows grouped by a key, a batch at a time: memory holds one key's rows, whatever the warehouse's
size."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb


def grouped(con: duckdb.DuckDBPyConnection, sql: str, key: str, params=None) -> Iterator[tuple[str, list[dict]]]:
    """(key, rows) of a query ordered by key, streamed in batches: only one key's rows are held at a time."""
    reader = con.cursor().sql(sql, params=params).to_arrow_reader(10_000)
    current, rows = None, []
    for batch in reader:
        for row in batch.to_pylist():
            if row[key] != current:
                if rows:
                    yield current, rows
                current, rows = row[key], []
            rows.append(row)
    if rows:
        yield current, rows


class Follow:
    """Rows of a stream grouped by key, handed out key by key as the keys are asked for in the same order."""

    def __init__(self, groups: Iterator[tuple[str, list[dict]]]):
        self.groups = groups
        self.ahead = next(groups, None)

    def take(self, key: str) -> list[dict]:
        """The rows of `key` (none when the stream has none); keys must be asked for in ascending order."""
        while self.ahead is not None and self.ahead[0] < key:
            self.ahead = next(self.groups, None)
        if self.ahead is not None and self.ahead[0] == key:
            rows, self.ahead = self.ahead[1], next(self.groups, None)
            return rows
        return []
