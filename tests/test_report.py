"""The report, the data-quality page and the dbt docs in headless Chromium with the network blocked: every
agency, document, chart and finding link is in the DOM, and no request leaves the machine."""

import re
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest
from browser import Browser
from conftest import PUTUO, RAW, build_warehouse, external_file
from test_quality import _chromium

SCREENSHOTS = Path("/tmp/juesuan-report-screenshots")


@pytest.fixture(scope="module")
def browser():
    """Chromium over the DevTools protocol, behind a proxy that lets nothing out."""
    chromium = Browser(_chromium())
    yield chromium
    chromium.close()


def dom(browser, page: Path, query: str = "") -> str:
    """The page's DOM after its scripts ran; fails if the page asked for anything beyond local files."""
    loaded = browser.open(page.as_uri() + query)
    assert loaded.remote_requests == [], loaded.remote_requests
    assert any(url.startswith("file:") for url in loaded.requests)
    return loaded.dom


def screenshot(browser, page: Path, name: str, height: int = 2000) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    loaded = browser.open(page.as_uri(), height=height, screenshot=True)
    assert loaded.remote_requests == []
    shot = SCREENSHOTS / f"{name}.png"
    shot.write_bytes(loaded.screenshot)
    assert shot.stat().st_size > 30_000
    return shot


def _doctored_putuo() -> tuple[str, str]:
    """普陀区财政局's text with the 支出决算表's 201 total (page 10) printed 10 万元 too high: 2,116.66."""
    lines = external_file(PUTUO, ".pdfplumber.txt").read_text(encoding="utf-8").split("\n")
    title = next(i for i, line in enumerate(lines) if line.strip("\f") == "支出决算表")
    index = lines.index("201 2,106.66", title)
    lines[index] = "201 2,116.66"
    return "putuo-doctored.txt", "\n".join(lines)


@pytest.fixture(scope="module")
def site(tmp_path_factory, prefect_harness):
    """The seeds, the 普陀区财政局 PDF (clean), its text with one total doctored, and a file that is no report."""
    tmp = tmp_path_factory.mktemp("report")
    pdf = external_file(PUTUO, ".pdf")
    warehouse, report = build_warehouse(tmp, [*sorted(RAW.iterdir()), pdf, _doctored_putuo(),
                                              ("notes.txt", "会议记录：下周二讨论预算。\n")])
    return warehouse, report, tmp / "build"


def rows(warehouse, sql):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_page_that_reaches_out_is_seen(browser, tmp_path):
    page = tmp_path / "reaching.html"
    page.write_text("<!doctype html><img src='http://example.com/pixel.png'><script src='https://cdn.example.org/x.js'>"
                    "</script>", encoding="utf-8")
    loaded = browser.open(page.as_uri())
    assert sorted(loaded.remote_requests) == ["http://example.com/pixel.png", "https://cdn.example.org/x.js"]
    # The proxy refused them: nothing reached the network.
    assert any(r.startswith("GET http://example.com/pixel.png ") for r in browser.proxy.requests)


def test_overview_lists_every_agency_by_pinyin_and_every_document(site, browser):
    warehouse, _, build = site
    index = build / "report" / "index.html"
    text = dom(browser, index)
    agencies = rows(warehouse, "select agency_id, agency_name from dim_agency")
    assert len(agencies) == 4
    order = [name for name in re.findall(r'<tr data-agency="([^"]+)"', text)]
    # By pinyin: Gan(zhou) · Le(chang) · Shang(hai) · Shao(guan), not by code point.
    assert order == ["赣州蓉江新区政务服务中心", "乐昌市行政服务中心", "上海市普陀区财政局", "韶关市行政服务中心"]
    for agency_id, name in agencies:
        assert f'href="agencies/{agency_id}.html">{name}</a>' in text
        assert (build / "report" / "agencies" / f"{agency_id}.html").is_file()
    documents = rows(warehouse, "select document_id, file_name from dim_document")
    assert len(documents) == 7
    for document_id, file_name in documents:
        assert f'href="documents/{document_id[:12]}.html">{file_name}</a>' in text
    # The verdict chart was drawn (ECharts' SVG) and the file that is not a report is named with its reason.
    assert re.search(r'<div class="chart" id="chart-verdicts"[^>]*data-drawn="true"[^>]*>.*?<svg', text, re.S)
    assert '<tr data-file="notes.txt"><td>notes.txt</td><td>not_a_report</td>' in text
    assert "<label>地区 Region<select" in text and '<option value="上海市">上海市</option>' in text
    screenshot(browser, index, "index", 1800)


def visible_agencies(text: str) -> list[str]:
    return re.findall(r'<tr data-agency="([^"]+)"(?![^>]*hidden)[^>]*>', text)


def test_overview_filters_by_region_kind_year_and_pinyin_search(site, browser):
    _, _, build = site
    index = build / "report" / "index.html"
    assert visible_agencies(dom(browser, index, "?region=" + quote("上海市"))) == ["上海市普陀区财政局"]
    # 乐昌 published only self-evaluations: a filter on final accounts of 2022 leaves nobody.
    assert visible_agencies(dom(browser, index, "?kind=dept_self_evaluation&year=2022")) == ["乐昌市行政服务中心"]
    assert visible_agencies(dom(browser, index, "?kind=final_accounts&year=2022")) == []
    # Searching by pinyin, with or without spaces.
    assert visible_agencies(dom(browser, index, "?q=shaoguan")) == ["韶关市行政服务中心"]
    assert visible_agencies(dom(browser, index, "?q=" + quote("gan zhou"))) == ["赣州蓉江新区政务服务中心"]


def test_agency_page_draws_its_charts_and_says_what_is_missing(site, browser):
    warehouse, _, build = site
    [(agency_id,)] = rows(warehouse, "select agency_id from dim_agency where agency_name = '上海市普陀区财政局'")
    page = build / "report" / "agencies" / f"{agency_id}.html"
    text = dom(browser, page)
    for chart in ("chart-classes", "chart-basic-project", "chart-three-public", "chart-outcomes"):
        assert re.search(rf'<div class="chart" id="{chart}"[^>]*data-drawn="true"[^>]*>.*?<svg', text, re.S), chart
    # 普陀区财政局 printed no self-evaluation score: a sentence, not an empty chart.
    assert 'id="chart-scores"' not in text and "没有部门整体绩效自评得分" in text
    budget = rows(warehouse, "select count(*) from information_schema.tables "
                             "where table_name = 'mart_budget_vs_final_by_function'")[0][0]
    assert ("预算与决算对比尚不可用" in text) == (budget == 0)
    # The overview table: 2024 支出合计 2,940.05, 项目支出 20.51 %.
    assert '<td class="num">2,940.05</td>' in text and '<td class="num">20.51</td>' in text
    screenshot(browser, page, "agency", 2200)


def test_document_page_lists_each_finding_with_its_page(site, browser):
    warehouse, _, build = site
    [(document_id,)] = rows(warehouse, "select document_id from dim_document where file_name = 'putuo-doctored.txt'")
    page = build / "report" / "documents" / f"{document_id[:12]}.html"
    text = dom(browser, page)
    assert 'data-verdict="有问题"' in text
    failing = rows(warehouse, f"select rule_id from dq_results where document_id = '{document_id}' "
                              "and outcome = 'fail' order by all")
    # the 201 total and the three sums it takes part in, and the document's two real errors (page 21: 财政拨款收入支出总计
    # printed as 0.3万元, 一般公共服务支出 as 71.73% of the total where the figures give 71.65%)
    assert len(failing) == 6 and ("PROSE-AMOUNT",) in failing and ("PROSE-SHARE",) in failing
    assert sorted(re.findall(r'<tr class="finding fail" data-rule="([^"]+)">', text)) == [r for (r,) in failing]
    # The doctored line: 201 total printed 2,116.66 where its 款 add up to 2,106.66, on page 10.
    finding = next(row for row in re.findall(r'<tr class="finding fail" data-rule="TREE-FUNCTION">.*?</tr>', text, re.S)
                   if "<td>201</td>" in row)
    assert ">201<" in finding and ">2,106.66<" in finding and ">2,116.66<" in finding and "第 10 页" in finding
    # Its 三公 row (0.95 0.95) fits several placements in text: the table is partly read, and says so; the
    # tables read whole say read.
    states = dict(re.findall(r'<tr data-table="(\w+)"><td>\w+</td><td>[^<]*</td>\s*<td>([^<]+)</td>', text))
    assert (states["three_public"], states["income_by_function"]) == ("部分读出 partly read", "已读取 read")
    # A text source is linked whole: a page anchor means nothing in it.
    assert f'<a id="source-link" href="../files/{document_id[:12]}/putuo-doctored.txt">' in text
    assert "#page=" not in text
    screenshot(browser, page, "document-findings", 1600)


def test_document_page_links_into_the_pdf(site, browser):
    warehouse, _, build = site
    [(document_id,)] = rows(warehouse, f"select document_id from dim_document where file_name = '{PUTUO}.pdf'")
    page = build / "report" / "documents" / f"{document_id[:12]}.html"
    text = dom(browser, page)
    assert 'data-verdict="有问题"' in text  # its two real 情况说明 errors on page 21
    source = f"../files/{document_id[:12]}/{PUTUO}.pdf"
    assert (page.parent / source).resolve().is_file()
    assert f'<a id="source-link" href="{source}">' in text
    # The 支出决算表 starts on page 10 of the PDF, the 一般公共预算财政拨款基本支出决算表 on page 16.
    assert re.search(rf'<tr data-table="expenditure_by_function">.*?href="{re.escape(source)}#page=10"', text, re.S)
    assert re.search(rf'<tr data-table="general_budget_basic_by_economic">.*?href="{re.escape(source)}#page=16"',
                     text, re.S)
    # Each check within the rounding tolerance links to its page.
    rounding = rows(warehouse, f"select count(*) from dq_results where document_id = '{document_id}' "
                               "and outcome = 'rounding'")[0][0]
    assert rounding > 0
    listed = re.findall(r'<tr class="finding rounding".*?</tr>', text, re.S)
    assert len(listed) == rounding
    paged = [row for row in listed if re.search(r"第 \d+ 页", row)]
    assert paged and all(re.search(rf'href="{re.escape(source)}#page=\d+">第 \d+ 页</a>', row) for row in paged)
    screenshot(browser, page, "document", 1600)


def test_a_document_whose_checks_pass_says_so_and_lists_only_its_rounding(site):
    # The page lists the checks that did not pass; the passes are counted, not read out (nine in ten check rows).
    warehouse, _, build = site
    passing = rows(warehouse, "select document_id, file_name, checks_run, rounding from dq_document_summary "
                              "where failures = 0 and suspect_extraction = 0 and checks_run > 0 order by file_name")
    assert len(passing) >= 2
    for document_id, file_name, checks_run, rounding in passing:
        text = (build / "report" / "documents" / f"{document_id[:12]}.html").read_text(encoding="utf-8")
        within = f", {rounding} within the rounding tolerance" if rounding else ""
        assert f"Every check passes{within}." in text, file_name
        assert f"All {checks_run} checks pass ({rounding} within the rounding tolerance)." in text, file_name
        assert len(re.findall(r'<tr class="finding ', text)) == rounding, file_name


def test_data_quality_page_and_dbt_docs_open_offline(site, browser):
    _, _, build = site
    dq = dom(browser, build / "dq" / "index.html")
    assert '<table id="document-outcomes">' in dq and f'data-document="{PUTUO}.pdf"' in dq
    docs = build / "dbt" / "target" / "static_index.html"
    text = dom(browser, docs)
    assert "juesuan · 部门决算数据仓库" in text  # the overview page, not dbt's "Welcome!"
    assert "a warehouse of Chinese departmental final accounts" in text
    screenshot(browser, build / "dq" / "index.html", "data-quality", 1400)
    screenshot(browser, docs, "dbt-docs", 1200)


def test_a_page_whose_inputs_did_not_change_is_copied_not_rendered(site, tmp_path):
    # One changed document should not render every page again: a page rendered from the same inputs by the same
    # code is copied from the previous report; a page whose inputs changed is rendered afresh.
    import json

    from juesuan.report.html import PAGES_STATE, write_report

    warehouse, _, _ = site
    first = tmp_path / "first"
    write_report(warehouse, first)
    pages = sorted((first / "documents").glob("*.html"))
    assert len(pages) == 7  # the five seeds, the PDF and the doctored text (the notes are no report)
    kept, changed = pages[0], pages[1]
    for page in (kept, changed):
        page.write_text(page.read_text(encoding="utf-8") + "<!-- first run -->", encoding="utf-8")
    state = json.loads((first / PAGES_STATE).read_text(encoding="utf-8"))
    state["pages"][f"documents/{changed.name}"] = "other inputs"
    (first / PAGES_STATE).write_text(json.dumps(state), encoding="utf-8")
    second = tmp_path / "second"
    write_report(warehouse, second, previous=first)
    assert (second / "documents" / kept.name).read_text(encoding="utf-8").endswith("<!-- first run -->")
    # taken as a hard link (one file system here), not a copy of its bytes
    assert (second / "documents" / kept.name).stat().st_ino == kept.stat().st_ino
    assert "<!-- first run -->" not in (second / "documents" / changed.name).read_text(encoding="utf-8")
    assert sorted(p.name for p in (second / "documents").glob("*.html")) == [p.name for p in pages]
    # Rendered under other code (another fingerprint), nothing is copied.
    state["code"] = "other code"
    (first / PAGES_STATE).write_text(json.dumps(state), encoding="utf-8")
    third = tmp_path / "third"
    write_report(warehouse, third, previous=first)
    assert "<!-- first run -->" not in (third / "documents" / kept.name).read_text(encoding="utf-8")


def test_many_pages_are_rendered_by_two_processes_as_one_renders_them(site, tmp_path, monkeypatch):
    # A big report shares its document pages, a chunk at a time, with a second process (spawned: it runs the
    # module's code, not this test's patches), which claims them from the last chunk back while this process claims
    # them from the first on: every page is the one a single process writes, byte for byte.
    import time

    from juesuan.report import html

    warehouse, _, _ = site
    html.write_report(warehouse, tmp_path / "one")
    rendered_here = []
    render_here, claim_here = html._render_documents, html._claim

    def recording(con, env, out_dir, summaries, common):
        rendered_here.extend(f"{i[:12]}.html" for i in summaries)
        render_here(con, env, out_dir, summaries, common)

    def after_the_second_process_claimed(claims, from_back):
        # Seven pages take this process no time: it waits for the second process's first claim (at most a minute).
        waited = time.monotonic()
        while claims[1] == 4 and time.monotonic() - waited < 60:
            time.sleep(0.05)
        return claim_here(claims, from_back)

    monkeypatch.setattr(html, "_render_documents", recording)
    monkeypatch.setattr(html, "_claim", after_the_second_process_claimed)
    monkeypatch.setattr(html, "PARALLEL_FROM", 2)
    monkeypatch.setattr(html, "SHARED_CHUNK", 2)  # 7 pages: 4 chunks
    html.write_report(warehouse, tmp_path / "two")
    names = sorted(p.name for p in (tmp_path / "one" / "documents").glob("*.html"))
    assert len(names) == 7 and sorted(p.name for p in (tmp_path / "two" / "documents").glob("*.html")) == names
    # This process rendered the first chunks, the second process the last one or more.
    assert 0 < len(rendered_here) < len(names) and rendered_here == names[:len(rendered_here)]
    built = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d")
    for name in names:
        one, two = ((tmp_path / run / "documents" / name).read_text(encoding="utf-8") for run in ("one", "two"))
        assert built.sub("", one) == built.sub("", two), name
