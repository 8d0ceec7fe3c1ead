"""Bounded work per document: a time and a memory budget in killable worker processes, and a fuzz sample."""

import os
import shutil
import sys
from pathlib import Path

import pytest
from conftest import LECHANG_2020, SHAOGUAN_2024, external_file
from juesuan.extract.guarded import GuardedExtractor, Limits, load_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import fuzz  # noqa: E402


def test_limits_come_from_the_environment(monkeypatch):
    assert load_limits() == Limits(120.0, 1536)
    monkeypatch.setenv("JUESUAN_DOC_TIMEOUT", "7.5")
    monkeypatch.setenv("JUESUAN_DOC_MEMORY_MB", "800")
    assert load_limits() == Limits(7.5, 800)


def test_a_document_past_its_time_is_reported_and_the_next_one_extracts(tmp_path):
    # 31 pages: about 0.2 s of work on a quiet machine (0.3 s was once enough to time it out), never 0.02 s.
    pdf = external_file("佛山市轨道交通局_2019_部门决算", ".pdf")
    with GuardedExtractor(1, Limits(timeout_s=0.02)) as extractor:
        slow = extractor.run(pdf)
        extractor.limits = Limits(timeout_s=120)  # the killed worker's replacement takes the next document
        after = extractor.run(LECHANG_2020)
    assert slow.status == "timeout" and slow.extraction.fatal
    assert [(p.code, p.message) for p in slow.extraction.problems] == [(
        "timeout", "extraction took longer than the per-document budget of 0.02 s (JUESUAN_DOC_TIMEOUT); stopped, "
                   "not loaded")]
    assert after.status == "ok" and after.extraction.document["agency"] == "乐昌市行政服务中心"


def test_a_deflate_bomb_is_stopped_at_the_memory_budget(tmp_path):
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(fuzz.deflate_bomb(inflated_mb=512))
    assert bomb.stat().st_size < 2_000_000
    with GuardedExtractor(1, Limits(timeout_s=300, memory_mb=300)) as extractor:
        outcome = extractor.run(bomb)
        after = extractor.run(SHAOGUAN_2024)
    assert outcome.status == "memory", outcome
    assert [p.code for p in outcome.extraction.problems] == ["memory"]
    assert "more than the per-document memory budget of 300 MB" in outcome.extraction.problems[0].message
    assert after.status == "ok" and after.extraction.document["fiscal_year"] == 2024
    assert after.peak_rss_mb < 300


def test_a_file_removed_after_discovery_and_a_name_that_is_not_utf8(tmp_path):
    gone = tmp_path / "gone.txt"
    odd = Path(os.fsdecode(os.fsencode(tmp_path) + b"/\xff\xfe-report.txt"))
    shutil.copy(LECHANG_2020, odd)
    with GuardedExtractor(1) as extractor:
        missing = extractor.run(gone)
        named = extractor.run(odd)
    assert [(p.code, p.severity) for p in missing.extraction.problems] == [("file_missing", "error")]
    assert named.status == "ok" and named.extraction.document["agency"] == "乐昌市行政服务中心"


@pytest.mark.skipif(not fuzz.CORPUS.is_dir(), reason="the shared corpus is not beside the checkout")
def test_a_seeded_fuzz_sample_gives_no_traceback(tmp_path):
    summary = fuzz.run(40, seed=7, limits=Limits(timeout_s=120), workers=1, keep=None, log=None, bomb_every=0)
    assert summary["tried"] == 40
    assert [(f["input"], f["what"], f["traceback"]) for f in summary["failures"] if f["status"] in ("error", "crashed")] == []
    assert summary["crashed"] == 0 and summary["ok"] + summary["timed_out"] == 40


def test_a_page_pdfium_cannot_load_is_a_corrupt_pdf_not_a_traceback(tmp_path):
    # Found by the fuzz sample: scrambled xref offsets and flipped bytes in a real budget PDF.
    import random

    from juesuan.extract.document import extract_file

    budget = fuzz.CORPUS / "budgets" / "上海市普陀区人民政府万里街道办事处_2025_部门预算.pdf"
    if not budget.is_file():
        pytest.skip(f"{budget} is missing")
    rng = random.Random(0)
    path = tmp_path / "damaged.pdf"
    path.write_bytes(fuzz.flip_bytes(fuzz.pdf_scramble_xref(budget.read_bytes(), rng), rng))
    result = extract_file(path)
    assert [(p.code, p.message) for p in result.problems] == [
        ("unreadable_file", "corrupt PDF: PdfiumError: Failed to load page.")]
