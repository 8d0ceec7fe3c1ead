"""Placing a row's figures into its table's measure columns.

Three sources of evidence, strongest first: the x position of each figure against the header (PDF),
the cell index (tab/pipe tables, which keep blank cells), and for plain text, where blank cells vanish and
extractors print figures out of order, the consistency rules themselves: among the readings of a line
the one that balances (row identity, then the 合计 = Σ类, 类 = Σ款, 款 = Σ项 tree) is taken, ties going to the
reading closest to print order. Rows placed that way are marked `inferred`.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from .lines import RowDraft, Slot
from .numbers import rounding_tolerance
from .specs import TableSpec

Assignment = dict[str, Decimal | None]


def header_centers(lines, spec: TableSpec) -> dict[str, float]:
    """x centre of each measure's header label on a PDF page (longest matching header word wins)."""
    centers: dict[str, float] = {}
    best: dict[str, int] = {}
    for line in lines:
        for token in line.tokens:
            if token.x0 is None or len(token.text) < 2:
                continue
            for measure in spec.measures:
                for label in measure.labels:
                    score = _prefix_overlap(token.text, label)
                    if score >= min(3, len(label)) and score > best.get(measure.key, 0):
                        best[measure.key] = score
                        centers[measure.key] = token.center
    # Two measures cannot share one header word; keep the one that matched it longest.
    by_center: dict[float, str] = {}
    for key, center in list(centers.items()):
        other = by_center.get(center)
        if other is not None:
            loser = key if best[key] < best[other] else other
            centers.pop(loser, None)
            if loser == other:
                by_center[center] = key
        else:
            by_center[center] = key
    return centers


def _prefix_overlap(word: str, label: str) -> int:
    """Length of the common prefix when the word is a (possibly cut) start of the label, else 0."""
    n = 0
    for a, b in zip(word, label, strict=False):
        if a != b:
            break
        n += 1
    return n if n == len(word) or n == len(label) else 0


def _by_position(slots: list[Slot], keys: list[str], centers: dict[str, float]) -> Assignment:
    """Nearest header centre for each figure; a column already taken passes to the next nearest."""
    out: Assignment = dict.fromkeys(keys)
    placed = [k for k in keys if k in centers]
    for slot in sorted((s for s in slots if s.value is not None), key=lambda s: s.x):
        for key in sorted(placed, key=lambda k: abs(centers[k] - slot.x)):
            if out[key] is None:
                out[key] = slot.value
                break
    return out


def _by_cell(row: RowDraft, keys: list[str]) -> Assignment:
    """Figures of the row's fullest tab/pipe line, by cell after the name; extra leading blanks are spacers."""
    best = max(row.parts, key=lambda p: (len(p.numbers), len(p.slots)))
    slots = [s for s in best.slots if best.name_col is None or s.col > best.name_col]
    while len(slots) > len(keys) and slots[0].value is None:
        slots.pop(0)
    values = [s.value for s in slots[: len(keys)]]
    return dict(zip(keys, values + [None] * (len(keys) - len(values)), strict=True))


def _candidates(slots: list[Slot], keys: list[str], row_identity: bool) -> list[Assignment]:
    """Readings of a plain-text row, best first by (balance, print order, leftmost columns)."""
    n = len(keys)
    if not any(s.value is not None for s in slots):
        return [dict.fromkeys(keys)]
    orders = [list(slots)]
    printed = dict(zip(keys, (s.value for s in slots), strict=False))
    if len(slots) == n and (not row_identity or _row_balances(printed, keys)):
        return [printed]  # every cell printed, in order, and it balances: nothing to infer
    if row_identity:
        for i in range(1, len(slots)):
            orders.append([slots[i]] + slots[:i] + slots[i + 1 :])
    readings: list[tuple[tuple, Assignment]] = []
    for displacement, order in enumerate(orders):
        if len(order) == n:
            subsets = [tuple(range(n))]
        else:
            numbers = [s for s in order if s.value is not None]
            if len(numbers) > n:
                continue
            order = numbers
            rest = itertools.combinations(range(1, n), len(order) - 1) if row_identity else None
            subsets = [(0, *c) for c in rest] if rest is not None else list(itertools.combinations(range(n), len(order)))
        for subset in subsets:
            assignment: Assignment = dict.fromkeys(keys)
            for index, slot in zip(subset, order, strict=True):
                assignment[keys[index]] = slot.value
            balanced = not row_identity or _row_balances(assignment, keys)
            readings.append(((not balanced, displacement, sum(subset)), assignment))
    readings.sort(key=lambda r: r[0])
    unique: list[Assignment] = []
    for _, assignment in readings:
        if assignment not in unique:
            unique.append(assignment)
    if row_identity and unique and _row_balances(unique[0], keys):
        unique = [a for a in unique if _row_balances(a, keys)]
    return unique or [dict.fromkeys(keys)]


def _row_balances(assignment: Assignment, keys: list[str]) -> bool:
    total = assignment[keys[0]] or Decimal(0)
    parts = [assignment[k] for k in keys[1:] if assignment[k] is not None]
    return abs(total - sum(parts, Decimal(0))) <= rounding_tolerance(len(parts))


def _parent_of(row_key: str, present: set[str]) -> str | None:
    if row_key == "合计":
        return None
    if len(row_key) == 3:
        return "合计" if "合计" in present else None
    parent = row_key[: len(row_key) - 2]
    return parent if parent in present else None


def _tree_solve(keys: list[str], row_keys: list[str], options: list[list[Assignment]]) -> list[int]:
    """Pick one reading per row minimising Σ|parent − Σ children| over all columns (coordinate descent)."""
    present = set(row_keys)
    children: dict[str, list[int]] = {}
    parent_index = {k: i for i, k in enumerate(row_keys)}
    for i, key in enumerate(row_keys):
        parent = _parent_of(key, present)
        if parent is not None:
            children.setdefault(parent, []).append(i)
    choice = [0] * len(options)

    def family_error(parent_key: str) -> Decimal:
        kids = children.get(parent_key)
        if not kids or parent_key not in parent_index:
            return Decimal(0)
        parent = options[parent_index[parent_key]][choice[parent_index[parent_key]]]
        error = Decimal(0)
        for key in keys:
            kids_sum = sum((options[i][choice[i]][key] or Decimal(0) for i in kids), Decimal(0))
            error += abs((parent[key] or Decimal(0)) - kids_sum)
        return error

    def local_error(i: int) -> Decimal:
        key = row_keys[i]
        families = {key}
        parent = _parent_of(key, present)
        if parent is not None:
            families.add(parent)
        return sum((family_error(f) for f in families), Decimal(0))

    for _ in range(10):
        changed = False
        for i, opts in enumerate(options):
            if len(opts) < 2:
                continue
            current = choice[i]
            best, best_error = current, local_error(i)
            for j in range(len(opts)):
                if j == current:
                    continue
                choice[i] = j
                error = local_error(i)
                if error < best_error - Decimal("0.0001"):
                    best, best_error = j, error
            choice[i] = best
            changed = changed or best != current
        if not changed:
            break
    return choice


def assign_columns(
    drafts: list[RowDraft], spec: TableSpec, centers: dict[str, float] | None
) -> tuple[list[dict], list[str]]:
    """Place every draft row's figures into the spec's measures; returns rows and warnings."""
    keys = [m.key for m in spec.measures]
    warnings: list[str] = []
    options: list[list[Assignment]] = []
    methods: list[str] = []
    for row in drafts:
        slots = row.slots
        positional = any(p.slots and p.slots[0].col is not None for p in row.parts)
        if centers and slots and all(s.x is not None for s in slots if s.value is not None):
            options.append([_by_position(slots, keys, centers)])
            methods.append("position")
        elif positional:
            options.append([_by_cell(row, keys)])
            methods.append("cell")
        else:
            opts = _candidates(slots, keys, spec.row_identity)
            options.append(opts)
            methods.append("order" if len(opts) == 1 else "inferred")
            if sum(1 for s in slots if s.value is not None) > len(keys):
                warnings.append(
                    f"line {row.first_line.number}: {len(slots)} figures for {len(keys)} columns; extra figures dropped"
                )
    row_keys = [d.code or d.label or f"?{i}" for i, d in enumerate(drafts)]
    choice = _tree_solve(keys, row_keys, options)
    rows = []
    for draft, opts, pick, method in zip(drafts, options, choice, methods, strict=True):
        values = opts[pick]
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
