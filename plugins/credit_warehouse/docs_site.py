"""One local web site for what people read: GX Data Docs, dbt docs and the night and subject reports.

``./cw docs`` serves it on one port; alerts link into it through CREDIT_WAREHOUSE_DOCS_BASE_URL (the
address monitors reach it at, default http://127.0.0.1:8600), so a link in last month's mail still
opens last month's page: every page lives under the state folder and is never rebuilt away.

    /data-docs/   GX Data Docs (state_dir()/data_docs)
    /dbt-docs/    dbt docs (the warehouse's dbt target folder, after `dbt docs generate`)
    /reports/     night reports and subject credit reports (state_dir()/reports)
"""

from __future__ import annotations

import functools
import html
import os
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from credit_warehouse.settings import state_dir

ENV_BASE_URL = "CREDIT_WAREHOUSE_DOCS_BASE_URL"
DEFAULT_PORT = 8600


def base_url() -> str:
    return os.environ.get(ENV_BASE_URL, "").strip().rstrip("/") or f"http://127.0.0.1:{DEFAULT_PORT}"


def sections() -> dict[str, Path]:
    """URL prefix -> folder served under it."""
    from credit_warehouse.transform.dbt import target_dir

    return {"data-docs": state_dir() / "data_docs", "dbt-docs": target_dir(), "reports": state_dir() / "reports"}


def url_for(path: str | Path | None) -> str | None:
    """The site URL of a file under one of the served folders; the path itself when it is elsewhere."""
    if not path:
        return None
    resolved = Path(str(path).removeprefix("file://")).resolve()
    for prefix, folder in sections().items():
        try:
            relative = resolved.relative_to(folder.resolve())
        except ValueError:
            continue
        return f"{base_url()}/{prefix}/{quote(relative.as_posix())}"
    return str(path)


def path_for(url: str) -> Path | None:
    """The file a site URL names (what the server would send), or None when it names none."""
    parts = unquote(urlsplit(url).path).lstrip("/").split("/", 1)
    folder = sections().get(parts[0])
    if folder is None:
        return None
    target = (folder / (parts[1] if len(parts) > 1 else "")).resolve()
    if not target.is_relative_to(folder.resolve()):
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


class SiteHandler(SimpleHTTPRequestHandler):
    def translate_path(self, path: str) -> str:
        target = path_for(path)
        return str(target) if target else "/nonexistent"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if urlsplit(self.path).path in ("", "/"):
            body = _home_page().encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        pass


def _home_page() -> str:
    links = [("data-docs/index.html", "GX Data Docs：每晚每个批次的数据质量校验结果"),
             ("dbt-docs/index.html", "dbt docs：数据仓库模型、字段说明与血缘（分析人员手册）"),
             ("reports/", "夜间报告与主体信用报告")]
    items = "".join(f'<li><a href="/{href}">{html.escape(text)}</a></li>' for href, text in links)
    return ('<html><head><meta charset="utf-8"><title>信用数据仓库</title></head>'
            f"<body><h1>信用数据仓库</h1><ul>{items}</ul></body></html>")


def make_server(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), functools.partial(SiteHandler))
