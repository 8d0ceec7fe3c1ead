"""Reading a query's rows grouped by a key, a batch at a time: memory holds one key's rows, whatever the warehouse's
size."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb


def grouped(con: duckdb.DuckDBPyConnection, sql: str, key: str, params=None,
            tuples: bool = False) -> Iterator[tuple[str, list]]:
    """(key, rows) of a query ordered by key, streamed in batches: only one key's rows are held at a time. Rows are
    dicts, or with `tuples` tuples in the query's column order (a dict per row was most of the time of reading a
    document's hundreds of printed figures)."""
    reader = con.cursor().sql(sql, params=params).to_arrow_reader(10_000)
    current, rows = None, []
    for batch in reader:
        if tuples:
            columns = [column.to_pylist() for column in batch.columns]
            keyed = zip(columns[batch.schema.get_field_index(key)], zip(*columns, strict=True), strict=True)
        else:
            keyed = ((row[key], row) for row in batch.to_pylist())
        for value, row in keyed:
            if value != current:
                if rows:
                    yield current, rows
                current, rows = value, []
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
