"""GX Data Docs: a local static site under state_dir()/data_docs, rebuilt by every gate run.

Only counts, row numbers and masked values reach it: the expectations select util-masked values
(see checks.py); security/scan.py, the one personal-data scanner, reads these pages too.
"""

from __future__ import annotations

from pathlib import Path

from credit_warehouse.settings import state_dir

SITE_NAME = "credit_warehouse"


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
