"""Placing a row's figures into its table's measure columns.

Three sources of evidence, strongest first: the x position of each figure against the header (PDF),
the cell index (tab/pipe tables, which keep blank cells, mapped by the header), and for plain text, where blank
cells vanish and extractors print figures out of order, the consistency rules themselves. Each plain-text row has
its readings (those that balance the row identity); one reading per row is chosen for the whole table at once, so
that the 合计 = Σ类, 类 = Σ款, 款 = Σ项 tree holds in every column and the cells other tables print agree
(summary lines, the same code's row of a related table). Rows so placed are `solved`; rows that another reading
fits exactly as well stay `inferred`.
"""

from __future__ import annotations

import itertools
import math
import operator
from decimal import Decimal

import numpy as np

from .header import CellHeader
from .lines import RowDraft, Slot
from .numbers import rounding_tolerance
from .specs import TableSpec

Assignment = dict[str, Decimal | None]
# A family's leaf readings tried all together at most this many ways (2 readings each: 12 children).
_MAX_COMBINATIONS = 4096


def _by_position(slots: list[Slot], keys: list[str], centers: dict[str, float]) -> Assignment:
    """Nearest header centre for each figure; a column already taken passes to the next nearest.

    Centres keyed "~…" are printed columns the spec does not keep (年初结转和结余 in a table of expenditure):
    a figure under one is not moved into a neighbouring measure.
    """
    out: Assignment = dict.fromkeys(keys)
    placed = [k for k in keys if k in centers] + [k for k in centers if k.startswith("~")]
    out.update(dict.fromkeys(k for k in centers if k.startswith("~")))
    for slot in sorted((s for s in slots if s.value is not None), key=lambda s: s.x):
        for key in sorted(placed, key=lambda k: abs(centers[k] - slot.x)):
            if out[key] is None:
                out[key] = slot.value
                break
    return out


def _by_cell(row: RowDraft, keys: list[str], cells: dict[int, str] | None = None) -> Assignment | None:
    """Figures of the row's fullest tab/pipe line by the header's cell map; None when a figure stands in a cell the
    map does not name, or two in one heading's span (the converter laid the row's cells out otherwise). Without a
    map, by cell after the name (extra leading blanks are spacers)."""
    best = max(row.parts, key=lambda p: (len(p.numbers), len(p.slots)))
    if cells and best.numbers:
        if not all(s.col in cells for s in best.numbers) or len({cells[s.col] for s in best.numbers}) < len(best.numbers):
            return None
        out: Assignment = dict.fromkeys(keys)
        for slot in best.numbers:
            if cells[slot.col] in out:
                out[cells[slot.col]] = slot.value
        return out
    slots = [s for s in best.slots if best.name_col is None or s.col > best.name_col]
    while len(slots) > len(keys) and slots[0].value is None:
        slots.pop(0)
    values = [s.value for s in slots[: len(keys)]]
    return dict(zip(keys, values + [None] * (len(keys) - len(values)), strict=True))


def _candidates(slots: list[Slot], keys: list[str], sums: list[tuple[str, list[str]]]) -> list[Assignment]:
    """Readings of a plain-text row, best first by (balance, print order, leftmost columns)."""
    n = len(keys)
    row_identity = bool(sums)
    # Only a first-column total (final accounts) is known to be printed on every row; budget sums are nested.
    total_first = row_identity and sums[0][0] == keys[0] and len(sums) == 1
    if not any(s.value is not None for s in slots):
        return [dict.fromkeys(keys)]
    if any(s.unreadable for s in slots) or (len(slots) == n and any(s.value is not None and s.value < 0 for s in slots)):
        # A cell nobody can read stays empty, in print order: never filled in by what would balance the row. A
        # negative in a fully printed row is read where it stands: moving figures around it can always "balance".
        return [dict(zip(keys, [s.value for s in slots][:n] + [None] * (n - len(slots)), strict=True))]
    orders = [list(slots)]
    printed = dict(zip(keys, (s.value for s in slots), strict=False))
    if len(slots) == n and (not row_identity or _row_balances(printed, sums)):
        return [printed]  # every cell printed, in order, and it balances: nothing to infer
    if total_first:
        for i in range(1, len(slots)):
            orders.append([slots[i]] + slots[:i] + slots[i + 1 :])
    readings: list[tuple[tuple, Assignment]] = []
    for displacement, order in enumerate(orders):
        if len(order) == n:
            subsets = [tuple(range(n))]
        else:
            numbers = [s for s in order if s.value is not None]
            if len(numbers) > n and row_identity:
                # More figures than kept columns (政府采购 columns printed after them): the first ones, in print
                # order, when they balance the row on their own; the rest are columns the spec does not keep.
                head = dict(zip(keys, (s.value for s in numbers[:n]), strict=True))
                if displacement == 0 and _row_balances(head, sums):
                    readings.append(((False, 0, 0), head))
                continue
            # Without an identity to check, figures beyond the kept columns are columns the spec does not keep
            # (a budget's 收入总表 per unit: 合计 first, then its sources): print order decides.
            order = numbers[:n]
            rest = itertools.combinations(range(1, n), len(order) - 1) if total_first else None
            subsets = [(0, *c) for c in rest] if rest is not None else list(itertools.combinations(range(n), len(order)))
        for subset in subsets:
            assignment: Assignment = dict.fromkeys(keys)
            for index, slot in zip(subset, order, strict=True):
                assignment[keys[index]] = slot.value
            balanced = not row_identity or _row_balances(assignment, sums)
            readings.append(((not balanced, displacement, sum(subset)), assignment))
    readings.sort(key=lambda r: r[0])
    unique: list[Assignment] = []
    for _, assignment in readings:
        if assignment not in unique:
            unique.append(assignment)
    if row_identity and unique and _row_balances(unique[0], sums):
        unique = [a for a in unique if _row_balances(a, sums)]
    return unique or [dict.fromkeys(keys)]


def _row_balances(assignment: Assignment, sums: list[tuple[str, list[str]]]) -> bool:
    """Every row identity holds: each total equals the sum of its printed parts. A sub-total left blank while its
    parts are printed is their sum (基本支出 heading 人员支出 | 日常公用支出 with no column of its own)."""
    values = dict(assignment)
    for total_key, part_keys in reversed(sums):  # nested sums are listed after the sums they are part of
        parts = [values[k] for k in part_keys if values[k] is not None]
        if values[total_key] is None and parts and total_key != sums[0][0]:
            values[total_key] = sum(parts, Decimal(0))
    for total_key, part_keys in sums:
        parts = [values[k] for k in part_keys if values[k] is not None]
        total = values[total_key] or Decimal(0)
        if abs(total - sum(parts, Decimal(0))) > rounding_tolerance(len(parts)):
            return False
    return True


def _parent_of(row_key: str, present: set[str]) -> str | None:
    if row_key == "合计":
        return None
    if len(row_key) == 3:
        return "合计" if "合计" in present else None
    parent = row_key[: len(row_key) - 2]
    return parent if parent in present else None


Evidence = dict[tuple[str, str], Decimal]


def _milli(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 1000)


def _cheapest_combination(figures: list[list[tuple[int, ...]]], costs: list[list[tuple[int, int]]],
                          rest: list[int], current: tuple[int, ...]) -> tuple[int, ...]:
    """The readings of a family's open children (one per child) that cost least: Σ|rest − Σ their figures| over
    the columns plus the error inside their subtrees, then the misses. Every combination is costed at once as
    arrays (a family may have thousands); of equals, `current` is kept, else the first in itertools.product order.

    figures[k][j]: child k's figures under its reading j; costs[k][j]: (error, misses) inside its subtree.
    """
    largest = max([abs(v) for reading in figures for row in reading for v in row] + [abs(v) for v in rest] +
                  [e for reading in costs for e, _ in reading])
    # Thousandths as int64 while no sum of them can overflow; a figure nobody could print stays exact as objects.
    dtype = np.int64 if largest * (len(figures) + 2) * (len(rest) + 1) < 2**62 else object
    sums = np.zeros((1, len(rest)), dtype=dtype)
    errors = np.zeros(1, dtype=dtype)
    misses = np.zeros(1, dtype=np.int64)
    for child_figures, child_costs in zip(figures, costs, strict=True):
        # The last child varies fastest, as in itertools.product.
        sums = (sums[:, None, :] + np.array(child_figures, dtype=dtype)[None, :, :]).reshape(-1, len(rest))
        errors = (errors[:, None] + np.array([e for e, _ in child_costs], dtype=dtype)[None, :]).reshape(-1)
        misses = (misses[:, None] + np.array([m for _, m in child_costs], dtype=np.int64)[None, :]).reshape(-1)
    errors = errors + np.abs(np.array(rest, dtype=dtype)[None, :] - sums).sum(axis=1)
    least = errors.min()
    fewest = misses[errors == least].min()
    at = int(np.ravel_multi_index(current, [len(f) for f in figures]))
    if errors[at] == least and misses[at] == fewest:
        return current
    first = int(np.flatnonzero((errors == least) & (misses == fewest))[0])
    return tuple(int(j) for j in np.unravel_index(first, [len(f) for f in figures]))


class _TreeProblem:
    """One table's readings, the 合计 = Σ类, 类 = Σ款, 款 = Σ项 families, and what other tables print.

    The cost of a choice of readings is (Σ|parent − Σ children| over every family and column plus
    Σ|cell − the figure another table prints for it|, the number of cells that differ from the same row of a
    related table): the second part only breaks ties.
    """

    def __init__(self, keys, row_keys, options, evidence: Evidence, hints: Evidence):
        self.keys, self.row_keys, self.options = keys, row_keys, options
        present = set(row_keys)
        self.parent = [_parent_of(k, present) if not k.startswith("?") else None for k in row_keys]
        self.index = {k: i for i, k in enumerate(row_keys)}
        self.children: dict[str, list[int]] = {}
        for i, parent in enumerate(self.parent):
            if parent is not None:
                self.children.setdefault(parent, []).append(i)
        # Figures as integer thousandths, one tuple per reading, in the order of `keys`: sums stay exact and fast.
        self.values = [[tuple(_milli(o[k]) for k in keys) for o in opts] for opts in options]
        column = {k: c for c, k in enumerate(keys)}
        self.evidence = {(self.index[r], column[m]): _milli(v) for (r, m), v in evidence.items()
                         if r in self.index and m in column}
        self.hints = {(self.index[r], column[m]): _milli(v) for (r, m), v in hints.items()
                      if r in self.index and m in column}
        self.descendants = [self._descendants(k) for k in row_keys]
        # Each family's error by the readings of its parent and children (the search asks for the same ones many
        # times over): one memo per family, keyed by the parent's reading and its children's, picked in one call.
        self._family_errors: dict[str, dict] = {key: {} for key in self.children}
        self._kids_readings = {key: operator.itemgetter(*kids) for key, kids in self.children.items()}

    def _descendants(self, key: str) -> list[int]:
        out, queue = [], list(self.children.get(key, []))
        while queue:
            i = queue.pop(0)
            out.append(i)
            queue.extend(self.children.get(self.row_keys[i], []))
        return out

    def family_error(self, choice: list[int], parent_key: str) -> int:
        kids = self.children.get(parent_key)
        if not kids:
            return 0
        p = self.index[parent_key]
        memo, memo_key = self._family_errors[parent_key], (choice[p], self._kids_readings[parent_key](choice))
        error = memo.get(memo_key)
        if error is None:
            parent = self.values[p][choice[p]]
            rows = [self.values[i][choice[i]] for i in kids]
            error = sum(abs(p - sum(column)) for p, column in zip(parent, zip(*rows, strict=True), strict=True))
            memo[memo_key] = error
        return error

    def cost(self, choice: list[int]) -> tuple[int, int]:
        error = sum(self.family_error(choice, k) for k in self.children)
        for (i, c), value in self.evidence.items():
            error += abs(self.values[i][choice[i]][c] - value)
        misses = sum(1 for (i, c), value in self.hints.items() if self.values[i][choice[i]][c] != value)
        return error, misses

    def move(self, choice: list[int], i: int, j: int) -> list[int]:
        """Row i takes reading j and its descendants follow, each taking the reading that best fits its parent."""
        new = list(choice)
        new[i] = j
        for d in self.descendants[i]:
            if len(self.options[d]) < 2:
                continue
            parent_key = self.parent[d]
            best, best_error = new[d], None
            for k in range(len(self.options[d])):
                new[d] = k
                error = self.family_error(new, parent_key)
                if best_error is None or error < best_error:
                    best, best_error = k, error
            new[d] = best
        return new

    def _unsettled(self, choice: list[int], open_rows: list[int]) -> list[int]:
        """Rows worth moving: in a family that does not add up (as parent or child, or below such a parent), or
        disagreeing with what another table prints."""
        wrong = {k for k in self.children if self.family_error(choice, k)}
        marked = {i for (i, c), v in list(self.evidence.items()) + list(self.hints.items())
                  if self.values[i][choice[i]][c] != v}
        out = []
        for i in open_rows:
            key, parent = self.row_keys[i], self.parent[i]
            ancestors, p = set(), parent
            while p is not None:
                ancestors.add(p)
                p = self.parent[self.index[p]]
            if key in wrong or parent in wrong or ancestors & wrong or i in marked:
                out.append(i)
        return out

    def solve(self) -> tuple[list[int], list[bool]]:
        """The cheapest choice found by moving one subtree at a time, and which rows another reading fits as well."""
        choice = [0] * len(self.options)
        cost = self.cost(choice)
        open_rows = [i for i, opts in enumerate(self.options) if len(opts) > 1]
        for _ in range(12):
            improved = False
            if cost == (0, 0):
                break
            for i in self._unsettled(choice, open_rows):
                here = self.local_cost(choice, i)
                for j in range(len(self.options[i])):
                    if j == choice[i]:
                        continue
                    candidate = self.move(choice, i, j)
                    moved = self.local_cost(candidate, i)
                    if moved < here:
                        choice, here, improved = candidate, moved, True
            cost = self.cost(choice)
            if not improved:
                break
        if cost != (0, 0):
            choice = self._settle_families(choice)
        ambiguous = [False] * len(self.options)
        for i in open_rows:
            here = self.local_cost(choice, i)
            for j in range(len(self.options[i])):
                if j != choice[i] and self.options[i][j] != self.options[i][choice[i]]:
                    if self.local_cost(self.move(choice, i, j), i) <= here:
                        ambiguous[i] = True
                        break
        return choice, ambiguous

    def _settle_families(self, choice: list[int]) -> list[int]:
        """Families that still do not add up: every combination of their children's readings, when few, each child's
        subtree following it.

        Moving one row at a time can stop short: a 项 that alone takes the other column may lower the error while
        the right reading needs all its siblings moved at once (行政运行 basic, the rest project); two 类 that each
        print one figure (210 卫生健康支出 610.90 610.90, 215 … 371.13 371.13) may have to swap columns together.
        """
        for parent_key, kids in self.children.items():
            if not self.family_error(choice, parent_key):
                continue
            open_kids = [i for i in kids if len(self.options[i]) > 1]
            if not open_kids or math.prod(len(self.options[i]) for i in open_kids) > _MAX_COMBINATIONS:
                continue
            # The children's subtrees are disjoint: each child's reading, its subtree following it, is worked out
            # (with the cost inside that subtree) once, and a combination only adds the parent's family to those.
            patches, inner = {}, {}
            for i in open_kids:
                for j in range(len(self.options[i])):
                    moved = self.move(choice, i, j) if self.descendants[i] else [*choice[:i], j, *choice[i + 1:]]
                    rows = [i, *self.descendants[i]]
                    patches[i, j] = [(r, moved[r]) for r in rows]
                    inner[i, j] = self._subtree_cost(moved, rows)
            # What the parent prints less its children of one reading: the open children's readings make up the rest.
            p = self.index[parent_key]
            rest = list(self.values[p][choice[p]])
            for i in kids:
                if len(self.options[i]) <= 1:
                    rest = [r - v for r, v in zip(rest, self.values[i][choice[i]], strict=True)]
            figures = [[self.values[i][j] for j in range(len(self.options[i]))] for i in open_kids]
            costs = [[inner[i, j] for j in range(len(self.options[i]))] for i in open_kids]
            current = tuple(choice[i] for i in open_kids)
            best = _cheapest_combination(figures, costs, rest, current)
            if best != current:
                choice = list(choice)
                for i, j in zip(open_kids, best, strict=True):
                    for r, k in patches[i, j]:
                        choice[r] = k
        return choice

    def _subtree_cost(self, choice: list[int], rows: list[int]) -> tuple[int, int]:
        """The families below the rows' top and what other tables print for the rows: error and misses."""
        families = {self.row_keys[r] for r in rows if self.row_keys[r] in self.children}
        inside = set(rows)
        error = sum(self.family_error(choice, k) for k in families)
        error += sum(abs(self.values[r][choice[r]][c] - v) for (r, c), v in self.evidence.items() if r in inside)
        misses = sum(1 for (r, c), v in self.hints.items() if r in inside and self.values[r][choice[r]][c] != v)
        return error, misses

    def local_cost(self, choice: list[int], i: int) -> tuple[int, int]:
        """The part of the cost a move of row i's subtree can change: its parent's family and those below it."""
        rows = [i, *self.descendants[i]]
        families = {self.row_keys[r] for r in rows if self.row_keys[r] in self.children}
        if self.parent[i] is not None:
            families.add(self.parent[i])
        error = sum(self.family_error(choice, k) for k in families)
        inside = set(rows)
        error += sum(abs(self.values[r][choice[r]][c] - v) for (r, c), v in self.evidence.items() if r in inside)
        misses = sum(1 for (r, c), v in self.hints.items() if r in inside and self.values[r][choice[r]][c] != v)
        return error, misses


def assign_columns(
    drafts: list[RowDraft],
    spec: TableSpec,
    centers: dict[str, float] | None,
    evidence: Evidence | None = None,
    hints: Evidence | None = None,
    headers: list[CellHeader] | None = None,
) -> tuple[list[dict], list[str]]:
    """Place every draft row's figures into the spec's measures; returns rows and warnings.

    `evidence` holds cells another table prints (row key, measure) → figure; `hints` the same row of a related
    table; `headers` a tab/pipe table's headers (the measure of each cell index), each in force from its line on.
    """
    keys = [m.key for m in spec.measures]
    warnings: list[str] = []
    options: list[list[Assignment]] = []
    methods: list[str] = []
    for row in drafts:
        slots = row.slots
        positional = any(p.slots and p.slots[0].col is not None for p in row.parts)
        header = next((h for h in reversed(headers or []) if h.start <= row.first_line.number), None)
        cells, width = (header.columns, header.width) if header else (None, None)
        by_cell = _by_cell(row, keys, cells) if positional else None
        if positional and (by_cell is None or width and any(p.width and p.width != width
                                                            for p in row.parts if p.numbers)):
            # A row printing figures up to another cell than the header's last (a converter dropped a column
            # blank on that page), or in cells its header does not name: its cells are not the header's, and its
            # figures are placed as in plain text, by the table's identities.
            positional = False
            slots = [s for s in slots if s.value is not None or s.text]
        if centers and slots and all(s.x is not None for s in slots if s.value is not None):
            options.append([_by_position(slots, keys, centers)])
            methods.append("position")
        elif positional:
            options.append([by_cell])
            methods.append("cell")
        else:
            opts = _candidates(slots, keys, spec.sums(keys))
            options.append(opts)
            methods.append("order" if len(opts) == 1 else "inferred")
            if sum(1 for s in slots if s.value is not None) > len(keys):
                warnings.append(
                    f"line {row.first_line.number}: {len(slots)} figures for {len(keys)} columns; extra figures dropped"
                )
    row_keys = [d.code or d.label or f"?{i}" for i, d in enumerate(drafts)]
    # A key printed twice (a continuation page's copy) is one node of the tree: the copies are not its children.
    # The node is the first copy printing figures (a 合计 label may stand in a header, its figures further down).
    seen: dict[str, int] = {}
    for i, key in enumerate(row_keys):
        if key not in seen:
            seen[key] = i
        elif drafts[i].has_numbers() and not drafts[seen[key]].has_numbers():
            row_keys[seen[key]], seen[key] = f"?{seen[key]}", i
        else:
            row_keys[i] = f"?{i}"
    problem = _TreeProblem(keys, row_keys, options, evidence or {}, hints or {})
    choice, ambiguous = problem.solve()
    rows = []
    for i, (draft, opts, pick, method) in enumerate(zip(drafts, options, choice, methods, strict=True)):
        values = {k: v for k, v in opts[pick].items() if not k.startswith("~")}
        if method == "inferred" and not ambiguous[i]:
            method = "solved"  # one reading fits the table's identities and the other tables: nothing left to guess
        texts = {s.value: s.text for s in draft.slots if s.value is not None}
        rows.append(
            {
                "code": draft.code,
                "name": draft.name,
                **values,
                "printed": {k: texts.get(v) for k, v in values.items() if v is not None},
                "source_line": draft.first_line.number,
                "page": draft.first_line.page,
                "placement": method,
            }
        )
    return rows, warnings
