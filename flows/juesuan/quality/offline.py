"""The Great Expectations site made to work offline: its CDN assets served from vendored copies in the site."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

ASSETS = Path(__file__).parent / "gx_assets"
# What GX's page templates load from the network → the vendored file (under static/vendor/ in the site).
CDN = {
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap/bootstrap.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper/popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table/filter-control/bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark/bootstrap-prefers-dark.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega/vega-embed.min.js",
}
# GX's logo, loaded from its web-assets bucket; the site ships the same images in static/images.
_WEB_ASSETS = re.compile(r"https://great-expectations-web-assets\.s3\.us-east-2\.amazonaws\.com/([\w.-]*)(\?[^\"')\s]*)?")


def localize_site(site: Path) -> None:
    """Copy the vendored assets into site/static/vendor and point every page and style sheet at them."""
    shutil.copytree(ASSETS, site / "static" / "vendor", dirs_exist_ok=True)
    for page in site.rglob("*.html"):
        static = os.path.relpath(site / "static", page.parent).replace(os.sep, "/")
        text = page.read_text(encoding="utf-8")
        for url, local in CDN.items():
            text = text.replace(f'"{url}"', f'"{static}/vendor/{local}"')
        text = _WEB_ASSETS.sub(lambda m, static=static: f"{static}/images/{m.group(1) or 'logo-long.png'}", text)
        page.write_text(text, encoding="utf-8")
    for sheet in (site / "static" / "styles").glob("*.css"):
        text = sheet.read_text(encoding="utf-8")
        sheet.write_text(_WEB_ASSETS.sub("../images/logo-long.png", text), encoding="utf-8")

