"""The court feeds: a paginated JSON API with a bearer token.

Transient faults (5xx, 429, timeouts, dropped connections, a page of malformed JSON) are retried with
exponential backoff; a refused token or another 4xx is not. Pages are yielded one at a time so the
caller can store each one and a rerun resumes after the last stored page.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import httpx

from credit_warehouse.connections import env_name, get_connection
from credit_warehouse.feeds.errors import FeedInputError, SourceUnavailable
from credit_warehouse.feeds.registry import Feed
from credit_warehouse.settings import ConfigurationError

CONNECTION = "court_api"  # Airflow connection: the API's base URL, the bearer token as its password
ENV_ATTEMPTS = "CREDIT_WAREHOUSE_HTTP_ATTEMPTS"
ENV_BACKOFF = "CREDIT_WAREHOUSE_HTTP_BACKOFF_SECONDS"
ENV_TIMEOUT = "CREDIT_WAREHOUSE_HTTP_TIMEOUT_SECONDS"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    number: int
    total_pages: int
    items: list[dict]
    size_bytes: int
    total_items: int | None = None  # what the API says the whole pull holds ("total"), when it says it


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_seconds: float = 1.0  # doubles after each failed attempt
    timeout_seconds: float = 30.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        try:
            return cls(
                attempts=int(os.environ.get(ENV_ATTEMPTS, cls.attempts)),
                backoff_seconds=float(os.environ.get(ENV_BACKOFF, cls.backoff_seconds)),
                timeout_seconds=float(os.environ.get(ENV_TIMEOUT, cls.timeout_seconds)),
            )
        except ValueError:
            raise ConfigurationError(f"{ENV_ATTEMPTS}, {ENV_BACKOFF} and {ENV_TIMEOUT} must be numbers.") from None


class _Transient(Exception):
    """A fault worth another attempt; its text ends the final error sentence."""

    def __init__(self, text: str, unavailable: bool = True):
        super().__init__(text)
        self.unavailable = unavailable  # the source did not answer (rather than answering something broken)


def api_settings() -> tuple[str, str]:
    connection = get_connection(CONNECTION)
    if not connection.password:
        raise ConfigurationError(f"{env_name(CONNECTION)} has no password; the court API needs its bearer token there.")
    return connection.base_url, connection.password


def pull_identity(feed: Feed, logical_date: date) -> str:
    return f"GET {feed.source.endpoint}?date={logical_date.isoformat()}"


def iter_pages(
    feed: Feed, logical_date: date, start_page: int = 1, policy: RetryPolicy | None = None
) -> Iterator[Page]:
    """Pages start_page .. total_pages of the feed's endpoint for one date (total read from each page)."""
    base_url, token = api_settings()
    policy = policy or RetryPolicy.from_env()
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=policy.timeout_seconds) as client:
        number, total = start_page, None
        while total is None or number <= total:
            page = _fetch_page(client, feed, logical_date, number, policy)
            total = page.total_pages
            if number > total and number != 1:
                return  # resumed after the last page: nothing left
            yield page
            number += 1


def _fetch_page(client: httpx.Client, feed: Feed, logical_date: date, number: int, policy: RetryPolicy) -> Page:
    where = f"feed {feed.name}, page {number} of {feed.source.endpoint} for {logical_date.isoformat()}"
    params = {"date": logical_date.isoformat(), "page": number, "page_size": feed.source.page_size}
    delay = policy.backoff_seconds
    for attempt in range(1, policy.attempts + 1):
        try:
            return _try_page(client, feed, number, params, where)
        except _Transient as fault:
            if attempt == policy.attempts:
                error = SourceUnavailable if fault.unavailable else FeedInputError
                raise error(f"{where}: {fault} after {attempt} attempts.") from None
            log.warning("%s: %s (attempt %d of %d), retrying in %.1f s", where, fault, attempt, policy.attempts,
                        delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _try_page(client: httpx.Client, feed: Feed, number: int, params: dict, where: str) -> Page:
    limit = feed.limits.max_page_bytes
    try:
        with client.stream("GET", f"/api/v1/{feed.source.endpoint}", params=params) as response:
            if response.status_code in (401, 403):
                raise FeedInputError(
                    f"{where}: the court API refused the token (HTTP {response.status_code}); check the password of "
                    f"{env_name(CONNECTION)}."
                )
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"the API answered HTTP {response.status_code}")
            if response.status_code != 200:
                raise FeedInputError(f"{where}: the API answered HTTP {response.status_code}.")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FeedInputError(f"{where}: the page is over the limit of {limit} bytes.")
    except httpx.TimeoutException:
        raise _Transient("the request timed out") from None
    except httpx.TransportError as exc:
        raise _Transient(f"the connection failed ({type(exc).__name__})") from None
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _Transient("the response is not valid JSON", unavailable=False) from None
    if not isinstance(document, dict) or not isinstance(document.get("items"), list):
        raise _Transient("the response has no list of items", unavailable=False)
    total = document.get("total_pages")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise _Transient("the response has no valid total_pages")
    if document.get("page", number) != number:
        raise FeedInputError(f"{where}: the API returned page {document.get('page')!r} instead.")
    for position, item in enumerate(document["items"], 1):
        if not isinstance(item, dict):
            raise FeedInputError(f"{where}, item {position}: expected a JSON object.")
    items = document.get("total")
    if not document["items"] and number < total:
        raise FeedInputError(f"{where}: the page is empty though the API announces {total} pages; nothing was "
                             "loaded (the source is changing or cut short; retry later).")
    return Page(number=number, total_pages=max(total, 1), items=document["items"], size_bytes=len(body),
                total_items=items if isinstance(items, int) and not isinstance(items, bool) and items >= 0 else None)
