"""GX Data Docs that last: every validation of every night kept, indexed by feed and night, readable offline.

Each gate's validation result goes to a file-backed GX validation results store (state_dir()/gx); its
page is built into state_dir()/data_docs by GX's site builder and is never rebuilt away, so the link an
alert gave last month still opens. GX's pages load Bootstrap and jQuery from CDNs; the machines that read
them may have no internet, so each page is rewritten to use the stylesheet shipped here instead, with
no external script, stylesheet or image left. GX's own index needs those scripts to show anything: it is
replaced by a static one listing every validation by night and feed, with its verdict and counts.

Only counts, row numbers and masked values reach these pages: the expectations select util-masked
values (see checks.py); security/scan.py, the one personal-data scanner, reads these pages too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

from credit_warehouse.locks import file_lock
from credit_warehouse.settings import state_dir

SITE_NAME = "credit_warehouse"
STYLESHEET = Path(__file__).with_name("data_docs.css")
LOCAL_STYLESHEET = "static/styles/credit_warehouse.css"
EXTERNAL = re.compile(
    r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>"
    r"|<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*>"
    r"|<img[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>",
    re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>.*?</script>", re.IGNORECASE | re.DOTALL)
EXTERNAL_ANCHOR = re.compile(r"<a[^>]*\bhref=\"https?://[^\"]*\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)


def data_docs_dir() -> Path:
    path = state_dir() / "data_docs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def validations_store_dir() -> Path:
    path = state_dir() / "gx" / "validations"
    path.mkdir(parents=True, exist_ok=True)
    return path


def site_config() -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def validation_results_store() -> dict:
    return {"class_name": "ValidationResultsStore",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(validations_store_dir())}}


def site_lock():
    """One writer of the site at a time: gates of several feeds run in parallel."""
    return file_lock(data_docs_dir() / ".lock")


def page_path(context, validation_identifier) -> str | None:
    """Local file path of the Data Docs page of one validation result."""
    urls = context.get_docs_sites_urls(resource_identifier=validation_identifier, site_name=SITE_NAME)
    for entry in urls:
        url = entry.get("site_url") or ""
        if url.startswith("file://"):
            return url.removeprefix("file://")
    return None


def make_offline(page: Path) -> None:
    """No CDN: external scripts, stylesheets and images out, the shipped stylesheet in; the inline scripts
    (they only drive the CDN's jQuery) out too, so a browser shows no error."""
    text = page.read_text(encoding="utf-8")
    depth = len(page.relative_to(data_docs_dir()).parts) - 1
    link = f'<link rel="stylesheet" href="{"../" * depth}{LOCAL_STYLESHEET}">'
    text = INLINE_SCRIPT.sub("", EXTERNAL.sub("", text))
    text = EXTERNAL_ANCHOR.sub(r"\1", text)
    text = text.replace("</head>", f"{link}</head>", 1)
    page.write_text(text, encoding="utf-8")


def _install_stylesheet() -> None:
    target = data_docs_dir() / LOCAL_STYLESHEET
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists() or target.read_bytes() != STYLESHEET.read_bytes():
        shutil.copyfile(STYLESHEET, target)


def _summary(path: Path) -> dict | None:
    """What the index shows of one stored validation: feed (its suite), night (the run name), time, verdict,
    counts and its page (relative to the site), read once from its result file."""
    parts = path.relative_to(validations_store_dir()).parts
    if len(parts) < 4:
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    statistics = document.get("statistics") or {}
    page = Path("validations", *parts).with_suffix(".html")
    return {
        "feed": parts[0], "night": parts[1], "run_time": parts[2], "batch": path.stem,
        "success": bool(document.get("success")),
        "page": page.as_posix() if (data_docs_dir() / page).exists() else None,
        "evaluated": statistics.get("evaluated_expectations"),
        "failed": statistics.get("unsuccessful_expectations"),
    }


def _summaries_file() -> Path:
    return validations_store_dir().parent / "validations_index.json"


def _summaries() -> list[dict]:
    """The summaries of every kept validation, from the index file; built from the store once when missing
    (a site made before the file existed), not re-read from every result file at each gate."""
    try:
        return json.loads(_summaries_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [s for s in map(_summary, validations_store_dir().rglob("*.json")) if s]


def _add_summary(page: Path) -> list[dict]:
    """The summaries with the validation behind ``page`` added (or replaced), saved."""
    summaries = _summaries()
    relative = page.resolve().relative_to((data_docs_dir() / "validations").resolve())
    added = _summary(validations_store_dir() / relative.with_suffix(".json"))
    if added:
        summaries = [s for s in summaries if s["page"] != added["page"]] + [added]
    _summaries_file().write_text(json.dumps(summaries, ensure_ascii=False), encoding="utf-8")
    return summaries


def write_index(summaries: list[dict]) -> Path:
    """A static index.html: every validation by night (newest first) and feed, linked to its page."""
    rows = []
    for result in sorted(summaries, key=lambda r: (r["night"], r["feed"], r["run_time"]), reverse=True):
        page = result["page"]
        link = (f'<a href="{html.escape(page)}">{html.escape(result["batch"])}</a>' if page
                else html.escape(result["batch"]))
        verdict = "通过" if result["success"] else "未通过"
        rows.append(f'<tr class="{"ok" if result["success"] else "failed"}"><td>{html.escape(result["night"])}</td>'
                    f"<td>{html.escape(result['feed'])}</td><td>{link}</td><td>{verdict}</td>"
                    f"<td>{result['evaluated'] if result['evaluated'] is not None else '-'}</td>"
                    f"<td>{result['failed'] if result['failed'] is not None else '-'}</td>"
                    f"<td>{html.escape(result['run_time'])}</td></tr>")
    index = data_docs_dir() / "index.html"
    index.write_text(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>数据质量校验（GX Data Docs）</title>'
        f'<link rel="stylesheet" href="{LOCAL_STYLESHEET}"></head><body><div class="container">'
        "<h1>数据质量校验（GX Data Docs）</h1><p>每晚每个批次的校验结果，按数据日期与数据源排列；全部保留。</p>"
        "<table class=\"table\"><tr><th>数据日期</th><th>数据源（feed）</th><th>批次</th><th>结论</th>"
        f"<th>检查数</th><th>未通过</th><th>校验时间（UTC）</th></tr>{''.join(rows)}</table></div></body></html>",
        encoding="utf-8")
    return index


def publish(page: str | None) -> None:
    """After GX built a validation's page: make it offline and list it in the index (under the site lock)."""
    _install_stylesheet()
    if page and Path(page).exists():
        make_offline(Path(page))
        write_index(_add_summary(Path(page)))
    else:
        write_index(_summaries())
