"""The page `juesuan docs --serve` opens on: links to the report, the data-quality pages and the dbt docs."""

from __future__ import annotations

import functools
import html
import http.server
from pathlib import Path

# Where each generated page sits in the build folder.
PAGES = {
    "report": "report/index.html",
    "data quality": "dq/index.html",
    "dbt docs": "dbt/target/static_index.html",
}
LABELS = {
    "report": ("报告", "Report: agencies, their spending, documents and findings"),
    "data quality": ("数据质量", "Data quality: every check, by document, with Great Expectations' data docs"),
    "dbt docs": ("数据字典", "dbt docs: the warehouse's models, columns, tests and lineage"),
}


def index_html(build: Path) -> str:
    """The index page, saying which pages are not built yet."""
    items = []
    for key, relative in PAGES.items():
        zh, en = LABELS[key]
        if (build / relative).exists():
            items.append(f"<li><a href='/{relative}'>{zh}</a> <span>{html.escape(en)}</span></li>")
        else:
            items.append(f"<li>{zh} <span>{html.escape(en)} — not built yet (尚未生成): "
                         "run <code>juesuan run</code></span></li>")
    return ("<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>juesuan · 决算数据仓库</title>"
            "<style>body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:3rem auto;max-width:760px;"
            "color:#1b1f24;padding:0 1rem}li{margin:.8rem 0;font-size:1.15rem}span{display:block;"
            "font-size:.9rem;color:#57606a}</style></head><body><h1>juesuan · 决算数据仓库</h1><ul>"
            + "".join(items) + "</ul></body></html>")


class _DocsHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path in ("/", "/index.html"):
            body = index_html(Path(self.directory)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def docs_handler(build: Path):
    """A request handler serving the build folder, with the index page at /."""
    return functools.partial(_DocsHandler, directory=str(build))
