"""A synthetic corpus of N distinct documents: copies of the real texts with the agency and the year rewritten.

Run: python benchmarks/synthetic_corpus.py N OUT_DIR
The templates are the real texts of ../shared/corpus (the seeds, the external final accounts' text extractions and
the budgets' text extractions). Each copy names a made-up agency (a prefix of stem characters before the real name,
so the name still ends in its organisation word) and moves every year it prints back by 0, 1 or 2, so each
made-up agency has up to three consecutive years of each template: prior-year comparisons have something to
compare with. Amounts are untouched, so every copy reads as its template does. Written to OUT_DIR, never to the project.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("JUESUAN_SHARED") or ROOT.parent / "shared")
STEMS = "甲乙丙丁戊己庚辛壬癸"  # digits of the made-up agency's number: no organisation word among them
# A year: 2010–2029 standing alone (title pages print it on a line of its own), not part of an amount.
_YEAR = re.compile(r"(?<![\d.])(20[12]\d)(?!\d)(?!\.\d)")
YEARS_PER_AGENCY = 3


@dataclass(frozen=True)
class Template:
    """One real text: its words, its agency name as extraction reads it, and its file suffix."""

    name: str
    text: str
    agency: str | None
    suffix: str


def template_paths(shared: Path = SHARED) -> list[Path]:
    """The real texts the copies are made from."""
    corpus = shared / "corpus"
    paths = sorted((corpus / "seeds").glob("*.*"))
    paths += sorted((corpus / "external").glob("*.txt")) + sorted((corpus / "budgets").glob("*.txt"))
    return [p for p in paths if p.suffix in (".txt", ".md") and p.name != "README.md"]


def load_templates(shared: Path = SHARED) -> list[Template]:
    """Read each template and the agency the extractor finds in it (the name to rewrite)."""
    from juesuan.extract.metadata import detect_agency
    from juesuan.extract.readers import read_document

    templates = []
    for path in template_paths(shared):
        text = path.read_text(encoding="utf-8")
        agency = detect_agency(read_document(path))
        templates.append(Template(path.stem, text, agency if agency and agency in text else None, path.suffix))
    if not templates:
        raise FileNotFoundError(f"no real texts under {shared / 'corpus'}")
    return templates


def agency_prefix(number: int) -> str:
    """A made-up county's name for a number: its digits as stem characters, then 县."""
    return "".join(STEMS[int(d)] for d in str(number)) + "县"


def rewrite(template: Template, agency_number: int, year_shift: int) -> str:
    """The template's text naming another agency, with every year moved back by year_shift."""
    text = template.text
    if template.agency:
        text = text.replace(template.agency, agency_prefix(agency_number) + template.agency)
    else:
        # No agency found: still make the copy distinct, on a line of its own that reads as nothing.
        text = f"{agency_prefix(agency_number)}\n{text}"
    if year_shift:
        text = _YEAR.sub(lambda m: str(int(m.group(1)) - year_shift), text)
    return text


def make_corpus(n: int, out_dir: Path, templates: list[Template] | None = None) -> list[Path]:
    """Write n distinct documents into out_dir (created), cycling through the templates."""
    templates = templates or load_templates()
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        template = templates[i % len(templates)]
        copy = i // len(templates)
        agency_number, year_shift = divmod(copy, YEARS_PER_AGENCY)
        path = out_dir / f"{i:06d}_{template.name}{template.suffix}"
        path.write_text(rewrite(template, agency_number, year_shift), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    n, out = int(sys.argv[1]), Path(sys.argv[2])
    paths = make_corpus(n, out)
    print(f"{len(paths)} documents in {out} ({sum(p.stat().st_size for p in paths) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
