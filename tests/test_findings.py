"""Findings people can act on: the real errors of the 普陀区财政局 report located on their page, misreadings kept
apart as suspect_extraction, the whole-document rules caught on doctored copies at the right page (and nothing
else), GX results naming rule and documents, annotated PDFs."""

from decimal import Decimal as D

import duckdb
import pytest
from conftest import FOSHAN, PUTUO, SHAOGUAN_2024, build_warehouse, external_file

PUTUO_PDF = f"{PUTUO}.pdf"
PUTUO_TEXT = f"{PUTUO}.pymupdf.txt"


def query(warehouse, sql, params=None):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def doctor(text: str, old: str, new: str, count: int = 1) -> str:
    """Replace the first `count` occurrences of a printed passage, checking it is there first."""
    assert text.count(old) >= count, old
    return text.replace(old, new, count)


def drop_between(text: str, start: str, end: str) -> str:
    """Remove the printed lines from the one holding `start` up to (not including) the one holding `end`."""
    lines = text.split("\n")
    first = next(i for i, line in enumerate(lines) if start in line and i > 100)  # past the contents page
    last = next(i for i, line in enumerate(lines) if end in line and i > first)
    page_breaks = "".join(line.count("\f") * "\f" for line in lines[first:last])  # the pages stay numbered
    return "\n".join(lines[:first] + ([page_breaks] if page_breaks else []) + lines[last:])


@pytest.fixture(scope="module")
def findings(tmp_path_factory, prefect_harness):
    putuo = external_file(PUTUO, ".pymupdf.txt").read_text(encoding="utf-8")
    shaoguan = SHAOGUAN_2024.read_text(encoding="utf-8")
    files = [
        external_file(PUTUO, ".pdf"),
        external_file(PUTUO, ".pymupdf.txt"),
        external_file(FOSHAN, ".pymupdf.txt"),
        SHAOGUAN_2024,
        # a wrong year in the body's heading (page 6)
        ("pt-year.txt", doctor(putuo, "   第二部分        上海市普陀区财政局2024年度部门决算表",
                                "   第二部分        上海市普陀区财政局2023年度部门决算表")),
        # a flipped comparison word: 行政运行 1511.89 against a budget of 1560.05 (page 22)
        ("pt-compare.txt", doctor(putuo, "元。决算数小于预算数的主要原因：人员进出及退休变化",
                                  "元。决算数大于预算数的主要原因：人员进出及退休变化")),
        # a table the contents page lists (page 2) dropped from the body
        ("pt-dropped.txt", drop_between(putuo, "政府性基金预算财政拨款收入支出决算表",
                                        "国有资本经营预算财政拨款收入支出决算表")),
        # a total in the 情况说明 changed (page 21)
        ("pt-total.txt", doctor(putuo, "本年收入合计2946.25万元", "本年收入合计2956.25万元")),
        # a template placeholder for the agency in a table caption (line 57)
        ("sg-placeholder.txt", doctor(shaoguan, "单位：韶关市行政服务中心", "单位：XX单位")),
        # the 三公 table emptied while the 情况说明 still gives its figures
        ("sg-emptied.txt", doctor(shaoguan, "2.80 0.00 2.00 0.00 2.00 0.80 2.02 0.00 1.61 0.00 1.61 0.41", "本表无数据")),
        # a figure changed (收入决算表 2010301, line 168) where the row is also printed twice: extraction's doubt
        # makes it suspect
        ("sg-twice.txt", doctor(shaoguan, "2010301 行政运行 428.89 428.89",
                                "2010301 行政运行 438.89 428.89")
         .replace("2010302 一般行政管理事务 27.28", "2010301 行政运行 428.89 428.89 0.00 0.00 0.00 0.00\n"
                  "2010302 一般行政管理事务 27.28", 1)),
    ]
    tmp = tmp_path_factory.mktemp("findings")
    warehouse, report = build_warehouse(tmp, files)
    return warehouse, report, tmp / "build"


def failures(warehouse, file_name, outcome="fail"):
    return query(warehouse, """select rule_id, page, printed_text, expected, actual from dq_results
                               where file_name = ? and outcome = ? order by all""", [file_name, outcome])


def planted(warehouse, doctored, original):
    """The failures a doctored copy has beyond its original's, keyed by rule, page and what they compare."""
    def keys(name):
        return {(r, p, e, a) for r, p, _, e, a in failures(warehouse, name)}
    return keys(doctored) - keys(original), keys(original) - keys(doctored)


def test_the_two_real_putuo_errors_are_reported_with_page_and_text(findings):
    warehouse = findings[0]
    rows = query(warehouse, """select rule_id, page, printed_text, expected, actual, bbox_x0, bbox_top, bbox_bottom
                               from dq_results where file_name = ? and outcome = 'fail' order by rule_id""", [PUTUO_PDF])
    # 情况说明 四: the 财政拨款收入支出总计 printed as 0.3万元, while the 财政拨款收入支出决算总表 总计 is 2,961.68.
    # 情况说明 五（二）: 一般公共服务支出 2106.66 of 2940.05 is 71.65 %, printed 占71.73%.
    assert [row[:5] for row in rows] == [
        ("PROSE-AMOUNT", 21, "四、财政拨款收入支出决算总体情况说明上海市普陀区财政局2024年度财政拨款收入支出总计0.3万元。",
         D("2961.680000"), D("0.300000")),
        ("PROSE-SHARE", 21, "一般公共服务支出（类）2106.66万元，占71.73%；", D("71.653900"), D("71.730000")),
    ]
    # Where on page 21 (points from the top-left): 0.3 at x 372, the 2106.66 line about 647-659 down.
    assert rows[0][5] == pytest.approx(372, abs=1) and rows[0][6] == pytest.approx(411, abs=1)
    assert rows[1][5] == pytest.approx(108, abs=1) and 640 < rows[1][6] < 648 and rows[1][7] == pytest.approx(659, abs=1)
    # The same two in the text rendering of the same report, at the same page.
    assert {(r, p) for r, p, *_ in failures(warehouse, PUTUO_TEXT)} == {("PROSE-AMOUNT", 21), ("PROSE-SHARE", 21)}


def test_the_prose_total_of_appropriations_is_checked_against_its_own_table(findings):
    warehouse = findings[0]
    rows = query(warehouse, """select detail, outcome from dq_results where file_name = ? and rule_id = 'PROSE-AMOUNT'
                                 and row_name like '%收入支出总计' order by source_line""", [PUTUO_PDF])
    assert rows == [("2995.39万元 vs income_expenditure_summary 总计", "pass"),
                    ("0.3万元 vs fiscal_appropriation_summary 总计", "fail")]


def test_the_misread_economic_table_is_suspect_extraction_not_the_publishers(findings):
    warehouse = findings[0]
    suspect = query(warehouse, """select distinct table_key from dq_results
                                  where file_name = ? and outcome = 'suspect_extraction'""", [PUTUO_PDF])
    assert suspect in ([], [("general_budget_basic_by_economic",)])  # [] once the layout fix reads it right
    assert query(warehouse, """select count(*) from dq_results where file_name = ? and outcome = 'fail'
                               and table_key = 'general_budget_basic_by_economic'""", [PUTUO_PDF]) == [(0,)]
    # A changed figure on a row the document also prints twice (with other figures): a possible misreading.
    rows = query(warehouse, """select rule_id, row_code, column_name, expected, actual, detail like '%layout warnings%'
                               from dq_results where file_name = 'sg-twice.txt' and outcome <> 'pass'
                                 and outcome <> 'rounding' order by all""")
    assert ("ROW-INCOME", "2010301", "total", D("428.890000"), D("438.890000"), True) in rows
    assert failures(findings[0], "sg-twice.txt") == []
    summary = query(warehouse, "select failures, suspect_extraction from dq_document_summary where file_name = 'sg-twice.txt'")
    assert summary[0][0] == 0 and summary[0][1] >= 2


def test_a_wrong_year_in_a_heading_is_caught_at_its_page(findings):
    new, gone = planted(findings[0], "pt-year.txt", PUTUO_TEXT)
    assert new == {("DOC-YEAR", 6, D("2024.000000"), D("2023.000000"))} and gone == set()


def test_a_flipped_comparison_word_is_caught_at_its_page(findings):
    new, gone = planted(findings[0], "pt-compare.txt", PUTUO_TEXT)
    assert new == {("PROSE-COMPARE", 22, D("1.000000"), D("0.000000"))} and gone == set()
    text = failures(findings[0], "pt-compare.txt")
    assert any("1511.89万元。决算数大于预算数" in t for _, _, t, _, _ in text)


def test_a_table_dropped_from_the_body_is_caught_on_the_contents_page(findings):
    new, gone = planted(findings[0], "pt-dropped.txt", PUTUO_TEXT)
    assert new == {("DOC-CONTENTS", 2, D("1.000000"), D("0.000000"))} and gone == set()


def test_a_changed_prose_total_is_caught_at_its_page(findings):
    new, gone = planted(findings[0], "pt-total.txt", PUTUO_TEXT)
    assert new == {("PROSE-AMOUNT", 21, D("2946.250000"), D("2956.250000"))} and gone == set()


def test_a_placeholder_agency_is_caught_at_its_line(findings):
    warehouse = findings[0]
    new, gone = planted(warehouse, "sg-placeholder.txt", SHAOGUAN_2024.name)
    assert new == {("DOC-PLACEHOLDER", 1, D("0.000000"), D("1.000000"))} and gone == set()
    assert query(warehouse, """select source_line from dq_results where file_name = 'sg-placeholder.txt'
                               and outcome = 'fail'""") == [(57,)]


def test_an_emptied_table_the_prose_still_describes_is_caught(findings):
    warehouse = findings[0]
    rows = query(warehouse, """select distinct rule_id, table_key from dq_results
                               where file_name = 'sg-emptied.txt' and outcome = 'fail'""")
    assert rows == [("DOC-EMPTIED", "three_public")]
    lines = query(warehouse, """select source_line, actual from dq_results where file_name = 'sg-emptied.txt'
                                and outcome = 'fail' order by all""")
    assert (778, D("1.610000")) in lines  # 公务用车购置及运行维护费支出1.61万元


def test_the_untouched_documents_are_quiet_but_for_their_real_errors(findings):
    warehouse = findings[0]
    assert failures(warehouse, SHAOGUAN_2024.name) == []
    assert failures(warehouse, f"{FOSHAN}.pymupdf.txt") == []
    assert len(failures(warehouse, PUTUO_PDF)) == 2


def test_every_check_has_its_page_and_printed_text(findings):
    warehouse = findings[0]
    missing = query(warehouse, """select rule_id, count(*) from dq_results where file_name = ?
                                  and (page is null or printed_text is null or printed_text = '') group by all""",
                    [PUTUO_PDF])
    assert missing == []
    boxed = query(warehouse, """select count(*) filter (where bbox_x0 is not null), count(*) from dq_results
                                where file_name = ? and outcome <> 'pass'""", [PUTUO_PDF])
    assert boxed[0][0] == boxed[0][1] > 0


def test_the_gx_results_name_the_rule_and_the_documents(findings):
    failed = findings[1].quality.failed_expectations

    def places(prefix):
        entry = next(e for e in failed if e.startswith(prefix))
        return set(entry.removeprefix(prefix).split("; "))

    # One expectation per rule; its unexpected rows name every document and page the rule failed on.
    assert places("prose: PROSE-AMOUNT on ") == {
        f"{PUTUO_PDF} p.21", f"{PUTUO_TEXT} p.21", "pt-compare.txt p.21", "pt-dropped.txt p.21", "pt-total.txt p.21",
        "pt-year.txt p.21"}
    assert places("prose: PROSE-COMPARE on ") == {"pt-compare.txt p.22"}
    assert places("document: DOC-CONTENTS on ") == {"pt-dropped.txt p.2"}
    assert places("document: DOC-YEAR on ") == {"pt-year.txt p.6"}


def test_the_annotated_pdf_marks_each_finding_on_its_page(findings):
    from pypdf import PdfReader

    build = findings[2]
    reader = PdfReader(build / "dq" / "annotated" / PUTUO_PDF)
    notes = [(a.get_object()["/Subtype"], str(a.get_object().get("/Contents", "")))
             for a in reader.pages[20].get("/Annots", [])]
    highlights = [text for kind, text in notes if kind == "/Highlight"]
    assert any(t.startswith("PROSE-AMOUNT · error: expected 2961.68, printed 0.3") for t in highlights)
    assert any(t.startswith("PROSE-SHARE · error: expected 71.6539, printed 71.73") for t in highlights)
    assert (build / "dq" / "sources" / PUTUO_PDF).read_bytes() == external_file(PUTUO, ".pdf").read_bytes()
    index = (build / "dq" / "index.html").read_text(encoding="utf-8")
    assert f"href='sources/{PUTUO_PDF}#page=21'>第 21 页</a>" in index
    assert f"href='annotated/{PUTUO_PDF}#page=21'>批注</a>" in index


def _page_requests(url: str, tmp_path, screenshot=None) -> list[str]:
    """Open a page in headless Chromium with every host unresolvable and return the network URLs the page asked for
    (from Chromium's net log; the browser's own background requests carry no page origin and are left out)."""
    import json
    import subprocess

    from test_quality import _chromium

    log = tmp_path / f"net-{abs(hash(url))}.json"
    shot = [f"--screenshot={screenshot}", "--window-size=1280,1600"] if screenshot else ["--dump-dom"]
    result = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update", '--host-resolver-rules=MAP * ~NOTFOUND',
         f"--log-net-log={log}", f"--user-data-dir={tmp_path / 'chromium'}", "--virtual-time-budget=5000",
         *shot, url], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-500:]
    events = json.loads(log.read_text(encoding="utf-8"))["events"]
    return sorted({e["params"]["url"] for e in events
                   if "url" in e.get("params", {}) and e["params"].get("initiator", "not an origin") != "not an origin"
                   and e["params"]["url"].split(":", 1)[0] in ("http", "https", "ws", "wss")})


def test_the_pages_open_with_no_network_access(findings, tmp_path):
    build = findings[2]
    control = tmp_path / "control.html"
    control.write_text('<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>', encoding="utf-8")
    assert _page_requests(control.as_uri(), tmp_path) == ["https://code.jquery.com/jquery-3.7.1.min.js"]
    prose_page = next((build / "dq" / "gx" / "validations" / "prose_rules").rglob("*.html"))
    pages = [build / "dq" / "index.html", build / "dq" / "gx" / "index.html", prose_page,
             build / "dq" / "annotated" / PUTUO_PDF]
    for page in pages:
        assert _page_requests(page.as_uri(), tmp_path) == [], page
    # The vendored assets are there and in use: the GX site is styled by the local Bootstrap.
    assert "static/vendor/bootstrap/bootstrap.min.css" in (build / "dq" / "gx" / "index.html").read_text(encoding="utf-8")
    assert (build / "dq" / "gx" / "static" / "vendor" / "bootstrap" / "bootstrap.min.css").is_file()


def test_pdf_prose_is_read_with_its_figures_set_on_their_own_baseline():
    from juesuan.extract.document import extract_file

    extraction = extract_file(external_file(PUTUO, ".pdf"))
    facts = {(f.page, f.value_text, f.share_text, f.change_text) for f in extraction.prose}
    # 普陀区 sets each figure of its 情况说明 a few points below the words around it.
    assert (21, "2106.66万元", "占71.73%", None) in facts
    assert (21, "0.3万元", None, None) in facts
    assert (21, "56.95万元", None, "减少56.95万元，下降1.87%") in facts
    statements = {(s.kind, s.page, s.word, s.left, s.right) for s in extraction.statements if s.kind == "comparison"}
    assert ("comparison", 22, "less", D("1560.05"), D("1511.89")) in statements
    assert ("comparison", 22, "flat", D("10.00"), D("10.00")) in statements
    years = {(s.page, s.year, s.printed_text) for s in extraction.statements if s.kind == "year"}
    assert (6, 2024, "第二部分上海市普陀区财政局2024年度部门决算表") in years
