"""Data Docs that last: every validation of every night kept and indexed by night and feed, pages readable
offline (no CDN), and the link an alert gave resolving on the docs site."""

from __future__ import annotations

import re
import threading
from datetime import date
from pathlib import Path

import httpx
import pytest

from credit_warehouse.docs_site import make_server, url_for
from credit_warehouse.quality.data_docs import data_docs_dir
from credit_warehouse.quality.gate import gate_batch
from credit_warehouse_dev.ports import free_port

pytestmark = pytest.mark.integration
EXTERNAL_ASSET = re.compile(r"<(?:script|link|img)[^>]*(?:src|href)=\"https?://", re.IGNORECASE)


def test_every_nights_pages_stay_and_the_index_lists_them_by_night_and_feed(kit, monkeypatch):
    nights = [date(2024, 9, 16), date(2024, 9, 17)]  # after the file corpus's nights (its digests count)
    results = []
    for n, night in enumerate(nights):
        rows = [kit.penalty_row(5000 + 10 * n + i) for i in range(5)]
        rows[0] = kit.penalty_row(5000 + 10 * n, uscc="not-a-code")
        results.append(gate_batch("dept_penalty", kit.deliver("dept_penalty", rows, night), alert=False))
    pages = [result.data_docs_path for result in results]
    assert all(pages) and len(set(pages)) == 2
    for page, night in zip(pages, nights, strict=True):
        assert f"/validations/dept_penalty/{night.isoformat()}/" in page
        assert open(page, encoding="utf-8").read()  # the first night's page is still there after the second

    index = (data_docs_dir() / "index.html").read_text(encoding="utf-8")
    for result, night in zip(results, nights, strict=True):
        row = re.search(rf"<tr[^>]*><td>{night.isoformat()}</td><td>dept_penalty</td><td><a href=\"([^\"]+)\">",
                        index)
        assert row, f"{night} not in the index"
        assert (data_docs_dir() / row.group(1)).resolve() == Path(result.data_docs_path).resolve()
    assert index.index(nights[1].isoformat()) < index.index(nights[0].isoformat())  # newest night first

    for html_page in data_docs_dir().rglob("*.html"):
        text = html_page.read_text(encoding="utf-8")
        if "validations" in html_page.parts or html_page.name == "index.html":
            assert not EXTERNAL_ASSET.search(text), html_page
            assert "credit_warehouse.css" in text, html_page

    port = free_port()
    monkeypatch.setenv("CREDIT_WAREHOUSE_DOCS_BASE_URL", f"http://127.0.0.1:{port}")
    server = make_server(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for page in pages:
            response = httpx.get(url_for(page), timeout=10)
            assert response.status_code == 200 and "dept_penalty" in response.text
        stylesheet = httpx.get(f"http://127.0.0.1:{port}/data-docs/static/styles/credit_warehouse.css", timeout=10)
        assert stylesheet.status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/data-docs/../secrets/x", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()
