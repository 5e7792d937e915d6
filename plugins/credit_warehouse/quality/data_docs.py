"""GX Data Docs: a local static site under state_dir()/data_docs, rebuilt by every gate run.

Only counts, row numbers and masked values reach it: the expectations select util-masked values
(see checks.py), and ``assert_no_resident_ids`` is there for tests and the night summary to prove it.
"""

from __future__ import annotations

import re
from pathlib import Path

from credit_warehouse.identifiers import is_valid_resident_id, mask_resident_id
from credit_warehouse.settings import state_dir

SITE_NAME = "credit_warehouse"
_ID_SHAPED = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")


def data_docs_dir() -> Path:
    path = state_dir() / "data_docs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def site_config() -> dict:
    return {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(data_docs_dir())},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }


def page_path(context, validation_identifier) -> str | None:
    """Local file path of the Data Docs page of one validation result."""
    urls = context.get_docs_sites_urls(resource_identifier=validation_identifier, site_name=SITE_NAME)
    for entry in urls:
        url = entry.get("site_url") or ""
        if url.startswith("file://"):
            return url.removeprefix("file://")
    return None


def find_resident_ids(folder: Path | None = None) -> list[tuple[Path, str]]:
    """Files holding a checksum-valid full resident ID, with the ID masked (should always be empty)."""
    folder = folder or data_docs_dir()
    found = []
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".js"}:
            text = path.read_text(encoding="utf-8", errors="replace")
            ids = {m.group(0) for m in _ID_SHAPED.finditer(text)}
            found.extend((path, mask_resident_id(i)) for i in sorted(ids) if is_valid_resident_id(i.upper()))
    return found
